"""Attribution defaults, written once: the functions' keyword defaults and ``Settings`` read them.

Every value follows the paper (App. B.3) unless its comment says otherwise.
"""

IG_STEPS = 20  # IG and BIG: 20 points on the path (App. B.3)
IG_METHOD = "riemann_trapezoid"  # the paper's quadrature (Captum's name; its weights are corrected)
SG_SAMPLES = 50  # SmoothGrad samples (not stated in the paper; Smilkov et al. use 50)
SG_STDEV = 0.15  # SmoothGrad noise σ in pixel units, i.e. 15% of the [0, 1] range
SG_BATCH_SIZE = 25  # noisy copies per forward pass (memory only; the map does not depend on it)
AGI_CLASSES = 20  # false classes (capped at K − 1)
AGI_STEPS = 20  # steps per false class
AGI_STEP_SIZE = 0.05  # L∞ step, pixel units
AGI_VARIANT = "as_described"  # the cumulative path of Pan et al.; "as_coded" mirrors their repo
BASELINE_COLOR = (0.5, 0.5, 0.5)  # the ``color`` IG baseline: mid grey
BLUR_SIGMA = 5.0  # the ``blur`` IG baseline: Gaussian σ in pixels
# Guided IG (Kapishnikov et al. 2021): the defaults of the reference implementation, PAIR's
# `saliency` package (`saliency/core/guided_ig.py`, `GuidedIG.GetMask`)
GUIDED_STEPS = 200  # steps along the guided path, one gradient each
GUIDED_FRACTION = 0.25  # share of features with the smallest |gradient| moved at every step
GUIDED_MAX_DIST = 0.02  # how far (relative ℓ1, [0, 1]) the path may leave the straight line
