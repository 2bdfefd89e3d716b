"""Argument checks for the public entry points: one clear ``ValueError`` per bad value.

Counts (steps, samples, restarts) must be true integers in range, never silently replaced or
clipped; reals must be finite. The CLI, the pages and the library all raise these same messages.
"""

import math
import numbers


def require_int(name: str, value, minimum: int = 1, maximum: int | None = None) -> int:
    """``value`` as an int in ``[minimum, maximum]``; bools and floats are refused."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if value < minimum or (maximum is not None and value > maximum):
        bound = f">= {minimum}" if maximum is None else f"in [{minimum}, {maximum}]"
        raise ValueError(f"{name} must be {bound}, got {value}")
    return value


def require_finite(name: str, value, minimum: float | None = None, *, strict: bool = False):
    """``value`` as a finite float, above ``minimum`` (``strict``: strictly above)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if minimum is not None and (number <= minimum if strict else number < minimum):
        raise ValueError(f"{name} must be {'>' if strict else '>='} {minimum:g}, got {number:g}")
    return number


def one_line(error: BaseException) -> str:
    """An error as one line for a user: its message's first line, else its type's name."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
