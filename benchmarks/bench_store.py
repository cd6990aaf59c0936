"""Streaming to disk: seedstream's zarr writer next to the disk's own sequential write rate.

In this one invocation, each step in a fresh process (so its peak RSS is its own):

1. baseline: the same number of bytes written with numpy ``tofile`` (one reused
   buffer of 2**24 doubles, appended until the size is reached) and ``fsync``;
2. ``RandomState(0).random_sample(n, store=path.zarr)`` (uncompressed, chunks of
   2**24, default workers), then ``os.sync``;
3. the same with blosc lz4 + shuffle;
4. the same into a flat ``.npy``;

and, in this process, how well one chunk of uniform doubles compresses with
blosc (what the default ``compressors=None`` is chosen on).  Every file is
deleted afterwards.

    python benchmarks/bench_store.py [--n 2e9] [--dir DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

import numpy as np

_HARNESS = """
import json, os, resource, time
{setup}
t0 = time.perf_counter()
{body}
os.sync()
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({{"seconds": seconds, "peak_rss": peak}}))
"""

CASES = {
    "tofile+fsync": (
        "import numpy as np",
        """
        buf = np.random.default_rng(0).random(2**24)
        left = {n}
        with open({path!r}, "wb") as f:
            while left:
                k = min(left, buf.size)
                buf[:k].tofile(f)
                left -= k
            f.flush()
            os.fsync(f.fileno())
        """,
    ),
    "seedstream zarr": (
        "import seedstream",
        """
        seedstream.RandomState(0).random_sample({n}, chunks=2**24, store={path!r}, progress=False)
        """,
    ),
    "seedstream zarr lz4": (
        "import seedstream\nfrom zarr.codecs import BloscCodec",
        """
        lz4 = BloscCodec(cname="lz4", shuffle="shuffle", typesize=8)
        seedstream.RandomState(0).random_sample(
            {n}, chunks=2**24, store={path!r}, compressors=lz4, progress=False
        )
        """,
    ),
    "seedstream npy": (
        "import seedstream",
        """
        seedstream.RandomState(0).random_sample({n}, chunks=2**24, store={path!r}, progress=False)
        """,
    ),
}


def run_case(name: str, n: int, path: Path) -> dict[str, Any]:
    setup, body = CASES[name]
    code = _HARNESS.format(setup=setup, body=textwrap.dedent(body.format(n=n, path=str(path))))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if done.returncode != 0:
        return {"case": name, "error": done.stderr.strip().splitlines()[-1]}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return {"case": name, "rate": 8 * n / result["seconds"], **result}


def _disk_usage(path: Path) -> int:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_blocks * 512 for p in files)


def compression_figures(chunk: int = 2**22) -> list[tuple[str, float, float]]:
    """(codec, compressed/raw size, MB/s on one core) for one chunk of uniform doubles."""
    from zarr.codecs import BloscCodec
    from zarr.core.array_spec import ArrayConfig, ArraySpec
    from zarr.core.buffer import default_buffer_prototype
    from zarr.core.buffer.cpu import Buffer
    from zarr.core.dtype import parse_dtype
    from zarr.core.sync import sync

    data = np.random.RandomState(0).random_sample(chunk)
    raw = Buffer.from_bytes(data.tobytes())
    dtype = parse_dtype(data.dtype, zarr_format=3)
    spec = ArraySpec(
        shape=data.shape,
        dtype=dtype,
        fill_value=dtype.default_scalar(),
        config=ArrayConfig.from_dict({}),
        prototype=default_buffer_prototype(),
    )
    out = []
    for cname in ("lz4", "zstd"):
        codec = BloscCodec(cname=cname, shuffle="shuffle", typesize=8).evolve_from_array_spec(spec)
        t0 = time.perf_counter()
        encoded = sync(codec._encode_single(raw, spec))
        seconds = time.perf_counter() - t0
        assert encoded is not None
        out.append(
            (f"blosc {cname}+shuffle", len(encoded) / data.nbytes, data.nbytes / seconds / 1e6)
        )
    return out


def main(n: int = 2 * 10**9, where: str | None = None) -> list[dict[str, Any]]:
    work = Path(tempfile.mkdtemp(prefix="seedstream-bench-", dir=where))
    results = []
    try:
        for name, target in (
            ("tofile+fsync", work / "baseline.bin"),
            ("seedstream zarr", work / "out.zarr"),
            ("seedstream zarr lz4", work / "lz4.zarr"),
            ("seedstream npy", work / "out.npy"),
        ):
            results.append(run_case(name, n, target))
            results[-1]["bytes_on_disk"] = _disk_usage(target)
            shutil.rmtree(target, ignore_errors=True) if target.is_dir() else target.unlink(
                missing_ok=True
            )
            for sidecar in work.glob("*.seedstream.json"):
                sidecar.unlink()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{n:,} doubles ({8 * n / 1e9:.1f} GB) in {work.parent}")
    for r in results:
        if "error" in r:
            print(f"  {r['case']:20s} ERROR {r['error']}")
        else:
            print(
                f"  {r['case']:20s} {r['seconds']:8.2f} s  {r['rate'] / 1e9:6.2f} GB/s  "
                f"peak RSS {r['peak_rss'] / 2**30:5.2f} GiB  "
                f"on disk {r['bytes_on_disk'] / 1e9:6.2f} GB"
            )
    by = {r["case"]: r for r in results if "error" not in r}
    if "tofile+fsync" in by:
        for name in ("seedstream zarr", "seedstream zarr lz4", "seedstream npy"):
            if name in by:
                share = by[name]["rate"] / by["tofile+fsync"]["rate"]
                print(f"{name} / disk sequential rate: {share:.2f}  (target >= 0.70)")
    for codec, ratio, speed in compression_figures():
        print(f"  {codec:22s} size ratio {ratio:.3f}  {speed:6.0f} MB/s per core")
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=float, default=2e9)
    parser.add_argument("--dir", default=None, help="where to write (default: the temp dir)")
    args = parser.parse_args()
    main(int(args.n), args.dir)
