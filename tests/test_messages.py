"""Messages: every refusal is one line that says what is wrong and what to do, with numpy's type.

Issue 11, items 8-10: command lines and API calls that used to trace back,
pass silently or refuse late; damaged outputs (record, zarr.json, sidecar,
.npy header); graphs too large to build; long waits without a word.  Where
numpy would raise for the in-memory call, the test asks numpy which type it
raises and expects the same.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import seedstream
from _outputs import one_error_line, run
from seedstream import _progress
from seedstream._output import ATTRS_KEY, SIDECAR_SUFFIX
from seedstream._plan import MAX_BLOCKS, resolve_chunks

ROOT = Path(__file__).resolve().parents[1]


def numpy_error(call: Callable[[], Any]) -> type[BaseException]:
    """The type numpy raises for the in-memory call (the oracle for ours)."""
    try:
        call()
    except Exception as exc:  # any type: it is what ours is compared with
        return type(exc)
    raise AssertionError("numpy accepted the call")


# --- command line: usage errors (exit 2, one line) ------------------------------------------


@pytest.mark.parametrize(
    ("argv", "fragments"),
    [
        (["--method", "uniform", "--high", "inf"], ["--high 'inf'", "finite"]),
        (["--method", "uniform", "--low", "nan"], ["--low 'nan'", "finite"]),
        (["--method", "uniform", "--low=-1e308", "--high", "1e308"], ["finite"]),
        (["--method", "randint", "--low", "1.5", "--high", "10"], ["--low '1.5'", "whole"]),
        (["--method", "randint", "--high", "2.5"], ["--high '2.5'", "whole"]),
        (["--dtype", "int8"], ["--dtype int8", "randint or integers"]),
        (["--stream", "pcg64", "--dtype", "int8"], ["--dtype int8", "randint or integers"]),
        (["--method", "poisson", "--param", "lam=1", "--param", "lam=2"], ["lam", "twice"]),
    ],
)
def test_cli_bad_parameters_are_usage_errors(
    capsys: pytest.CaptureFixture[str], argv: list[str], fragments: list[str]
) -> None:
    code, out, err = run(capsys, "show", "--at", "0", *argv)
    assert (code, out) == (2, "")
    one_error_line(err, *fragments)


def test_cli_inf_bound_is_what_numpy_refuses() -> None:
    # Why --high inf is refused at all: numpy's uniform cannot draw from it.
    assert numpy_error(lambda: np.random.RandomState(0).uniform(0, np.inf)) is OverflowError
    assert numpy_error(lambda: np.random.default_rng(0).uniform(-1e308, 1e308)) is OverflowError


def test_cli_empty_chunk_size_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for chunks in ("0MiB", "-5MiB"):
        code, out, err = run(
            capsys, "generate", tmp_path / "x.npy", "--n", 10, f"--chunks={chunks}"
        )
        assert (code, out) == (2, "")
        one_error_line(err, chunks, "positive size")
    assert list(tmp_path.iterdir()) == []


def test_memory_fraction_garbage_names_the_variable(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for value in ("abc", "nan", "2"):
        monkeypatch.setenv("SEEDSTREAM_MEMORY_FRACTION", value)
        code, out, err = run(capsys, "plan", "--n", 10**9)
        assert (code, out) == (1, "")
        one_error_line(err, f"$SEEDSTREAM_MEMORY_FRACTION={value!r}", "unset it")
        with pytest.raises(ValueError, match="SEEDSTREAM_MEMORY_FRACTION"):
            seedstream.plan(10**9)


# --- damaged outputs: info, verify and generate say so in one line --------------------------


def _edit_record(path: Path, edit: Callable[[dict[str, Any]], None]) -> None:
    if path.suffix == ".npy":
        sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
        lines = sidecar.read_text().splitlines()
        record = json.loads(lines[0])
        edit(record)
        sidecar.write_text("\n".join([json.dumps(record), *lines[1:]]) + "\n")
    else:
        meta_path = path / "zarr.json"
        meta = json.loads(meta_path.read_text())
        edit(meta["attributes"][ATTRS_KEY])
        meta_path.write_text(json.dumps(meta))


def _short_key(record: dict[str, Any]) -> None:
    state = record["request"]["stream"]["state"]["state"]
    state["key"] = state["key"][:10]


def _zero_chunks(record: dict[str, Any]) -> None:
    record["request"]["chunk_shape"] = [0]


def _damage(path: Path, how: str) -> None:
    if how == "key length":
        _edit_record(path, _short_key)
    elif how == "chunk_shape [0]":
        _edit_record(path, _zero_chunks)
    elif how == "garbage zarr.json":
        (path / "zarr.json").write_text("garbage{")
    elif how == "deleted sidecar":
        path.with_name(path.name + SIDECAR_SUFFIX).unlink()
    elif how == "npy header":
        raw = bytearray(path.read_bytes())
        raw[10:30] = b"x" * 20  # inside the header's dict: numpy's parse fails
        path.write_bytes(bytes(raw))


DAMAGE = [
    ("key length", ".npy", "malformed seedstream record"),
    ("key length", ".zarr", "malformed seedstream record"),
    ("chunk_shape [0]", ".npy", "chunk length of 0"),
    ("chunk_shape [0]", ".zarr", "chunk length of 0"),
    ("garbage zarr.json", ".zarr", "zarr.json cannot be read"),
    ("deleted sidecar", ".npy", "sidecar"),
    ("npy header", ".npy", ".npy header"),  # wording open: another branch rewrites this read
]


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(("how", "suffix", "fragment"), DAMAGE)
def test_damaged_output_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, how: str, suffix: str, fragment: str
) -> None:
    path = tmp_path / f"out{suffix}"
    seedstream.RandomState(0).random_sample(10, chunks=4, store=path, progress=False)
    _damage(path, how)
    before = _snapshot(tmp_path)
    for command in ("info", "verify"):
        code, out, err = run(capsys, command, path)
        assert (code, out) == (1, ""), (command, err)
        one_error_line(err, fragment)
    with pytest.raises(ValueError, match=fragment.replace(".", r"\.")):
        seedstream.inspect_output(path)
    code, out, err = run(capsys, "generate", path, "--n", 10, "--chunks", 4)
    assert (code, out) == (1, "")
    one_error_line(err)  # refused (another draw, or unreadable): one line
    assert _snapshot(tmp_path) == before  # and nothing of the user's was touched


def test_record_state_is_checked_by_numpy_round_trip() -> None:
    # A key longer than 624 words: numpy takes the first 624 and says nothing.
    stream = seedstream.RandomState(0).stream.to_config()
    stream["state"]["state"]["key"] = stream["state"]["state"]["key"] + [1, 2, 3]
    bg = np.random.MT19937()
    bg.state = stream["state"]  # numpy accepts it ...
    with pytest.raises(ValueError, match="not one numpy gives back"):
        seedstream.Stream.from_config(stream)  # ... so a record is checked against its round trip


# --- the API: chunks=, workers=, start= ------------------------------------------------------


@pytest.mark.parametrize(
    ("chunks", "error", "fragment"),
    [
        (0, ValueError, "at least 1 value"),
        (-3, ValueError, "at least 1 value"),
        ("-5MiB", ValueError, "positive size"),
        ("0MiB", ValueError, "positive size"),
        ("many", ValueError, "not a size"),
        (True, TypeError, "got bool True"),
        (math.nan, TypeError, "got float nan"),
        (1.5, TypeError, "got float 1.5"),
        ((5, 0), ValueError, "at least 1 value"),
        ((5,), ValueError, "one per axis"),
    ],
)
def test_bad_chunks_are_refused_before_anything_is_made(
    tmp_path: Path, chunks: Any, error: type[Exception], fragment: str
) -> None:
    size = (10, 3) if isinstance(chunks, tuple) else 1000
    with pytest.raises(error, match=fragment) as info:
        seedstream.RandomState(0).random_sample(size, chunks=chunks)
    assert "\n" not in str(info.value)
    with pytest.raises(error, match=fragment):
        seedstream.default_rng(0).random(size, chunks=chunks, store=tmp_path / "x.zarr")
    assert list(tmp_path.iterdir()) == []


def test_chunks_larger_than_the_array_are_the_whole_array() -> None:
    x = seedstream.RandomState(0).random_sample(1000, chunks=2**70)  # as dask does with 2000
    assert x.chunks == ((1000,),)
    assert x.compute().tobytes() == np.random.RandomState(0).random_sample(1000).tobytes()


@pytest.mark.parametrize(
    ("workers", "error"), [(0, ValueError), (-1, ValueError), (1.5, TypeError)]
)
def test_workers_must_be_positive(tmp_path: Path, workers: Any, error: type[Exception]) -> None:
    with pytest.raises(error, match="workers must be"):
        seedstream.RandomState(0).random_sample(
            10, chunks=5, store=tmp_path / "x.npy", workers=workers
        )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("call", "start", "limit"),
    [
        (lambda: seedstream.RandomState(0).random_sample(10, start=2**127), 2**127, "2**127"),
        (
            lambda: seedstream.RandomState(0).random_sample(10, start=2**127, chunks=5),
            2**127,
            "2**127",
        ),
        (lambda: seedstream.default_rng(0).random(10, start=2**128), 2**128, "2**128"),
        (lambda: seedstream.default_rng(0).random(3, np.float32, start=2**129), 2**129, "2**129"),
    ],
)
def test_start_beyond_a_jump_speaks_of_values(
    call: Callable[[], Any], start: int, limit: str
) -> None:
    with pytest.raises(ValueError, match=f"start={start} ") as info:
        call()
    message = str(info.value)
    assert limit in message and "smaller start" in message
    assert "steps" not in message  # the jump's internal count, in outputs, stays inside
    if start == 2**127:  # two 32-bit words a double: the old message said 2**128 (and more)
        assert str(2**128) not in message


def test_start_just_inside_the_reach_still_works() -> None:
    k = 2**128 - 2
    ours = seedstream.default_rng(0).random(1, start=k)
    bg = np.random.PCG64(0)
    bg.advance(k)  # numpy's own PCG64 jump
    assert ours.tobytes() == np.random.Generator(bg).random(1).tobytes()


# --- numpy's errors at call time, also with chunks= and store= -----------------------------


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (
            lambda **kw: seedstream.default_rng(0).uniform(1, 0, 10, **kw),
            lambda: np.random.default_rng(0).uniform(1, 0, 10),
        ),
        (
            lambda **kw: seedstream.RandomState(0).uniform(0, np.inf, 10, **kw),
            lambda: np.random.RandomState(0).uniform(0, np.inf, 10),
        ),
        (
            lambda **kw: seedstream.default_rng(0).random(10, np.int8, **kw),
            lambda: np.random.default_rng(0).random(10, np.int8),
        ),
        (
            lambda **kw: seedstream.default_rng(0).random(10, np.float16, **kw),
            lambda: np.random.default_rng(0).random(10, np.float16),
        ),
    ],
)
def test_numpy_errors_come_at_call_time(
    tmp_path: Path, ours: Callable[..., Any], theirs: Callable[[], Any]
) -> None:
    error = numpy_error(theirs)
    assert error is not NotImplementedError
    with pytest.raises(error):
        ours(chunks=3)  # raised here, not at .compute()
    with pytest.raises(error):
        ours(chunks=3, store=tmp_path / "x.zarr")
    assert list(tmp_path.iterdir()) == []


# --- graphs too large to be useful ---------------------------------------------------------


def test_too_many_blocks_are_refused_at_once_with_the_chunk_size_to_use(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="larger chunks") as info:
        seedstream.RandomState(0).random_sample(10**9, chunks=200)  # was 106 s and 6.3 GB
    with pytest.raises(ValueError, match="larger chunks"):
        seedstream.RandomState(0).random_sample(10**9, chunks=200, store=tmp_path / "x.zarr")
    assert list(tmp_path.iterdir()) == []
    message = str(info.value)
    assert "5,000,000 blocks" in message and f"{MAX_BLOCKS:,}" in message
    assert "at least 10,000 values" in message
    f8 = np.dtype("f8")
    resolve_chunks((10**9,), f8, 10_000)  # the size it names is accepted ...
    with pytest.raises(ValueError, match="larger chunks"):
        resolve_chunks((10**9,), f8, 9_999)  # ... and is the smallest
    with pytest.raises(ValueError, match="larger chunks"):
        resolve_chunks((10**9,), f8, "1KiB")


def test_blocks_are_counted_for_every_form_of_chunks() -> None:
    f8 = np.dtype("f8")
    # Axes given as -1 or None were not counted: a million single rows got through.
    for chunks in ((1, -1), (1, None), (1, "auto")):
        with pytest.raises(ValueError, match="1,000,000 blocks"):
            resolve_chunks((10**6, 10), f8, chunks)
    with pytest.raises(ValueError, match="blocks"):
        resolve_chunks((10**6,), f8, {0: 1})  # dask's dict form, counted once normalised
    assert resolve_chunks((10**6, 10), f8, (10, -1))[0][0][0] == 10


# --- long waits: the count pass shows a bar ------------------------------------------------

N_COUNTED = 2 * 2**20  # two count segments of the ziggurat


def test_count_pass_shows_a_bar_when_asked(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_progress, "COUNT_DELAY", 0.0)  # as if the pass took seconds
    x = seedstream.default_rng(0).standard_normal(N_COUNTED, chunks=2**20, progress=True)
    err = capsys.readouterr().err
    assert "seedstream: counting standard_normal" in err and "values" in err
    tail = np.random.default_rng(0).standard_normal(N_COUNTED)[-5:]
    assert x[-5:].compute().tobytes() == tail.tobytes()

    seedstream.default_rng(0).standard_normal(N_COUNTED, chunks=2**20, progress=False)
    seedstream.default_rng(0).standard_normal(N_COUNTED, chunks=2**20)  # stderr is no terminal
    assert capsys.readouterr().err == ""


def test_count_bar_waits_before_showing(capsys: pytest.CaptureFixture[str]) -> None:
    assert _progress.COUNT_DELAY >= 1  # a short pass is silent even when a bar is asked for
    seedstream.default_rng(0).standard_normal(2**20, chunks=2**19, progress=True)
    assert capsys.readouterr().err == ""


def test_count_bar_with_a_store(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(_progress, "COUNT_DELAY", 0.0)
    path = tmp_path / "x.npy"
    seedstream.RandomState(0).standard_normal(2**20, chunks=2**19, store=path, progress=True)
    assert "seedstream: counting standard_normal" in capsys.readouterr().err
    expected = np.random.RandomState(0).standard_normal(2**20)
    assert np.load(path).tobytes() == expected.tobytes()


def test_setup_and_test_times_are_said() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install --quiet" not in makefile and "about a minute" in makefile
    readme = (ROOT / "README.md").read_text()
    assert "`make test` about" in readme


# --- as subprocesses: no traceback ---------------------------------------------------------


def test_subprocess_messages_have_no_traceback(tmp_path: Path) -> None:
    path = tmp_path / "out.npy"
    seedstream.RandomState(0).random_sample(10, chunks=4, store=path, progress=False)
    _damage(path, "npy header")
    cases = [
        (["show", "--at", "0", "--method", "uniform", "--high", "inf"], 2),
        (["verify", path], 1),
    ]
    for argv, code in cases:
        proc = subprocess.run(
            [sys.executable, "-m", "seedstream._cli", *map(str, argv)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert proc.returncode == code and proc.stdout == "", proc.stderr
        assert "Traceback" not in proc.stderr
        one_error_line(proc.stderr)
