"""Copy numpy's published bit-generator test vectors into ``tests/data``.

numpy ships, in ``numpy/random/tests/data``, the files
``{mt19937,pcg64,pcg64dxsm,philox}-testset-{1,2}.csv``.  Each holds a line
``seed, 0x...`` and then 1000 lines ``i, 0x...``: the first 1000 ``random_raw``
outputs of ``BitGenerator(seed)`` (seeded through ``SeedSequence``), which is how
numpy's own ``random/tests/test_direct.py`` reads them.  ``tests/test_advance.py``
checks ``seedstream.advance`` against our copies.

Run from anywhere::

    python tests/data/generate_vectors.py

Each file is copied from the installed numpy when numpy ships it; otherwise (some
distributions strip numpy's tests) it is regenerated from numpy in the same format
and the script says so.  Either way the result is then checked against what the
installed numpy generates.  With numpy 2.4.6 all eight files were shipped and each
was byte-identical to the regenerated text.
"""

from __future__ import annotations

import argparse
import importlib.resources
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent

# file prefix -> bit generator; numpy's vectors use these two seeds.
GENERATORS = {
    "mt19937": np.random.MT19937,
    "pcg64": np.random.PCG64,
    "pcg64dxsm": np.random.PCG64DXSM,
    "philox": np.random.Philox,
}
SEEDS = {1: 0xDEADBEAF, 2: 0}
COUNT = 1000


def regenerate(prefix: str, index: int) -> str:
    """The vector file numpy would write for ``GENERATORS[prefix](SEEDS[index])``."""
    seed = SEEDS[index]
    raw = GENERATORS[prefix](seed).random_raw(COUNT)
    lines = [f"seed, {seed:#x}", *(f"{i}, {int(v):#x}" for i, v in enumerate(raw))]
    return "\n".join(lines) + "\n"


def shipped(name: str) -> str | None:
    """numpy's own copy of `name`, or None if the installed numpy lacks it."""
    try:
        path = importlib.resources.files("numpy.random.tests").joinpath("data", name)
        return path.read_text() if path.is_file() else None
    except ModuleNotFoundError:
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="directory to write to")
    args = parser.parse_args(argv)
    status = 0
    for prefix in GENERATORS:
        for index in SEEDS:
            name = f"{prefix}-testset-{index}.csv"
            text = shipped(name)
            fresh = regenerate(prefix, index)
            if text is None:
                print(f"{name}: not shipped by numpy {np.__version__}; generated")
                text = fresh
            elif text == fresh:
                print(f"{name}: copied from numpy {np.__version__} (matches regeneration)")
            else:
                print(f"{name}: copied, but DIFFERS from numpy {np.__version__}'s output")
                status = 1
            (args.out / name).write_text(text)
    return status


if __name__ == "__main__":
    sys.exit(main())
