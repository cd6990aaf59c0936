"""Chunk geometry: which blocks of an array are contiguous runs of the stream.

Pure: imports nothing but the standard library (and the argument checks).

numpy fills an array of shape ``s`` in C order, so element ``(i, j, ...)`` is
value ``ravel(i, j, ...)`` of the stream.  A block is one contiguous run of
the stream exactly when it is one element thick along every axis before some
axis ``k`` and spans every axis after ``k`` fully.  Those blocks can each be
generated with one jump; other chunkings are built from such blocks and
rechunked.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from seedstream._args import count_arg

Chunks = tuple[tuple[int, ...], ...]


def normalize_shape(size: object) -> tuple[int, ...]:
    """numpy's ``size=`` argument (an int or a tuple of ints) as a shape.

    Raises ``TypeError`` for what is not an integer (floats, NaN, None inside a
    tuple, bools) and ``ValueError`` for negative dimensions, before anything
    is generated.

    Examples
    --------
    >>> normalize_shape(5), normalize_shape((2, 3)), normalize_shape(10**12)
    ((5,), (2, 3), (1000000000000,))
    """
    dims = size if isinstance(size, Sequence) and not isinstance(size, str | bytes) else (size,)
    shape = []
    for d in dims:
        try:
            shape.append(count_arg(d, "size"))
        except TypeError:
            raise TypeError(
                f"size must be an integer or a tuple of integers, got {size!r}"
            ) from None
        except ValueError:
            raise ValueError(f"negative dimensions are not allowed, got size={size!r}") from None
    return tuple(shape)


def is_contiguous(shape: tuple[int, ...], chunks: Chunks) -> bool:
    """Whether every block of `chunks` is one contiguous run in C order.

    Examples
    --------
    >>> is_contiguous((4, 6), ((2, 2), (6,)))       # bands of whole rows
    True
    >>> is_contiguous((4, 6), ((1, 1, 1, 1), (3, 3)))  # pieces of single rows
    True
    >>> is_contiguous((4, 6), ((2, 2), (3, 3)))
    False
    """
    split = [
        axis
        for axis, (n, c) in enumerate(zip(shape, chunks, strict=True))
        if len(c) > 1 or c[0] != n
    ]
    if not split:
        return True
    k = split[-1]  # the axis that is cut into pieces; all earlier cut axes must be unit
    return all(all(b == 1 for b in chunks[axis]) for axis in split if axis != k)


def contiguous_chunks(shape: tuple[int, ...], target_elements: int) -> Chunks:
    """Contiguous chunks of about `target_elements` elements each (at least one element).

    The first axis ``k`` whose trailing block fits is split; axes before it
    are cut into single slices, axes after it kept whole.

    Examples
    --------
    >>> contiguous_chunks((10,), 4)
    ((4, 4, 2),)
    >>> contiguous_chunks((3, 1000), 2500)
    ((2, 1), (1000,))
    >>> contiguous_chunks((2, 10), 4)
    ((1, 1), (4, 4, 2))
    """
    target = max(1, target_elements)
    if not shape:
        return ()
    out: list[tuple[int, ...]] = []
    for axis, n in enumerate(shape):
        trailing = math.prod(shape[axis + 1 :])
        if trailing <= target or axis == len(shape) - 1:
            step = max(1, target // max(1, trailing))
            out.append(_runs(n, step))
            out.extend((m,) for m in shape[axis + 1 :])
            return tuple(out)
        out.append((1,) * n if n else (0,))
    raise AssertionError("unreachable")  # pragma: no cover


def _runs(n: int, step: int) -> tuple[int, ...]:
    if n == 0:
        return (0,)
    full, rest = divmod(n, step)
    return (step,) * full + ((rest,) if rest else ())


def block_start(shape: tuple[int, ...], corner: Sequence[int]) -> int:
    """Index in the flat stream of the element at `corner` (C order), as a Python int.

    Examples
    --------
    >>> block_start((4, 6), (2, 3))
    15
    """
    index = 0
    for n, i in zip(shape, corner, strict=True):
        index = index * n + int(i)
    return index
