"""Checking integer arguments (steps, starts, sizes) the same way everywhere.

Pure: the standard library and numpy's bool type only.
"""

from __future__ import annotations

import operator

import numpy as np


def count_arg(value: object, name: str, *, refuse: str | None = None) -> int:
    """`value` as a non-negative Python int, or a clear ``TypeError`` / ``ValueError``.

    Integers of any kind (including numpy's) are accepted; bools, None,
    floats and strings are not.  `refuse` replaces the message of either error.

    Examples
    --------
    >>> count_arg(np.int64(5), "start")
    5
    >>> count_arg(2.0, "start")
    Traceback (most recent call last):
    ...
    TypeError: start must be a non-negative integer, got float 2.0
    """
    if isinstance(value, bool | np.bool_) or value is None:
        raise TypeError(refuse or f"{name} must be a non-negative integer, got {value!r}")
    try:
        n = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(
            refuse or f"{name} must be a non-negative integer, got {type(value).__name__} {value!r}"
        ) from None
    if n < 0:
        raise ValueError(refuse or f"{name} must be >= 0, got {n}")
    return n


def workers_arg(value: object) -> int | None:
    """``workers=``: None (one per CPU) or a whole number of at least 1.

    Examples
    --------
    >>> workers_arg(None), workers_arg(4)
    (None, 4)
    >>> workers_arg(0)
    Traceback (most recent call last):
    ...
    ValueError: workers must be at least 1 (or None: one per CPU), got 0
    """
    if value is None:
        return None
    refuse = f"workers must be a whole number of at least 1 (or None: one per CPU), got {value!r}"
    n = count_arg(value, "workers", refuse=refuse)
    if n < 1:
        raise ValueError(f"workers must be at least 1 (or None: one per CPU), got {n}")
    return n
