"""``seedstream.PythonRandom``: Python's ``random.Random``, with sizes and random access.

A :class:`PythonRandom` *is* a :class:`random.Random` (a subclass): CPython
seeds it, owns its state and makes every value a call with CPython's own
parameters returns -- ``randint``, ``choice``, ``gauss`` (with its cached
second value), ``shuffle``, ``sample``, ... are CPython's methods, unchanged.
seedstream adds ``size=`` to the drawing methods, ``start=`` (skip that many
values in O(log start) time) where a value takes a fixed number of 32-bit
words, ``chunks=`` and ``store=`` there too, and the raw
:attr:`~PythonRandom.position`.

Why that works: CPython's generator is MT19937 seeded with ``init_by_array``,
``random()`` makes a double from two 32-bit words with numpy's
``random_sample`` formula, and every other method draws through ``random()``
or ``getrandbits(k)`` (``ceil(k / 32)`` words).  Those two are served in C
(:class:`seedstream._fastcall.small_call`) by CPython's own methods, and they
count the words on the object's :class:`~seedstream._position.Track`; so any
CPython method, however it rejects and retries, keeps the position exact.  A
draw after ``start=`` moves the state with the MT19937 jump
(:func:`seedstream.advance`) on a numpy copy of it (a
:class:`~seedstream.RandomState` sharing the track), then hands it back.

What each method takes (one row per method in :data:`METHODS`):

- ``random``, ``uniform``: ``size=``, ``start=``, ``chunks=``, ``store=``
  (numpy's ``random_sample`` / ``uniform`` make the same doubles);
- ``triangular``, ``expovariate``, ``paretovariate``, ``weibullvariate``
  (one ``random()`` a value), ``getrandbits`` (``ceil(k / 32)`` words) and
  ``gauss`` (pairs of values from two ``random()``, and its cached one):
  ``size=`` and ``start=`` (CPython's method called once per value), and
  ``chunks=`` and ``store=`` (``getrandbits``: k <= 64, int64 or for k = 64
  uint64), whose values are made by CPython's formula with the C library's
  math (:mod:`seedstream._pyvalues`; a :class:`~seedstream._draw.Draw` of the
  method table's ``python`` kind), ``gauss_next`` left as CPython leaves it;
- ``randint``, ``choice`` (``_randbelow``'s rejections) and ``normalvariate``,
  ``lognormvariate`` (Kinderman and Monahan's): ``size=`` and ``start=``, the
  rejections counted on the core's words and checked by CPython's own loop;
  ``normalvariate`` and ``lognormvariate`` also ``chunks=`` and ``store=`` (a
  variable draw of the ``python`` kind: its attempts counted per segment,
  spot-checked by CPython's own ``normalvariate``; ``lognormvariate``'s ``exp``
  the C library's, by the kernel);
- ``vonmisesvariate``, ``gammavariate``, ``betavariate`` (and ``binomialvariate``
  on Python 3.12+): ``size=`` and ``start=``, skipped by CPython's own calls, O(start);
- ``randrange``: ``size=`` only (``start`` is its own parameter).
"""

from __future__ import annotations

import _random
import array
import dataclasses
import functools
import inspect
import operator
import random
from collections.abc import Callable
from typing import Any, Unpack, cast

import numpy as np

import seedstream._deliver as _deliver
import seedstream._fastcall as _fastcall
import seedstream._locate as _locate
import seedstream._mtfill as _mtfill
import seedstream._pyvalues as _pyvalues
from seedstream._deliver import SMALL_DRAW_VALUES, Order, StoreOptions
from seedstream._draw import Draw
from seedstream._errors import SelfCheckError
from seedstream._fastcall import small_call
from seedstream._legacy import RandomState
from seedstream._methods import Method, draw_method
from seedstream._position import check_start
from seedstream._stream import Stream

__all__ = ["METHODS", "PythonRandom", "python_seed_words"]

# CPython's C base (the MT19937 state, random(), getrandbits(), seed(int)) and its Python class
_C = _random.Random
_PY = random.Random


def python_seed_words(seed: object) -> list[int]:
    """The ``init_by_array`` key that ``random.seed(seed)`` uses for an int (version 2 seeding).

    Examples
    --------
    >>> python_seed_words(0), python_seed_words(2**40 + 5), python_seed_words(-3)
    ([0], [5, 256], [3])
    """
    n = abs(operator.index(seed))  # type: ignore[arg-type]
    return [(n >> (32 * i)) & 0xFFFFFFFF for i in range(max(1, (n.bit_length() + 31) // 32))]


@dataclasses.dataclass(frozen=True)
class Row:
    """How one CPython method is served.

    ``skip(obj, bound, k)`` moves `obj` as `k` calls with the bound arguments
    would, without making the values; None: ``start=`` is refused (a rejection
    loop over doubles, whose count only CPython's own run would give).
    ``how`` says how it skips, for the docs; ``result`` what ``size=`` gives:
    ``"float"`` (a float64 array), ``"int"`` (int64, or what numpy makes of
    bigger Python ints) or ``"object"`` (a list: ``choice``'s elements).
    ``fill(obj, bound, count)``, when given, makes `count` values at once (the same
    values and state as CPython's loop), or None to leave them to the loop.
    """

    name: str
    skip: Callable[[PythonRandom, inspect.BoundArguments, int], None] | None
    how: str
    result: str
    fill: Callable[[PythonRandom, inspect.BoundArguments, int], Any] | None = None


def _jump(words: Callable[[inspect.BoundArguments], int]) -> Callable[..., None]:
    """Skip values of a fixed number of words: the MT19937 jump, O(log k)."""

    def skip(obj: PythonRandom, bound: inspect.BoundArguments, k: int) -> None:
        obj._skip(k * words(bound))

    return skip


def _one_double(_: inspect.BoundArguments) -> int:
    return 2


def _bits_words(bound: inspect.BoundArguments) -> int:
    k = operator.index(bound.arguments["k"])
    return (k + 31) // 32 if k > 0 else 0


def _skip_gauss(obj: PythonRandom, _: inspect.BoundArguments, k: int) -> None:
    """gauss(): the cached value first, then pairs of values from two random() each.

    The cached value is the second of a pair, before mu and sigma are applied:
    skipping an odd number of fresh values leaves the next one cached, which
    CPython's own call makes (its first value dropped).
    """
    if obj.gauss_next is not None:
        obj.gauss_next = None
        k -= 1
    pairs, odd = divmod(k, 2)
    obj._skip(4 * pairs)
    if odd:
        _PY.gauss(obj)


class _Below(random.Random):
    """What CPython's randrange/randint/choice ask of ``_randbelow(n)``: n, recorded, not drawn.

    It answers `give` instead of drawing, so that CPython's own method also says
    what it makes of a value (randrange: ``start + step * v``; choice: ``seq[v]``).
    """

    n = 0
    give = 0

    def _randbelow(self, n: int) -> int:
        self.n = n
        return min(self.give, n - 1)


def _fill_below(name: str) -> Callable[..., Any]:
    """`count` values of randrange/randint/choice at once, where ``_randbelow(n)`` has n < 2**32.

    The accepted values ``v`` come from :func:`below_values`; CPython's own
    method, on the spy, says what it makes of ``v = 0`` and ``v = 1`` (an affine map
    for randrange and randint, checked to stay within int64; ``seq[v]`` for choice).
    None: not served here (the caller loops CPython's calls).
    """

    def fill(obj: PythonRandom, bound: inspect.BoundArguments, count: int) -> Any:
        spy, args, kwargs = _Below(0), bound.args[1:], bound.kwargs
        method = getattr(_PY, name)
        first = method(spy, *args, **kwargs)  # CPython's checks, n, and its value for v = 0
        n = spy.n
        if n >= 2**32:  # two words an attempt
            return None
        if name != "choice":
            spy.give = 1
            step = method(spy, *args, **kwargs) - first if n > 1 else 0
            last = first + step * (n - 1)
            if not all(-(2**63) <= x < 2**63 for x in (first, last, last - first)):
                return None
        v, words = below_values(*_state_of(obj), n, count)
        obj._skip(words)
        if name == "choice":
            seq = bound.arguments["seq"]
            return [seq[i] for i in v.tolist()]
        return first + step * v.astype(np.int64)

    return fill


def below_values(key: np.ndarray, pos: int, n: int, count: int) -> tuple[np.ndarray, int]:
    """The next `count` values of CPython's ``_randbelow(n)`` (n < 2**32), and the words taken.

    As :func:`below_words`, with one word an attempt: ``word >> (32 - bits)``,
    accepted below `n`.

    Examples
    --------
    >>> import random
    >>> r = random.Random(3)
    >>> internal = r.getstate()[1]
    >>> v, words = below_values(np.array(internal[:624]), internal[624], 7, 5)
    >>> v.tolist() == [r.randrange(7) for _ in range(5)]
    True
    """
    shift = 32 - n.bit_length()
    limit = np.uint32(n << shift)
    key = np.array(key, dtype=np.uint32)  # the core moves it: a copy
    parts, got, words = [], 0, 0
    raw = np.empty(min(2 * count + 64, 2**22), dtype=np.uint32)  # half or more are accepted
    while got < count:
        pos = _mtfill.fill(key, pos, raw)
        accepted = np.flatnonzero(raw < limit)[: count - got]
        parts.append(raw[accepted] >> np.uint32(shift))
        got += accepted.size
        words += int(accepted[-1]) + 1 if got == count else raw.size
    return np.concatenate(parts), words


def _skip_below(name: str) -> Callable[..., None]:
    """Skip values of ``_randbelow(n)``: its rejection loop counted on numpy's copy, O(k)."""

    def skip(obj: PythonRandom, bound: inspect.BoundArguments, k: int) -> None:
        spy = _Below(0)
        getattr(_PY, name)(spy, *bound.args[1:], **bound.kwargs)  # CPython's n for these
        n = spy.n
        _counted_skip(
            obj,
            k,
            lambda key, pos, values: below_words(key, pos, n, values),
            lambda copy: copy._randbelow(n),
            (n.bit_length() + 31) // 32,  # one attempt: getrandbits(n.bit_length())
            f"_randbelow({n})",
        )

    return skip


def _skip_by_calls(name: str) -> Callable[..., None]:
    """Skip values by CPython's own calls, O(k) (about half a microsecond a value).

    Their rejection loops over doubles take attempts of varying length (gammavariate
    retries on one double, vonmisesvariate draws one more after accepting, betavariate
    is two gammavariates): only CPython's own run counts them.  Its random() calls
    count the words, so the position stays exact.
    """

    def skip(obj: PythonRandom, bound: inspect.BoundArguments, k: int) -> None:
        call = functools.partial(getattr(_PY, name), obj, *bound.args[1:], **bound.kwargs)
        for _ in range(k):
            call()

    return skip


def _skip_normal(obj: PythonRandom, bound: inspect.BoundArguments, k: int) -> None:
    """Skip values of ``normalvariate`` (and ``lognormvariate``, its exp): counted, O(k)."""
    _counted_skip(obj, k, normal_words, _PY.normalvariate, 4, "normalvariate")


#: Values of a counted skip that CPython's own loop makes again, as a check.
_CHECK_VALUES = 64


def _counted_skip(
    obj: PythonRandom,
    k: int,
    count: Callable[[np.ndarray, int, int], int],
    one: Callable[[Any], Any],
    last: int,
    what: str,
) -> None:
    """Move `obj` past `k` values whose words `count(key, pos, k)` counts, checked by CPython.

    CPython's own loop (`one` value at a time, on a counting copy) must take
    the counted words for the first :data:`_CHECK_VALUES` values, and the
    last value's attempt (`last` words) must be accepted at once: otherwise
    :class:`~seedstream.SelfCheckError`, with `obj` where the call found it.
    (A count off past the first values that still ends after an accepted
    attempt is not seen: only a second count of the whole skip would see it.)
    """
    if k <= 0:
        return
    key, pos = _state_of(obj)
    words = count(key, pos, k)
    head = words if k <= _CHECK_VALUES else count(key, pos, _CHECK_VALUES)

    def check(values: int, expected: int, where: str) -> None:
        copy = _pyvalues.CountingRandom()
        _C.setstate(copy, _C.getstate(obj))
        for _ in range(values):
            one(copy)
        if copy.words != expected:
            raise SelfCheckError(
                f"self-check failed {where} of a skip: CPython's own {what} took {copy.words} "
                f"words for {values} values where the count said {expected}; refusing to "
                "return shifted numbers (please report this)"
            )

    check(min(k, _CHECK_VALUES), head, "at the start")
    saved, position = _C.getstate(obj), obj._track.words
    obj._skip(words - last)
    try:
        check(1, last, "at the end")
    except SelfCheckError:
        _C.setstate(obj, saved)  # where the call found it
        obj._track.words = position
        raise
    obj._skip(last)


def normal_words(key: np.ndarray, pos: int, k: int) -> int:
    """32-bit words that `k` values of CPython's ``normalvariate`` take from an MT19937 state.

    Kinderman and Monahan's ratio of uniforms: an attempt is two ``random()``
    (four words), ``u1`` and ``u2 = 1 - random()``, accepted when
    ``z * z / 4 <= -log(u2)`` with ``z = NV_MAGICCONST * (u1 - 0.5) / u2``.
    The doubles and ``z`` are exact in numpy as in CPython; numpy's ``log``
    may differ from the C library's in the last bits, so the attempts within
    a relative 1e-12 of the bound are decided again with :func:`math.log`
    (CPython's).  `key` is not changed.

    Examples
    --------
    >>> r = random.Random(5)
    >>> internal = r.getstate()[1]
    >>> _ = [r.normalvariate() for _ in range(1000)]
    >>> copy = random.Random()
    >>> copy.setstate((3, internal, None))
    >>> for _ in range(normal_words(np.array(internal[:624]), internal[624], 1000)):
    ...     _ = copy.getrandbits(32)
    >>> copy.getstate() == r.getstate()
    True
    """
    if k <= 0:
        return 0
    key = np.array(key, dtype=np.uint32)  # the core moves it: a copy
    attempts = min(max(4096, 2 * k), 2**20)
    doubles = np.empty(2 * attempts, dtype=np.float64)  # random()'s, two words each
    accepted = words = 0
    while True:
        pos = _mtfill.fill(key, pos, doubles)
        flags = _pyvalues.kinderman_monahan(doubles)
        count = int(np.count_nonzero(flags))
        if accepted + count >= k:
            return words + 4 * (int(np.flatnonzero(flags)[k - accepted - 1]) + 1)
        accepted += count
        words += 2 * doubles.size


def below_words(key: np.ndarray, pos: int, n: int, k: int) -> int:
    """32-bit words that `k` values of CPython's ``_randbelow(n)`` take from an MT19937 state.

    CPython draws ``getrandbits(n.bit_length())`` (its words least significant
    first, the last one shifted right to the bit count) until the value is
    below `n`.  Here the MT19937 core makes the words in batches from
    (`key`, `pos`) (numpy's layout: 624 untempered words and the index; `key`
    is not changed) and numpy tests the attempts all at once.

    Examples
    --------
    >>> import random
    >>> r = random.Random(5)
    >>> internal = r.getstate()[1]
    >>> values = [r.randrange(10**6) for _ in range(1000)]
    >>> copy = random.Random()
    >>> copy.setstate((3, internal, None))
    >>> for _ in range(below_words(np.array(internal[:624]), internal[624], 10**6, 1000)):
    ...     _ = copy.getrandbits(32)
    >>> copy.getstate() == r.getstate()
    True
    """
    if k <= 0:
        return 0
    bits = n.bit_length()
    per = (bits + 31) // 32  # words an attempt
    shift = 32 * per - bits
    limit = [(n >> (32 * i)) & 0xFFFFFFFF for i in range(per)]  # n's words, low first
    key = np.array(key, dtype=np.uint32)  # the core moves it: a copy
    accepted = words = 0
    attempts = min(max(4096, 2 * k), 2**20)
    raw = np.empty(attempts * per, dtype=np.uint32)
    while True:
        pos = _mtfill.fill(key, pos, raw)
        if per == 1:  # (w >> shift) < n  is  w < n << shift, which stays below 2**32
            below = raw < np.uint32(n << shift)
        else:
            rows = raw.reshape(attempts, per)
            below = np.zeros(attempts, dtype=bool)
            equal = np.ones(attempts, dtype=bool)
            for i in reversed(range(per)):  # most significant word first
                column = rows[:, i] >> np.uint32(shift) if i == per - 1 else rows[:, i]
                below |= equal & (column < limit[i])
                equal &= column == limit[i]
        count = int(np.count_nonzero(below))
        if accepted + count >= k:
            last = int(np.flatnonzero(below)[k - accepted - 1])
            return words + (last + 1) * per
        accepted += count
        words += attempts * per


_JUMP = _jump(_one_double)

#: Up to this many doubles, ``random(size)`` is CPython's calls in a loop: moving CPython's
#: state to the core and back (625 Python ints each way) costs about that many calls
#: (measured: the loop 170 us at 500 values, the state's round trip 175 us at 769).
_SMALL_RANDOM = 512

#: Words a skip steps through with the MT19937 core rather than jumping.
_STEP_MAX = 2**16

#: From this many values on, randrange/randint/choice draw at once (:func:`_fill_below`).
_FILL_MIN = 1024

#: From this many values on, the methods of the table's kind ``python`` (triangular, gauss,
#: ...) are made in memory by CPython's formula in C on the core's doubles, as their chunks
#: are.  The way there costs ~0.45 ms a call (the numpy copy of the state and its jumps):
#: measured, expovariate took 535 us against CPython's loop's 250 at 2000 values, 570
#: against 1055 at 8000, and 1.15 ms against 4.9 at 32000.
_KERNEL_MIN = 8192

#: The drawing methods beyond ``random``, as CPython's ``random.Random`` has them.
METHODS: tuple[Row, ...] = tuple(
    row
    for row in (
        Row("uniform", _JUMP, "jump", "float"),
        Row("triangular", _JUMP, "jump", "float"),
        Row("expovariate", _JUMP, "jump", "float"),
        Row("paretovariate", _JUMP, "jump", "float"),
        Row("weibullvariate", _JUMP, "jump", "float"),
        Row("getrandbits", _jump(_bits_words), "jump", "int"),
        Row("gauss", _skip_gauss, "jump", "float"),
        # randrange(start, stop, step): start= is CPython's there, so no skipping
        Row("randrange", None, "", "int", _fill_below("randrange")),
        Row("randint", _skip_below("randint"), "count", "int", _fill_below("randint")),
        Row("choice", _skip_below("choice"), "count", "object", _fill_below("choice")),
        Row("normalvariate", _skip_normal, "count", "float"),
        Row("lognormvariate", _skip_normal, "count", "float"),
        # rejections over doubles whose attempts vary in length: CPython's own calls skip
        Row("vonmisesvariate", _skip_by_calls("vonmisesvariate"), "loop", "float"),
        Row("gammavariate", _skip_by_calls("gammavariate"), "loop", "float"),
        Row("betavariate", _skip_by_calls("betavariate"), "loop", "float"),
        Row("binomialvariate", _skip_by_calls("binomialvariate"), "loop", "int"),  # 3.12+
    )
    if hasattr(_PY, row.name)
)


def _as_array(values: Any, result: str, size: Any) -> Any:
    if result == "object":
        return values
    if isinstance(values, np.ndarray):
        return values.reshape(size)
    if result == "float":
        out = np.array(values, dtype=np.float64)
    else:  # int64 where they fit, else what numpy makes of Python ints (uint64, object)
        try:
            out = np.array(values, dtype=np.int64)
        except OverflowError:
            out = np.array(values)
            if out.dtype.kind not in "iu":
                out = np.array(values, dtype=object)
    return out.reshape(size)


def _count(size: Any) -> int:
    """Values in `size` (an int or a shape), as numpy counts them."""
    shape = (size,) if isinstance(size, int | np.integer) else tuple(size)
    return int(np.prod([operator.index(n) for n in shape], dtype=np.int64))


class PythonRandom(random.Random):
    """Python's ``random.Random(seed)``, with ``size=``, random access and a position.

    Parameters
    ----------
    seed : None, int, float, str, bytes or bytearray, optional
        As :class:`random.Random`: the same seed gives the same values.

    Notes
    -----
    A call with CPython's own parameters is CPython's call: the same value, the
    same exception, the same state after it.  ``size=`` (keyword-only, ``random``
    also takes it first by position) gives an array equal to that many calls in
    a loop, leaving the same state.  :attr:`position` counts the 32-bit words
    consumed since seeding; it is kept exact through every method (CPython's
    ``random()`` and ``getrandbits()`` count them), and lost by :meth:`setstate`.

    Examples
    --------
    >>> import random
    >>> r = random.Random(1234)
    >>> expected = [r.random() for _ in range(5)]
    >>> PythonRandom(1234).random(5).tolist() == expected
    True
    >>> PythonRandom(1234).random(start=4) == expected[4]
    True
    >>> p, r = PythonRandom("seed"), random.Random("seed")
    >>> p.randint(1, 6) == r.randint(1, 6), p.gauss() == r.gauss(), p.getstate() == r.getstate()
    (True, True, True)
    >>> p.expovariate(2.0, size=3, start=10**12).shape
    (3,)
    """

    # The position: a C Track from seeding on (the small calls move it), which becomes the
    # track of a numpy copy of the state (self._rs) the first time one is needed (_numpy).
    _track: _fastcall.Track
    _rs: RandomState | None
    _origin: tuple[tuple[int, ...], dict[str, Any] | None]  # CPython's state at 0, provenance
    gauss_next: float | None  # CPython's cached second Gaussian (random.Random.seed sets it)

    def __init__(self, seed: Any = None) -> None:
        super().__init__(seed)

    def seed(self, a: Any = None, version: int = 2) -> None:
        """Reseed, as :meth:`random.Random.seed`; the position restarts at 0."""
        _PY.seed(self, a, version)
        # provenance in Python's own terms (the stream itself is the state)
        named = isinstance(a, int) or (version == 2 and isinstance(a, str))
        self._origin = (_C.getstate(self), {"python": a} if named else None)
        self._rs, self._track = None, _fastcall.Track(words=0, double_words=2)

    def setstate(self, state: Any) -> None:
        """Accept a state from :meth:`getstate`, as CPython; the position becomes unknown."""
        _PY.setstate(self, state)
        self._track.words, self._track.lost_by = None, "setstate()"

    def __reduce__(self) -> tuple[Any, ...]:
        track = self._track
        return (_restore, (self.getstate(), self.stream, track.words, track.lost_by))

    def _numpy(self) -> RandomState:
        """The numpy copy of the state (made once), whose Track is this object's from then on."""
        rs = self._rs
        if rs is None:
            internal, seed = self._origin
            bg = np.random.MT19937(0)
            bg.state = _numpy_state(internal)  # type: ignore[assignment]
            rs = RandomState(bg)
            track = rs._track
            if seed is not None:
                track.origin = dataclasses.replace(track.origin, seed=seed)
            track.words, track.lost_by = self._track.words, self._track.lost_by
            self._rs, self._track = rs, track
        return rs

    # --- the position -----------------------------------------------------------------

    @property
    def stream(self) -> Stream:
        """The stream this object draws from: its state at position 0."""
        return self._numpy()._track.origin

    @property
    def position(self) -> int:
        """32-bit words consumed since seeding (two per ``random()``).

        Assigning moves to that position in O(log position) time, and clears the
        cached second Gaussian (``gauss_next``), as :meth:`seed` does.
        """
        words = self._track.words
        return words if words is not None else self._numpy()._track.position()  # its message

    @position.setter
    def position(self, value: int) -> None:
        self._numpy()._track.seek(value)
        self._push()
        self.gauss_next = None

    def _pull(self) -> RandomState:
        """The numpy copy of the state, put where CPython's is."""
        rs = self._numpy()
        rs._bit_generator.state = _numpy_state(_C.getstate(self))
        return rs

    def _push(self) -> None:
        """Put CPython's state where the numpy copy is."""
        state = self._numpy()._bit_generator.state["state"]
        _C.setstate(self, (*state["key"].tolist(), int(state["pos"])))

    def _skip(self, words: int) -> None:
        """Move `words` 32-bit words ahead, counted: by the MT19937 core, or by the jump."""
        if words <= _STEP_MAX:  # stepping costs less than the jump's state round trip
            key, pos = _state_of(self)
            pos = _mtfill.fill(key, pos, np.empty(words, dtype=np.uint32))
            _C.setstate(self, (*key.tolist(), pos))
            track = self._track
            if track.words is not None:
                track.words += words
            return
        track = self._pull()._track
        track.skip(words)
        track.moved(words)
        self._push()

    def _via_numpy(self, draw: Callable[[RandomState], Any]) -> Any:
        """`draw` on the numpy copy (which moves the shared track), CPython's state after it."""
        rs = self._pull()
        try:
            return draw(rs)
        finally:
            self._push()

    # --- random(): CPython's in C for a plain call ------------------------------------

    def _random(
        self,
        size: Any = None,
        *,
        start: int = 0,
        chunks: Any = None,
        store: Any = None,
        **options: Unpack[StoreOptions],
    ) -> Any:
        """The next doubles of ``random.random()``, after skipping `start` of them.

        ``size=None`` gives one Python float, as ``random.random()``; otherwise an
        ndarray, a lazy dask array (``chunks=``, or when too big for memory), or
        a store (``store=``), as :meth:`seedstream.RandomState.random_sample`.
        """
        if start.__class__ is int and not start and chunks is None and store is None:
            if size is None and not options:
                return self.random()
            if size.__class__ is int and 0 <= size <= _SMALL_RANDOM and not options:
                # CPython's own random() in C, cheaper than moving the state; the C method
                # itself, counted once for all (self.random counts each call: a quarter slower)
                rand = _C.random.__get__(self)
                out = np.array([rand() for _ in range(size)], dtype=np.float64)
                if self._track.words is not None:
                    self._track.words += 2 * size
                return out
            if size.__class__ is int and 0 <= size <= SMALL_DRAW_VALUES and not options:
                # the MT19937 core on CPython's state: numpy's random_sample formula, which is
                # CPython's random()'s (no plan: this size is always made in memory)
                key, pos = _state_of(self)
                out = np.empty(size, dtype=np.float64)
                pos = _core_fill(key, pos, out)  # moves key in place
                _C.setstate(self, (*key.tolist(), pos))
                if self._track.words is not None:
                    self._track.words += 2 * size
                return out
        return self._via_numpy(
            lambda rs: rs.random_sample(size, start=start, chunks=chunks, store=store, **options)
        )

    random = small_call(_C.random, _random, (), rule="words", per=2)
    functools.update_wrapper(random, _random)
    random.__wrapped__ = _random

    def _uniform_numpy(self, bound: inspect.BoundArguments, size: Any, **kw: Any) -> Any:
        """``uniform`` by numpy's ``uniform`` (``a + (b - a) * u``, CPython's formula), or None.

        Only for float bounds (and ints numpy takes exactly) whose difference is
        finite: numpy then computes what CPython does, in the same order.
        """
        a, b = bound.arguments["a"], bound.arguments["b"]
        exact = all(
            isinstance(x, float) or (isinstance(x, int) and abs(x) <= 2**53) for x in (a, b)
        )
        if not exact or not np.isfinite(float(b) - float(a)):
            return None
        start, chunks, store = kw.pop("start", 0), kw.pop("chunks", None), kw.pop("store", None)
        plain = start.__class__ is int and not start and chunks is None and store is None
        if plain and not kw and size.__class__ is int and 0 <= size <= SMALL_DRAW_VALUES:
            # in memory: random()'s doubles from the core on CPython's own state, then
            # CPython's formula (no numpy copy of the state: moving it cost 3x the draw)
            out: np.ndarray = float(a) + (float(b) - float(a)) * self._random(size)
            return out
        return self._via_numpy(
            lambda rs: rs.uniform(
                float(a), float(b), size, start=start, chunks=chunks, store=store, **kw
            )
        )

    def _chunked(
        self,
        name: str,
        bound: inspect.BoundArguments,
        size: Any,
        start: object,
        chunks: Any,
        store: Any,
        options: StoreOptions,
    ) -> Any:
        """A CPython method of fixed consumption with ``chunks=`` or ``store=``, or a big plain
        `size` (its table row's kind ``python``): a :class:`~seedstream._draw.Draw` of it,
        delivered on the numpy copy; CPython's state after it, ``gauss_next`` included, is
        its loop's."""
        draw = _python_draw(name, bound, self.gauss_next if name == "gauss" else None)

        def deliver(rs: RandomState) -> Any:
            here = rs._track.here()
            _self_check(self, here, draw)

            def in_memory() -> Any:  # a plain sized call (chunks= or store=: never in memory)
                if chunks is not None or store is not None:
                    return _never()
                k, n = check_start(start), _count(size)
                out = _locate.block_values(here, draw, k, n)
                _deliver.advance_past(rs, here, draw, k + n)
                return out.reshape(() if size is None else size)

            order = Order(
                name,
                draw=lambda: draw,
                in_memory=in_memory,
                dtype=draw.dtype,
                size=size,
                start=start,
                chunks=chunks,
                store=store,
                options=options,
            )
            out = _deliver.deliver(rs, order)
            if name == "gauss":
                self.gauss_next = _pyvalues.cached_after(
                    here, draw, check_start(start) + _count(size)
                )
            return out

        return self._via_numpy(deliver)


def _table_row(name: str) -> Method | None:
    """The method table's row for PythonRandom's `name` when it is made by CPython's formula."""
    row = draw_method("PythonRandom", name)
    return row if row is not None and row.kind == "python" else None


def _never() -> Any:
    raise AssertionError("chunks= or store= was given: the draw is never made in memory")


def _python_draw(name: str, bound: inspect.BoundArguments, cached: float | None) -> Draw:
    """The draw of CPython's call `bound` (all its parameters, CPython's checks first)."""
    call = inspect.BoundArguments(bound.signature, bound.arguments.copy())
    call.apply_defaults()
    arguments = dict(call.arguments)
    arguments.pop("self")
    getattr(_PY, name)(_PY(0), *arguments.values())  # CPython's errors for bad parameters
    params: list[tuple[str, Any]] = []
    for key, value in arguments.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            if not (key == "mode" and value is None):
                raise NotImplementedError(
                    f"{name}() with chunks= or store= takes int and float parameters "
                    f"({key}={value!r}); convert it, or draw in memory (size= alone)"
                )
        else:
            value = int(value) if isinstance(value, int) else float(value)
        params.append((key, value))
    dtype = "float64"
    if name == "getrandbits":
        if arguments["k"] > 64:
            raise NotImplementedError(
                "getrandbits(k) with chunks= or store= needs k <= 64 (an int64 array, uint64 "
                "for k = 64); draw bigger values in memory (size= alone, Python ints)"
            )
        dtype = "uint64" if arguments["k"] == 64 else "int64"
    if cached is not None:
        params.append(("cached_gauss", float(cached)))
    return Draw("PythonRandom", name, tuple(params), dtype)


#: Values of a chunked draw that CPython's own loop makes again first, as a check.
_CHECK_CHUNKED = 16


def _self_check(obj: PythonRandom, here: Stream, draw: Draw) -> None:
    """The first values of `draw` from `here` (where `obj` stands) must be CPython's own.

    CPython's method on a copy of `obj`'s state (its ``gauss_next`` too) against
    the values the kernel makes for them: a formula of this Python that is not
    the one implemented, or a math library that rounds otherwise, is refused.
    """
    copy = _PY()
    _C.setstate(copy, _C.getstate(obj))
    copy.gauss_next = obj.gauss_next  # type: ignore[attr-defined]
    method = getattr(_PY, draw.method)
    arguments = [v for k, v in draw.params if k != "cached_gauss"]
    expected = np.array([method(copy, *arguments) for _ in range(_CHECK_CHUNKED)], draw.dtype)
    found = _pyvalues.generate(here, draw, 0, _CHECK_CHUNKED)
    if expected.tobytes() != found.tobytes():
        raise SelfCheckError(
            f"self-check failed: CPython's own {draw.method}() and seedstream's kernel "
            "differ on its first values; refusing to return different numbers (please "
            "report this, with your Python version and platform)"
        )


def _restore(state: Any, origin: Stream, words: int | None, lost_by: str | None) -> PythonRandom:
    """Unpickle: CPython's state, and the track's stream and position."""
    out = PythonRandom.__new__(PythonRandom)
    out.seed(0)
    _PY.setstate(out, state)
    track = out._numpy()._track
    track.origin, track.words, track.lost_by = origin, words, lost_by
    return out


def _numpy_state(internal: tuple[int, ...]) -> dict[str, Any]:
    """numpy's MT19937 state from CPython's internal one (624 words and the index)."""
    key = np.frombuffer(array.array("I", internal[:624]), dtype=np.uint32)
    return {"bit_generator": "MT19937", "state": {"key": key, "pos": internal[624]}}


def _core_fill(key: np.ndarray, pos: int, out: np.ndarray) -> int:
    """The MT19937 core's doubles (or words) at (key, pos): ``_mtfill.fill``, under one name
    that tests/test_core_conformance.py watches, as it watches ``_fill.fill_mt19937``."""
    return _mtfill.fill(key, pos, out)


def _state_of(obj: random.Random) -> tuple[np.ndarray, int]:
    """CPython's MT19937 state as numpy's (a new writable uint32 key, and the index).

    (Through :mod:`array`: about half the time numpy takes to convert 624 ints.)
    """
    internal = _C.getstate(obj)
    return np.frombuffer(array.array("I", internal[:624]), dtype=np.uint32), internal[624]


def _sized(row: Row) -> Callable[..., Any]:
    """The Python method behind ``row.name``: CPython's call, or `size` of them, after `start`."""
    cpython = getattr(_PY, row.name)
    signature = inspect.signature(cpython)
    skips = row.skip
    assert skips is None or "start" not in signature.parameters, row.name

    def method(
        self: PythonRandom,
        *args: Any,
        size: Any = None,
        chunks: Any = None,
        store: Any = None,
        **kwargs: Any,
    ) -> Any:
        options = {k: kwargs.pop(k) for k in list(kwargs) if k in StoreOptions.__optional_keys__}
        start = kwargs.pop("start", 0) if "start" not in signature.parameters else 0
        plain = start.__class__ is int and not start and chunks is None and store is None
        if plain and size is None and not options:
            return cpython(self, *args, **kwargs)
        bound = signature.bind(self, *args, **kwargs)  # CPython's TypeError for bad arguments
        small = plain and not options and size.__class__ is int and 0 <= size <= _SMALL_RANDOM
        if row.name == "uniform" and size is not None and not small:
            # (a small array in memory: CPython's calls below, cheaper than moving the state)
            lazy = chunks is not None or store is not None
            got = self._uniform_numpy(
                bound, size, start=start, chunks=chunks, store=store, **options
            )
            if got is not None or lazy:
                if got is None:
                    raise NotImplementedError(
                        "uniform() with chunks= or store= needs float bounds whose difference "
                        "is finite; draw it in memory (no chunks=, no store=)"
                    )
                return got
        if chunks is not None or store is not None or options:
            if _table_row(row.name) is None:
                raise NotImplementedError(
                    f"{row.name}() takes size= and start= only: chunks= and store= are for "
                    "random(), uniform() and CPython's methods of fixed consumption; build "
                    "the array in parts with start=, or draw in memory"
                )
            stored = cast(StoreOptions, options)
            return self._chunked(row.name, bound, size, start, chunks, store, stored)
        k = check_start(start)
        if k:
            assert skips is not None  # (randrange's start is its own parameter: k is 0)
            cpython(_PY(0), *args, **kwargs)  # CPython's errors for bad parameters, first
            skips(self, bound, k)
        count = 1 if size is None else _count(size)
        if row.fill is not None and count >= _FILL_MIN:
            values = row.fill(self, bound, count)
            if values is not None:
                return _as_array(values, row.result, size)
        if count >= _KERNEL_MIN and row.how == "jump" and _table_row(row.name) is not None:
            # CPython's formula in C on the core's doubles (fixed consumption only: counting
            # normalvariate's attempts costs more than its loop); CPython's loop below when these
            # parameters are not served (getrandbits beyond 64 bits, say) or a value raises
            # (the loop then stops where CPython's does)
            try:
                return self._chunked(row.name, bound, size, 0, None, None, StoreOptions())
            except (NotImplementedError, ArithmeticError, ValueError):
                pass
        if row.name == "getrandbits":  # through the class's own method, which counts its words
            call = functools.partial(self.getrandbits, *args, **kwargs)
        else:  # CPython's, whose random() / getrandbits() calls count theirs
            call = functools.partial(cpython, self, *args, **kwargs)
        # a loop of CPython's calls: one that raises leaves the state where CPython's would be
        values = [call() for _ in range(count)]
        return values[0] if size is None else _as_array(values, row.result, size)

    method.__name__, method.__qualname__ = row.name, f"PythonRandom.{row.name}"
    keyword = inspect.Parameter.KEYWORD_ONLY
    ours = ["size", *(["start"] if skips is not None else []), "chunks", "store"]
    method.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[
            *signature.parameters.values(),
            *(inspect.Parameter(n, keyword, default=0 if n == "start" else None) for n in ours),
        ]
    )
    after = {
        "jump": ", after skipping ``start=`` values (by the MT19937 jump)",
        "count": ", after skipping ``start=`` values (CPython's rejections counted by numpy)",
        "loop": ", after skipping ``start=`` values (by CPython's own calls, O(start))",
    }
    lazy = (
        "; ``chunks=`` and ``store=`` as for ``random()``, the values CPython's formula with "
        "the C library's math"
        if _table_row(row.name) is not None
        else ""
    )
    method.__doc__ = (
        f"CPython's ``random.Random.{row.name}``; with ``size=``, that many calls"
        + (after[row.how] if skips is not None else "")
        + lazy
        + ".\n\n"
        + inspect.cleandoc(cpython.__doc__ or "")
    )
    return method


def _served(row: Row) -> small_call:
    """CPython's method for a call with its own parameters (in C), else :func:`_sized`'s."""
    cpython = getattr(_PY, row.name)
    fallback = _sized(row)
    names = tuple(inspect.signature(cpython).parameters)[1:]
    if row.name == "getrandbits":  # C: no keywords; the call moves ceil(k / 32) words
        served = small_call(cpython, fallback, names, rule="bits", keywords=False)
    else:  # its own calls of random() / getrandbits() move the position
        # (C, not a Python wrapper: CPython 3.11 runs Python-to-Python calls in one
        # interpreter loop, yet a wrapper with our keywords measured 7577 instructions a
        # randint(1, 6) against 5317 here and 4204 for CPython's own, by callgrind)
        served = small_call(cpython, fallback, names, rule="words", per=0)
    functools.update_wrapper(served, fallback)
    served.__wrapped__ = fallback
    return served


for _row in METHODS:
    setattr(PythonRandom, _row.name, _served(_row))
# CPython's __init_subclass__ saw random() alone in the class body (getrandbits came after)
# and chose _randbelow_without_getrandbits, which draws differently: random.Random's own,
# as CPython's random.Random uses it.
PythonRandom._randbelow = _PY._randbelow_with_getrandbits  # type: ignore[attr-defined]
