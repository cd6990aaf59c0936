"""What is drawn, and generating any run of it on its own.

Pure: numpy and seedstream's stream and jump modules only.

A :class:`Draw` names a numpy method with fixed consumption (so value ``i``
of a draw starts at a known raw position) and its scalar parameters.
:func:`generate` makes values ``first .. first + count - 1`` of a draw with
numpy's own method, from a bit generator placed at the right word; it is a
pure function of its arguments, which is what makes every chunk an
independent task.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from seedstream._jump import advance
from seedstream._stream import Stream

# (api, method) -> raw-word cost per value, for 32-bit (MT19937) and 64-bit words.
# None: two values share one 64-bit output (the second is buffered).
_WORDS: dict[tuple[str, str, str], tuple[int, int | None]] = {
    ("RandomState", "random_sample", "float64"): (2, 1),
    ("RandomState", "uniform", "float64"): (2, 1),
    ("Generator", "random", "float64"): (2, 1),
    ("Generator", "random", "float32"): (1, None),
    ("Generator", "uniform", "float64"): (2, 1),
}


@dataclasses.dataclass(frozen=True)
class Draw:
    """A numpy drawing method with fixed consumption, and its scalar parameters.

    Examples
    --------
    >>> Draw("RandomState", "uniform", (("low", -1.0), ("high", 1.0))).to_config()["params"]
    {'low': -1.0, 'high': 1.0}
    """

    api: str
    method: str
    params: tuple[tuple[str, Any], ...] = ()
    dtype: str = "float64"

    def __post_init__(self) -> None:
        if (self.api, self.method, self.dtype) not in _WORDS:
            supported = ", ".join(f"{a}.{m}({d})" for a, m, d in _WORDS)
            raise NotImplementedError(
                f"{self.api}.{self.method} with dtype {self.dtype} cannot be generated in "
                f"independent chunks; supported: {supported}"
            )

    def words_per_value(self, stream: Stream) -> int | None:
        """Raw outputs per value in `stream`; None when two values share one 64-bit output."""
        narrow, wide = _WORDS[(self.api, self.method, self.dtype)]
        return narrow if stream.word_bits == 32 else wide

    def to_config(self) -> dict[str, Any]:
        return {
            "api": self.api,
            "method": self.method,
            "params": dict(self.params),
            "dtype": self.dtype,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Draw:
        return cls(
            config["api"], config["method"], tuple(config["params"].items()), config["dtype"]
        )

    def call(self, bit_generator: np.random.BitGenerator, count: int) -> np.ndarray:
        """``count`` values from numpy's own method, starting at `bit_generator`'s state."""
        params = dict(self.params)
        if self.api == "RandomState":
            rs = np.random.RandomState(bit_generator)
            out: np.ndarray = getattr(rs, self.method)(size=count, **params)
            return out
        gen = np.random.Generator(bit_generator)
        if self.method == "random":
            return gen.random(count, dtype=np.dtype(self.dtype))
        out = getattr(gen, self.method)(size=count, **params)
        return out


def skip_halves(bit_generator: np.random.BitGenerator, k: int) -> np.random.BitGenerator:
    """A copy of a 64-bit `bit_generator` moved `k` 32-bit values ahead, in numpy's exact state.

    numpy makes two 32-bit values from each 64-bit output: the low half now,
    the high half buffered (``has_uint32``, ``uinteger``).  Whole outputs are
    jumped over; numpy itself draws the last one or two values, so even the
    buffer fields that are no longer live end as numpy leaves them.
    """
    bg = advance(bit_generator, 0)
    gen = np.random.Generator(bg)
    if k and bg.state["has_uint32"]:
        gen.random(1, dtype=np.float32)  # the buffered half
        k -= 1
    if not k:
        return bg
    outputs = (k - 1) // 2
    if outputs:
        bg = advance(bg, outputs)
        gen = np.random.Generator(bg)
    gen.random(k - 2 * outputs, dtype=np.float32)
    return bg


def bit_generator_at_value(stream: Stream, draw: Draw, index: int) -> np.random.BitGenerator:
    """A bit generator whose next `draw` value is value `index` of the stream's draw."""
    words = draw.words_per_value(stream)
    if words is not None:
        return stream.bit_generator_at(words * index)
    return skip_halves(stream.bit_generator_at(0), index)


def generate(stream: Stream, draw: Draw, first: int, count: int) -> np.ndarray:
    """Values ``first .. first + count - 1`` of `draw` on `stream`, as numpy makes them.

    Examples
    --------
    >>> import numpy as np
    >>> s = Stream.from_bit_generator(np.random.RandomState(0)._bit_generator)
    >>> x = generate(s, Draw("RandomState", "random_sample"), 5, 3)
    >>> bool((x == np.random.RandomState(0).random_sample(8)[5:]).all())
    True
    """
    return draw.call(bit_generator_at_value(stream, draw, first), count)
