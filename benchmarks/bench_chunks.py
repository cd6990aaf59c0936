"""Which chunk size suits the MT19937 core: lazy means and store writes, swept.

With the core filling at memory speed, a chunk's cost is its jump (about 1 ms),
its allocation and the first touch of its pages, and dask's task overhead, as
much as its values.  Each case runs in a fresh process (``bench_lazy``'s
harness), ``--repeat`` times in alternating rounds (``_timing.py``):

- ``lazy@C``:  ``RandomState(0).random_sample(n, chunks=C).mean()`` (threaded scheduler)
- ``dask-rng@C``: dask's ``da.random.default_rng(0).random(n, chunks=C).mean()``
  (PCG64, *not* numpy's numbers), the peer the issue names, at the same chunks
- ``store@C``: ``RandomState(0).random_sample(m, store=<tmp>.zarr, chunks=C)``,
  uncompressed zarr on the local disk, removed after each run (``--store-n``)
- ``lazy@auto`` and ``store@auto``: the defaults (``chunks="auto"``, no ``chunks=``)

    python benchmarks/bench_chunks.py [--n 4e8] [--store-n 1e8] [--chunks 18,20,22,24,26]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

import _timing
import bench_lazy

HERE = Path(__file__).resolve().parent

LAZY = (
    "import seedstream, dask.array",
    """
    x = seedstream.RandomState(0).random_sample({n}{chunks})
    value = float(x.mean().compute(scheduler="threads"))
    """,
)
DASK_RNG = (
    "import dask.array as da",
    """
    x = da.random.default_rng(0).random({n}{chunks})
    value = float(x.mean().compute(scheduler="threads"))
    """,
)
STORE = (
    "import os, shutil, tempfile, seedstream",
    """
    where = tempfile.mkdtemp(dir={tmp!r})
    try:
        z = seedstream.RandomState(0).random_sample(
            {n}{chunks}, store=os.path.join(where, "x.zarr"), compressors=None, progress=False
        )
        value = float(z[-1])
    finally:
        shutil.rmtree(where)
    """,
)


def cases(n: int, store_n: int, log2_chunks: list[int], tmp: str) -> dict[str, tuple[str, str]]:
    """Every case's (setup, body), with `n` (`store_n` for stores) and its chunks filled in."""
    found = {}
    sweep = [(f"2^{k}", f", chunks=2**{k}") for k in log2_chunks]
    for label, chunks in [("auto", ""), *sweep]:
        for kind, (setup, body), size in [
            ("lazy", LAZY, n),
            ("dask-rng", DASK_RNG, n),
            ("store", STORE, store_n),
        ]:
            if kind == "dask-rng" and label == "auto":
                continue
            if kind == "lazy" and label == "auto":
                chunks = ', chunks="auto"'  # lazy at any size (without it, small n is an ndarray)
            text = body.replace("{n}", str(size)).replace("{chunks}", chunks)
            found[f"{kind}@{label}"] = (setup, text.replace("{tmp!r}", repr(tmp)))
    return found


def main(
    n: int, store_n: int, log2_chunks: list[int], repeats: int, tmp: str, out: Path | None
) -> list[dict[str, Any]]:
    """Run every case `repeats` times, interleaved; print and (into `out`) save the figures."""
    table = cases(n, store_n, log2_chunks, tmp)
    names = list(table)

    def run(name: str) -> dict[str, Any]:
        size = store_n if name.startswith("store") else n
        return bench_lazy.run_source(name, size, *table[name])

    started = _timing.stamp()
    runs = _timing.interleave(names, repeats, run)
    results = [_timing.combine(runs[name]) for name in names]
    for r in results:
        print(bench_lazy._line(r))
    by = {r["case"]: r for r in results if "error" not in r}
    for label in [f"2^{k}" for k in log2_chunks]:
        ours, peer = by.get(f"lazy@{label}"), by.get(f"dask-rng@{label}")
        if ours and peer:
            print(
                f"chunks={label}: seedstream / dask default_rng time "
                f"{ours['seconds'] / peer['seconds']:.2f} (target <= 0.6)"
            )
    if out is not None:
        settings = {"n": n, "store_n": store_n, "chunks": log2_chunks, "repeats": repeats}
        title = "bench_chunks: chunk sizes for the MT19937 core"
        _timing.save(out, "bench_chunks", title, settings, started, results)
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=float, default=4e8)
    parser.add_argument("--store-n", type=float, default=1e8)
    parser.add_argument("--chunks", default="18,20,22,24,26", help="log2 of values per chunk")
    parser.add_argument("--repeat", type=int, default=_timing.REPEATS)
    parser.add_argument("--tmp", default=tempfile.gettempdir(), help="store scratch folder")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args()
    Path(args.tmp).mkdir(exist_ok=True)
    main(
        int(args.n),
        int(args.store_n),
        [int(k) for k in args.chunks.split(",")],
        args.repeat,
        args.tmp,
        args.out,
    )
