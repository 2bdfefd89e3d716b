"""Run torch single-threaded for the toy's tiny tensors, restoring the caller's setting after.

On a busy 2-core machine, intra-op threads spin-wait on each other: measured here, training a
2×16 MLP took 24-42 s with 2 threads and 0.2 s with 1. Toy tensors are far too small to gain
from threads, so every toy entry point that runs torch loops wraps itself in ``one_thread()``.
"""

import contextlib
import functools

import torch


@contextlib.contextmanager
def one_thread():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def single_threaded(function):
    """Decorator form of ``one_thread``."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with one_thread():
            return function(*args, **kwargs)

    return wrapper
