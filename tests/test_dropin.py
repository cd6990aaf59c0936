"""``import seedstream as sr`` in place of ``numpy.random``: the same names, calls and bits.

The oracle is numpy itself.  Every public method of numpy's ``RandomState``
and ``Generator`` (and every module-level function) is called on seedstream's
object and on numpy's, seeded alike, with the same arguments in several
forms: ``size=None``, an int, a tuple, zero; array parameters that
broadcast (``(3,)`` with ``(1,)``, ``(2, 1)`` with ``(3,)``, with a size),
lists, 0-d arrays and numpy scalars.  The results must match in type
(a Python float where numpy returns one, a numpy scalar where it does),
dtype, shape and bytes (``tobytes()``: ``-0.0`` and NaN payloads count),
and the objects must then be in the same state.  Bad parameters must raise
numpy's exception type, leaving the same state.

The argument forms are built from one table of valid parameter values per
method (:data:`PARAMS`); methods with other signatures are listed call by
call (:data:`RS_CALLS`, :data:`GEN_CALLS`).  A method numpy adds and the
tables do not cover fails :func:`test_every_method_is_covered`.
"""

from __future__ import annotations

import functools
import random
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import seedstream as sr
from _compare import assert_same_bits, assert_same_state, state_of

SEED = 7

# Refused on purpose, with the reason: none so far.
REFUSED: dict[str, str] = {}

# Parameters of the distributions that broadcast: three valid values per
# parameter (the first is the scalar form), and one set of bad parameters.
PARAMS: dict[str, tuple[dict[str, tuple[Any, Any, Any]], dict[str, Any]]] = {
    "beta": ({"a": (0.5, 2.0, 3.0), "b": (2.0, 0.7, 1.0)}, {"a": -1.0}),
    "binomial": ({"n": (10, 3, 25), "p": (0.3, 0.9, 0.05)}, {"p": 1.5}),
    "chisquare": ({"df": (3.0, 0.5, 9.0)}, {"df": -1.0}),
    "exponential": ({"scale": (2.0, 0.5, 1.0)}, {"scale": -1.0}),
    "f": ({"dfnum": (3.0, 1.0, 8.0), "dfden": (5.0, 2.0, 4.0)}, {"dfnum": -1.0}),
    "gamma": ({"shape": (2.0, 0.5, 4.0), "scale": (1.5, 1.0, 0.3)}, {"shape": -1.0}),
    "geometric": ({"p": (0.3, 0.8, 0.05)}, {"p": 1.5}),
    "gumbel": ({"loc": (0.5, -1.0, 2.0), "scale": (2.0, 1.0, 0.1)}, {"scale": -1.0}),
    "hypergeometric": (
        {"ngood": (5, 2, 9), "nbad": (7, 3, 1), "nsample": (4, 2, 6)},
        {"nsample": 40},
    ),
    "laplace": ({"loc": (0.5, -1.0, 2.0), "scale": (2.0, 1.0, 0.1)}, {"scale": -1.0}),
    "logistic": ({"loc": (0.5, -1.0, 2.0), "scale": (2.0, 1.0, 0.1)}, {"scale": -1.0}),
    "lognormal": ({"mean": (0.1, -1.0, 2.0), "sigma": (0.5, 1.0, 0.1)}, {"sigma": -1.0}),
    "logseries": ({"p": (0.6, 0.1, 0.9)}, {"p": 1.5}),
    "negative_binomial": ({"n": (3, 1, 10), "p": (0.4, 0.9, 0.2)}, {"p": 1.5}),
    "noncentral_chisquare": ({"df": (3.0, 1.0, 6.0), "nonc": (1.5, 0.0, 4.0)}, {"df": -1.0}),
    "noncentral_f": (
        {"dfnum": (3.0, 1.0, 6.0), "dfden": (5.0, 2.0, 9.0), "nonc": (1.5, 0.0, 4.0)},
        {"dfnum": -1.0},
    ),
    "normal": ({"loc": (0.5, 0.0, -3.0), "scale": (0.5, 1.0, 2.0)}, {"scale": -1.0}),
    "pareto": ({"a": (3.0, 1.0, 0.5)}, {"a": -1.0}),
    "poisson": ({"lam": (4.0, 0.0, 30.0)}, {"lam": -1.0}),
    "power": ({"a": (2.0, 0.5, 5.0)}, {"a": -1.0}),
    "rayleigh": ({"scale": (2.0, 0.5, 1.0)}, {"scale": -1.0}),
    "standard_cauchy": ({}, {}),
    "standard_exponential": ({}, {}),
    "standard_gamma": ({"shape": (2.0, 0.5, 4.0)}, {"shape": -1.0}),
    "standard_normal": ({}, {}),
    "standard_t": ({"df": (3.0, 1.0, 10.0)}, {"df": -1.0}),
    "triangular": (
        {"left": (0.0, -1.0, 1.0), "mode": (1.0, 0.0, 1.5), "right": (3.0, 2.0, 1.5)},
        {"left": 2.0},
    ),
    "uniform": ({"low": (0.0, -1.0, 0.5), "high": (1.0, 2.0, 6.0)}, {}),
    "vonmises": ({"mu": (0.5, -1.0, 2.0), "kappa": (2.0, 0.1, 5.0)}, {"kappa": -1.0}),
    "wald": ({"mean": (1.0, 0.5, 3.0), "scale": (2.0, 1.0, 0.5)}, {"mean": 0.0}),
    "weibull": ({"a": (1.5, 0.5, 3.0)}, {"a": -1.0}),
    "zipf": ({"a": (2.5, 1.5, 4.0)}, {"a": 0.5}),
}
# Integers: bounds broadcast too.
INTEGER_PARAMS = {"low": (0, -3, 5), "high": (10, 4, 2**40)}

Call = tuple[str, tuple[Any, ...], dict[str, Any]]  # method, args, kwargs


def _forms(method: str, params: dict[str, tuple[Any, Any, Any]]) -> Iterator[Call]:
    """Calls of `method` with valid `params` in every form: sizes, arrays that broadcast."""
    names = list(params)
    first = {k: v[0] for k, v in params.items()}
    for size in (None, 3, (2, 3), 0, (), np.int64(2), [2, 1]):
        yield method, (), {**first, "size": size}
    yield method, (*first.values(), 4), {}  # size passed by position
    if not names:
        return
    head, *rest = names
    arrays = {head: np.array(params[head])} | {k: np.array(params[k][:1]) for k in rest}
    yield method, (), dict(arrays)  # (3,) with (1,), no size
    yield method, (), {**arrays, "size": (2, 3)}  # broadcast against the size
    yield method, (*(list(v) for v in arrays.values()),), {}  # lists, positionally
    # (2, 1) with (3,)
    column = np.array(params[head][:2]).reshape(2, 1)
    yield method, (), {head: column} | {k: np.array(params[k]) for k in rest}
    yield method, (), {head: column} | {k: np.array(params[k]) for k in rest} | {"size": (4, 2, 3)}
    yield method, (), first | {head: np.array(first[head])}  # a 0-d array
    yield method, (), first | {head: np.float64(first[head])}  # a numpy scalar
    yield method, (), first | {head: np.array([first[head]])}  # shape (1,): an array back


def _errors(
    method: str, params: dict[str, tuple[Any, Any, Any]], bad: dict[str, Any]
) -> Iterator[Call]:
    """Calls numpy refuses: a bad parameter (scalar, in an array), a size that does not fit."""
    first = {k: v[0] for k, v in params.items()}
    if bad:
        yield method, (), first | bad
        yield method, (), first | bad | {"size": 3}
        ((name, value),) = bad.items()
        yield method, (), first | {name: np.array([params[name][0], value])}
    if params:
        head = next(iter(params))
        yield method, (), first | {head: np.array(params[head]), "size": (2,)}
    yield method, (), first | {"size": -1}
    yield method, (), first | {"size": (2, -3)}


def _integer_forms(method: str, extra: dict[str, Any]) -> Iterator[Call]:
    lo, hi = INTEGER_PARAMS["low"], INTEGER_PARAMS["high"]
    for size in (None, 3, (2, 3), 0):
        yield method, (5,), {"size": size, **extra}
        yield method, (-7, 9), {"size": size, **extra}
        yield method, (0, 2**40), {"size": size, **extra}
    yield method, (np.array(lo), np.array(hi)), dict(extra)
    yield method, (np.array(lo[:2]).reshape(2, 1), np.array(hi)), dict(extra)
    yield method, (list(lo), [hi[0]]), {"size": (2, 3), **extra}
    yield method, (np.array([5, 9, 17]),), dict(extra)  # an array `high` alone
    yield method, (np.int64(3), 9), dict(extra)
    yield method, (np.array(3), 9), dict(extra)
    for dtype in ("int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", bool):
        high = 2 if dtype is bool else 100
        for size in (None, 5, (2, 3)):
            yield method, (0, high), {"size": size, "dtype": dtype, **extra}
        yield method, (np.array([0, 1]), high), {"dtype": dtype, **extra}


def _integer_errors(method: str, extra: dict[str, Any]) -> Iterator[Call]:
    yield method, (5, 5), dict(extra)
    yield method, (0, 300), {"dtype": "int8", **extra}
    yield method, (1.5, 9), dict(extra)
    yield method, (0, 9), {"dtype": np.float64, **extra}
    yield method, (np.array([0, 9]), 5), dict(extra)
    yield method, (0, 9), {"size": -1, **extra}


def _distributions(api: str) -> Iterator[Call]:
    for method, (params, _) in PARAMS.items():
        if hasattr(getattr(np.random, api), method):
            yield from _forms(method, params)


# Calls whose signature is the same on RandomState and Generator.
BOTH_APIS: list[Call] = [
    ("bytes", (0,), {}),
    ("bytes", (5,), {}),
    ("choice", (5,), {}),
    ("choice", (5, 3), {}),
    ("choice", ([1.5, 2.0, 3.0], (2, 2)), {"p": [0.2, 0.3, 0.5]}),
    ("choice", (5, 3), {"replace": False}),
]
RS_CALLS: list[Call] = [
    *(
        (m, (), {"size": size})
        for m in ("random_sample", "random", "tomaxint")
        for size in (None, 3, (2, 3), 0)
    ),
    *((m, shape, {}) for m in ("rand", "randn") for shape in ((), (3,), (2, 3))),
    *BOTH_APIS,
    ("choice", (np.array(["a", "b"]),), {}),
    ("permutation", (5,), {}),
    ("permutation", (np.arange(6.0).reshape(2, 3),), {}),
    ("dirichlet", ([1.0, 2.0, 3.0],), {}),
    ("dirichlet", ([1.0, 2.0, 3.0], 4), {}),
    ("dirichlet", ([1.0, 2.0, 3.0], (2, 2)), {}),
    ("multinomial", (5, [0.2, 0.3, 0.5]), {}),
    ("multinomial", (5, [0.2, 0.3, 0.5], (2, 2)), {}),
    ("multivariate_normal", ([0.0, 1.0], [[1.0, 0.5], [0.5, 2.0]]), {}),
    ("multivariate_normal", ([0.0, 1.0], [[1.0, 0.5], [0.5, 2.0]], 3), {}),
    ("shuffle", (np.arange(5),), {}),
    ("shuffle", (np.arange(6.0).reshape(3, 2),), {}),
    ("shuffle", ([1, 2, 3, 4],), {}),
    ("get_state", (), {}),
    ("get_state", (), {"legacy": False}),
    *_integer_forms("randint", {}),
    ("random_integers", (5,), {}),
    ("random_integers", (1, 9, 4), {}),
    ("random_integers", (1, [3, 4, 9]), {}),
]
RS_ERRORS: list[Call] = [
    ("random_sample", (), {"size": -1}),
    ("rand", (-1,), {}),
    ("bytes", (-1,), {}),
    ("choice", (0,), {}),
    ("choice", (5, 6), {"replace": False}),
    ("choice", (3,), {"p": [0.5, 0.6, 0.1]}),
    ("dirichlet", ([1.0, -2.0],), {}),
    ("multinomial", (5, [0.7, 0.6]), {}),
    ("randint", (5, 5), {"size": 3}),
    *_integer_errors("randint", {}),
]

GEN_CALLS: list[Call] = [
    *((m, (), {"size": size}) for m in ("random",) for size in (None, 3, (2, 3), 0)),
    *(
        (m, (), {"size": size, "dtype": np.float32})
        for m in ("random", "standard_normal", "standard_exponential")
        for size in (None, 3, (2, 3))
    ),
    ("standard_exponential", (), {"size": 4, "method": "inv"}),
    ("standard_exponential", (), {"size": 4, "method": "inv", "dtype": "float32"}),
    ("standard_gamma", (np.array([2.0, 0.5]),), {"dtype": np.float32}),
    ("standard_gamma", (2.0, 3), {"dtype": "float32"}),
    ("random", (), {"out": np.zeros(4)}),
    ("random", (), {"out": np.zeros((2, 2), np.float32), "dtype": np.float32}),
    ("standard_normal", (), {"out": np.zeros(4)}),
    ("standard_exponential", (), {"out": np.zeros(3, np.float32), "dtype": np.float32}),
    ("standard_gamma", (np.array([2.0, 0.5, 4.0]),), {"out": np.zeros(3)}),
    ("shuffle", (np.arange(5),), {}),
    ("shuffle", (np.arange(6.0).reshape(3, 2),), {"axis": 1}),
    *BOTH_APIS,
    ("choice", (np.arange(6).reshape(3, 2), 2), {"axis": 1}),
    ("permutation", (5,), {}),
    ("permutation", (np.arange(6.0).reshape(2, 3),), {"axis": 1}),
    ("permuted", (np.arange(6.0).reshape(2, 3),), {}),
    ("permuted", (np.arange(6.0).reshape(2, 3),), {"axis": 1}),
    ("permuted", (np.arange(6.0).reshape(2, 3),), {"axis": 0, "out": np.zeros((2, 3))}),
    ("dirichlet", ([1.0, 2.0, 3.0],), {}),
    ("dirichlet", ([1.0, 2.0, 3.0], (2, 2)), {}),
    ("multinomial", (5, [0.2, 0.3, 0.5]), {}),
    ("multinomial", ([5, 9], [0.2, 0.3, 0.5]), {}),
    ("multinomial", (5, [0.2, 0.3, 0.5], (2, 2)), {}),
    ("multivariate_hypergeometric", ([3, 4, 5], 6), {}),
    ("multivariate_hypergeometric", ([3, 4, 5], 6, 2), {"method": "count"}),
    ("multivariate_hypergeometric", ([3, 4, 5], 6, (2, 2)), {"method": "marginals"}),
    ("multivariate_normal", ([0.0, 1.0], [[1.0, 0.5], [0.5, 2.0]]), {}),
    ("multivariate_normal", ([0.0, 1.0], [[1.0, 0.5], [0.5, 2.0]], 3), {"method": "cholesky"}),
    *_integer_forms("integers", {}),
    *_integer_forms("integers", {"endpoint": True}),
]
GEN_ERRORS: list[Call] = [
    ("random", (), {"size": -1}),
    ("random", (), {"dtype": np.int64}),
    ("random", (), {"out": np.zeros(4, np.float32)}),
    ("random", (3,), {"out": np.zeros(4)}),
    ("standard_normal", (), {"dtype": np.int32}),
    ("standard_exponential", (), {"method": "nope"}),
    ("bytes", (-1,), {}),
    ("choice", (0,), {}),
    ("choice", (5, 6), {"replace": False}),
    ("permuted", (np.arange(6.0),), {"axis": 2}),
    ("dirichlet", ([1.0, -2.0],), {}),
    ("multinomial", (5, [0.7, 0.6]), {}),
    ("multivariate_hypergeometric", ([3, 4, 5], 20), {}),
    *_integer_errors("integers", {}),
]

# Methods with in-place or structural effects, checked on their own below.
SPECIAL = {
    "RandomState": {"seed", "set_state"},
    "Generator": {"bit_generator", "spawn"},
}


def _error_calls(api: str) -> Iterator[Call]:
    for method, (params, bad) in PARAMS.items():
        if hasattr(getattr(np.random, api), method):
            yield from _errors(method, params, bad)
    yield from RS_ERRORS if api == "RandomState" else GEN_ERRORS


def _calls(api: str) -> list[Call]:
    return [*_distributions(api), *(RS_CALLS if api == "RandomState" else GEN_CALLS)]


def _public(cls: type) -> set[str]:
    return {name for name in dir(cls) if not name.startswith("_")}


# --- comparing results and states ---------------------------------------------------------


def _outcome(call: Callable[[], Any]) -> tuple[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # random_integers, as numpy's
        try:
            return "value", call()
        except Exception as e:  # the exception type is what is compared
            return "raised", type(e)


def _copied(value: Any) -> Any:
    return value.copy() if isinstance(value, np.ndarray | list) else value


def _compare(ours: Any, theirs: Any, call: Call) -> None:
    """The same call on seedstream's object and numpy's: the same outcome and state after."""
    method = call[0]
    _check(
        getattr(ours, method),
        getattr(theirs, method),
        lambda: state_of(ours),
        lambda: state_of(theirs),
        call,
    )


def _check(
    ours: Callable[..., Any],
    theirs: Callable[..., Any],
    our_state: Callable[[], Any],
    their_state: Callable[[], Any],
    call: Call,
) -> None:
    """``ours(*args, **kwargs)`` against ``theirs(...)``: result or exception type, state after.

    Each side gets its own copy of array arguments, compared after the call too
    (``shuffle``, ``out=``).
    """
    method, args, kwargs = call
    where = f"{method}(*{args!r}, **{kwargs!r})"
    a, b = (([_copied(x) for x in args], {k: _copied(v) for k, v in kwargs.items()}) for _ in "ab")
    expected = _outcome(lambda: theirs(*b[0], **b[1]))
    got = _outcome(lambda: ours(*a[0], **a[1]))
    assert got[0] == expected[0], f"{where}: seedstream {got}, numpy {expected}"
    if expected[0] == "raised":
        assert got[1] is expected[1], f"{where}: raised {got[1]}, numpy raised {expected[1]}"
    else:
        assert_same_bits(got[1], expected[1], where)
    assert_same_bits(our_state(), their_state(), f"{where}: state after")
    assert_same_bits(a, b, f"{where}: arguments after")


def _pair(api: str, bit_generator: str = "MT19937") -> tuple[Any, Any]:
    """seedstream's object and numpy's, seeded alike."""
    if api == "RandomState":
        if bit_generator == "MT19937":
            return sr.RandomState(SEED), np.random.RandomState(SEED)
        bg = getattr(np.random, bit_generator)
        return sr.RandomState(bg(SEED)), np.random.RandomState(bg(SEED))
    bg = getattr(np.random, bit_generator)
    return sr.Generator(bg(SEED)), np.random.Generator(bg(SEED))


# --- the names ----------------------------------------------------------------------------


def test_every_numpy_random_name_is_there() -> None:
    missing = set(np.random.__all__) - set(dir(sr)) - REFUSED.keys()
    assert not missing, f"numpy.random names missing from seedstream: {sorted(missing)}"
    assert set(np.random.__all__) <= set(sr.__all__) | REFUSED.keys()


@pytest.mark.parametrize(
    "name", ["BitGenerator", "MT19937", "PCG64", "PCG64DXSM", "Philox", "SFC64", "SeedSequence"]
)
def test_bit_generator_classes_are_numpys(name: str) -> None:
    assert getattr(sr, name) is getattr(np.random, name)


def test_every_method_is_covered() -> None:
    """Every public method of numpy's classes is on seedstream's and in a table here."""
    for api in ("RandomState", "Generator"):
        numpy_cls = getattr(np.random, api)
        public = _public(numpy_cls)
        assert public <= _public(getattr(sr, api)), api
        covered = {method for method, _, _ in _calls(api)} | SPECIAL[api]
        assert public - covered == set(), f"{api}: not covered here: {sorted(public - covered)}"


def test_the_reported_calls() -> None:
    """The two calls the issue reported: a ValueError and a NotImplementedError before the fix."""
    ours, theirs = _pair("RandomState")
    _compare(ours, theirs, ("normal", ([0, 0, 0], [1]), {}))
    theirs = np.random.RandomState(SEED)
    sr.seed(SEED)
    loc, scale = np.array([0.5]), np.array([0.5])
    assert_same_bits(sr.normal(loc, scale), theirs.normal(loc, scale), "sr.normal(array, array)")


# --- every method, every form -------------------------------------------------------------


def _method_ids(api: str) -> list[str]:
    return sorted({method for method, _, _ in _calls(api)})


@pytest.mark.parametrize("method", _method_ids("RandomState"))
def test_random_state_method(method: str) -> None:
    """One object through every form in turn: state differences carry forward and show."""
    ours, theirs = _pair("RandomState")
    for call in _calls("RandomState"):
        if call[0] == method:
            _compare(ours, theirs, call)


@pytest.mark.parametrize("method", _method_ids("Generator"))
def test_generator_method(method: str) -> None:
    ours, theirs = _pair("Generator", "PCG64")
    for call in _calls("Generator"):
        if call[0] == method:
            _compare(ours, theirs, call)


@pytest.mark.parametrize(
    ("api", "bit_generator"),
    [("RandomState", "PCG64"), ("Generator", "MT19937"), ("Generator", "Philox")],
)
def test_other_bit_generators(api: str, bit_generator: str) -> None:
    """Every call in turn on one object: 32-bit words, buffered halves, other word sizes."""
    ours, theirs = _pair(api, bit_generator)
    for call in _calls(api):
        _compare(ours, theirs, call)


@pytest.mark.parametrize("api", ["RandomState", "Generator"])
def test_numpys_errors(api: str) -> None:
    ours, theirs = _pair(api, "MT19937" if api == "RandomState" else "PCG64")
    for call in _error_calls(api):
        _compare(ours, theirs, call)


# numpy's module-level functions: RandomState's methods (tomaxint is not among them) and
# two aliases of random_sample.
MODULE_FUNCTIONS = {
    **{m: m for m in _method_ids("RandomState") if m in np.random.__all__},
    "ranf": "random_sample",
    "sample": "random_sample",
}


@pytest.mark.parametrize(("function", "method"), MODULE_FUNCTIONS.items())
def test_module_level_function(function: str, method: str) -> None:
    """``sr.normal(...)`` after ``sr.seed(s)`` is ``numpy.random.RandomState(s).normal(...)``.

    (numpy's own global state is not touched.)
    """
    theirs = np.random.RandomState(SEED)
    sr.seed(SEED)
    ours = getattr(sr, function)
    for call in [*_calls("RandomState"), *_error_calls("RandomState")]:
        if call[0] == method:
            _check(
                ours,
                getattr(theirs, method),
                lambda: sr.get_state(legacy=False),
                lambda: theirs.get_state(legacy=False),
                (f"sr.{function}", *call[1:]),
            )


# --- the rest: seeding, state, spawning, start= with array parameters, PythonRandom -------


@pytest.mark.parametrize("seed", [0, 2**32 - 1, [1, 2, 3], np.array([5]), None])
def test_seed_and_set_state(seed: Any) -> None:
    ours, theirs = _pair("RandomState")
    ours.seed(seed)
    theirs.seed(seed)
    if seed is not None:  # entropy: the states differ, as two numpy objects' would
        assert_same_state(ours, theirs, f"seed({seed!r})")
    theirs.standard_normal()  # a cached Gaussian, carried by the state
    ours.set_state(theirs.get_state())
    _compare(ours, theirs, ("standard_normal", (), {"size": 3}))
    ours.set_state(theirs.get_state(legacy=False))
    _compare(ours, theirs, ("random_sample", (), {"size": 3}))
    _compare(ours, theirs, ("seed", (-1,), {}))  # numpy's errors, the state kept
    _compare(ours, theirs, ("set_state", (("MT19937",),), {}))
    _compare(ours, theirs, ("set_state", (("PCG64", np.zeros(624, np.uint32), 0),), {}))


def test_spawn_and_bit_generator() -> None:
    ours, theirs = _pair("Generator", "PCG64")
    assert type(ours.bit_generator) is np.random.PCG64
    children = ours.spawn(2)
    expected = theirs.spawn(2)
    assert all(isinstance(child, sr.Generator) for child in children)
    for child, numpy_child in zip(children, expected, strict=True):
        _compare(child, numpy_child, ("normal", (np.array([0.0, 1.0]), 2.0), {}))


# In memory, these consume the same whatever their parameters: start= takes arrays too.
# (method, its standard form that numpy draws `start` of first)
STARTS = {
    "RandomState": [
        ("normal", "standard_normal"),
        ("exponential", "standard_exponential"),
        ("uniform", "random_sample"),
    ],
    "Generator": [
        ("normal", "standard_normal"),
        ("exponential", "standard_exponential"),
        ("uniform", "random"),
    ],
}


@pytest.mark.parametrize("api", ["RandomState", "Generator"])
def test_start_with_array_parameters(api: str) -> None:
    """``start=5`` then the call is numpy's 5 values of the standard form, then the call.

    (Two forms each: a start on the polar normals counts a whole segment, about 0.5 s.)
    """
    for method, standard in STARTS[api]:
        ours, theirs = _pair(api, "MT19937" if api == "RandomState" else "PCG64")
        params = PARAMS[method][0]
        head, *rest = params
        forms = [
            {head: np.array(params[head])} | {k: np.array(params[k][:1]) for k in rest},
            {head: np.array(params[head][:2]).reshape(2, 1)}
            | {k: np.array(params[k]) for k in rest}
            | {"size": (4, 2, 3)},
        ]
        for kwargs in forms:
            getattr(theirs, standard)(5)
            _check(
                functools.partial(getattr(ours, method), start=5),
                getattr(theirs, method),
                functools.partial(state_of, ours),
                functools.partial(state_of, theirs),
                (f"{method}(start=5)", (), kwargs),
            )


def test_python_random() -> None:
    """PythonRandom's ``random()`` is a Python float, as ``random.random()``."""
    expected = random.Random(SEED)
    ours = sr.PythonRandom(SEED)
    for _ in range(3):
        assert_same_bits(ours.random(), expected.random(), "random()")
    values = ours.random(3)
    assert_same_bits(values, np.array([expected.random() for _ in range(3)]), "random(3)")


def test_sizes_of_numpy_integers_are_not_multiplied_in_their_own_width() -> None:
    """2 * np.uint8(255) * 3 wraps around in uint8 (with a warning, an error here); sizes
    are counted in Python ints, and the values are numpy's."""
    size = (2, np.uint8(255), 3)
    ours, theirs = sr.RandomState(SEED), np.random.RandomState(SEED)
    assert_same_bits(ours.random_sample(size), theirs.random_sample(size), "random_sample")
    assert_same_bits(ours.standard_normal(size), theirs.standard_normal(size), "standard_normal")
