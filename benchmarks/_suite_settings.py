"""What one run of the suite does: its :class:`Settings`, and the command line that makes them.

Counts are written as ``1e12``, ``2**24`` or ``1_000``; sizes as ``20GB``.  The flags
and their defaults are the ones ``benchmarks/suite.py --help`` lists; the module
docstring of ``benchmarks/suite.py`` says what each section measures.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import _timing
from _suite_machine import cpu_cores

HERE = Path(__file__).resolve().parent
SIZES = (10**6, 10**7, 10**8, 10**9, 10**10, 10**12)
SECTIONS = ("jumps", "main", "scaling", "sweep", "normals")  # in the order they run


def parse_count(text: str) -> int:
    """A count written as ``1000000``, ``1e6``, ``1_000`` or ``2**24``.

    >>> parse_count("1e12"), parse_count("2**24"), parse_count("1_000")
    (1000000000000, 16777216, 1000)
    """
    text = text.strip().replace("_", "")
    if "**" in text:
        base, exp = (int(part) for part in text.split("**", 1))
        if base < 0 or exp < 0:
            raise argparse.ArgumentTypeError(f"not a non-negative integer: {text!r}")
        return int(base**exp)
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not a count: {text!r}") from None
    if value != value.to_integral_value() or value < 0:
        raise argparse.ArgumentTypeError(f"not a non-negative integer: {text!r}")
    return int(value)


def parse_bytes(text: str) -> int:
    """``"20GB"``, ``"500MiB"`` or a plain number of bytes (dask's parser)."""
    from dask.utils import parse_bytes as dask_parse_bytes

    try:
        return int(dask_parse_bytes(text))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


@dataclasses.dataclass(frozen=True)
class Settings:
    """What one run of the suite does; every field is a command-line flag."""

    sizes: tuple[int, ...]
    max_n: int
    max_seconds: float
    prefix_seconds: float
    disk_budget: int
    chunks: int
    workers: int
    scaling_n: int
    sweep_n: int
    sweep_exponents: tuple[int, ...]
    normal_sizes: tuple[int, ...]
    jumps: int
    sections: tuple[str, ...]
    out: Path
    name: str
    tmp_dir: Path | None
    repeats: int = _timing.REPEATS

    def to_json(self) -> dict[str, Any]:
        raw = dataclasses.asdict(self)
        raw["out"] = str(self.out)
        raw["tmp_dir"] = None if self.tmp_dir is None else str(self.tmp_dir)
        return raw


class _Help(argparse.ArgumentDefaultsHelpFormatter):
    """Shows defaults, except the ``None`` ones (whose help says what happens)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None:
            return action.help
        return super()._get_help_string(action)


def build_parser() -> argparse.ArgumentParser:
    cores = cpu_cores()
    p = argparse.ArgumentParser(
        prog="python benchmarks/suite.py",
        description="np.random.seed(0); np.random.rand(n) re-run with seedstream, measured.",
        formatter_class=_Help,
    )
    count = parse_count
    p.add_argument("--sizes", type=count, nargs="+", default=list(SIZES), help="values per row")
    p.add_argument("--max-n", type=count, default=10**12, help="skip sizes above this")
    p.add_argument(
        "--max-seconds",
        type=float,
        default=120.0,
        help="per case: a case predicted to take longer runs a timed prefix and is extrapolated",
    )
    p.add_argument(
        "--prefix-seconds", type=float, default=5.0, help="about how long a prefix run computes"
    )
    p.add_argument(
        "--disk-budget",
        type=parse_bytes,
        default="20GB",
        help="largest zarr output to write (also capped by the free space)",
    )
    p.add_argument("--chunks", type=count, default=2**24, help="values per dask/zarr chunk")
    p.add_argument("--workers", type=int, default=cores, help="dask threads (num_workers)")
    p.add_argument("--scaling-n", type=count, default=10**9, help="n of the worker scaling")
    p.add_argument("--sweep-n", type=count, default=2**28, help="n of the chunk-size sweep")
    p.add_argument(
        "--sweep-exponents",
        type=int,
        nargs="+",
        default=[16, 18, 20, 22, 24, 26],
        help="chunk sizes of the sweep, as powers of two",
    )
    p.add_argument(
        "--normal-sizes",
        type=count,
        nargs="+",
        default=[10**6, 10**7, 10**8, 10**9],
        help="n of the standard_normal rows",
    )
    p.add_argument("--jumps", type=int, default=300, help="jumps timed for the cost distribution")
    p.add_argument(
        "--repeat",
        type=int,
        default=_timing.REPEATS,
        help="runs of every case, in rounds alternating forwards and backwards; "
        "each figure is their median (even numbers balance the order)",
    )
    p.add_argument(
        "--sections",
        default=",".join(SECTIONS),
        help=f"comma-separated subset of {','.join(SECTIONS)}",
    )
    p.add_argument("--out", type=Path, default=HERE / "results", help="where results go")
    p.add_argument("--name", default=None, help="JSON file name (default: suite-<UTC timestamp>)")
    p.add_argument(
        "--tmp-dir",
        type=Path,
        default=None,
        help="where zarr outputs are written, in a tmp-* folder deleted afterwards "
        "(default: --out, on real disk; /tmp may be RAM)",
    )
    p.add_argument(
        "--render",
        type=Path,
        default=None,
        metavar="JSON",
        help="measure nothing: redraw table.md and plot.png in --out from this JSON",
    )
    return p


def settings_from(args: argparse.Namespace) -> Settings:
    sections = tuple(s.strip() for s in args.sections.split(",") if s.strip())
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        raise SystemExit(f"unknown sections: {', '.join(sorted(unknown))}")
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    return Settings(
        sizes=tuple(sorted(set(args.sizes))),
        max_n=args.max_n,
        max_seconds=args.max_seconds,
        prefix_seconds=args.prefix_seconds,
        disk_budget=args.disk_budget,
        chunks=args.chunks,
        workers=max(1, args.workers),
        scaling_n=args.scaling_n,
        sweep_n=args.sweep_n,
        sweep_exponents=tuple(args.sweep_exponents),
        normal_sizes=tuple(sorted(set(args.normal_sizes))),
        jumps=args.jumps,
        sections=sections,
        out=args.out,
        name=args.name or f"suite-{stamp}",
        tmp_dir=args.tmp_dir,
        repeats=args.repeat,
    )
