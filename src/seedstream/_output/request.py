"""What goes on disk: a :class:`Request`, and the record stored with it.

A :class:`Request` (stream, draw, first value, shape, chunk shape) is the
whole description of an output; its chunks are runs of the stream that can
each be generated on their own.  :func:`record` is what is stored with the
data (where it is stored is the target's business), so any output can be
regenerated and verified, and a re-run can tell whether it is continuing the
same work: :func:`check_record` refuses one that is not.

The bottom of the output package: imports numpy and seedstream's stream,
draw, geometry, errors and version modules, nothing of the package.
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

import numpy as np

from seedstream._draw import Draw
from seedstream._errors import OutputMismatchError
from seedstream._geometry import block_start, is_contiguous
from seedstream._locate import Located, Locator, block_values
from seedstream._stream import Stream
from seedstream._version import __version__

FORMAT = 1  # bump when the meaning of a recorded request changes


@dataclasses.dataclass(frozen=True)
class Request:
    """Values ``first ..`` of `draw` on `stream`: an array of `shape` in `chunk_shape` chunks.

    What an output written with ``store=`` holds, as recorded with it
    (:attr:`seedstream.OutputInfo.request`).  Chunks split only the first
    axis they split and span every axis after it, so each chunk is one run
    of the stream and is generated on its own.

    Examples
    --------
    >>> import json, numpy as np
    >>> stream = Stream.from_bit_generator(np.random.RandomState(0)._bit_generator)
    >>> request = Request(stream, Draw("RandomState", "random_sample"), 0, (10,), (4,))
    >>> request.nchunks, request.chunk_span(2)
    (3, (8, 2))
    >>> bool((request.chunk_values(2) == np.random.RandomState(0).random_sample(10)[8:]).all())
    True
    >>> Request.from_config(json.loads(json.dumps(request.to_config()))) == request
    True
    """

    stream: Stream
    draw: Draw
    first: int
    shape: tuple[int, ...]
    chunk_shape: tuple[int, ...]

    def __post_init__(self) -> None:
        # A request may come from a record on disk: malformed geometry is a ValueError here.
        dims = (*self.shape, *self.chunk_shape, self.first)
        if len(self.shape) != len(self.chunk_shape) or not all(
            type(d) is int and d >= 0 for d in dims
        ):
            raise ValueError(
                f"shape {self.shape}, chunk shape {self.chunk_shape} and first value "
                f"{self.first} must be non-negative integers, one chunk length per axis"
            )
        if not all(self.chunk_shape):
            raise ValueError(f"chunk shape {self.chunk_shape} has a chunk length of 0")
        grid = tuple(_regular(n, c) for n, c in zip(self.shape, self.chunk_shape, strict=True))
        if not is_contiguous(self.shape, grid):
            raise NotImplementedError(
                f"chunks {self.chunk_shape} for shape {self.shape} split the trailing axes, so a "
                "chunk is not one run of the stream; for output to disk use chunks that span "
                "every axis after the first one split (e.g. (rows, *shape[1:]))"
            )

    @property
    def dtype(self) -> np.dtype[Any]:
        return self.draw.result_dtype

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize

    @property
    def grid(self) -> tuple[int, ...]:
        """Chunks along each axis."""
        return tuple(
            -(-n // c) if n else 0 for n, c in zip(self.shape, self.chunk_shape, strict=True)
        )

    @property
    def nchunks(self) -> int:
        return math.prod(self.grid)

    def chunk_coords(self, index: int) -> tuple[int, ...]:
        return tuple(int(i) for i in np.unravel_index(index, self.grid)) if self.shape else ()

    def chunk_region(self, index: int) -> tuple[slice, ...]:
        coords = self.chunk_coords(index)
        return tuple(
            slice(i * c, min((i + 1) * c, n))
            for i, c, n in zip(coords, self.chunk_shape, self.shape, strict=True)
        )

    def chunk_span(self, index: int) -> tuple[int, int]:
        """(first value, number of values) of chunk `index` in the draw."""
        region = self.chunk_region(index)
        start = self.first + block_start(self.shape, [s.start for s in region])
        return start, int(math.prod(s.stop - s.start for s in region))

    def chunk_nbytes(self, index: int) -> int:
        """Bytes of the values in chunk `index` (an edge chunk holds fewer)."""
        elements = math.prod(s.stop - s.start for s in self.chunk_region(index))
        return int(elements) * self.dtype.itemsize

    def chunk_values(
        self, index: int, located: tuple[Located, Located] | None = None
    ) -> np.ndarray:
        """The values of chunk `index`, generated on their own.

        For a variable draw, `located` (from :meth:`locate`) saves counting the
        stream up to the chunk again.
        """
        region = self.chunk_region(index)
        first, count = self.chunk_span(index)
        values = block_values(self.stream, self.draw, first, count, located)
        return values.reshape(tuple(s.stop - s.start for s in region))

    def locate(
        self, indices: list[int], locator: Locator | None = None
    ) -> dict[int, tuple[Located, Located]]:
        """Start and end of each chunk in `indices`, for a variable draw (empty for a fixed one)."""
        if not self.draw.consumption(self.stream).variable or not indices:
            return {}
        locator = locator or Locator(self.stream, self.draw)
        found = locator.blocks([self.chunk_span(i) for i in indices])
        return dict(zip(indices, found, strict=True))

    def to_config(self) -> dict[str, Any]:
        return {
            "stream": self.stream.to_config(),
            "draw": self.draw.to_config(),
            "first": self.first,
            "shape": list(self.shape),
            "chunk_shape": list(self.chunk_shape),
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Request:
        return cls(
            Stream.from_config(config["stream"]),
            Draw.from_config(config["draw"]),
            int(config["first"]),
            tuple(config["shape"]),
            tuple(config["chunk_shape"]),
        )


def _regular(n: int, c: int) -> tuple[int, ...]:
    if n == 0:
        return (0,)
    full, rest = divmod(n, c)
    return (c,) * full + ((rest,) if rest else ())


# --- the record ---------------------------------------------------------------------------


def record(request: Request, complete: bool) -> dict[str, Any]:
    """What is stored with the data: the request, versions, and whether it is complete."""
    return {
        "format": FORMAT,
        "seedstream_version": __version__,
        "numpy_version": np.__version__,
        "request": request.to_config(),
        "dtype": request.dtype.name,
        "n": math.prod(request.shape),
        "complete": complete,
    }


def is_record(found: Any) -> bool:
    """Whether `found` (read from disk) has the shape of a :func:`record`."""
    return isinstance(found, dict) and "format" in found and "request" in found


def _differences(recorded: dict[str, Any], wanted: dict[str, Any]) -> list[str]:
    return [
        k
        for k in wanted
        if json.dumps(recorded.get(k), sort_keys=True) != json.dumps(wanted[k], sort_keys=True)
    ]


def differs(recorded: dict[str, Any] | None, request: Request) -> bool:
    """Whether `recorded` is not a record of `request` (in this format)."""
    return (
        recorded is None
        or recorded.get("format") != FORMAT
        or bool(_differences(recorded.get("request", {}), request.to_config()))
    )


def check_record(recorded: dict[str, Any] | None, request: Request, where: str) -> None:
    """Refuse to continue at `where` unless `recorded` is a record of `request`."""
    if recorded is None:
        raise OutputMismatchError(
            f"{where} exists and was not written by seedstream; seedstream will not delete it: "
            "choose another path"
        )
    if recorded.get("format") != FORMAT:
        raise OutputMismatchError(
            f"{where} was written with seedstream output format {recorded.get('format')}, "
            f"this is format {FORMAT}; pass overwrite=True to regenerate it"
        )
    diff = _differences(recorded.get("request", {}), request.to_config())
    if diff:
        raise OutputMismatchError(
            f"{where} holds a different draw (differs in: {', '.join(diff)}); run the call that "
            "made it, choose another path, or pass overwrite=True to replace it"
        )
