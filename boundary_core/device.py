"""Which torch device to compute on."""

import os

import torch

from boundary_core.checks import require_int


def default_device() -> torch.device:
    """The first CUDA GPU when one is usable, else the CPU."""
    return torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")


def describe(device: torch.device) -> str:
    """A human-readable device name, e.g. 'cuda (NVIDIA H100)' or 'cpu (2 threads)'."""
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return f"cpu ({torch.get_num_threads()} threads)"


def apply_thread_policy(threads: int | None = None) -> None:
    """Set torch's CPU threads: ``threads`` if given, else ``$BAE_TORCH_THREADS``, else 1.

    On a shared 2-core CPU, torch's intra-op threads spin-wait on each other: one explanation of
    a 64×64 shapes image took 87 s with 2 threads and 0.5 s with 1 (measured). The app and the
    CLI use this one policy; ``explain_image`` uses the second core for its worker thread.
    Nothing changes on a GPU.
    """
    if default_device().type != "cpu":
        return
    if threads is None:
        threads = require_int("BAE_TORCH_THREADS", int(os.environ.get("BAE_TORCH_THREADS", "1")))
    torch.set_num_threads(require_int("threads", threads))
