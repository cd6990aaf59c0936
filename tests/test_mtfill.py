"""The vectorized MT19937 core (seedstream._mtfill) against numpy, on every code path.

Every expected value and state comes from numpy's own scalar MT19937: the
legacy ``RandomState.random_sample``, ``Generator(MT19937).random`` (float64
and float32) and ``MT19937.random_raw``.  Each path this CPU runs is forced in
turn; the paths it cannot run are reported as skipped.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seedstream import _mtfill
from seedstream._fill import fill_mt19937, struct_layout_ok

ALL_PATHS = ("portable", "avx2", "avx512")
SEEDS: dict[str, Callable[[], np.random.MT19937]] = {
    "legacy 0": lambda: np.random.RandomState(0)._bit_generator,
    "legacy 1": lambda: np.random.RandomState(1)._bit_generator,
    "legacy 2**32-1": lambda: np.random.RandomState(2**32 - 1)._bit_generator,
    "SeedSequence": lambda: np.random.MT19937(np.random.SeedSequence(20261202)),
}
# (float32 draws, then float64 draws): odd counts of float32 leave odd word positions
STARTS = [(0, d) for d in (0, 1, 2, 3, 311, 312, 313, 622)] + [(1, 0), (1, 312), (3, 622)]
SIZES = (0, 1, 2, 623, 624, 625, 1247, 1248)
DTYPES = (np.float64, np.float32, np.uint32)


@pytest.fixture(params=ALL_PATHS)
def path(request: pytest.FixtureRequest) -> Iterator[str]:
    name: str = request.param
    if name not in _mtfill.available_paths():
        pytest.skip(f"this CPU or build has no {name} path")
    assert _mtfill.select_path(name) == name
    try:
        yield name
    finally:
        _mtfill.select_path("best")


def state_at(make: Callable[[], np.random.MT19937], floats: int, doubles: int) -> dict[str, Any]:
    bit_generator = make()
    generator = np.random.Generator(bit_generator)
    generator.random(floats, dtype=np.float32)
    generator.random(doubles)
    state: dict[str, Any] = bit_generator.state
    return state


def with_state(state: dict[str, Any]) -> np.random.MT19937:
    bit_generator = np.random.MT19937()
    bit_generator.state = state
    return bit_generator


def numpy_draw(bit_generator: np.random.MT19937, n: int, dtype: type) -> np.ndarray:
    if dtype is np.uint32:
        return bit_generator.random_raw(n).astype(np.uint32)
    return np.random.Generator(bit_generator).random(n, dtype=dtype)


def assert_same_state(ours: np.random.MT19937, numpys: np.random.MT19937, what: str) -> None:
    a, b = ours.state["state"], numpys.state["state"]
    assert a["pos"] == b["pos"], f"{what}: pos {a['pos']} != numpy's {b['pos']}"
    assert np.array_equal(a["key"], b["key"]), f"{what}: key differs from numpy's"


def core_check(state: dict[str, Any], n: int, dtype: type, what: str) -> None:
    """The core itself on a copy of numpy's key, against numpy's draw from the same state."""
    numpys = with_state(state)
    expected = numpy_draw(numpys, n, dtype)
    after = numpys.state["state"]
    key = np.array(state["state"]["key"], dtype=np.uint32)
    out = np.empty(n, dtype=dtype)
    pos = _mtfill.fill(key, state["state"]["pos"], out)
    assert out.tobytes() == expected.tobytes(), f"{what}: values differ from numpy's"
    assert pos == after["pos"], f"{what}: pos {pos} != numpy's {after['pos']}"
    assert np.array_equal(key, after["key"]), f"{what}: key differs from numpy's"


def check(state: dict[str, Any], n: int, dtype: type, what: str, **kwargs: Any) -> None:
    """fill_mt19937 on a numpy bit generator: values and the generator's state after."""
    numpys = with_state(state)
    expected = numpy_draw(numpys, n, dtype)
    ours = with_state(state)
    out = fill_mt19937(ours, np.empty(n, dtype=dtype), **kwargs)
    assert out.tobytes() == expected.tobytes(), f"{what}: values differ from numpy's"
    assert_same_state(ours, numpys, what)


def test_every_seed_start_size_and_dtype(path: str) -> None:
    for label, make in SEEDS.items():
        for floats, doubles in STARTS:
            state = state_at(make, floats, doubles)
            for dtype in DTYPES if label == "SeedSequence" else (np.float64,):
                for n in SIZES:
                    what = f"{path} {label} after {floats}f+{doubles}d, {n} {dtype.__name__}"
                    core_check(state, n, dtype, what)


def test_a_million_and_one(path: str) -> None:
    # float64 crosses the streaming-store size, float32 does not
    state = state_at(SEEDS["legacy 1"], 1, 313)
    for dtype in (np.float64, np.float32):
        check(state, 10**6 + 1, dtype, f"{path} 10**6+1 {dtype.__name__}")


@pytest.mark.parametrize("stream", [False, True])
def test_any_alignment_and_stream_choice(path: str, stream: bool) -> None:
    """Outputs at every 4-byte offset of a 64-byte line (and one 2-byte offset, where
    streaming is not possible), float64 ones included; bytes around them untouched."""
    state = state_at(SEEDS["SeedSequence"], 1, 5)
    for dtype in DTYPES:
        width = np.dtype(dtype).itemsize
        for n in (1, 15, 16, 17, 100, 1300):
            numpys = with_state(state)
            expected = numpy_draw(numpys, n, dtype)
            after = numpys.state["state"]
            for offset in (*range(0, 64, 4), 2):
                storage = np.full(width * n + 128, 0xA5, dtype=np.uint8)
                out = storage[offset : offset + width * n].view(dtype)
                key = np.array(state["state"]["key"], dtype=np.uint32)
                pos = _mtfill.fill(key, state["state"]["pos"], out, stream=stream)
                what = f"{path} stream={stream} {n} {dtype.__name__} at +{offset} bytes"
                assert out.tobytes() == expected.tobytes(), what
                around = np.concatenate([storage[:offset], storage[offset + width * n :]])
                assert (around == 0xA5).all(), f"{what}: wrote outside"
                assert pos == after["pos"], what
                assert np.array_equal(key, after["key"]), what


def test_interleaved_float32_float64_and_raw(path: str) -> None:
    numpys = SEEDS["legacy 2**32-1"]()
    ours = SEEDS["legacy 2**32-1"]()
    generator = np.random.Generator(numpys)
    for step, (n, dtype) in enumerate(
        [(3, np.float32), (700, np.float64), (1, np.uint32), (625, np.float32), (1249, np.float64)]
        * 3
    ):
        expected = numpy_draw(numpys, n, dtype) if dtype is np.uint32 else None
        if expected is None:
            expected = generator.random(n, dtype=dtype)
        out = fill_mt19937(ours, np.empty(n, dtype=dtype))
        assert out.tobytes() == expected.tobytes(), f"{path} step {step}"
        assert_same_state(ours, numpys, f"{path} step {step}")


def test_random_state_after_set_state_keeps_its_gaussian(path: str) -> None:
    """RandomState: values and the whole get_state(), cached Gaussian included."""
    numpys, ours = np.random.RandomState(7), np.random.RandomState(7)
    for rs in (numpys, ours):
        rs.standard_normal(3)  # leaves a cached Gaussian
        state = rs.get_state()
        rs.random_sample(5)
        rs.set_state(state)
    expected = numpys.random_sample(1001)
    out = fill_mt19937(ours._bit_generator, np.empty(1001))
    assert out.tobytes() == expected.tobytes()
    a, b = ours.get_state(legacy=False), numpys.get_state(legacy=False)
    assert (a["has_gauss"], a["gauss"]) == (b["has_gauss"], b["gauss"]) == (1, b["gauss"])
    assert a["state"]["pos"] == b["state"]["pos"]
    assert np.array_equal(a["state"]["key"], b["state"]["key"])
    assert ours.standard_normal() == numpys.standard_normal()


@pytest.mark.parametrize("in_place", [True, False])
def test_both_state_routes(in_place: bool) -> None:
    state = state_at(SEEDS["legacy 0"], 1, 311)
    for n in (0, 5, 1248):
        check(state, n, np.float64, f"in_place={in_place} {n}", in_place=in_place)


def test_the_struct_layout_checks_out() -> None:
    assert struct_layout_ok()


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    floats=st.integers(0, 3),
    doubles=st.integers(0, 700),
    n=st.integers(0, 3000),
    dtype=st.sampled_from(DTYPES),
    path=st.sampled_from(ALL_PATHS),
)
def test_hypothesis(seed: int, floats: int, doubles: int, n: int, dtype: type, path: str) -> None:
    if path not in _mtfill.available_paths():
        path = "best"
    _mtfill.select_path(path)
    try:
        state = state_at(lambda: np.random.RandomState(seed)._bit_generator, floats, doubles)
        check(state, n, dtype, f"{path} seed {seed} after {floats}f+{doubles}d, {n}")
    finally:
        _mtfill.select_path("best")


def test_refuses_what_it_cannot_serve() -> None:
    bit_generator = np.random.MT19937(0)
    before = bit_generator.state
    with pytest.raises(TypeError, match="float64, float32 or uint32"):
        fill_mt19937(bit_generator, np.empty(4, dtype=np.int64))
    with pytest.raises(TypeError, match="float64, float32 or uint32"):
        fill_mt19937(bit_generator, np.empty(4, dtype=">f8"))
    with pytest.raises(ValueError, match="C-contiguous"):
        fill_mt19937(bit_generator, np.empty(8)[::2])
    with pytest.raises(TypeError, match="MT19937 only"):
        fill_mt19937(np.random.PCG64(0), np.empty(4))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"pos must be in 0\.\.624"):
        _mtfill.fill(np.zeros(624, dtype=np.uint32), 625, np.empty(1))
    with pytest.raises(ValueError, match="624 contiguous uint32"):
        _mtfill.fill(np.zeros(623, dtype=np.uint32), 0, np.empty(1))
    assert_same_state(bit_generator, with_state(before), "after refusals")


def test_select_path_names() -> None:
    available = _mtfill.available_paths()
    assert available[0] == "portable"
    assert set(available) <= set(ALL_PATHS)
    assert _mtfill.select_path("best") == available[-1] == _mtfill.current_path()
    with pytest.raises(ValueError, match="unknown path"):
        _mtfill.select_path("sse9")
    for name in set(ALL_PATHS) - set(available):
        with pytest.raises(ValueError, match=r"cannot run it|no such path"):
            _mtfill.select_path(name)
    assert _mtfill.current_path() == available[-1]


def test_environment_variable_forces_the_path_at_import() -> None:
    """SEEDSTREAM_SIMD is read at import: a fresh process loads the extension by file."""
    spec = importlib.util.find_spec("seedstream._mtfill")
    assert spec is not None and spec.origin is not None
    script = (
        "import importlib.machinery, importlib.util, sys\n"
        "loader = importlib.machinery.ExtensionFileLoader('seedstream._mtfill', sys.argv[1])\n"
        "spec = importlib.util.spec_from_file_location('seedstream._mtfill', sys.argv[1],"
        " loader=loader)\n"
        "try:\n"
        "    module = importlib.util.module_from_spec(spec)\n"
        "    print(module.current_path())\n"
        "except ValueError as error:\n"
        "    print('ValueError:', error)\n"
    )

    def run(value: str) -> str:
        env = {**os.environ, "SEEDSTREAM_SIMD": value}
        done = subprocess.run(
            [sys.executable, "-c", script, spec.origin],  # type: ignore[list-item]
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    assert run("portable") == "portable"
    assert run("sse9").startswith("ValueError: SEEDSTREAM_SIMD=sse9: unknown path")


def test_seedstream_random_state_draws_through_the_core() -> None:
    """seedstream's in-memory legacy doubles: numpy's values and whole state, core or not."""
    import seedstream
    from seedstream import _fill, _legacy

    # the two places the core is wired in
    assert (_legacy._random_sample, _legacy._uniform) == (_fill.random_sample, _fill.uniform)
    n = _fill.CORE_MIN_VALUES
    calls: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
        "n + 1": (lambda rs: rs.random_sample(n + 1), lambda rs: rs.random_sample(n + 1)),
        "shape": (lambda rs: rs.random_sample((3, n)), lambda rs: rs.random_sample((3, n))),
        "random": (lambda rs: rs.random(np.int64(2 * n)), lambda rs: rs.random(2 * n)),
        "rand": (lambda rs: rs.rand(2, n), lambda rs: rs.rand(2, n)),
        "numpy's loop": (lambda rs: rs.random_sample(n - 1), lambda rs: rs.random_sample(n - 1)),
        "start": (
            lambda rs: rs.random_sample(n, start=1001),
            lambda rs: rs.random_sample(n + 1001)[1001:],
        ),
        "uniform": (lambda rs: rs.uniform(-2.5, 7, n + 3), lambda rs: rs.uniform(-2.5, 7, n + 3)),
        "uniform high < low": (
            lambda rs: rs.uniform(5, 2, (2, n)),
            lambda rs: rs.uniform(5, 2, (2, n)),
        ),
        "uniform start": (
            lambda rs: rs.uniform(1, 3, n, start=7),
            lambda rs: rs.uniform(1, 3, n + 7)[7:],
        ),
        "uniform array bounds": (
            lambda rs: rs.uniform(np.zeros(n), 2.0),
            lambda rs: rs.uniform(np.zeros(n), 2.0),
        ),
    }
    for name, (our_call, numpys_call) in calls.items():
        ours, numpys = seedstream.RandomState(2024), np.random.RandomState(2024)
        ours.standard_normal(), numpys.standard_normal()  # a cached Gaussian to keep
        got, expected = our_call(ours), numpys_call(numpys)
        assert got.shape == expected.shape and got.tobytes() == expected.tobytes(), name
        a, b = ours.get_state(legacy=False), numpys.get_state(legacy=False)
        assert (a["has_gauss"], a["gauss"]) == (b["has_gauss"], b["gauss"]), name
        assert a["state"]["pos"] == b["state"]["pos"], name
        assert np.array_equal(a["state"]["key"], b["state"]["key"]), name
    ours, numpys = seedstream.RandomState(1), np.random.RandomState(1)
    for rs in (ours, numpys):
        with pytest.raises(OverflowError, match="Range exceeds valid bounds"):
            rs.uniform(-1e308, 1e308, 2 * n)
    assert ours.random_sample() == numpys.random_sample()
    # the module-level functions and numpy's aliases, against a RandomState seeded alike
    reference = np.random.RandomState(9)
    seedstream.seed(9)
    assert seedstream.ranf(3 * n).tobytes() == reference.random_sample(3 * n).tobytes()
    assert seedstream.sample(n).tobytes() == reference.random_sample(n).tobytes()
    assert seedstream.random_sample() == reference.random_sample()
