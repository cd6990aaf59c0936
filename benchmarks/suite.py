"""The classic seed table: ``np.random.seed(0); np.random.rand(n)`` re-run with seedstream.

    python benchmarks/suite.py [--max-n 1e12] [--max-seconds 120] [--disk-budget 20GB] ...
    make suite SUITE_ARGS="--max-n 1e10"

For n = 10**6, 10**7, 10**8, 10**9, 10**10, 10**12 (``--sizes``), one after the
other, each case in a fresh Python process (``benchmarks/_suite_cases.py``), every
case at one n ``--repeat`` times (default 4) in rounds whose order alternates
forwards and backwards, numpy's baseline with the others (``benchmarks/_timing.py``:
a fixed order let a case that followed a large one reuse the memory just freed,
and seedstream's ndarray mode, numpy's own call, came out faster than numpy):

``numpy``
    ``np.random.seed(0); np.random.rand(n).mean()`` -- only where it fits: the
    decision is ``seedstream.plan(n)`` on ``seedstream.read_memory()`` (the
    bytes numpy would need against half of what is available); otherwise the
    row is skipped with those figures, and nothing is allocated.
``seedstream auto``
    ``seedstream.RandomState(0).rand(n).mean()``: seedstream chooses an ndarray
    or a lazy dask array (the ``mode`` column says which).
``seedstream dask``
    ``seedstream.RandomState(0).random_sample(n, chunks=2**24).mean()``, threaded.
``seedstream zarr``
    ``seedstream.RandomState(0).random_sample(n, chunks=2**24, store=TMP/x.zarr)``
    then an fsync of every file it wrote; deleted right after the case.  TMP is a
    ``tmp-suite-*`` folder in ``--tmp-dir`` (default ``--out``: real disk, where
    /tmp may be RAM; the stamp records the filesystem).  Skipped beyond
    ``--disk-budget`` or the free space (less a margin).
``dask RandomState (peer)``, ``dask default_rng (peer)``
    ``dask.array.random.RandomState(0).random_sample(n, chunks=2**24).mean()`` and
    ``dask.array.random.default_rng(0).random(n, chunks=2**24).mean()``: the
    usual way to draw this much, which does *not* give numpy's numbers (dask
    seeds every chunk on its own); their first/last columns show it.

Columns of the table (``table.md``; raw figures in the JSON):

- ``mode``: how the values were delivered -- ``ndarray``, ``dask`` or ``zarr``.
- ``time``: wall seconds of the call and its reduction (``.mean()``; for zarr
  the write and the fsync), in a fresh process; imports and dask's first-compute
  warm-up are excluded, seedstream's first-jump costs are not.  The median of
  the runs, with their minimum and maximum; the JSON also has every run's figure
  and the CPU seconds (user, system) and minor page faults of the case.  A ``~``
  marks a figure *extrapolated from a prefix* (see below).
- ``values/s``, ``GB/s``: n over that time; GB/s counts 8 bytes per double, 10**9 bytes per GB.
- ``peak RSS``: ``ru_maxrss`` of the case's own process (interpreter and
  imports included).  For a prefix run of a lazy array the full-size graph
  is built, so its memory is included; for an in-memory prefix run it is
  estimated as the prefix's peak plus 8 bytes per value not drawn.
- ``on disk``: bytes the output occupies (allocated blocks), before deletion.
- ``first = numpy``, ``last = numpy``: elements 0 and n - 1 compared with numpy's,
  bit for bit.  numpy's reference is its one-shot output where the numpy row
  ran in full at that n, otherwise random access:
  ``seedstream.advance(np.random.RandomState(0)._bit_generator, 2 * i)`` then
  ``np.random.RandomState(bg).random_sample()``.  Lazy arrays compute their
  real last element even in a prefix run; an in-memory or zarr prefix run
  checks its own last element (index in the JSON).
- ``notes``: why a row was skipped, the error of a failed case (failures are
  recorded, never hidden), or how a figure was extrapolated.

Budgets.  ``--max-n`` drops larger sizes.  Before each case the suite predicts
its time from the same method's previous (smaller) size, linearly; a case whose
prediction exceeds ``--max-seconds`` runs a *timed prefix* instead -- the first K
values (whole chunks, about ``--prefix-seconds`` of work) -- and its time is
extrapolated linearly, labelled "extrapolated from a prefix of K values".  For a
lazy array the full-size graph is built (timed, not scaled), one chunk per
worker is computed on its own (timed, not scaled: it carries the one-off costs
of a first compute), and the time of the remaining prefix chunks is scaled to the
rest of n.  In-memory and zarr cases draw K values and scale their whole time
by n / K.  A case still running after 4 * max-seconds + 60 s is killed and
recorded as an error.

One round of the defaults fits a 2-core, 25 GB machine in about 4 minutes (the
default four rounds in about 16; ``--repeat 2`` halves that):
everything up to 10**10 runs for real except what does not fit -- numpy (and
normals' numpy) beyond half the available memory, zarr beyond 20 GB -- and the
10**12 row runs a ~5 s prefix per lazy method.  On a 64 GB / 16-core
workstation, ``--max-seconds 3600 --disk-budget 200GB`` runs every row for real
that the machine can hold: all lazy rows including 10**12 (minutes each at
16 cores), zarr up to 10**10 (80 GB), numpy up to 10**9 (10**10 needs 80 GB).

Other sections, in the same run: scaling with dask workers 1..cores at fixed n
(``--scaling-n``); the distribution of jump costs (``--jumps`` advances to random
positions below 2**64, next to numpy's ``MT19937.jumped()``); a chunk-size sweep
at fixed n (``--sweep-n``, ``--sweep-exponents``) setting the core time per chunk
against the jump cost; and normals (``--normal-sizes``):
``seedstream.RandomState(0).standard_normal(n, chunks=2**24)`` whose build is the
count pass, next to ``np.random.seed(0); np.random.randn(n).mean()`` where it fits.

Output, in ``--out`` (default ``benchmarks/results``): ``<name>.json`` (every raw
figure, the machine stamp and the git commit measured, with whether the tree was
dirty), ``table.md`` and ``plot.png`` (time and peak
RSS against n, log-log; hollow markers are extrapolated), each stamped with
the machine.  ``--render FILE.json`` redraws the table and plot from a JSON.

The code, one concern a module, from the top down: this file (parse, run, write the
reports); ``_suite_sections.py`` (the sections and the JSON document they fill);
``_suite_runner.py`` (one case in a fresh process, a group of cases in rounds: the
prediction, prefix, extrapolation and budgets above); ``_suite_settings.py`` (the flags
and the settings they make) and ``_suite_machine.py`` (the machine stamp).  Beside
them: ``_suite_cases.py``, the cases themselves, run as a script; ``_suite_report.py``,
the table and the plot, drawn from the JSON alone.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import _suite_report
from _suite_sections import Suite
from _suite_settings import build_parser, settings_from


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the suite (or ``--render`` a previous JSON); return the JSON document."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    if args.render is not None:
        document: dict[str, Any] = json.loads(args.render.read_text())
        _suite_report.write_reports(document, args.out)
        print(f"wrote {args.out / 'table.md'} and {args.out / 'plot.png'}")
        return document
    settings = settings_from(args)
    settings.out.mkdir(parents=True, exist_ok=True)
    where = settings.tmp_dir or settings.out
    where.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="tmp-suite-", dir=where))  # .gitignore: tmp*
    try:
        suite = Suite(settings, scratch, " ".join(["python benchmarks/suite.py", *argv]))
        print(_suite_report.stamp_line(suite.machine), flush=True)
        document = suite.run()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    _suite_report.write_reports(document, settings.out)
    print(
        f"done in {document['elapsed_seconds']:.0f} s: {suite.json_path}, "
        f"{settings.out / 'table.md'}, {settings.out / 'plot.png'}"
    )
    return document


if __name__ == "__main__":
    main()
