"""numpy's MT19937 uniforms from the vectorized core, on numpy's own state.

The compiled core (:mod:`seedstream._mtfill`) fills a buffer from an MT19937
``(key, pos)`` and advances it exactly as numpy's scalar generator would.
This module runs it on a numpy ``MT19937`` bit generator: numpy keeps owning
the state, and after :func:`fill_mt19937` its ``state`` (and a RandomState's
``get_state()``, whose cached Gaussian is not touched) is what numpy's own
call would have left.

numpy's ``MT19937.state`` property copies the 624 words one at a time in
each direction (about 0.1-0.5 ms a call), so the core works in place on
numpy's state struct, found through the documented ``ctypes.state_address``.
Its layout (624 ``uint32`` words, then the ``int`` position, as in numpy's
``mt19937.h``) is checked against the ``state`` property once per process on
a scratch generator; if the check fails, every call goes through the
``state`` property instead, slower but still numpy's numbers.
"""

from __future__ import annotations

import ctypes
import functools
import math
from typing import Any

import numpy as np
import numpy.typing as npt

from seedstream import _mtfill

__all__ = ["fill_mt19937", "uniforms"]

MT_N = 624
#: The output dtypes the core fills: float64 (``random_sample``), float32
#: (``Generator.random(dtype=np.float32)``) and uint32 (``random_raw``).
DTYPES = (np.dtype(np.float64), np.dtype(np.float32), np.dtype(np.uint32))


def core_path() -> str:
    """The core's code path in use: 'portable', 'avx2' or 'avx512' (see _mtfill.c)."""
    return _mtfill.current_path()


def _struct_view(bit_generator: np.random.MT19937) -> npt.NDArray[np.uint32]:
    """numpy's state struct as 625 words (the key, then the position), sharing memory."""
    address = bit_generator.ctypes.state_address
    return np.ctypeslib.as_array((ctypes.c_uint32 * (MT_N + 1)).from_address(address))


@functools.cache
def struct_layout_ok() -> bool:
    """Whether numpy's MT19937 state struct is laid out as this module reads it.

    Checked both ways on a scratch generator: a state set through numpy's
    ``state`` property must read back through the struct, and one written
    into the struct must read back through the property.
    """
    bit_generator = np.random.MT19937(12345)
    key = np.random.default_rng(1).integers(0, 2**32, MT_N, dtype=np.uint32)
    bit_generator.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": 311}}
    view = _struct_view(bit_generator)
    if not (np.array_equal(view[:MT_N], key) and int(view[MT_N]) == 311):
        return False
    view[:MT_N] = key[::-1]
    view[MT_N] = 622
    state = bit_generator.state["state"]
    return bool(np.array_equal(state["key"], key[::-1]) and state["pos"] == 622)


def _check_out(out: object) -> npt.NDArray[Any]:
    if not isinstance(out, np.ndarray):
        raise TypeError(f"out must be a numpy array, not {type(out).__name__}")
    if out.dtype not in DTYPES or not out.dtype.isnative:
        raise TypeError(
            f"out has dtype {out.dtype}; the MT19937 core fills native float64, "
            "float32 or uint32 only"
        )
    if not out.flags.c_contiguous:
        raise ValueError("out must be C-contiguous; fill a contiguous array and copy it")
    if not out.flags.writeable:
        raise ValueError("out is read-only; pass a writeable array")
    return out


def fill_mt19937(
    bit_generator: np.random.MT19937,
    out: npt.NDArray[Any],
    *,
    in_place: bool | None = None,
) -> npt.NDArray[Any]:
    """Fill `out` with `bit_generator`'s next values, as numpy draws them.

    Parameters
    ----------
    bit_generator : numpy.random.MT19937
        Advanced exactly as numpy's own call would advance it (a RandomState's
        is ``random_state._bit_generator``).
    out : numpy.ndarray
        Writeable, C-contiguous, native dtype: float64 gets the values of
        ``RandomState.random_sample`` / ``Generator(MT19937).random`` (two
        words each), float32 those of ``Generator(MT19937).random(
        dtype=np.float32)`` (one word each), uint32 the raw words of
        ``random_raw``.
    in_place : bool, optional
        Work on numpy's state struct directly (the default when its layout
        checks out) or through the ``state`` property (``False``).  Both give
        the same values and state; the choice is for tests.

    Returns
    -------
    numpy.ndarray
        `out`.

    Examples
    --------
    >>> import numpy as np
    >>> rs = np.random.RandomState(0)
    >>> out = fill_mt19937(rs._bit_generator, np.empty(3))
    >>> np.array_equal(out, np.random.RandomState(0).random_sample(3))
    True
    """
    if type(bit_generator) is not np.random.MT19937:
        raise TypeError(
            f"the MT19937 core serves numpy.random.MT19937 only, not {type(bit_generator).__name__}"
        )
    out = _check_out(out)
    if in_place is None:
        in_place = struct_layout_ok()
    # numpy's own draws hold this lock; so does the core, which releases the GIL.
    with bit_generator.lock:
        if in_place:
            view = _struct_view(bit_generator)
            view[MT_N] = _mtfill.fill(view[:MT_N], int(view[MT_N]), out)
        else:
            state = bit_generator.state["state"]
            key = np.array(state["key"], dtype=np.uint32)
            pos = _mtfill.fill(key, int(state["pos"]), out)
            bit_generator.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": pos}}
    return out


#: Below this many values numpy's own loop beats the core's fixed cost (finding the state
#: struct, about 15 us here; numpy makes about 1000 doubles in that time).
CORE_MIN_VALUES = 1024


def _plain_count(size: Any) -> int | None:
    """The number of values a plain ``size`` (an int or a tuple of ints) asks for, else None."""
    dims = size if isinstance(size, tuple) else (size,)
    if not all(isinstance(d, int | np.integer) and not isinstance(d, bool) for d in dims):
        return None
    if any(d < 0 for d in dims):
        return None  # numpy's error, raised by numpy
    n = 1
    for d in dims:
        n *= int(d)
    return n


def random_sample(random_state: np.random.RandomState, size: Any = None) -> Any:
    """``numpy.random.RandomState.random_sample(random_state, size)``, filled by the core.

    The one place where seedstream's in-memory legacy doubles (``random_sample``,
    ``random``, ``rand``, ``ranf``, ``sample``) meet the core: numpy's own
    method serves scalars, small draws, sizes numpy must validate, and any bit
    generator but MT19937; the values and the state after are numpy's either way.

    Examples
    --------
    >>> import numpy as np
    >>> a, b = np.random.RandomState(3), np.random.RandomState(3)
    >>> x = random_sample(a, (2, 5000))
    >>> bool((x == b.random_sample((2, 5000))).all()) and x.shape == (2, 5000)
    True
    >>> bool(a.random_sample() == b.random_sample())
    True
    """
    n = _plain_count(size) if size is not None else None
    bit_generator = random_state._bit_generator
    if n is None or n < CORE_MIN_VALUES or type(bit_generator) is not np.random.MT19937:
        return np.random.RandomState.random_sample(random_state, size)
    return fill_mt19937(bit_generator, np.empty(size, dtype=np.float64))


def _plain_real(x: object) -> bool:
    # A Python float, or an int that converts to a double exactly, as numpy converts both.
    return type(x) is float or (type(x) is int and abs(x) <= 2**53)


def uniform(
    random_state: np.random.RandomState, low: Any = 0.0, high: Any = 1.0, size: Any = None
) -> Any:
    """``numpy.random.RandomState.uniform(random_state, low, high, size)``, filled by the core.

    numpy computes ``low + (high - low) * random_sample()`` in doubles, one
    rounding per operation; so does this, on the core's doubles.  numpy's own
    method serves what :func:`random_sample` leaves to it and also array or
    numpy-scalar bounds and ranges that are not finite (numpy raises there).

    Examples
    --------
    >>> import numpy as np
    >>> a, b = np.random.RandomState(3), np.random.RandomState(3)
    >>> bool((uniform(a, -2.5, 7, 5000) == b.uniform(-2.5, 7, 5000)).all())
    True
    """
    n = _plain_count(size) if size is not None else None
    bit_generator = random_state._bit_generator
    span = float(high) - float(low) if _plain_real(low) and _plain_real(high) else math.nan
    if (
        n is None
        or n < CORE_MIN_VALUES
        or type(bit_generator) is not np.random.MT19937
        or not math.isfinite(span)
    ):
        return np.random.RandomState.uniform(random_state, low, high, size)
    return _scale(fill_mt19937(bit_generator, np.empty(size, dtype=np.float64)), low, span)


def _scale(out: npt.NDArray[Any], low: float, span: float) -> npt.NDArray[Any]:
    # numpy's ``low + (high - low) * u``: one rounding per operation, in doubles.
    out *= span
    out += float(low)
    return out


def uniforms(
    bit_generator: np.random.BitGenerator,
    count: int,
    dtype: str = "float64",
    low: float = 0.0,
    high: float = 1.0,
    *,
    scaled: bool = False,
) -> npt.NDArray[Any] | None:
    """`count` uniforms from `bit_generator` by the core, as numpy's draw makes them; else None.

    ``scaled``: numpy's ``uniform(low, high)`` (float64); otherwise its
    ``random_sample`` / ``Generator.random`` in `dtype` (float64 or float32).
    None (nothing drawn) where the core cannot serve: another bit generator,
    a range that is not finite (numpy raises there), another dtype.  This is
    how every chunk of a fixed uniform draw is made (``Draw.call``).

    Examples
    --------
    >>> import numpy as np
    >>> x = uniforms(np.random.MT19937(5), 4, low=-1.0, high=3.0, scaled=True)
    >>> bool((x == np.random.Generator(np.random.MT19937(5)).uniform(-1.0, 3.0, 4)).all())
    True
    """
    if type(bit_generator) is not np.random.MT19937 or dtype not in ("float64", "float32"):
        return None
    span = float(high) - float(low)
    if scaled and (dtype != "float64" or not math.isfinite(span)):
        return None
    out = fill_mt19937(bit_generator, np.empty(count, dtype=dtype))
    return _scale(out, low, span) if scaled else out


# --- Generator(MT19937) in memory ------------------------------------------------------

_CORE_FLOATS = (np.dtype(np.float64), np.dtype(np.float32))


def _core_float(dtype: Any) -> np.dtype[Any] | None:
    """Native float64 or float32 when `dtype` names one; else None (numpy decides, or raises)."""
    try:
        found = np.dtype(dtype)
    except (TypeError, ValueError):
        return None
    return found if found in _CORE_FLOATS else None


def _pays(n: int, dtype: np.dtype[Any]) -> bool:
    """Whether `n` values of `dtype` pay for the core's fixed cost: CORE_MIN_VALUES doubles' words.

    numpy makes a float32 from one word and a float64 from two, so float32s twice as fast:
    they need twice as many values to pay (measured, 1024 float32s: core 22 us, numpy 12).
    """
    return n * dtype.itemsize >= 8 * CORE_MIN_VALUES


def _fills(out: object, dtype: np.dtype[Any], size: Any) -> bool:
    """Whether numpy would fill `out` as it is and the core can too (else numpy serves)."""
    if not (
        isinstance(out, np.ndarray)
        and out.dtype == dtype
        and out.flags.c_contiguous
        and out.flags.writeable
        and out.flags.aligned
        and _pays(out.size, dtype)
    ):
        return False
    if size is None:
        return True
    # numpy's check: the size, as a tuple, must be out's shape
    dims = size if isinstance(size, tuple) else (size,)
    return _plain_count(size) is not None and tuple(int(d) for d in dims) == out.shape


def generator_random(
    generator: np.random.Generator, size: Any = None, dtype: Any = np.float64, out: Any = None
) -> Any:
    """``numpy.random.Generator.random(generator, size, dtype, out)``, filled by the core.

    The one place where seedstream's in-memory ``Generator.random`` meets the
    core: on MT19937, float64 or float32, at least ``CORE_MIN_VALUES`` doubles
    (twice as many float32s: the same words), into a new array or an `out`
    that is C-contiguous, writeable and of the native dtype asked for.  numpy's
    own method serves everything else (and raises numpy's errors); the values
    and the state after are numpy's either way.

    Examples
    --------
    >>> import numpy as np
    >>> a, b = (np.random.Generator(np.random.MT19937(3)) for _ in range(2))
    >>> x = generator_random(a, (2, 5000), np.float32)
    >>> bool((x == b.random((2, 5000), np.float32)).all()) and x.dtype == np.float32
    True
    >>> bool(a.random() == b.random())
    True
    """
    bit_generator = generator.bit_generator
    if type(bit_generator) is np.random.MT19937:
        found = _core_float(dtype)
        if found is not None and out is None:
            n = _plain_count(size) if size is not None else None
            if n is not None and _pays(n, found):
                return fill_mt19937(bit_generator, np.empty(size, dtype=found))
        elif found is not None and _fills(out, found, size):
            return fill_mt19937(bit_generator, out)
    return np.random.Generator.random(generator, size, dtype, out)


def generator_uniform(
    generator: np.random.Generator, low: Any = 0.0, high: Any = 1.0, size: Any = None
) -> Any:
    """``numpy.random.Generator.uniform(generator, low, high, size)``, filled by the core.

    As :func:`uniform` (``low + (high - low) * u`` in doubles), for Generator:
    numpy's own method serves what :func:`generator_random` leaves to it,
    array or numpy-scalar bounds, and spans that are negative or not finite
    (numpy raises there).

    Examples
    --------
    >>> import numpy as np
    >>> a, b = (np.random.Generator(np.random.MT19937(3)) for _ in range(2))
    >>> bool((generator_uniform(a, -2.5, 7, 5000) == b.uniform(-2.5, 7, 5000)).all())
    True
    """
    n = _plain_count(size) if size is not None else None
    bit_generator = generator.bit_generator
    span = float(high) - float(low) if _plain_real(low) and _plain_real(high) else math.nan
    if (
        n is None
        or n < CORE_MIN_VALUES
        or type(bit_generator) is not np.random.MT19937
        or not 0.0 <= span < math.inf
    ):
        return np.random.Generator.uniform(generator, low, high, size)
    return _scale(fill_mt19937(bit_generator, np.empty(size, dtype=np.float64)), low, span)
