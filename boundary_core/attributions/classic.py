"""SM, IG, SG, Grad×Input and DeepLIFT through Captum (paper §2, App. B.3).

All maps are signed and attribute the logit ``f_target`` (not the softmax).
"""

import torch
from captum.attr import DeepLift, InputXGradient, IntegratedGradients, NoiseTunnel, Saliency
from torch import Tensor, nn
from torch.overrides import TorchFunctionMode

from boundary_core.attributions.defaults import IG_METHOD, IG_STEPS, SG_SAMPLES, SG_STDEV
from boundary_core.attributions.private import PrivateCopy, private_copy
from boundary_core.checks import require_finite, require_int


def saliency(model: nn.Module, x: Tensor, target: Tensor) -> Tensor:
    """SM = ∂f_target/∂x, signed (Captum's default ``abs=True`` is turned off)."""
    return Saliency(model).attribute(x, target=target, abs=False).detach()


def integrated_gradients(
    model: nn.Module,
    x: Tensor,
    target: Tensor,
    baseline: Tensor,
    *,
    steps: int = IG_STEPS,
    method: str = IG_METHOD,
    internal_batch_size: int | None = None,
) -> tuple[Tensor, Tensor]:
    """IG(x; baseline) = (x − baseline) ⊙ ∫₀¹ ∇f_target(baseline + t(x − baseline)) dt.

    Captum 0.9's ``riemann_trapezoid`` places ``n`` points on [0, 1] (spacing 1/(n−1)) but weights
    them 1/n (ends 1/2n), so its weights sum to (n−1)/n: every map comes out scaled by (n−1)/n
    (5% short at the paper's n = 20, the same on a linear model). We rescale by n/(n−1), which
    gives the true trapezoid rule. ``internal_batch_size`` path points go through the model per
    pass (``None``: all at once); the map is the same up to float rounding. Returns the map and
    the completeness delta Σ attr − (f(x) − f(baseline)) per sample, recomputed from the
    corrected map.

    Raises ValueError for ``steps < 2`` (a path needs two ends), an unknown ``method`` or a
    ``baseline`` whose shape differs from ``x``'s.
    """
    check_path_arguments(x, baseline, steps, method)
    if internal_batch_size is not None:
        require_int("IG batch size", internal_batch_size)
    attribution = (
        IntegratedGradients(model)
        .attribute(
            x,
            baselines=baseline,
            target=target,
            n_steps=steps,
            method=method,
            internal_batch_size=internal_batch_size,
        )
        .detach()
    )
    if method == "riemann_trapezoid":
        attribution = attribution * (steps / (steps - 1))
    with torch.no_grad():
        gap = model(x).gather(1, target[:, None]) - model(baseline).gather(1, target[:, None])
    return attribution, attribution.flatten(1).sum(dim=1) - gap.squeeze(1)


IG_METHODS = (
    "riemann_trapezoid",
    "riemann_left",
    "riemann_right",
    "riemann_middle",
    "gausslegendre",
)


def check_path_arguments(x: Tensor, baseline: Tensor, steps: int, method: str) -> None:
    """One clear ``ValueError`` for path arguments Captum would reject with an ``AssertionError``
    (or accept and return a wrong map: ``steps = 1`` divides by ``steps − 1`` above)."""
    require_int("path steps", steps, 2)
    if method not in IG_METHODS:
        raise ValueError(f"unknown quadrature {method!r}; choose one of {', '.join(IG_METHODS)}")
    if baseline.shape != x.shape:
        raise ValueError(f"baseline shape {tuple(baseline.shape)} differs from x {tuple(x.shape)}")


def smoothgrad(
    model: nn.Module,
    x: Tensor,
    target: Tensor,
    *,
    samples: int = SG_SAMPLES,
    stdev: float = SG_STDEV,
    seed: int = 0,
    batch_size: int = SG_SAMPLES,
) -> Tensor:
    """SG = E_ε[∂f_target(x + ε)/∂x], ε ~ N(0, stdev²) in pixel units (Smilkov et al. 2017).

    Captum draws the noise from torch's global generator; we fork it and seed the fork, so the map
    is reproducible and the caller's random state is left untouched. ``batch_size`` noisy copies
    go through the model per pass; the noise drawn, and so the map, does not depend on it.
    """
    require_int("SmoothGrad samples", samples)
    require_int("SmoothGrad batch size", batch_size)
    require_finite("SmoothGrad noise stdev", stdev, 0.0)
    devices = [x.device] if x.device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        attribution = NoiseTunnel(Saliency(model)).attribute(
            x,
            nt_type="smoothgrad",
            nt_samples=samples,
            nt_samples_batch_size=batch_size,
            stdevs=stdev,
            target=target,
            abs=False,
        )
    return attribution.detach()


def grad_x_input(model: nn.Module, x: Tensor, target: Tensor) -> Tensor:
    """Grad×Input = x ⊙ ∂f_target/∂x."""
    return InputXGradient(model).attribute(x, target=target).detach()


class DeepLiftRefused(ValueError):
    """Captum's DeepLift would be silently wrong on this model (the message says why)."""


class _FunctionalReluCalls(TorchFunctionMode):
    """Names of relu-like torch functions called outside any ``nn.ReLU`` module's forward.

    A torch-function mode is local to the thread that enters it, unlike ``torch.fx`` tracing,
    which patches ``nn.Module.__call__`` for every thread and so breaks models run concurrently
    by other sessions of the app.
    """

    def __init__(self):
        super().__init__()
        self.inside_relu_modules, self.names = 0, []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        name = getattr(func, "__name__", str(func))
        if "relu" in name and not self.inside_relu_modules:
            self.names.append(name)
        return func(*args, **(kwargs or {}))


def deeplift_refusal(model: nn.Module, x: Tensor) -> str | None:
    """Why Captum's DeepLift would be silently wrong on ``model``, or ``None`` if it is safe.

    Captum applies the rescale rule only at ``nn.ReLU`` modules it can hook, once per forward. A
    ReLU module called twice, or a functional ``relu`` (``F.relu``, ``torch.relu``,
    ``Tensor.relu`` outside an ``nn.ReLU``), gets plain gradients instead, so we refuse rather
    than return a wrong map. One forward pass of a private copy is watched, so the caller's
    model (maybe shared with other threads) never carries our hooks. The answer is a fact of the
    model's structure: it is found once per model (and again if the model changes) and kept with
    DeepLIFT's private copy.
    """
    private = private_copy(model, "deeplift")
    with private.lock:
        return _refusal_once(private, x)


def _refusal_once(private: PrivateCopy, x: Tensor) -> str | None:
    """The refusal reason noted on ``private``, checked with one forward the first time only."""
    if "refusal" not in private.notes:
        private.notes["refusal"] = _refusal_of_private_copy(private.model, x)
    return private.notes["refusal"]


def _refusal_of_private_copy(model: nn.Module, x: Tensor) -> str | None:
    """``deeplift_refusal`` for a model no other thread uses (it is hooked for one forward)."""
    calls: dict[nn.Module, int] = {}
    relus = [module for module in model.modules() if isinstance(module, nn.ReLU)]
    watcher = _FunctionalReluCalls()

    def enter(module, inputs):
        calls[module] = calls.get(module, 0) + 1
        watcher.inside_relu_modules += 1

    def leave(module, inputs, output):
        watcher.inside_relu_modules -= 1

    hooks = [relu.register_forward_pre_hook(enter) for relu in relus]
    hooks += [relu.register_forward_hook(leave) for relu in relus]
    try:
        with torch.no_grad(), watcher:
            model(x[:1])
    finally:
        for hook in hooks:
            hook.remove()
    reused = [name for name, module in model.named_modules() if calls.get(module, 0) > 1]
    if reused:
        return f"ReLU module(s) reused within one forward pass: {', '.join(reused[:3])}"
    if watcher.names:
        return f"functional relu call(s) Captum cannot hook: {', '.join(watcher.names[:3])}"
    return None


def deeplift(
    model: nn.Module, x: Tensor, target: Tensor, baseline: Tensor | None = None
) -> tuple[Tensor, Tensor]:
    """DeepLIFT, rescale rule (Shrikumar et al. 2017), reference = black unless given.

    Raises ``DeepLiftRefused`` (with the reason) for models on which Captum's rules would not
    apply.
    Returns the map and the summation-to-delta error per sample.
    """
    # Captum hooks every ReLU of the model it is given: it gets a private copy (made and checked
    # once per model, see ``attributions.private``), one call at a time.
    private = private_copy(model, "deeplift")
    with private.lock:
        reason = _refusal_once(private, x)
        if reason is not None:
            raise DeepLiftRefused(f"DeepLIFT refused for this model: {reason}")
        baseline = torch.zeros_like(x) if baseline is None else baseline
        attribution, delta = DeepLift(private.model).attribute(
            x, baselines=baseline, target=target, return_convergence_delta=True
        )
    return attribution.detach(), delta.detach()
