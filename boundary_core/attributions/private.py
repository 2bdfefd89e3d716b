"""Private copies of a model, made once per model and purpose and remade when the model changes.

Two kinds of work must not touch the caller's model, which other threads (other sessions of the
app) may be running: Captum's DeepLift hooks every ReLU of the model it is given, and the worker
thread of ``explain_image`` runs beside the search. Deep-copying a ResNet-50 (100 MB) on every
call costs more than a pass through it, so each copy is kept, weakly keyed by the caller's model
(it goes when the model goes), with the facts computed once about it (e.g. whether DeepLIFT is
safe on it). A copy is remade as soon as the model's *fingerprint* changes: any parameter or
buffer replaced, moved, cast or written in place (``load_state_dict``, an optimiser step: torch
bumps a tensor's version counter on every in-place write) or any module's train/eval flag. Hooks
the caller adds after a copy was made are not on the copy.
"""

import copy
import threading
import weakref
from dataclasses import dataclass, field
from itertools import chain

from torch import nn


def fingerprint(model: nn.Module) -> tuple:
    """What a copy of ``model`` must still match: each parameter's and buffer's storage, version
    counter (bumped by every in-place write), shape, dtype and device, and every train flag."""
    tensors = chain(model.parameters(), model.buffers())
    return (
        tuple((t.data_ptr(), t._version, t.shape, t.dtype, t.device) for t in tensors),
        tuple(module.training for module in model.modules()),
    )


@dataclass
class PrivateCopy:
    """A deep copy of a model, facts found once about it (``notes``), and a lock for work that
    must have the copy to itself (e.g. DeepLift's hooks)."""

    model: nn.Module
    fingerprint: tuple
    notes: dict = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


_COPIES: "weakref.WeakKeyDictionary[nn.Module, dict[str, PrivateCopy]]" = (
    weakref.WeakKeyDictionary()
)
_COPIES_LOCK = threading.Lock()


def private_copy(model: nn.Module, purpose: str) -> PrivateCopy:
    """The private copy of ``model`` for ``purpose`` (one per purpose: DeepLift's hooked copy is
    not the worker thread's), made on first use and again whenever ``model`` has changed."""
    now = fingerprint(model)
    with _COPIES_LOCK:
        copies = _COPIES.setdefault(model, {})
        kept = copies.get(purpose)
        if kept is None or kept.fingerprint != now:
            kept = copies[purpose] = PrivateCopy(copy.deepcopy(model), now)
        return kept
