"""Attribution defaults, written once: the functions' keyword defaults and ``Settings`` read them.

Every value follows the paper (App. B.3) unless its comment says otherwise.
"""

IG_STEPS = 20  # IG and BIG: 20 points on the path (App. B.3)
IG_METHOD = "riemann_trapezoid"  # the paper's quadrature (Captum's name; its weights are corrected)
SG_SAMPLES = 50  # SmoothGrad samples (not stated in the paper; Smilkov et al. use 50)
SG_STDEV = 0.15  # SmoothGrad noise σ in pixel units, i.e. 15% of the [0, 1] range
# Images per forward pass for IG/BIG path points, SmoothGrad's noisy copies and AGI's paths, set by
# pixels per pass (speed and memory only: the maps do not depend on it, up to float rounding). On a
# CPU small batches are cheapest per image at 224² (ResNet-50, one thread, forward + backward
# 0.32–0.34 s per image at 1–2 images, 0.45 s at 20: BENCHMARKS.md, resnet50), while small images
# need large batches to spread the cost of each pass; on a GPU large batches fill the device.
CPU_PIXELS_PER_PASS = 2 * 224 * 224  # 2 images at 224², 24 at 64², 98 at 32²
GPU_PIXELS_PER_PASS = 25 * 224 * 224  # 25 images at 224² (about 5 GB with a ResNet-50's gradients)
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
