"""Every numpy method seedstream carries, in one table: how each one reads the stream.

Pure: numpy only.  One :class:`Method` row per method of ``RandomState``,
``Generator`` and ``PythonRandom`` (and numpy.random's module-level names
that are not methods).  :class:`~seedstream._draw.Draw` reads it to accept a
draw and to find its consumption, the classes to generate their wrappers and
know their names, and the command line to offer its ``--method`` choices.
Adding a method is one row.

The consumption kinds:

``uniform``
    one double (or float32) per value from numpy's ``random_sample`` or
    ``Generator.random``, filled by the vectorized MT19937 core when it can.
``fixed``
    a fixed number of units per value, from numpy's own method.
``polar``
    RandomState's Gaussians: numpy's polar method (it rejects about 21.5 % of
    its attempts) and its cached Gaussian.
``ziggurat``
    Generator's ziggurat methods, whose tables are private to numpy's C code:
    counted by numpy's own method.
``counted``
    variable consumption counted by numpy's own method on a counting bit
    generator (see :mod:`seedstream._variable`): for given parameters, each
    value reads units of one width, found by numpy's own method (Generator's
    ``hypergeometric``: 32-bit for small samples, doubles otherwise), and no
    state outside the bit generator (so not RandomState's
    Gaussian-based methods, which share its cached Gaussian); scalar
    parameters only, since the consumption depends on them.
``counted_gauss``
    RandomState's methods built on its cached Gaussian (numpy's legacy
    ``legacy_gauss``: the polar method, whose second value waits in the
    RandomState between values and calls): counted as ``counted``, with the
    cached Gaussian carried in the parse state; scalar parameters only.
``integers``
    bounded integers: every draw a value, or masked / Lemire rejection,
    depending on the range and the dtype.
``bytes``
    numpy's ``bytes``: 32-bit draws, four bytes each.
``choice``
    numpy's ``choice``: with replacement, an ``integers`` draw of indices (or
    with ``p`` a ``uniform`` draw searched in the CDF), mapped block by block
    to elements of ``a`` (see :mod:`seedstream._pick`); without, numpy's call
    in memory only.
``python``
    CPython's ``random.Random`` methods (``PythonRandom`` rows): one ``random()``
    double a value (``gauss``: a pair of values from two), ``getrandbits(k)``'s
    ``ceil(k / 32)`` words, or ``normalvariate``'s rejection loop (two doubles an
    attempt, counted; ``lognormvariate`` its ``exp``); made by CPython's formula with
    the C library's math (see :mod:`seedstream._pyvalues`).
``untracked``
    numpy's method as it is; its consumption is not counted, so the position
    becomes unknown.
``state``
    seeding and state: no draw.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import random
import textwrap
from typing import Any, Literal

import numpy as np

__all__ = ["METHODS", "Method", "derived_from", "legacy_functions", "method", "methods"]

Kind = Literal[
    "uniform",
    "fixed",
    "polar",
    "ziggurat",
    "counted",
    "counted_gauss",
    "integers",
    "bytes",
    "choice",
    "python",
    "untracked",
    "state",
]

_F64 = ("float64",)
# numpy's bounded integers, chunked or started: native words, or packed into 32-bit words
_INT_DTYPES = ("int32", "uint32", "int64", "uint64", "bool", "int8", "uint8", "int16", "uint16")
# A counted method's result: float64, or int64 for the discrete ones (numpy's own dtypes).
_COUNTED_DTYPES = ("float64", "int64")


@dataclasses.dataclass(frozen=True)
class Method:
    """One numpy method: its API, name, how it reads the stream, and what it can be asked.

    ``dtypes``: the result dtypes a :class:`~seedstream._draw.Draw` of it can
    hold, i.e. with which it takes ``start=``, ``chunks=`` and ``store=``;
    empty when it is drawn in memory only (or made by another method's draw).
    ``standard``: the method it consumes as, whatever its parameters (arrays
    too): ``normal`` as ``standard_normal``.  ``alias_of``: the same method
    under numpy's other name (draws carry the target's name).
    ``shape_args``: it takes the shape as ``*args`` (``rand``, ``randn``).

    Examples
    --------
    >>> row = method("Generator", "normal")
    >>> row.kind, row.standard, row.parameters
    ('ziggurat', 'standard_normal', ('loc', 'scale'))
    """

    api: str  # "RandomState", "Generator", "PythonRandom" or "numpy.random" (module-level)
    name: str
    kind: Kind
    dtypes: tuple[str, ...] = ()
    standard: str | None = None
    alias_of: str | None = None
    shape_args: bool = False

    @property
    def numpy(self) -> Any:
        """numpy's own method (the unbound function of numpy's class), or module function.

        (For a ``PythonRandom`` row that is not an alias, CPython's ``random.Random`` method.)
        """
        if self.api == "numpy.random":
            return getattr(np.random, self.name)
        if self.api == "PythonRandom" and self.alias_of is None:
            return getattr(random.Random, self.name)
        base = np.random.Generator if self.api == "Generator" else np.random.RandomState
        return getattr(base, self.alias_of or self.name)

    @property
    def parameters(self) -> tuple[str, ...]:
        """numpy's own parameter names, without ``self``, ``size``, ``dtype`` and ``out``."""
        return _parameters(self)[0]

    @property
    def takes_dtype(self) -> bool:
        """Whether numpy's method takes ``dtype=``."""
        return _parameters(self)[1]

    @property
    def storable(self) -> bool:
        """Whether it takes ``start=``, ``chunks=`` and ``store=`` (a draw can name it)."""
        return bool(self.dtypes)


@functools.cache
def _parameters(row: Method) -> tuple[tuple[str, ...], bool]:
    names = tuple(inspect.signature(row.numpy).parameters)
    kept = tuple(n for n in names if n not in ("self", "size", "dtype", "out"))
    return kept, "dtype" in names


def _rows(api: Any, kind: Kind, names: str, **fields: Any) -> list[Method]:
    return [Method(api, name, kind, **fields) for name in names.split()]


_RS, _GEN = "RandomState", "Generator"

#: The table.  Within an API, the order is the one the command line lists.
METHODS: tuple[Method, ...] = (
    # --- RandomState (numpy's legacy API) ------------------------------------------------
    Method(_RS, "random_sample", "uniform", _F64),
    Method(_RS, "random", "uniform", _F64, alias_of="random_sample"),
    Method(_RS, "rand", "uniform", _F64, alias_of="random_sample", shape_args=True),
    Method(_RS, "uniform", "uniform", _F64),
    Method(_RS, "standard_normal", "polar", _F64),
    Method(_RS, "normal", "polar", _F64, standard="standard_normal"),
    Method(_RS, "randn", "polar", _F64, alias_of="standard_normal", shape_args=True),
    Method(_RS, "standard_exponential", "fixed", _F64),
    Method(_RS, "exponential", "fixed", _F64, standard="standard_exponential"),
    Method(_RS, "randint", "integers", _INT_DTYPES),
    # made as a randint draw (its Draw names randint)
    Method(_RS, "random_integers", "integers", standard="randint"),
    Method(_RS, "bytes", "bytes"),
    Method(_RS, "choice", "choice"),
    *_rows(
        _RS, "counted",
        "binomial geometric gumbel hypergeometric laplace logistic logseries pareto poisson "
        "power rayleigh triangular vonmises weibull zipf",
        dtypes=_COUNTED_DTYPES,
    ),
    # built on numpy's cached Gaussian: counted with it in the parse state (all doubles)
    *_rows(
        _RS, "counted_gauss",
        "beta chisquare f gamma lognormal negative_binomial noncentral_chisquare noncentral_f "
        "standard_cauchy standard_gamma standard_t wald",
        dtypes=_COUNTED_DTYPES,
    ),
    # not one value per element of `size` (multivariate_normal, which reads the cached
    # Gaussian too, among them)
    *_rows(
        _RS, "untracked",
        "dirichlet multinomial multivariate_normal permutation shuffle tomaxint",
    ),
    *_rows(_RS, "state", "seed get_state set_state"),
    # --- numpy.random's module-level names that are not RandomState methods --------------
    Method("numpy.random", "ranf", "uniform", alias_of="random_sample"),
    Method("numpy.random", "sample", "uniform", alias_of="random_sample"),
    *_rows("numpy.random", "state", "get_bit_generator set_bit_generator"),
    # --- Generator (numpy's new API) -----------------------------------------------------
    Method(_GEN, "random", "uniform", ("float64", "float32")),
    Method(_GEN, "uniform", "uniform", _F64),
    Method(_GEN, "integers", "integers", _INT_DTYPES),
    Method(_GEN, "standard_normal", "ziggurat", ("float64", "float32")),
    Method(_GEN, "normal", "ziggurat", _F64, standard="standard_normal"),
    Method(_GEN, "standard_exponential", "ziggurat", ("float64", "float32")),
    Method(_GEN, "exponential", "ziggurat", _F64, standard="standard_exponential"),
    Method(_GEN, "bytes", "bytes"),
    Method(_GEN, "choice", "choice"),
    *_rows(
        _GEN, "counted",
        "beta binomial chisquare f gamma geometric gumbel hypergeometric laplace logistic "
        "lognormal logseries negative_binomial noncentral_chisquare noncentral_f pareto poisson "
        "power rayleigh standard_cauchy",
        dtypes=_COUNTED_DTYPES,
    ),
    Method(_GEN, "standard_gamma", "counted", ("float64", "int64", "float32")),
    *_rows(
        _GEN, "counted",
        "standard_t triangular vonmises wald weibull zipf",
        dtypes=_COUNTED_DTYPES,
    ),
    # not one value per element of `size`
    *_rows(
        _GEN, "untracked",
        "dirichlet multinomial multivariate_hypergeometric "
        "multivariate_normal permutation permuted shuffle",
    ),
    # --- PythonRandom: random.random()'s stream; its draws are legacy random_sample and
    # uniform ones (the same doubles, the same formula), so its rows are aliases of those
    Method("PythonRandom", "random", "uniform", _F64, alias_of="random_sample"),
    Method("PythonRandom", "uniform", "uniform", _F64, alias_of="uniform"),
    # CPython's formulas over random()'s doubles, with the C library's math ((log)normvariate:
    # a rejection loop, counted)
    *_rows(
        "PythonRandom", "python",
        "triangular expovariate paretovariate weibullvariate gauss normalvariate "
        "lognormvariate",
        dtypes=_F64,
    ),
    # ceil(k / 32) words a value: int64 up to k = 63, uint64 for k = 64
    Method("PythonRandom", "getrandbits", "python", ("int64", "uint64")),
)  # fmt: skip

_BY_KEY = {(row.api, row.name): row for row in METHODS}


def method(api: str, name: str) -> Method:
    """The row of `api`'s method `name` (KeyError if seedstream does not carry it)."""
    return _BY_KEY[api, name]


def methods(api: str, *kinds: Kind) -> tuple[Method, ...]:
    """`api`'s rows, in the table's order; only those of `kinds` if any are given."""
    return tuple(r for r in METHODS if r.api == api and (not kinds or r.kind in kinds))


def draw_method(api: str, name: str) -> Method | None:
    """The row a :class:`~seedstream._draw.Draw` of ``(api, name)`` stands for, if it can be one.

    Aliases are not: a draw carries numpy's main name (``random_sample``, not ``rand``).
    """
    row = _BY_KEY.get((api, name))
    return row if row is not None and row.alias_of is None else None


def legacy_functions() -> tuple[str, ...]:
    """numpy.random's legacy module-level functions, as seedstream provides them.

    Every RandomState row and numpy.random's own module-level names.

    Examples
    --------
    >>> len(legacy_functions()), legacy_functions()[:3]
    (53, ('random_sample', 'random', 'rand'))
    """
    return tuple(r.name for r in METHODS if r.api in ("RandomState", "numpy.random"))


_NOTES = {
    "counted": (
        "seedstream: also takes ``start=``, ``chunks=`` and ``store=`` (keywords). Its "
        "consumption varies, so the stream is counted first by numpy's own method on a "
        "counting bit generator; its parameters must then be scalars."
    ),
    "counted_gauss": (
        "seedstream: also takes ``start=``, ``chunks=`` and ``store=`` (keywords). Its "
        "consumption varies and it reads the Gaussian RandomState caches, so the stream is "
        "counted first by numpy's own method on a counting bit generator, the cached "
        "Gaussian carried along; its parameters must then be scalars."
    ),
    "ziggurat": (
        "seedstream: also takes ``start=``, ``chunks=`` and ``store=`` (keywords). The "
        "ziggurat's consumption varies, so the stream is counted first by numpy's own "
        "method; it consumes as {standard}, whatever its parameters."
    ),
    "choice": (
        "seedstream: with replacement, also takes ``start=``, ``chunks=`` and ``store=`` "
        "(keywords; a 1-D or int ``a``, and any ``p``): the values are those of numpy's "
        "index (or, with ``p``, uniform) draw, mapped to elements of ``a``. Without "
        "replacement, numpy's own call, in memory only."
    ),
    "untracked": (
        "seedstream: numpy's own method. Its consumption is not counted, so afterwards "
        "``position`` is unknown until it is assigned; it has no ``start=``, ``chunks=`` "
        "or ``store=``."
    ),
}


def derived_from(row: Method) -> str:
    """numpy's docstring of `row`'s method with seedstream's note after its summary line.

    As dask's ``derived_from``: the reader sees numpy's documentation and, at the
    top, what seedstream changes.

    Examples
    --------
    >>> doc = derived_from(method("Generator", "poisson"))
    >>> [line.strip()[:33] for line in doc.splitlines()[3:6]]
    ['Draw samples from a Poisson distr', '', 'seedstream: also takes ``start=``']
    """
    doc = row.numpy.__doc__ or ""
    note = _NOTES[row.kind].format(standard=f"``{row.standard or row.name}``")
    lines = doc.splitlines()
    # numpy's docstrings open with the signature line, a blank line, then the summary
    head = next((i for i, line in enumerate(lines) if line.strip()), 0)
    end = next((i for i in range(head + 1, len(lines)) if not lines[i].strip()), len(lines))
    if end + 1 < len(lines) and lines[head].lstrip().startswith(row.name + "("):
        end = next(
            (i for i in range(end + 1, len(lines)) if not lines[i].strip()),
            len(lines),
        )
    indent = " " * 8
    wrapped = textwrap.fill(note, 88, initial_indent=indent, subsequent_indent=indent)
    return "\n".join([*lines[:end], "", wrapped, *lines[end:]])
