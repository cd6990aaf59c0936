"""``seedstream``: the command line.  It parses, calls the public API, and prints.

Subcommands::

    seedstream generate PATH --n 1e10 [--seed 0] [--stream legacy] [--chunks 128MiB] ...
                        [--scheduler tcp://host:8786 | --cluster local:4] [--shards 2**24]
    seedstream show --seed 0 --at 0 1e9 1e12
    seedstream plan --n 1e10 [--chunks 2**24] [--store PATH]
    seedstream verify PATH [--sample 8 | --all]
    seedstream info PATH

PATH may be a URL (``s3://bucket/x.zarr``, ``gs://``, ``abfs://``,
``memory://``...) with fsspec's options as ``--storage-option KEY=VALUE``
(repeatable; ``endpoint_url=http://...``, ``anon=true``, nested as
``client_kwargs.region_name=eu-west-1``).

Sizes and positions are whole numbers written as ``10000000000``,
``10_000_000_000``, ``1e10`` or ``2**40`` (parsed, never evaluated).

Exit status: 0 on success; 1 on an error (one line on stderr, ``seedstream:
error: ...``) and when ``verify`` finds a chunk that differs from its record;
2 on a usage error (argparse's convention); 3 when ``verify`` finds the
output unfinished but every written chunk it checked right (run the same
``generate`` again to finish it).  3 rather than 2, so that a script can tell
"unfinished" from "wrong command line".

Progress bars are tqdm's, drawn by the library's writer: tqdm rather than
rich because it is already a dependency, imports in a fraction of the time,
and shows rate and ETA as they are.  The CLI only decides when: stderr is a
terminal and the output is not ``--json``.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import json
import math
import os
import re
import sys
import time
from collections.abc import Iterator, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn

import numpy as np

import seedstream
from seedstream._locate import core_path
from seedstream._methods import method as table_row
from seedstream._methods import methods
from seedstream._output import OutputInfo, VerifyReport, inspect_output, is_url, verify_output
from seedstream._output import human as _human
from seedstream._pyrandom import METHODS as _PYRANDOM_ROWS

# --- parsing ------------------------------------------------------------------------------

_MAX_BITS = 256  # far beyond any size or position (jumps reach 2**128 words)

_GENERATORS: dict[str, type[np.random.BitGenerator]] = {
    "pcg64": np.random.PCG64,
    "pcg64dxsm": np.random.PCG64DXSM,
    "philox": np.random.Philox,
    "mt19937": np.random.MT19937,
}
STREAMS = ("legacy", "python", *_GENERATORS)
_APIS = {"legacy": "RandomState", "python": "PythonRandom", "generator": "Generator"}
METHODS = {  # the methods with start= and store=, per kind of stateful object (the table's)
    kind: tuple(
        r.name for r in methods(api) if (r.storable or r.kind == "choice") and not r.shape_args
    )
    for kind, api in _APIS.items()
}
# Methods whose parameters come as --param NAME=VALUE (numpy's own names; CPython's for python).
_PARAM_METHODS = {
    kind: tuple(r.name for r in methods(api, "counted", "counted_gauss", "choice", "python"))
    for kind, api in _APIS.items()
}
_INTEGER_METHODS = tuple(
    r.name for api in ("RandomState", "Generator") for r in methods(api, "integers") if r.storable
)
# PythonRandom's methods (CPython's), beyond those it can write (METHODS["python"])
_PYTHON_METHODS = tuple(row.name for row in _PYRANDOM_ROWS)
_FLOAT_DTYPES = ("float64", "float32")
_INT_DTYPES = ("int64", "int32", "uint64", "uint32", "int16", "uint16", "int8", "uint8", "bool")
_FLOAT32_METHODS = tuple(r.name for r in methods("Generator") if "float32" in r.dtypes)


class UsageError(Exception):
    """A command line that cannot be run as written (exit status 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _whole(text: str, original: str) -> int:
    try:
        return int(text)  # also takes 10_000_000_000
    except ValueError:
        pass
    try:
        d = Decimal(text)  # exact: 1.0000000000000001e16 is not rounded to a float
    except InvalidOperation:
        d = Decimal("NaN")
    if not d.is_finite():
        raise argparse.ArgumentTypeError(
            f"{original!r} is not a whole number (write e.g. 1e10, 10_000_000_000 or 2**40)"
        )
    if d.adjusted() >= _MAX_BITS * 0.302:  # log10(2) = 0.30103: decimal digits of 2**256
        raise argparse.ArgumentTypeError(f"{original!r} is too large")
    if d != d.to_integral_value():
        raise argparse.ArgumentTypeError(f"{original!r} is not a whole number")
    return int(d)


def parse_count(text: str) -> int:
    """A non-negative whole number: ``100``, ``10_000``, ``1e10``, ``1.5e3`` or ``2**40``.

    Examples
    --------
    >>> parse_count("1e10"), parse_count("10_000"), parse_count("2**40"), parse_count("1.5e3")
    (10000000000, 10000, 1099511627776, 1500)
    """
    s = text.strip()
    base_text, power, exponent_text = s.partition("**")
    base = _whole(base_text.strip(), text)
    if power:
        exponent = _whole(exponent_text.strip(), text)
        if base < 0 or exponent < 0:
            raise argparse.ArgumentTypeError(f"{text!r}: base and exponent must be >= 0")
        if base > 1 and exponent * (base.bit_length() - 1) > _MAX_BITS:
            raise argparse.ArgumentTypeError(f"{text!r} is too large")
        base = base**exponent
    if base < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is negative; expected a count or position")
    if base.bit_length() > _MAX_BITS:
        raise argparse.ArgumentTypeError(f"{text!r} is too large")
    return base


def _positive(text: str) -> int:
    n = parse_count(text)
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: expected at least 1")
    return n


def parse_chunks(text: str) -> int | str:
    """``--chunks``: values per chunk (``2**24``), a byte size (``128MiB``) or ``auto``."""
    if text == "auto":
        return text
    if not text.strip()[-1:].isalpha():
        return _positive(text)
    from seedstream._plan import chunk_bytes  # how the library's chunks= reads sizes

    try:
        chunk_bytes(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected values per chunk (2**24), a positive size (128MiB) or auto"
        ) from None
    return text


def parse_storage_options(items: Sequence[str]) -> dict[str, Any]:
    """``--storage-option KEY=VALUE`` options as fsspec's ``storage_options``.

    A value is read as JSON when it is one (``true``, ``3``, ``{"a": 1}``),
    else kept as text; a dotted key nests (``client_kwargs.region_name=...``).

    Examples
    --------
    >>> parse_storage_options(["anon=true", "endpoint_url=http://h:9000", "client_kwargs.a=2"])
    {'anon': True, 'endpoint_url': 'http://h:9000', 'client_kwargs': {'a': 2}}
    """
    options: dict[str, Any] = {}
    for text in items:
        key, sep, value = text.partition("=")
        names = key.strip().split(".")
        if not sep or not all(names):
            raise UsageError(
                f"--storage-option {text!r}: expected KEY=VALUE, e.g. "
                "endpoint_url=http://localhost:9000 or client_kwargs.region_name=eu-west-1"
            )
        try:
            parsed: Any = json.loads(value)
        except ValueError:
            parsed = value
        here = options
        for name in names[:-1]:
            inner = here.setdefault(name, {})
            if not isinstance(inner, dict):
                raise UsageError(f"--storage-option {text!r}: {name} is already given a value")
            here = inner
        if names[-1] in here:
            raise UsageError(f"--storage-option {key.strip()}= is given twice; give it once")
        here[names[-1]] = parsed
    return options


def _storage_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--storage-option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        dest="storage_option",
        help="for a URL PATH: an fsspec storage option (repeatable), e.g. "
        "endpoint_url=http://localhost:9000, key=..., anon=true, client_kwargs.region_name=...",
    )


def _storage_options(args: argparse.Namespace) -> dict[str, Any] | None:
    return parse_storage_options(args.storage_option) or None


def parse_cluster(text: str) -> int:
    """``--cluster local:N``: N worker processes on this machine.

    Examples
    --------
    >>> parse_cluster("local:4")
    4
    """
    found = re.fullmatch(r"local:(\d+)", text.strip())
    if found is None or int(found.group(1)) < 1:
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected local:N, N worker processes on this machine (e.g. local:4)"
        )
    return int(found.group(1))


def _stream_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("stream")
    group.add_argument("--seed", type=parse_count, default=0, help="seed (default 0)")
    group.add_argument(
        "--stream",
        choices=STREAMS,
        default="legacy",
        help="legacy: np.random.seed / RandomState (default); python: random.seed; "
        "others: Generator(np.random.<BitGenerator>(seed))",
    )
    group.add_argument(
        "--method",
        # CPython's other methods too, so that they get the message naming what to use
        choices=sorted({m for methods in METHODS.values() for m in methods} | {*_PYTHON_METHODS}),
        help="default: random_sample for legacy, random otherwise; python writes random, "
        "uniform and CPython's methods of fixed consumption (the others: in Python, with size=)",
    )
    group.add_argument(
        "--low", help="uniform's low (default 0.0); randint's / integers' low (an integer)"
    )
    group.add_argument(
        "--high", help="uniform's high (default 1.0); randint's / integers' high (an integer)"
    )
    group.add_argument("--loc", type=float, help="normal's mean (default 0.0)")
    group.add_argument("--scale", type=float, help="normal's / exponential's scale (default 1.0)")
    group.add_argument("--endpoint", action="store_true", help="integers: include high")
    group.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a parameter of the other methods, by numpy's name: --method poisson --param lam=3, "
        "--method choice --param a=10 --param p=[0.5,0.5]",
    )
    group.add_argument(
        "--dtype",
        choices=(*_FLOAT_DTYPES, *_INT_DTYPES),
        help="float32: Generator's random; integer dtypes: randint and integers (default int64)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="seedstream",
        description="NumPy's seeded random streams, bit for bit, at any size and any position.",
        epilog="Sizes and positions: 10000000000, 10_000_000_000, 1e10 or 2**40.",
    )
    parser.add_argument("--version", action="version", version=seedstream.__version__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    gen = commands.add_parser(
        "generate",
        help="write a draw to a zarr array or .npy file (resumable)",
        description="Stream a draw to disk chunk by chunk. PATH ending in .npy: a flat .npy "
        "file (with a .seedstream.json sidecar); otherwise a zarr v3 array, also at a URL "
        "(s3://bucket/x.zarr, with --storage-option). Running the same command again finishes "
        "an interrupted output, and does nothing to a complete one.",
    )
    gen.add_argument("path", metavar="PATH")
    _storage_option(gen)
    gen.add_argument("--n", type=parse_count, required=True, help="number of values")
    _stream_options(gen)
    gen.add_argument("--start", type=parse_count, default=0, help="skip this many values first")
    gen.add_argument(
        "--chunks", type=parse_chunks, help="values per chunk (2**24), a size (128MiB) or auto"
    )
    gen.add_argument("--workers", type=_positive, help="writers (default: CPU count)")
    gen.add_argument("--processes", action="store_true", help="write in processes, not threads")
    cluster = gen.add_mutually_exclusive_group()
    cluster.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="the dask.distributed cluster whose workers write (e.g. tcp://host:8786)",
    )
    cluster.add_argument(
        "--cluster",
        type=parse_cluster,
        metavar="local:N",
        help="start a dask.distributed cluster of N worker processes here to write",
    )
    gen.add_argument(
        "--shards",
        type=_positive,
        metavar="VALUES",
        help="store chunks in shards of this many values (whole chunks; zarr sharding)",
    )
    gen.add_argument("--compress", choices=("none", "zstd", "lz4"), default="none")
    gen.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an output seedstream wrote at PATH (never files it did not write)",
    )
    gen.add_argument(
        "--no-disk-check", action="store_true", help="skip the free-space check before writing"
    )
    gen.add_argument("--json", action="store_true", help="print a JSON summary, no progress bar")
    gen.set_defaults(run=run_generate)

    show = commands.add_parser(
        "show",
        help="print values at any positions, by jumping there",
        description="Value i of the draw (np.random.seed(s); np.random.rand(n)[i] for the "
        "default stream), reached by jump-ahead, for each position i.",
    )
    _stream_options(show)
    show.add_argument(
        "--at", type=parse_count, nargs="+", required=True, metavar="I", help="positions"
    )
    show.add_argument("--json", action="store_true")
    show.set_defaults(run=run_show)

    plan = commands.add_parser(
        "plan",
        help="how a draw would be delivered, and why",
        description="Print seedstream.plan(): sizes, memory, budget, mode and chunking.",
    )
    plan.add_argument("--n", type=parse_count, required=True, help="number of values")
    plan.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    plan.add_argument("--chunks", type=parse_chunks)
    plan.add_argument("--store", metavar="PATH", help="plan writing to PATH")
    plan.add_argument("--json", action="store_true")
    plan.set_defaults(run=run_plan)

    verify = commands.add_parser(
        "verify",
        help="regenerate chunks of an output and compare bit for bit",
        description="Regenerate chunks from the request recorded with the output and compare "
        "them bit for bit. Exit status 0: all checked chunks equal and the output complete; "
        "1: a chunk differs (or cannot be read); 3: unfinished (written chunks equal).",
    )
    verify.add_argument("path", metavar="PATH")
    _storage_option(verify)
    which = verify.add_mutually_exclusive_group()
    which.add_argument(
        "--sample",
        type=_positive,
        default=8,
        metavar="K",
        help="check K chunks: the first, the last and K-2 at random (default 8)",
    )
    which.add_argument("--all", action="store_true", help="check every chunk")
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(run=run_verify)

    info = commands.add_parser(
        "info",
        help="print what an output holds and how far it got",
        description="Print the request recorded with an output, its progress and size on disk.",
    )
    info.add_argument("path", metavar="PATH")
    _storage_option(info)
    info.add_argument("--json", action="store_true")
    info.set_defaults(run=run_info)
    return parser


# --- the stateful object and its call -----------------------------------------------------


def _stateful(args: argparse.Namespace) -> Any:
    if args.stream == "legacy":
        return seedstream.RandomState(args.seed)
    if args.stream == "python":
        return seedstream.PythonRandom(args.seed)
    return seedstream.Generator(_GENERATORS[args.stream](args.seed))


def _method(args: argparse.Namespace) -> tuple[str, str]:
    """(kind of stateful object, method) for the stream options, checked."""
    kind = args.stream if args.stream in ("legacy", "python") else "generator"
    method = args.method or ("random_sample" if kind == "legacy" else "random")
    if method not in METHODS[kind]:
        python = (
            f" (PythonRandom(seed).{method}(..., size=n) makes it in memory in Python)"
            if kind == "python" and method in _PYTHON_METHODS
            else ""
        )
        raise UsageError(
            f"--method {method} is not available for --stream {args.stream}; "
            f"choose one of {', '.join(METHODS[kind])}{python}"
        )
    bounded = method == "uniform" or method in _INTEGER_METHODS
    if not bounded and (args.low is not None or args.high is not None):
        raise UsageError("--low and --high go with --method uniform, randint or integers")
    if method in _INTEGER_METHODS and args.high is None:
        raise UsageError(f"--method {method} needs --high (and optionally --low)")
    low = _bound("--low", args.low, method in _INTEGER_METHODS, 0.0)
    high = _bound("--high", args.high, method in _INTEGER_METHODS, 1.0)
    if method == "uniform" and not math.isfinite(high - low):
        raise UsageError("--high minus --low must be a finite number: numpy's uniform needs it")
    if args.loc is not None and method != "normal":
        raise UsageError("--loc goes with --method normal")
    if args.scale is not None and method not in ("normal", "exponential"):
        raise UsageError("--scale goes with --method normal or exponential")
    if args.endpoint and method != "integers":
        raise UsageError("--endpoint goes with --method integers")
    if args.param and method not in _PARAM_METHODS[kind]:
        raise UsageError(
            f"--param goes with --method {', '.join(_PARAM_METHODS[kind]) or '(none here)'}"
        )
    if method in _PARAM_METHODS[kind]:
        _params(args, kind, method)
    if args.dtype is not None:
        if method in _INTEGER_METHODS:
            if args.dtype not in _INT_DTYPES:
                raise UsageError(f"--method {method} takes an integer --dtype")
        elif args.dtype in _INT_DTYPES:
            raise UsageError(
                f"--dtype {args.dtype} goes with --method randint or integers; "
                f"--method {method} makes floats (--dtype float64 or float32)"
            )
        elif args.dtype != "float64" and (kind != "generator" or method not in _FLOAT32_METHODS):
            raise UsageError(
                "--dtype float32 is available only for Generator streams' "
                + ", ".join(_FLOAT32_METHODS)
            )
    return kind, method


def _params(args: argparse.Namespace, kind: str, method: str) -> dict[str, Any]:
    """--param NAME=VALUE options, checked against numpy's (or CPython's) signature of `method`."""
    names = {
        name: p
        for name, p in inspect.signature(table_row(_APIS[kind], method).numpy).parameters.items()
        if name not in ("self", "size", "dtype", "out")
    }
    params: dict[str, Any] = {}
    for text in args.param:
        name, sep, value = text.partition("=")
        if not sep or name.strip() not in names:
            raise UsageError(
                f"--param {text!r}: {method} takes NAME=VALUE with NAME one of "
                f"{', '.join(names) or '(no parameters)'}"
            )
        value, name = value.strip(), name.strip()
        if name in params:
            raise UsageError(f"--param {name}= is given twice; give each parameter once")
        try:
            params[name] = _param_value(value)
        except ValueError:
            raise UsageError(
                f"--param {text!r}: not a number, true/false or a JSON list of numbers"
            ) from None
    missing = [n for n, p in names.items() if p.default is p.empty and n not in params]
    if missing:
        raise UsageError(f"--method {method} needs --param {'=..., --param '.join(missing)}=...")
    return params


def _param_value(text: str) -> Any:
    """A --param value: an int, a float, true/false, or a JSON list of numbers (choice's p)."""
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    if text in ("true", "false"):
        return text == "true"
    if text.startswith("["):
        values = json.loads(text)  # a JSONDecodeError is a ValueError
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            raise ValueError(text)
        return values
    return float(text)


def _bound(flag: str, text: str | None, integer: bool, default: float = 0) -> Any:
    """--low or --high: a whole number for randint / integers, else a finite float."""
    if text is None:
        return default
    if integer:
        negative = text.strip().startswith("-")
        try:
            whole = parse_count(text.strip().lstrip("-"))
        except argparse.ArgumentTypeError as exc:
            raise UsageError(f"{flag} {exc} (randint and integers take whole numbers)") from None
        return -whole if negative else whole
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"{flag} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise UsageError(f"{flag} {text!r}: uniform's bounds must be finite numbers")
    return value


def _call(args: argparse.Namespace, size: int, start: int, **output: Any) -> Any:
    """``<method>(..., size, start=start, **output)`` on a fresh object for the stream options."""
    kind, method = _method(args)
    obj = _stateful(args)
    loc = 0.0 if args.loc is None else args.loc
    scale = 1.0 if args.scale is None else args.scale
    if method == "uniform":
        low, high = _bound("--low", args.low, False, 0.0), _bound("--high", args.high, False, 1.0)
        # size by keyword: PythonRandom's uniform takes CPython's (a, b) first, then ours
        return obj.uniform(low, high, size=size, start=start, **output)
    if method in _INTEGER_METHODS:
        low, high = _bound("--low", args.low, True), _bound("--high", args.high, True)
        dtype = np.dtype(args.dtype or "int64")
        if method == "randint":
            return obj.randint(low, high, size, dtype, start=start, **output)
        return obj.integers(low, high, size, dtype, args.endpoint, start=start, **output)
    if method in _PARAM_METHODS[kind] and kind == "python":  # CPython's, some positional only
        row = inspect.signature(table_row("PythonRandom", method).numpy).parameters
        given = _params(args, kind, method)
        values = [given.get(n, p.default) for n, p in row.items() if n != "self"]
        return getattr(obj, method)(*values, size=size, start=start, **output)
    if method in _PARAM_METHODS[kind]:
        extra = {"dtype": np.dtype(args.dtype)} if args.dtype and method in _FLOAT32_METHODS else {}
        params = _params(args, kind, method)
        return getattr(obj, method)(**params, size=size, **extra, start=start, **output)
    if method == "normal":
        return obj.normal(loc, scale, size, start=start, **output)
    if method == "exponential":
        return obj.exponential(scale, size, start=start, **output)
    if kind == "generator" and method in _FLOAT32_METHODS:  # the counted one returned above
        dtype = np.dtype(args.dtype or "float64")
        return getattr(obj, method)(size, dtype, start=start, **output)
    return getattr(obj, method)(size, start=start, **output)


def _compressors(name: str) -> Any:
    if name == "none":
        return None
    from zarr.codecs import BloscCodec

    # Blosc's byte shuffle first: the exponent bytes of uniform floats are what compresses.
    return BloscCodec(cname="zstd" if name == "zstd" else "lz4", shuffle="shuffle")


# --- commands -----------------------------------------------------------------------------


def _print_json(value: Any) -> None:
    print(json.dumps(value))  # one line: easy to pipe into jq


def _done_before(
    path: str, overwrite: bool, storage_options: dict[str, Any] | None
) -> tuple[int, int] | None:
    """(chunks, bytes) an earlier run left at `path`; None if this run starts afresh."""
    if overwrite or (not is_url(path) and not os.path.exists(path)):
        return None
    try:
        info = inspect_output(path, storage_options=storage_options)
    except (OSError, ValueError):
        return None  # not an output of ours (or unreachable): the write says so clearly
    return len(info.done), info.done_bytes


#: Seconds --scheduler waits for the scheduler to answer (distributed's default is 30).
SCHEDULER_TIMEOUT = 10


@contextlib.contextmanager
def _dask_client(args: argparse.Namespace) -> Iterator[Any]:
    """The Client of --scheduler or --cluster (closed, with its cluster, at the end), or None."""
    if args.scheduler is None and args.cluster is None:
        yield None
        return
    if args.workers is not None or args.processes:
        raise UsageError(
            "--workers and --processes size the local pool; with --scheduler or --cluster the "
            "cluster's workers write"
        )
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise UsageError(
            "--scheduler and --cluster need dask.distributed: pip install distributed"
        ) from None
    with contextlib.ExitStack() as stack:
        address: Any = args.scheduler
        if address is None:
            address = stack.enter_context(
                LocalCluster(  # type: ignore[no-untyped-call]
                    n_workers=args.cluster,
                    processes=True,
                    threads_per_worker=1,  # a chunk is filled by one thread
                    dashboard_address=":0",  # any free port: another cluster may hold 8787
                )
            )
        try:
            client = Client(address, set_as_default=False, timeout=SCHEDULER_TIMEOUT)  # type: ignore[no-untyped-call]
        except OSError:  # distributed retries a refusal until its timeout
            raise UsageError(
                f"no dask scheduler answered at {address} within {SCHEDULER_TIMEOUT} s: check "
                "--scheduler, start one with `dask scheduler`, or use --cluster local:N"
            ) from None
        yield stack.enter_context(client)


def run_generate(args: argparse.Namespace) -> int:
    storage_options = _storage_options(args)
    before = _done_before(args.path, args.overwrite, storage_options)
    done_before, bytes_before = before or (0, 0)
    t0 = time.perf_counter()
    with _dask_client(args) as client:
        _call(
            args,
            args.n,
            args.start,
            store=args.path,
            chunks=args.chunks,
            workers=args.workers,
            processes=args.processes,
            overwrite=args.overwrite,
            compressors=_compressors(args.compress),
            check_disk=not args.no_disk_check,
            progress=not args.json and sys.stderr.isatty(),
            storage_options=storage_options,
            client=False if client is None else client,
            **({} if args.shards is None else {"shards": args.shards}),
        )
    seconds = time.perf_counter() - t0
    info = inspect_output(args.path, storage_options=storage_options)
    written = info.done_bytes - bytes_before
    rate = written / seconds / 1e9 if seconds > 0 else 0.0
    request = info.request
    core = core_path(request.stream, request.draw)
    if args.json:
        _print_json(
            {
                **info.to_dict(),
                "mt19937_core": core,
                "chunks_written": len(info.done) - done_before,
                "bytes_written": written,
                "seconds": seconds,
                "gb_per_s": rate,
            }
        )
        return 0
    what = (
        f"{info.path}: {_shape(request.shape)} {request.dtype.name} "
        f"in chunks of {_shape(request.chunk_shape)}"
    )
    if before is not None and len(info.done) == done_before:
        print(f"{what}: already complete, nothing written ({seconds:.2f} s)")
    else:
        print(
            f"{what}: wrote {len(info.done) - done_before} of {request.nchunks} chunks "
            f"({_human(written)}) in {seconds:.2f} s, {rate:.2f} GB/s"
            + (f" (MT19937 core, {core} path)" if core else "")
        )
    return 0


def run_show(args: argparse.Namespace) -> int:
    values = [_call(args, 1, k)[0] for k in args.at]
    if args.json:
        _print_json(
            {
                "stream": args.stream,
                "seed": args.seed,
                "method": _method(args)[1],
                "dtype": args.dtype,
                "values": [
                    # .item(): a Python int (exact beyond 2**53), float, bool or str
                    {"position": k, "value": v.item() if hasattr(v, "item") else v}
                    for k, v in zip(args.at, values, strict=True)
                ],
            }
        )
        return 0
    width = max(len(f"{k:,d}") for k in args.at)
    for k, v in zip(args.at, values, strict=True):
        print(f"{k:>{width},d}  {v!s}")  # str, not format: numpy's shortest repr, also float32
    return 0


def run_plan(args: argparse.Namespace) -> int:
    found = seedstream.plan(args.n, args.dtype, chunks=args.chunks, store=args.store)
    if args.json:
        import dataclasses

        _print_json({**dataclasses.asdict(found), "chunk_bytes": found.chunk_bytes})
    else:
        print(found)
    return 0


def run_verify(args: argparse.Namespace) -> int:
    report = verify_output(
        args.path,
        None if args.all else args.sample,
        progress=not args.json and sys.stderr.isatty(),
        storage_options=_storage_options(args),
    )
    status = {"ok": 0, "mismatch": 1, "incomplete": 3}[report.status]
    if args.json:
        _print_json(report.to_dict())
        return status
    print(_verify_text(report))
    return status


def run_info(args: argparse.Namespace) -> int:
    info = inspect_output(args.path, storage_options=_storage_options(args))
    if args.json:
        _print_json(info.to_dict())
    else:
        print(_info_text(info))
    return 0


# --- printing -----------------------------------------------------------------------------


def _shape(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def _indices(indices: Sequence[int], limit: int = 10) -> str:
    shown = ", ".join(str(i) for i in indices[:limit])
    return shown + (f", ... ({len(indices) - limit} more)" if len(indices) > limit else "")


def _region(region: Sequence[Sequence[int]]) -> str:
    return "[" + ", ".join(f"{a}:{b}" for a, b in region) + "]"


def _verify_text(report: VerifyReport) -> str:
    info = report.info
    n = info.request.nchunks
    checked = f"{len(report.checked)} of {n} chunks"
    if report.status == "ok":
        return f"{info.path}: OK: {checked} regenerated and bit-for-bit equal"
    if report.status == "incomplete":
        return (
            f"{info.path}: INCOMPLETE: {len(info.done)} of {n} chunks written, missing "
            f"{_indices(info.missing)}; the {len(report.checked)} written chunks checked are "
            "bit-for-bit equal (run the same generate command to finish)"
        )
    lines = [
        f"{info.path}: MISMATCH: {len(report.bad)} of the {len(report.checked)} chunks checked "
        f"differ from their record ({n} chunks in all)"
    ]
    for bad in report.bad[:10]:
        if bad.error is not None:
            lines.append(f"  chunk {bad.index} {_region(bad.region)}: {bad.error}")
        else:
            size = 1
            for a, b in bad.region:
                size *= b - a
            first = "[" + ", ".join(str(i) for i in bad.first or ()) + "]"
            lines.append(
                f"  chunk {bad.index} {_region(bad.region)}: {bad.differing} of {size} values "
                f"differ, the first at {first}"
            )
    if len(report.bad) > 10:
        lines.append(f"  ... and {len(report.bad) - 10} more")
    if report.lost:
        lines.append(f"  recorded complete, but chunks are missing: {_indices(report.lost)}")
    return "\n".join(lines)


def _picked(draw: Any) -> str:
    """How a ``choice`` output maps its draw's values (empty for any other draw)."""
    pick = draw.pick
    if pick is None:
        return ""
    what = "uniforms found in p's CDF" if pick.cdf is not None else "indices"
    into = "" if pick.population is None else f", then elements of a ({pick.dtype})"
    return f": choice's {what}{into}"


def _info_text(info: OutputInfo) -> str:
    request = info.request
    draw = request.draw
    params = ", ".join(f"{k}={v!r}" for k, v in draw.params)
    if not info.missing:
        complete = "yes" if info.complete else "no"
    elif info.complete:  # the writer finished, but chunks were lost or damaged since
        complete = (
            f"no: recorded complete, but missing {_indices(info.missing)}; run the same "
            "generate call again to rewrite them"
        )
    else:
        complete = f"no: missing {_indices(info.missing)}"
    rows = [
        ("path", f"{info.path} ({info.kind})"),
        ("stream", request.stream.bit_generator),
        ("seed", json.dumps(request.stream.seed)),
        ("draw", f"{draw.api}.{draw.method}({params}) {draw.dtype}{_picked(draw)}"),
        ("first value", f"{request.first:,d}"),
        ("shape", f"{_shape(request.shape)} {request.dtype.name}, {_human(request.nbytes)}"),
        ("chunks", f"{_shape(request.chunk_shape)}: {len(info.done)} of {request.nchunks} done"),
        ("complete", complete),
        *((f"chunk {i}", why) for i, why in sorted(info.damaged.items())[:10]),
        ("stored" if is_url(info.path) else "on disk", _human(info.disk_bytes)),
        (
            "written by",
            f"seedstream {info.record.get('seedstream_version')}, "
            f"numpy {info.record.get('numpy_version')} (output format {info.record.get('format')})",
        ),
    ]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


# --- entry point --------------------------------------------------------------------------


def _error(message: str) -> None:
    print(f"seedstream: error: {' '.join(message.split())}", file=sys.stderr)


# The library's messages name its keyword arguments; say which flag that is here.
_FLAGS = {
    "overwrite=True": "--overwrite",
    "check_disk=False": "--no-disk-check",
    "compressors=": "--compress",
    "storage_options=": "--storage-option",
}


def _message(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        text = f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    else:
        text = str(exc) or type(exc).__name__
    for keyword, flag in _FLAGS.items():
        text = text.replace(keyword, f"{flag} ({keyword})")
    return text


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with `argv` (default ``sys.argv[1:]``); return the exit status."""
    try:
        args = build_parser().parse_args(argv)
        code: int = args.run(args)
    except UsageError as exc:
        _error(str(exc))
        return 2
    except SystemExit as exc:  # --help and --version
        return exc.code if isinstance(exc.code, int) else 0
    except BrokenPipeError:  # stdout closed early (| head): stop quietly, as cat does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        _error("interrupted (run the same command again to resume a generate)")
        return 130
    # User errors: the library's messages say what to do.  OutputMismatchError is a
    # ValueError, DiskFullError an OSError, numpy refuses some parameter ranges with
    # OverflowError.  Anything else is a bug: let it trace back.
    except (ValueError, NotImplementedError, OSError, OverflowError) as exc:
        _error(_message(exc))
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
