"""seedstream: NumPy's seeded random streams, bit for bit, at any size and any position."""

from numpy.random import (
    MT19937,
    PCG64,
    PCG64DXSM,
    SFC64,
    BitGenerator,
    Philox,
    SeedSequence,
)

from seedstream import _functions, _version
from seedstream._draw import Draw
from seedstream._errors import (
    DiskFullError,
    LazyResultWarning,
    OutputInUseError,
    OutputMismatchError,
    SelfCheckError,
)

# np.random's legacy functions (seed, rand, random_sample, uniform, normal, ...) on
# seedstream's global RandomState: the names are written out in _functions, for type checkers.
from seedstream._functions import *  # noqa: F403
from seedstream._generator import Generator, default_rng
from seedstream._jump import advance
from seedstream._legacy import RandomState
from seedstream._memory import MemoryReading, read_memory
from seedstream._output import (
    ChunkMismatch,
    OutputInfo,
    Request,
    VerifyReport,
    inspect_output,
    verify_output,
)
from seedstream._pick import Pick
from seedstream._plan import Plan, plan
from seedstream._pyrandom import PythonRandom
from seedstream._stream import Stream

__all__ = [  # noqa: RUF022  (numpy's names first, as a group)
    # numpy's own bit generators and seeding, so that `import seedstream as sr` stands in
    # for `numpy.random`: sr.Generator(sr.PCG64(sr.SeedSequence(0)))
    "MT19937",
    "PCG64",
    "PCG64DXSM",
    "SFC64",
    "BitGenerator",
    "Philox",
    "SeedSequence",
    "ChunkMismatch",
    "DiskFullError",
    "Draw",
    "Generator",
    "LazyResultWarning",
    "MemoryReading",
    "OutputInUseError",
    "OutputInfo",
    "OutputMismatchError",
    "Pick",
    "Plan",
    "PythonRandom",
    "RandomState",
    "Request",
    "SelfCheckError",
    "Stream",
    "VerifyReport",
    "advance",
    "default_rng",
    "inspect_output",
    "plan",
    "read_memory",
    "verify_output",
]
__all__ += _functions.__all__
__version__ = _version.__version__
