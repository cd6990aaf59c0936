"""A stream description: where a seeded numpy stream starts, as plain data.

Pure: imports numpy and :mod:`seedstream._jump` only.

A :class:`Stream` is the state of a numpy bit generator at the stream's
position 0, plus (for provenance) how that state was made.  Everything that
generates part of a stream -- a stateful object, a dask task, a zarr writer --
needs only a ``Stream`` and a position, so the description is JSON-serialisable
(:meth:`Stream.to_config` / :meth:`Stream.from_config`) and is what goes into
the attributes of arrays on disk.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from typing import Any

import numpy as np

from seedstream._jump import advance

BIT_GENERATORS: dict[str, type[np.random.BitGenerator]] = {
    "MT19937": np.random.MT19937,
    "PCG64": np.random.PCG64,
    "PCG64DXSM": np.random.PCG64DXSM,
    "Philox": np.random.Philox,
    "SFC64": np.random.SFC64,
}

# Bits in one native output: what a position counts.
WORD_BITS = {"MT19937": 32, "PCG64": 64, "PCG64DXSM": 64, "Philox": 64, "SFC64": 64}


def _plain(value: Any) -> Any:
    """numpy state (nested dicts of ints and arrays) -> JSON-compatible values."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return [int(v) for v in value.tolist()]
    if isinstance(value, np.integer):
        return int(value)
    return value


@dataclasses.dataclass(frozen=True, eq=False)
class Stream:
    """The start of a random stream: a bit generator state at position 0.

    Parameters
    ----------
    bit_generator : str
        ``"MT19937"``, ``"PCG64"``, ``"PCG64DXSM"``, ``"Philox"`` or ``"SFC64"``.
    state : dict
        numpy's ``BitGenerator.state`` at position 0, with arrays as lists.
    seed : dict, optional
        How the state was made (e.g. ``{"legacy": 0}``): provenance only.

    Examples
    --------
    >>> import numpy as np
    >>> s = Stream.from_bit_generator(np.random.RandomState(0)._bit_generator, {"legacy": 0})
    >>> Stream.from_config(json.loads(json.dumps(s.to_config()))) == s
    True
    >>> bg = s.bit_generator_at(2)          # two 32-bit words in: the second double
    >>> float(np.random.RandomState(bg).random_sample())
    0.7151893663724195
    """

    bit_generator: str
    state: dict[str, Any]
    seed: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.bit_generator not in BIT_GENERATORS:
            raise ValueError(
                f"unknown bit generator {self.bit_generator!r}; "
                f"expected one of {sorted(BIT_GENERATORS)}"
            )

    @classmethod
    def from_bit_generator(
        cls, bit_generator: np.random.BitGenerator, seed: dict[str, Any] | None = None
    ) -> Stream:
        """The stream that starts at `bit_generator`'s current state."""
        name = type(bit_generator).__name__
        for known, klass in BIT_GENERATORS.items():
            if isinstance(bit_generator, klass):
                name = known
                break
        else:
            raise TypeError(f"unsupported bit generator {name}")
        return cls(name, _plain(bit_generator.state), seed)

    @property
    def word_bits(self) -> int:
        """Bits per native output: positions count these words."""
        return WORD_BITS[self.bit_generator]

    def bit_generator_at(self, position: int) -> np.random.BitGenerator:
        """A new bit generator standing `position` native outputs into the stream."""
        bg = BIT_GENERATORS[self.bit_generator]()
        bg.state = self.state
        return advance(bg, position) if position else bg

    def to_config(self) -> dict[str, Any]:
        """A JSON-serialisable dict from which :meth:`from_config` rebuilds this stream."""
        config: dict[str, Any] = {"bit_generator": self.bit_generator, "state": self.state}
        if self.seed is not None:
            config["seed"] = self.seed
        return copy.deepcopy(config)  # the stream is immutable: hand out copies

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Stream:
        """Inverse of :meth:`to_config`; ``ValueError`` for a state numpy would not give back.

        A config comes from disk, so its state is checked: numpy must accept it
        and return it unchanged (a key of the wrong length, for one, is not).
        """
        seed = copy.deepcopy(config.get("seed"))
        stream = cls(config["bit_generator"], _plain(config["state"]), seed)
        try:
            bg = BIT_GENERATORS[stream.bit_generator]()
            bg.state = stream.state
            same = _plain(bg.state) == stream.state
        except (TypeError, ValueError, KeyError, IndexError, OverflowError) as exc:
            raise ValueError(
                f"its {stream.bit_generator} state is not one numpy accepts "
                f"({type(exc).__name__}: {exc})"
            ) from None
        if not same:
            raise ValueError(f"its {stream.bit_generator} state is not one numpy gives back")
        return stream

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Stream):
            return NotImplemented
        return json.dumps(self.to_config(), sort_keys=True) == json.dumps(
            other.to_config(), sort_keys=True
        )

    def __hash__(self) -> int:
        return hash(json.dumps(self.to_config(), sort_keys=True))
