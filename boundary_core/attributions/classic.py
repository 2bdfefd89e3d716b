"""SM, IG, SG, Grad×Input and DeepLIFT through Captum (paper §2, App. B.3).

All maps are signed and attribute the logit ``f_target`` (not the softmax).
"""

import torch
from captum.attr import DeepLift, InputXGradient, IntegratedGradients, NoiseTunnel, Saliency
from torch import Tensor, nn

IG_STEPS = 20  # App. B.3: 20 points, riemann_trapezoid
IG_METHOD = "riemann_trapezoid"


def saliency(model: nn.Module, x: Tensor, target: Tensor) -> Tensor:
    """SM = ∂f_target/∂x, signed (Captum's default ``abs=True`` is turned off)."""
    return Saliency(model).attribute(x, target=target, abs=False).detach()


def integrated_gradients(
    model: nn.Module, x: Tensor, target: Tensor, baseline: Tensor, *, steps: int = IG_STEPS,
    method: str = IG_METHOD, internal_batch_size: int | None = None,
) -> tuple[Tensor, Tensor]:  # fmt: skip
    """IG(x; baseline) = (x − baseline) ⊙ ∫₀¹ ∇f_target(baseline + t(x − baseline)) dt.

    Captum 0.9's ``riemann_trapezoid`` places ``n`` points on [0, 1] (spacing 1/(n−1)) but weights
    them 1/n (ends 1/2n), so its weights sum to (n−1)/n: every map comes out scaled by (n−1)/n
    (5% short at the paper's n = 20, the same on a linear model). We rescale by n/(n−1), which
    gives the true trapezoid rule. Returns the map and the completeness delta
    Σ attr − (f(x) − f(baseline)) per sample, recomputed from the corrected map.
    """
    attribution = IntegratedGradients(model).attribute(
        x, baselines=baseline, target=target, n_steps=steps, method=method,
        internal_batch_size=internal_batch_size,
    ).detach()  # fmt: skip
    if method == "riemann_trapezoid":
        attribution = attribution * (steps / (steps - 1))
    with torch.no_grad():
        gap = model(x).gather(1, target[:, None]) - model(baseline).gather(1, target[:, None])
    return attribution, attribution.flatten(1).sum(dim=1) - gap.squeeze(1)


def smoothgrad(
    model: nn.Module, x: Tensor, target: Tensor, *, samples: int = 50, stdev: float = 0.15,
    seed: int = 0, batch_size: int = 25,
) -> Tensor:  # fmt: skip
    """SG = E_ε[∂f_target(x + ε)/∂x], ε ~ N(0, stdev²) in pixel units (Smilkov et al. 2017).

    Captum draws the noise from torch's global generator; we fork it and seed the fork, so the map
    is reproducible and the caller's random state is left untouched.
    """
    devices = [x.device] if x.device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        attribution = NoiseTunnel(Saliency(model)).attribute(
            x, nt_type="smoothgrad", nt_samples=samples, nt_samples_batch_size=batch_size,
            stdevs=stdev, target=target, abs=False,
        )  # fmt: skip
    return attribution.detach()


def grad_x_input(model: nn.Module, x: Tensor, target: Tensor) -> Tensor:
    """Grad×Input = x ⊙ ∂f_target/∂x."""
    return InputXGradient(model).attribute(x, target=target).detach()


def deeplift_refusal(model: nn.Module, x: Tensor) -> str | None:
    """Why Captum's DeepLift would be silently wrong on ``model``, or ``None`` if it is safe.

    Captum applies the rescale rule only at ``nn.ReLU`` modules it can hook, once per forward. A
    ReLU module called twice, or a functional ``relu`` (found by tracing with ``torch.fx``), gets
    plain gradients instead, so we refuse rather than return a wrong map.
    """
    calls: dict[nn.Module, int] = {}
    hooks = [
        module.register_forward_hook(lambda m, i, o: calls.__setitem__(m, calls.get(m, 0) + 1))
        for module in model.modules()
        if isinstance(module, nn.ReLU)
    ]
    try:
        with torch.no_grad():
            model(x[:1])
    finally:
        for hook in hooks:
            hook.remove()
    reused = [name for name, module in model.named_modules() if calls.get(module, 0) > 1]
    if reused:
        return f"ReLU module(s) reused within one forward pass: {', '.join(reused[:3])}"
    try:
        graph = torch.fx.symbolic_trace(model).graph
    except Exception as error:  # tracing arbitrary user models may fail for many reasons
        return f"the model could not be traced to verify its ReLUs ({type(error).__name__})"
    functional = [
        node.name
        for node in graph.nodes
        if node.op in ("call_function", "call_method") and "relu" in str(node.target)
    ]
    if functional:
        return f"functional relu call(s) Captum cannot hook: {', '.join(functional[:3])}"
    return None


def deeplift(
    model: nn.Module, x: Tensor, target: Tensor, baseline: Tensor | None = None
) -> tuple[Tensor, Tensor]:
    """DeepLIFT, rescale rule (Shrikumar et al. 2017), reference = black unless given.

    Raises ValueError (with the reason) for models on which Captum's rules would not apply.
    Returns the map and the summation-to-delta error per sample.
    """
    reason = deeplift_refusal(model, x)
    if reason is not None:
        raise ValueError(f"DeepLIFT refused for this model: {reason}")
    baseline = torch.zeros_like(x) if baseline is None else baseline
    attribution, delta = DeepLift(model).attribute(
        x, baselines=baseline, target=target, return_convergence_delta=True
    )
    return attribution.detach(), delta.detach()
