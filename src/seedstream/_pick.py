"""``choice`` with replacement, as a mapping of another draw's values: what each block picks.

Pure: numpy only.

numpy's ``choice(a, size, replace=True, p=None)`` draws indices (legacy
``randint(0, len(a))``, Generator ``integers(0, len(a), dtype=int64)``), or
with ``p`` draws uniforms (``random_sample`` / ``random``) and finds each in
the cumulative distribution (``cdf.searchsorted(u, side="right")``); then it
takes ``a[idx]``.  Each value depends on its own draw alone, so a chunk of a
choice is the chunk of that draw, mapped element by element: a :class:`Pick`
is that mapping, carried by the :class:`~seedstream._draw.Draw` and applied
to every block (:func:`seedstream._locate.block_values`).

A pick is recorded with a stored output (``to_config``): the population and
the CDF, each with its dtype, shape and SHA-256 digest, and its bytes (base64)
when they are at most :data:`INLINE_BYTES`, so that the record alone
regenerates and verifies the output.  Above that only the digest is recorded:
a re-run of the same call resumes (its digest must match, or the writer
refuses), but the record alone cannot regenerate the values.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import hashlib
from typing import Any

import numpy as np

__all__ = ["INLINE_BYTES", "Pick"]

#: The largest population (or CDF) recorded whole with an output, in bytes.
INLINE_BYTES = 2**16


@dataclasses.dataclass(frozen=True, eq=False)
class Pick:
    """The elements numpy's ``choice`` returns for the values of its draw.

    ``population``: the 1-D array ``a`` (None: ``a`` was an int, the indices
    are the values); ``cdf``: numpy's normalised cumulative sum of ``p`` (None:
    the draw's values are the indices); ``index_dtype``: the dtype numpy casts
    the indices to (legacy ``np.long``, Generator ``int64``).  Equal picks
    have equal digests.

    Examples
    --------
    >>> import numpy as np
    >>> pick = Pick(np.array(["x", "y", "z"]), Pick.cdf_of([0.5, 0.25, 0.25]), "int64")
    >>> pick.apply(np.array([0.1, 0.6, 0.9])).tolist()
    ['x', 'y', 'z']
    >>> Pick.from_config(pick.to_config()) == pick
    True
    """

    population: np.ndarray | None
    cdf: np.ndarray | None
    index_dtype: str = "int64"

    def __post_init__(self) -> None:
        if self.population is not None and self.population.dtype.hasobject:
            raise NotImplementedError(
                "choice() of an array of Python objects cannot be chunked, started later or "
                "stored; draw the indices instead (choice(len(a), ...)) and index a with them"
            )

    @staticmethod
    def cdf_of(p: Any) -> np.ndarray:
        """numpy's CDF of the checked probabilities `p`: float64, summed, divided by its last."""
        cdf = np.ascontiguousarray(p, dtype=np.float64).cumsum()
        cdf /= cdf[-1]
        return cdf

    @property
    def dtype(self) -> np.dtype[Any]:
        """The dtype of the picked values."""
        if self.population is None:
            return np.dtype(self.index_dtype)
        return self.population.dtype

    def apply(self, drawn: np.ndarray) -> np.ndarray:
        """The picked elements for `drawn`: the draw's indices or uniforms, as numpy maps them."""
        idx = self._indices(drawn)
        if self.population is None:
            return idx
        out: np.ndarray = self.population[idx]
        return out

    def finish(self, drawn: Any, scalar: bool) -> Any:
        """numpy's result for `drawn` (a whole call's draw), with numpy's scalar and 0-d forms.

        `scalar`: the call had no size; numpy then returns a Python int for an
        int ``a``, else ``a``'s element; a 0-d draw (``size=()``) gives a 0-d array.
        """
        idx = self._indices(drawn)
        if scalar:
            idx = idx.item(0)
        if self.population is None:
            return idx
        if not scalar and idx.ndim == 0:  # numpy: a[idx] would be a scalar, not a 0-d array
            out = np.empty((), dtype=self.population.dtype)
            out[()] = self.population[idx]
            return out
        return self.population[idx]

    def _indices(self, drawn: Any) -> np.ndarray:
        idx = drawn if self.cdf is None else self.cdf.searchsorted(drawn, side="right")
        return np.asarray(idx).astype(self.index_dtype, casting="unsafe")

    @functools.cached_property
    def digest(self) -> str:
        """SHA-256 of what the pick is (dtypes, shapes and bytes of the population and CDF)."""
        return hashlib.sha256(
            repr([_describe(self.population), _describe(self.cdf), self.index_dtype]).encode()
        ).hexdigest()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Pick) and other.digest == self.digest

    def __hash__(self) -> int:
        return hash(self.digest)

    def to_config(self) -> dict[str, Any]:
        """A JSON-serialisable record; arrays over :data:`INLINE_BYTES` by their digest only."""
        return {
            "population": _encode(self.population),
            "cdf": _encode(self.cdf),
            "index_dtype": self.index_dtype,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Pick:
        """Inverse of :meth:`to_config`; ``ValueError`` for a record holding digests only."""
        return cls(_decode(config["population"]), _decode(config["cdf"]), config["index_dtype"])


def _describe(array: np.ndarray | None) -> Any:
    if array is None:
        return None
    data = np.ascontiguousarray(array)
    return [data.dtype.str, list(data.shape), hashlib.sha256(data.tobytes()).hexdigest()]


def _encode(array: np.ndarray | None) -> dict[str, Any] | None:
    if array is None:
        return None
    dtype, shape, digest = _describe(array)
    found = {"dtype": dtype, "shape": shape, "sha256": digest}
    if array.nbytes <= INLINE_BYTES:
        found["base64"] = base64.b64encode(np.ascontiguousarray(array).tobytes()).decode()
    return found


def _decode(found: dict[str, Any] | None) -> np.ndarray | None:
    if found is None:
        return None
    if "base64" not in found:
        raise ValueError(
            f"choice's population or p is recorded by its SHA-256 only (over {INLINE_BYTES} "
            "bytes), so the record alone cannot regenerate it; run the call that made it again"
        )
    data = base64.b64decode(found["base64"])
    array = np.frombuffer(data, dtype=np.dtype(found["dtype"])).reshape(found["shape"]).copy()
    if _describe(array)[2] != found["sha256"]:
        raise ValueError("choice's recorded population or p does not match its SHA-256")
    return array
