"""numpy's MT19937 state struct, read and written in place (checked once per process).

numpy's ``MT19937.state`` property copies the 624 words one at a time in each
direction; the core (:mod:`seedstream._fill`) and the jump (:mod:`seedstream._jump`)
work on the struct itself, reached through the bit generator's ``capsule``,
once :func:`struct_layout_ok` has checked that it is laid out as they read it.
Below both, so that neither imports the other for it.
"""

from __future__ import annotations

import ctypes
import functools

import numpy as np
import numpy.typing as npt

import seedstream._mtfill as _mtfill

__all__ = ["MT_N", "struct_layout_ok"]

MT_N = 624


def _struct_view(bit_generator: np.random.MT19937) -> npt.NDArray[np.uint32]:
    """numpy's state struct as 625 words (the key, then the position), sharing memory."""
    address = bit_generator.ctypes.state_address
    return np.ctypeslib.as_array((ctypes.c_uint32 * (MT_N + 1)).from_address(address))


@functools.cache
def struct_layout_ok() -> bool:
    """Whether numpy's MT19937 state struct is laid out as this module reads it.

    Checked both ways on a scratch generator: a state set through numpy's
    ``state`` property must read back through the struct, and one written
    into the struct must read back through the property.  The struct is the
    one the ``capsule`` points at (what :func:`seedstream._mtfill.fill_state`
    fills), as well as the one ``ctypes.state_address`` gives.
    """
    bit_generator = np.random.MT19937(12345)
    if _mtfill.state_address(bit_generator.capsule) != bit_generator.ctypes.state_address:
        return False
    key = np.random.default_rng(1).integers(0, 2**32, MT_N, dtype=np.uint32)
    bit_generator.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": 311}}
    view = _struct_view(bit_generator)
    if not (np.array_equal(view[:MT_N], key) and int(view[MT_N]) == 311):
        return False
    view[:MT_N] = key[::-1]
    view[MT_N] = 622
    state = bit_generator.state["state"]
    return bool(np.array_equal(state["key"], key[::-1]) and state["pos"] == 622)
