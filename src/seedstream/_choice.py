"""``choice`` of RandomState and Generator, made from its row of the method table.

A plain call is numpy's ``choice`` as it is (the position becomes unknown).
With ``start=``, ``chunks=`` or ``store=``, a choice *with replacement* of a
1-D or int ``a`` is numpy's own draw behind it -- legacy ``randint(0, n)``
(``dtype=int``) or ``random_sample`` with ``p``; Generator ``integers(0, n,
dtype=int64)`` or ``random`` with ``p`` -- with a
:class:`~seedstream._pick.Pick` that maps its values to numpy's result.  So
``choice(a, n, start=k)`` equals numpy's ``choice(a, k + n)[k:]``, and the
object then stands where numpy's would.  Without replacement numpy draws a
permutation or runs Floyd's algorithm over the whole sample: no value can be
placed on its own, so those raise ``NotImplementedError``.

Imports the delivery path and the modules below it.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import operator
from typing import Any

import numpy as np

import seedstream._deliver as _deliver
from seedstream._draw import Draw
from seedstream._methods import Method, derived_from
from seedstream._pick import Pick
from seedstream._position import Track
from seedstream._small import serve_small
from seedstream._wrap import draw_object

__all__ = ["chosen"]


def chosen(row: Method) -> Any:
    """numpy's ``choice`` of `row`'s API, with ``start=``, ``chunks=`` and ``store=``."""
    method, api, label = row.numpy, row.api, f"{row.name}()"
    signature = inspect.signature(method)

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
            track.words, track.lost_by = None, label
            return out
        # the writer's keywords are the ones numpy's method does not take
        options = {key: kwargs.pop(key) for key in list(kwargs) if key not in signature.parameters}
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        given = bound.arguments
        a, size, p = given["a"], given["size"], given["p"]
        _check(method, api, given)
        population = np.asarray(a)
        if not given["replace"]:
            raise NotImplementedError(
                "choice(replace=False) has no start=, chunks= or store=: numpy draws the whole "
                "sample at once (a permutation, or Floyd's algorithm), so its values cannot be "
                "placed in the stream; draw it in memory (without them)"
            )
        if population.ndim > 1:
            raise NotImplementedError(
                "choice() of a multi-dimensional a has no start=, chunks= or store=; draw it "
                "in memory, or draw indices (choice(a.shape[axis], ...)) and take them"
            )
        pick = Pick(
            None if population.ndim == 0 else population,
            None if p is None else Pick.cdf_of(p),
            np.dtype(np.long if api == "RandomState" else np.int64).name,
        )
        n = operator.index(population.item()) if population.ndim == 0 else population.shape[0]
        if not n:  # then no value is asked for (numpy checked): numpy's empty result, no draw
            return method(self, *args, **kwargs)
        draw = dataclasses.replace(_index_draw(api, n, p is not None), pick=pick)

        def in_memory() -> Any:
            # numpy's own draw behind choice, from seedstream's method (start= and position)
            if p is not None:
                if api == "RandomState":
                    drawn = self.random_sample(size, start=start)
                else:
                    drawn = self.random(size, start=start)
            elif api == "RandomState":
                drawn = self.randint(0, n, size, start=start)
            else:
                drawn = self.integers(0, n, size, np.int64, start=start)
            return pick.finish(drawn, size is None)

        order = _deliver.Order(
            "choice",
            draw=lambda: draw,
            in_memory=in_memory,
            dtype=pick.dtype,
            size=size,
            start=start,
            chunks=chunks,
            store=store,
            options=options,  # type: ignore[arg-type]  # deliver refuses unknown keys
        )
        return _deliver.deliver(self, order)

    wrapper.__doc__ = derived_from(row)
    return serve_small(method, wrapper, lose=label, max_size=None)  # plain calls in C


def _check(method: Any, api: str, given: dict[str, Any]) -> None:
    """numpy's own errors for `a`, `p`, `axis` and `size`, from a scratch object, before any draw.

    numpy's call with ``replace=True`` and no size (one value), unless the
    size has no element (numpy allows an empty ``a`` then) or is malformed;
    without replacement, a size over the population is numpy's call too (it
    raises before drawing).
    """
    size = given["size"]
    try:
        values = None if size is None else int(np.prod(size))
    except (TypeError, ValueError):
        values = 0  # numpy's own error for this size
    checked = {k: v for k, v in given.items() if k != "self"}
    scratch = draw_object(api)
    method(scratch, **{**checked, "size": size if values == 0 else None, "replace": True})
    if not given["replace"] and values is not None:
        population = np.asarray(given["a"])
        n = population.item() if population.ndim == 0 else population.shape[given.get("axis", 0)]
        if values > n:
            method(scratch, **checked)  # numpy: "Cannot take a larger sample than population"


def _index_draw(api: str, n: int, uniform: bool) -> Draw:
    """The draw numpy's choice makes: indices below `n`, or with ``p`` uniforms."""
    if api == "RandomState":
        if uniform:
            return Draw(api, "random_sample")
        return Draw(api, "randint", (("low", 0), ("high", n)), np.dtype(int).name)
    if uniform:
        return Draw(api, "random")
    return Draw(api, "integers", (("low", 0), ("high", n), ("endpoint", False)), "int64")
