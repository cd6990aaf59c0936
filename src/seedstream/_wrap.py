"""The public methods made from the method table: numpy's own, counted or untracked.

:func:`counted` and :func:`untracked` turn a :class:`~seedstream._methods.Method`
row into a method of RandomState or Generator: numpy's method as it is for a
plain call (the object's :class:`~seedstream._position.Track` counts it, or
loses the position), and :func:`seedstream._deliver.deliver` for ``start=``,
``chunks=`` and ``store=``.  :func:`plain_first` puts the same plain small
call in front of a method written out in its class: it is the one place
where a plain call is told apart from one that needs the delivery path.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

import seedstream._deliver as _deliver
from seedstream._deliver import SMALL_DRAW_VALUES
from seedstream._draw import Draw, gauss_params
from seedstream._fill import CORE_MIN_VALUES
from seedstream._methods import Method, derived_from
from seedstream._position import SFC64_START, Track, check_start, count, refuse_sfc64
from seedstream._small import serve_small

F = TypeVar("F", bound=Callable[..., Any])

#: How a plain call of an "integers" row is counted: ``tally(track, out, args, kwargs)``.
Tally = Callable[[Track, Any, tuple[Any, ...], dict[str, Any]], None]


def plain_first(
    row: Method,
    *,
    core: Callable[..., Any] | None = None,
    core_min: int = CORE_MIN_VALUES,
    tally: Tally | None = None,
) -> Callable[[F], F]:
    """Put numpy's plain small call in front of `row`'s method, written out in its class.

    A plain call (no ``start``, ``chunks``, ``store`` or writer's keyword; a
    size of at most ``SMALL_DRAW_VALUES`` values, or none; only numpy's
    parameters up to ``size``, or all of them for integers) is numpy's own
    method, counted on the object's track by the row's kind: a double's
    words per value (``uniform``, ``fixed``), the position lost (``polar``),
    or `tally` (``integers``).  Any other call is the decorated method's.
    `core` (numpy's signature) makes draws of `core_min` values or more
    (``CORE_MIN_VALUES`` for doubles: below it numpy's own loop is faster).
    The decorated method's signature is the one callers and type checkers see.
    """
    numpy = row.numpy  # an alias's target: rand is numpy's random_sample with a size
    names = [n for n in inspect.signature(numpy).parameters if n != "self"]
    at = names.index("size")
    allowed = frozenset(names if row.kind == "integers" else names[: at + 1])
    doubles = row.kind in ("uniform", "fixed")
    label = f"{row.alias_of or row.name}()"
    if row.kind == "integers" and tally is None:
        raise ValueError(f"{row.name}: an integers method needs its tally")

    def decorate(full: F) -> F:
        if row.shape_args:  # rand(*shape), randn(*shape): numpy's with size=shape

            @functools.wraps(full)
            def shaped(
                self: Any,
                *shape: Any,
                start: int = 0,
                chunks: Any = None,
                store: Any = None,
                **options: Any,
            ) -> Any:
                plain = start.__class__ is int and not start and chunks is None and store is None
                if plain and not options:
                    if not shape:
                        return _plain(self, None, (), {})
                    one = len(shape) == 1 and shape[0].__class__ is int
                    if one and shape[0] <= SMALL_DRAW_VALUES:
                        return _plain(self, shape[0], shape, {})
                return full(self, *shape, start=start, chunks=chunks, store=store, **options)

            return in_c(shaped)  # type: ignore[no-any-return]

        @functools.wraps(full)
        def method(
            self: Any,
            *args: Any,
            start: int = 0,
            chunks: Any = None,
            store: Any = None,
            **kwargs: Any,
        ) -> Any:
            if (
                start.__class__ is int
                and not start
                and chunks is None
                and store is None
                and (not kwargs or kwargs.keys() <= allowed)
                and (len(args) <= at + 1 or row.kind == "integers")
            ):
                size = args[at] if len(args) > at else kwargs.get("size")
                if (
                    size is None
                    or (size.__class__ is int and size <= SMALL_DRAW_VALUES)
                    or (size.__class__ is tuple and not size)  # (): numpy's own choice() asks so
                ):
                    return _plain(self, size, args, kwargs)
            return full(self, *args, start=start, chunks=chunks, store=store, **kwargs)

        return in_c(method)  # type: ignore[no-any-return]

    def in_c(python: Callable[..., Any]) -> Any:
        """`python`, behind the same plain small calls served in C (seedstream._small): the
        Python method serves every call the C one hands on."""
        return serve_small(
            numpy,
            python,
            words="double_words" if doubles else None,
            lose=None if doubles or tally is not None else label,  # integers: tallied in Python
            core=core,
            core_min=core_min,
            shape_args=bool(row.shape_args),
        )

    def _plain(self: Any, size: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """numpy's call (or the core's), counted on the track."""
        if row.shape_args:
            args = () if size is None else (size,)
        if core is not None and size.__class__ is int and size >= core_min:
            out = core(self, *args, **kwargs)
        else:
            out = numpy(self, *args, **kwargs)
        track: Track = self._track
        if doubles:
            if track.words is not None:
                track.words += track.double_words * (size if size.__class__ is int else count(out))
        elif tally is not None:
            tally(track, out, args, kwargs)
        else:
            track.words, track.lost_by = None, label
        return out

    return decorate


def untracked(row: Method) -> Any:
    """numpy's method of `row`, made to mark the position unknown (its consumption is not counted).

    It has no ``start=``, ``chunks=`` or ``store=``: those raise NotImplementedError.
    """
    method, name, label = row.numpy, row.name, f"{row.name}()"

    @functools.wraps(method)
    def wrapper(
        self: Any,
        *args: Any,
        start: int = 0,
        chunks: Any = None,
        store: Any = None,
        **kwargs: Any,
    ) -> Any:
        if start.__class__ is int and not start and chunks is None and store is None:
            out = method(self, *args, **kwargs)  # numpy's call, then two stores: kept lean
            track: Track = self._track
            track.words, track.lost_by = None, label
            return out
        given = {"start": check_start(start) or None, "chunks": chunks, "store": store}
        asked = [key for key, value in given.items() if value is not None]
        if asked:
            raise NotImplementedError(
                f"{row.api}.{name}() has no {'=, '.join(asked)}=: its values cannot be "
                "placed in the stream independently. Draw it in memory, or see the README's "
                "'Other distributions' for the methods that have them"
            )
        out = method(self, *args, **kwargs)
        self._track.lose(label)
        return out

    wrapper.__doc__ = derived_from(row)
    return serve_small(method, wrapper, lose=label, max_size=None)  # plain calls in C


def counted(row: Method) -> Any:
    """numpy's method of `row` with ``start=``, ``chunks=`` and ``store=``, counted by numpy.

    numpy's method runs over the stream on a counting bit generator (see
    :mod:`seedstream._variable`); its parameters must be scalars for that,
    since each value's consumption depends on them.  A ziggurat method
    consumes as its standard form does (``normal`` as ``standard_normal``),
    and is counted by that form, whatever its parameters: arrays too, in memory.
    A ``counted_gauss`` row (RandomState's methods built on its cached
    Gaussian) carries the Gaussian the object holds into its draw.
    """
    method, name, api = row.numpy, row.name, row.api
    standard = (row.standard or name) if row.kind == "ziggurat" else row.standard
    signature = inspect.signature(method)
    label = f"{name}()"
    # Where numpy's `method=` argument comes among the positional ones (after self), if any:
    # standard_exponential(method="inv") consumes one double per value, so it stays tracked.
    names = list(signature.parameters)
    method_at = names.index("method") - 1 if "method" in names else None

    def split(args: Any, kwargs: Any) -> tuple[dict[str, Any], Any, Any, Any]:
        """(parameters, dtype, size, out) of a call, by numpy's names."""
        bound = signature.bind(None, *args, **kwargs)
        bound.apply_defaults()
        params = {k: v for k, v in bound.arguments.items() if k not in ("self", "size", "out")}
        return (
            params,
            params.pop("dtype", None),
            bound.arguments["size"],
            bound.arguments.get("out"),
        )

    def counting(
        params: dict[str, Any], dtype_name: str, cached: tuple[tuple[str, Any], ...] = ()
    ) -> Draw:
        """A draw that consumes as the call does (for a start= in memory)."""
        if standard is None:
            return make(params, dtype_name, cached)
        kept = tuple((k, str(v)) for k, v in params.items() if k == "method")
        return Draw(api, standard, kept, dtype_name)

    def make(
        params: dict[str, Any], dtype_name: str, cached: tuple[tuple[str, Any], ...] = ()
    ) -> Draw:
        for key, value in params.items():
            if np.ndim(value) != 0:
                raise NotImplementedError(
                    f"{name}() with an array {key} cannot be started later, chunked or "
                    "stored: each value's consumption depends on its parameters; pass "
                    "scalars (or draw it in memory)"
                )
        plain = tuple((key, np.asarray(v).item()) for key, v in params.items())
        return Draw(api, name, plain + cached, dtype_name)

    def zig(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
        """Whether the call uses the ziggurat (variable consumption) rather than numpy's "inv"."""
        if method_at is None:
            return True
        chosen = args[method_at] if len(args) > method_at else kwargs.get("method", "zig")
        return bool(chosen == "zig")

    @functools.wraps(method)
    def wrapper(
        self: Any,
        *args: Any,
        start: int = 0,
        chunks: Any = None,
        store: Any = None,
        **kwargs: Any,
    ) -> Any:
        if start.__class__ is int and not start and chunks is None and store is None:
            out = method(self, *args, **kwargs)  # numpy's call as it is
            track: Track = self._track
            if standard is None:  # variable: counting it would cost a pass over the values
                track.words, track.lost_by = None, label
            elif track.words is None:
                pass
            elif zig(args, kwargs):  # the ziggurat: variable too (named by its standard form)
                track.words, track.lost_by = None, f"{standard}()"
            else:  # exact when the consumption is fixed (standard_exponential's "inv")

                def drawn() -> Draw:
                    params, dtype, _, _ = split(args, kwargs)
                    return counting(params, np.dtype(dtype or np.float64).name)

                track.count_drawn(drawn, count(out))
            return out
        # the writer's keywords are the ones numpy's method does not take
        options = {key: kwargs.pop(key) for key in list(kwargs) if key not in signature.parameters}
        params, dtype, size, out = split(args, kwargs)
        extra = {} if dtype is None else {"dtype": dtype}
        # numpy's own errors (and result dtype), before anything moves
        scratch = getattr(draw_object(api), name)
        sample = scratch(**params, **extra)
        if np.ndim(sample) == 0:  # a Python scalar (not of the array's dtype): one as an array
            sample = scratch(**params, **extra, size=1)
        result = np.asarray(sample).dtype
        # RandomState's cached Gaussian, in numpy's state where the values start
        cached = gauss_params(self) if row.kind == "counted_gauss" else ()

        def in_memory() -> Any:
            track: Track = self._track
            if check_start(start):
                refuse_sfc64(track.origin, SFC64_START)
            draw = counting(params, result.name, cached)
            call = lambda: method(self, *args, **kwargs)  # noqa: E731
            use = draw.consumption(track.origin)
            if use.fixed:  # e.g. numpy draws nothing for these parameters
                return track.draw_units(start, use, call)
            return _deliver.draw_variable(self, name, lambda: draw, start, call)

        if out is not None and (chunks is not None or store is not None):
            raise TypeError("out= is an in-memory array: it cannot go with chunks= or store=")
        order = _deliver.Order(
            name,
            draw=lambda: make(params, result.name, cached),
            in_memory=in_memory,
            dtype=result,
            size=size,
            start=start,
            chunks=chunks,
            store=store,
            options=options,  # type: ignore[arg-type]  # deliver refuses unknown keys
        )
        return _deliver.deliver(self, order)

    wrapper.__doc__ = derived_from(row)
    # plain calls in C: a variable draw loses the position there; a ziggurat or "inv" draw is
    # served in C only while the position is unknown (else the wrapper works it out)
    lose = None if standard is not None else label
    return serve_small(method, wrapper, lose=lose, max_size=None)


def draw_object(api: str) -> Any:
    """A scratch numpy object of `api`, for numpy's own parameter checks."""
    if api == "RandomState":
        return np.random.RandomState(0)
    return np.random.Generator(np.random.PCG64(0))
