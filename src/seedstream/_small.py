"""Plain small calls of the public methods, straight to numpy's method, in C.

A Monte Carlo loop that swaps ``numpy.random`` for ``seedstream`` makes
millions of calls like ``rs.random_sample()`` or ``g.normal(0, 1, 10)``.
numpy draws a scalar in a fraction of a microsecond, and a Python method that
only tests ``start=``, ``chunks=`` and ``store=`` before calling numpy costs
about as much again.  So each method that :func:`small` decorates becomes a
:class:`seedstream._fastcall.small_call`: a C method descriptor that serves a
*plain* call (numpy's own parameters, ``size`` None or a small int) by numpy's
method, then moves the position by a fixed rule, and hands every other call,
untouched, to the Python method it decorates.

The position is read and written in ``obj._track``: an object with plain
attributes ``words`` (int, or None when unknown) and ``lost_by``.  A
:class:`Track` (C, from the same module; :class:`seedstream._position.Track`
is one) is moved without making a Python int.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from seedstream._fastcall import Track, small_call
from seedstream._plan import SMALL_DRAW_BYTES

__all__ = ["SMALL_VALUES", "Track", "serve_small", "small"]

F = TypeVar("F", bound=Callable[..., Any])

#: The largest int ``size`` a plain call serves without planning (float64s under the
#: plan's small-draw threshold; any narrower dtype is smaller still).
SMALL_VALUES = SMALL_DRAW_BYTES // 8


def serve_small(
    numpy: Callable[..., Any],
    fallback: Callable[..., Any],
    *,
    words: int | str | None = None,
    lose: str | None = None,
    core: Callable[..., Any] | None = None,
    core_min: int = 0,
    max_size: int | None = SMALL_VALUES,
    shape_args: bool = False,
) -> Callable[..., Any]:
    """`fallback`, with its plain small calls served by `numpy` (see :func:`small`)."""
    if shape_args:  # rand(*shape): rand() and rand(n) are numpy's random_sample() and (n)
        names: tuple[str, ...] = ("size",)
    else:
        names = tuple(inspect.signature(numpy).parameters)[1:]
        if words is not None:  # what follows size (dtype=, out=) may change the consumption
            names = names[: names.index("size") + 1]
    if words is not None:
        rule: dict[str, Any] = {"rule": "words", "per": words}
    elif lose is not None:
        rule = {"rule": "lose", "label": lose}
    else:
        rule = {"rule": "known"}
    served = small_call(
        numpy,
        fallback,
        names,
        size_at=names.index("size") if "size" in names else -1,
        max_size=-1 if max_size is None else max_size,
        keywords=not shape_args,
        core=core,
        core_min=core_min,
        **rule,
    )
    functools.update_wrapper(served, fallback)  # __name__, __qualname__, __doc__, ...
    # inspect follows __wrapped__: to the Python method, or on to what it wraps (numpy's)
    served.__wrapped__ = getattr(fallback, "__wrapped__", fallback)
    return served


def small(
    numpy: Callable[..., Any],
    *,
    words: int | str | None = None,
    lose: str | None = None,
    core: Callable[..., Any] | None = None,
    core_min: int = 0,
    max_size: int | None = SMALL_VALUES,
    shape_args: bool = False,
) -> Callable[[F], F]:
    """Serve the decorated method's plain small calls by numpy's method `numpy`, in C.

    A call is plain when it gives only `numpy`'s parameters (by position or
    keyword; with `words`, only those up to ``size``) and a ``size`` that is
    None or an int up to `max_size` (None: any size).  Then ``numpy(obj,
    *args, **kwargs)`` runs (or `core`, same signature, for sizes from
    `core_min` on) and the position moves:

    - `words` (an int, or the name of an int attribute of the track, such as
      ``"double_words"``): that many native words per value returned;
    - `lose` (a label): the position becomes unknown, lost by `lose`;
    - neither: numpy's call only while the position is unknown; while it is
      known, the decorated method works the consumption out.

    Every other call goes to the decorated method, with its arguments as given.
    `shape_args`: the method takes the shape as ``*args`` (``rand``, ``randn``),
    and `numpy` is the method it calls with one int (``random_sample``).

    Examples
    --------
    >>> import numpy as np
    >>> class Demo(np.random.RandomState):
    ...     def __init__(self, seed):
    ...         super().__init__(seed)
    ...         self._track = Track(double_words=2)
    ...     @small(np.random.RandomState.random_sample, words="double_words")
    ...     def random_sample(self, size=None, *, start=0):
    ...         return "the Python method"
    >>> d = Demo(0)
    >>> d.random_sample(3).tolist() == np.random.RandomState(0).random_sample(3).tolist()
    True
    >>> d._track.words, d.random_sample(3, start=1)
    (6, 'the Python method')
    """

    def decorate(fallback: F) -> F:
        served: F = serve_small(  # type: ignore[assignment]
            numpy,
            fallback,
            words=words,
            lose=lose,
            core=core,
            core_min=core_min,
            max_size=max_size,
            shape_args=shape_args,
        )
        return served

    return decorate
