"""Writing through a dask.distributed LocalCluster, next to the local threaded writer.

For each number of workers W (default 1 and 2), in this one process: a
``LocalCluster`` of W worker processes (one thread each) is started and warmed
up (its workers import seedstream and zarr once), then

- ``cluster W``: ``RandomState(0).random_sample(n, chunks=chunk, store=...)``
  written by the cluster's workers (``client=`` the cluster's Client);
- ``threads W``: the same call with ``client=False, workers=W``: the local
  pool of W threads;

each followed by ``os.sync()`` inside the timed region, repeated in rounds
whose order alternates (``_timing.interleave``), the output deleted between
runs.  Reported: the write rate in MB/s (8·n bytes over the wall time), median
[min-max] over the runs, and the ratio cluster / threads of each round's pair.
Every value written is compared once with numpy's own output (first run of each
case, at sizes up to 10**8).

``--store-url`` names where the outputs go: a local folder (default: a new
temporary one), or an fsspec URL such as ``s3://bucket/prefix`` (outputs are
``URL/bench-*.zarr``, removed with fsspec; ``--storage-option KEY=VALUE`` as
for the command line).  ``--moto`` starts moto's S3 server in a process of its
own on a free port (``moto_server``, the endpoint the tests use), makes a
bucket there and writes to it: object storage over HTTP on this machine, with
the server's CPU competing with the writers' (so a lower bound for real S3,
whose servers are elsewhere).

    python benchmarks/bench_cluster.py [--n 1e8] [--chunk 2**22] [--workers 1 2] [--repeat 4]
    python benchmarks/bench_cluster.py --moto [--n 3e7]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from _timing import HERE, REPEATS, combine, interleave, save, spread, stamp

CHECK_UP_TO = 10**8  # values compared with numpy once per case (more would take the memory)


def _remove(place: str, storage_options: dict[str, Any] | None = None) -> None:
    if "://" in place:  # object storage
        import fsspec

        fs, path = fsspec.core.url_to_fs(place, **(storage_options or {}))
        if fs.exists(path):
            fs.rm(path, recursive=True)
    else:
        shutil.rmtree(place, ignore_errors=True)


def _write(n: int, chunk: int, place: str, options: dict[str, Any]) -> dict[str, Any]:
    import seedstream

    t0 = time.perf_counter()
    cpu0 = time.process_time()
    out = seedstream.RandomState(0).random_sample(
        n, chunks=chunk, store=place, progress=False, **options
    )
    os.sync()
    seconds = time.perf_counter() - t0
    return {
        "seconds": seconds,
        "caller_cpu_seconds": time.process_time() - cpu0,
        "mb_per_s": 8 * n / seconds / 1e6,
        "array": out,
    }


def main(
    n: int = 10**8,
    chunk: int = 2**22,
    workers: Sequence[int] = (1, 2),
    repeats: int = REPEATS,
    store_url: str | None = None,
    storage_options: dict[str, Any] | None = None,
    clients: dict[int, Any] | None = None,
    out: Path | None = HERE / "results",
) -> list[dict[str, Any]]:
    """Run the cases; `clients` ({workers: Client}) reuses running clusters (the smoke test)."""
    import distributed

    started = stamp()
    base = store_url or tempfile.mkdtemp(prefix="seedstream-bench-cluster-")
    url_options = {} if storage_options is None else {"storage_options": storage_options}
    results: list[dict[str, Any]] = []
    expected = np.random.RandomState(0).random_sample(n) if n <= CHECK_UP_TO else None
    try:
        for w in workers:
            own = clients is None or w not in clients
            if own:
                cluster = distributed.LocalCluster(
                    n_workers=w, processes=True, threads_per_worker=1, dashboard_address=":0"
                )
                client = distributed.Client(cluster, set_as_default=False)
            else:
                assert clients is not None
                client = clients[w]
            try:
                warm = f"{base}/bench-warm-{w}.zarr"
                # imports on the workers
                _write(min(n, chunk), chunk, warm, {"client": client, **url_options})
                _remove(warm, storage_options)
                cases = {
                    f"cluster {w}": {"client": client, **url_options},
                    f"threads {w}": {"client": False, "workers": w, **url_options},
                }
                checked: set[str] = set()

                def run(
                    name: str, cases: dict[str, Any] = cases, checked: set[str] = checked
                ) -> Any:
                    place = f"{base}/bench-{name.replace(' ', '-')}.zarr"
                    _remove(place, storage_options)
                    result = _write(n, chunk, place, cases[name])
                    array = result.pop("array")
                    if expected is not None and name not in checked:
                        got = np.asarray(array[:])
                        assert got.tobytes() == expected.tobytes(), f"{name}: not numpy's values"
                        checked.add(name)
                    _remove(place, storage_options)
                    return result

                runs = interleave(list(cases), repeats, run)
                pair = [
                    c["mb_per_s"] / t["mb_per_s"]
                    for c, t in zip(runs[f"cluster {w}"], runs[f"threads {w}"], strict=True)
                ]
                for name, case_runs in runs.items():
                    row = combine(case_runs, ("seconds", "mb_per_s", "caller_cpu_seconds"))
                    if name.startswith("cluster"):
                        row["cluster_over_threads"] = spread(pair)
                    results.append({"case": name, "workers": w, "n": n, "chunk": chunk, **row})
            finally:
                if own:
                    client.close()
                    cluster.close()
    finally:
        if store_url is None:
            shutil.rmtree(base, ignore_errors=True)
    where = store_url or "a temporary folder"
    print(
        f"{n:,} doubles ({8 * n / 1e6:,.0f} MB) in chunks of {chunk:,}, to {where}; "
        f"load average {os.getloadavg()[0]:.1f} at the end"
    )
    for row in results:
        line = (
            f"  {row['case']:10s} {row['mb_per_s']:7.0f} MB/s "
            f"[{row['mb_per_s_min']:.0f}-{row['mb_per_s_max']:.0f}] x{row['runs']}"
        )
        if "cluster_over_threads" in row:
            ratio = row["cluster_over_threads"]
            line += (
                f"   cluster/threads {ratio['median']:.2f} [{ratio['min']:.2f}-{ratio['max']:.2f}]"
            )
        print(line)
    if out is not None:
        settings = {"n": n, "chunk": chunk, "workers": list(workers), "repeats": repeats}
        save(out, "bench_cluster", __doc__.splitlines()[0], settings, started, results)
    return results


@contextlib.contextmanager
def moto_s3() -> Iterator[tuple[str, dict[str, Any]]]:
    """moto's S3 server in a process of its own: a bucket's URL and the storage options."""
    import boto3

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    keys = {"aws_access_key_id": "bench", "aws_secret_access_key": "bench"}
    try:
        client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **keys)
        for _ in range(300):  # the server starts in a second or two
            try:
                client.create_bucket(Bucket="bench")
                break
            except Exception:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"moto's server did not answer at {endpoint}")
        options = {
            "key": "bench",
            "secret": "bench",
            "endpoint_url": endpoint,
            "client_kwargs": {"region_name": "us-east-1"},
        }
        yield "s3://bench/seedstream", options
    finally:
        server.terminate()
        server.wait()


def _count(text: str) -> int:
    if "**" in text:
        base, exponent = text.split("**")
        return int(base) ** int(exponent)
    return int(float(text))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=_count, default=10**8, help="doubles per write")
    parser.add_argument("--chunk", type=_count, default=2**22, help="doubles per chunk")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeat", type=int, default=REPEATS)
    parser.add_argument(
        "--store-url", help="where outputs go: a folder, or an fsspec URL (s3://bucket/prefix)"
    )
    parser.add_argument(
        "--storage-option", action="append", default=[], metavar="KEY=VALUE", help="for a URL"
    )
    parser.add_argument("--moto", action="store_true", help="to moto's S3 server, started here")
    args = parser.parse_args()
    if args.moto:
        with moto_s3() as (url, options):
            main(args.n, args.chunk, args.workers, args.repeat, url, options)
    else:
        from seedstream._cli import parse_storage_options

        options = parse_storage_options(args.storage_option) or None
        main(args.n, args.chunk, args.workers, args.repeat, args.store_url, options)
