"""The suite's JSON as a markdown table (``table.md``) and a plot (``plot.png``).

Pure rendering: everything shown comes from the JSON document that
``benchmarks/suite.py`` writes, so ``suite.py --render FILE.json`` redraws both.
Sizes are decimal (1 GB = 10**9 bytes) throughout, memory included.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

Doc = dict[str, Any]
Row = dict[str, Any]


def human_bytes(n: float | None) -> str:
    if n is None:
        return "—"
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(n) >= scale:
            return f"{n / scale:.2f} {unit}"
    return f"{n:.0f} B"


def fmt_n(n: int) -> str:
    """``1e9`` for a power of ten, else the number with separators."""
    if n > 0:
        e = round(math.log10(n))
        if 10**e == n and e >= 3:
            return f"1e{e}"
    return f"{n:,}"


def fmt_seconds(t: float | None) -> str:
    if t is None:
        return "—"
    if t < 1e-3:
        return f"{t * 1e6:.0f} µs"
    if t < 1:
        return f"{t * 1e3:.1f} ms"
    if t < 100:
        return f"{t:.2f} s"
    text = f"{t:,.0f} s"
    if t >= 600:
        text += f" ({t / 3600:.1f} h)" if t >= 7200 else f" ({t / 60:.0f} min)"
    return text


def fmt_rate(v: float | None) -> str:
    if v is None:
        return "—"
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if v >= scale:
            return f"{v / scale:.3g} {unit}"
    return f"{v:.3g}"


def fmt_equal(row: Row, key: str) -> str:
    if key not in row:
        return "—"
    return "yes" if row[key] else "**no**"


def stamp_line(machine: dict[str, Any]) -> str:
    """The machine in one line: CPU, cores, memory, disk, OS, versions, date."""
    v = machine.get("versions", {})
    versions = ", ".join(f"{k} {v[k]}" for k in ("numpy", "dask", "zarr", "seedstream") if v.get(k))
    return (
        f"{machine.get('cpu')}, {machine.get('cores')} cores, "
        f"{human_bytes(machine.get('ram_total'))} RAM "
        f"({human_bytes(machine.get('ram_available'))} available), "
        f"{human_bytes(machine.get('disk_free'))} free disk ({machine.get('disk_filesystem')}); "
        f"{machine.get('os')}; "
        f"Python {machine.get('python')}, {versions}; {machine.get('date')}"
    )


def _time(row: Row) -> str:
    """The median time, and the spread of the runs: ``7.19 s [6.90 s-7.40 s]``."""
    if row.get("status") not in ("measured", "extrapolated"):
        return "—"
    mark = "~" if row["status"] == "extrapolated" else ""
    text = mark + fmt_seconds(row.get("seconds"))
    if row.get("runs", 1) > 1 and row.get("seconds_min") is not None:
        text += f" [{fmt_seconds(row['seconds_min'])}-{fmt_seconds(row['seconds_max'])}]"
    return text


def code_line(doc: Doc) -> str:
    """Which code was measured: the commit, and whether the tree had uncommitted changes."""
    git = doc.get("machine", {}).get("git")
    if isinstance(git, str):  # results from before the commit was recorded in full
        return f"Code: `{git}` (`git describe --dirty`)."
    if not git or not git.get("commit"):
        return "Code: not recorded (not run from a git checkout)."
    dirty = " with uncommitted changes" if git.get("dirty") else ""
    return f"Code: commit `{git['commit'][:12]}` ({git.get('commit_date')}){dirty}."


def how_timed(doc: Doc) -> str:
    repeats = doc.get("settings", {}).get("repeats")
    if not repeats or repeats == 1:
        return "Each case ran once, in a fresh process"
    return (
        f"Each case ran {repeats} times, each in a fresh process, in rounds alternating "
        "forwards and backwards (numpy with the others), shown as the median [min-max]"
    )


def _rss(row: Row) -> str:
    if row.get("peak_rss") is None:
        return "—"
    text = human_bytes(row["peak_rss"])
    return f"~{text} (est.)" if row.get("peak_rss_note") else text


def _notes(row: Row) -> str:
    parts = []
    status = row.get("status")
    if status == "skipped":
        parts.append(f"skipped: {row.get('reason')}")
    elif status == "error":
        parts.append(f"**error**: {row.get('reason')}")
    if row.get("note"):
        parts.append(row["note"])
    if row.get("case") == "auto" and row.get("warnings"):
        parts.append("warned: " + "; ".join(w.split(":", 1)[0] for w in row["warnings"]))
    if "last_index" in row and row.get("last_index") != row.get("n", 0) - 1:
        parts.append(f"last = element {row['last_index']:,}")
    return "; ".join(parts).replace("|", "\\|")


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]
    return lines


def markdown(doc: Doc) -> str:
    """The whole report as markdown."""
    rows: list[Row] = doc.get("rows", [])
    settings = doc.get("settings", {})
    out = [
        "# `np.random.seed(0); np.random.rand(n)`, re-run with seedstream",
        "",
        f"Machine: {stamp_line(doc.get('machine', {}))}",
        "",
        f"Command: `{doc.get('command') or 'python benchmarks/suite.py'}` "
        f"(chunks C = {settings.get('chunks', 0):,}, {settings.get('workers')} dask threads, "
        f"--max-seconds {settings.get('max_seconds')}, "
        f"--disk-budget {human_bytes(settings.get('disk_budget'))}); "
        f"whole run {fmt_seconds(doc.get('elapsed_seconds'))}.",
        "",
        code_line(doc),
        "",
        f"{how_timed(doc)}; time is the call and its reduction (`.mean()`; "
        "for zarr, the write and an fsync of its files), imports and dask's warm-up excluded. "
        "`~` marks a figure "
        "extrapolated from a timed prefix (notes say which). GB are 10^9 bytes. "
        "first/last = numpy: elements 0 and n - 1 against numpy's, bit for bit (numpy's "
        "one-shot output where it ran, otherwise random access by `seedstream.advance`).",
        "",
        "## The classic table",
        "",
    ]
    calls = {m["label"]: m["call"] for m in doc.get("methods", [])}
    out += [f"- **{label}**: `{call}`" for label, call in calls.items()]
    out.append("")
    main = [r for r in rows if r.get("section") == "main"]
    out += _table(
        [
            "n",
            "method",
            "mode",
            "time",
            "values/s",
            "GB/s",
            "peak RSS",
            "on disk",
            "first = numpy",
            "last = numpy",
            "notes",
        ],
        [
            [
                fmt_n(r["n"]),
                r["method"],
                str(r.get("mode", "—")),
                _time(r),
                fmt_rate(r.get("values_per_second")),
                f"{r['gb_per_second']:.2f}" if r.get("gb_per_second") else "—",
                _rss(r),
                human_bytes(r["bytes_on_disk"]) if r.get("bytes_on_disk") else "—",
                fmt_equal(r, "first_equal"),
                fmt_equal(r, "last_equal"),
                _notes(r),
            ]
            for r in main
        ],
    )
    refs = doc.get("references", {})
    agree = [n for n, ref in refs.items() if ref.get("random_access_equals_numpy_oneshot")]
    differ = [
        n for n, ref in refs.items() if ref.get("random_access_equals_numpy_oneshot") is False
    ]
    if agree or differ:
        out += [
            "",
            "Random access agrees with numpy's one-shot first and last elements at n = "
            + (", ".join(fmt_n(int(n)) for n in agree) or "none")
            + (
                f"; **disagrees** at n = {', '.join(fmt_n(int(n)) for n in differ)}"
                if differ
                else ""
            )
            + ".",
        ]
    out += _scaling(rows) + _jumps(doc) + _sweep(rows) + _normals(rows)
    out += ["", "![time and peak memory against n](plot.png)", ""]
    return "\n".join(out)


def _scaling(rows: list[Row]) -> list[str]:
    scaling = [r for r in rows if r.get("section") == "scaling"]
    if not scaling:
        return []
    n = scaling[0]["n"]
    return [
        "",
        f"## Scaling with workers (seedstream dask, n = {fmt_n(n)}, threaded)",
        "",
        *_table(
            ["workers", "time", "values/s", "speedup", "efficiency", "peak RSS", "notes"],
            [
                [
                    str(r["workers"]),
                    _time(r),
                    fmt_rate(r.get("values_per_second")),
                    f"{r['speedup']:.2f}x" if r.get("speedup") else "—",
                    f"{r['efficiency']:.0%}" if r.get("efficiency") else "—",
                    _rss(r),
                    _notes(r),
                ]
                for r in scaling
            ],
        ),
    ]


def _jumps(doc: Doc) -> list[str]:
    costs = doc.get("jump_costs")
    if not costs:
        return []
    head = [
        "",
        f"## Jump cost ({costs.get('jumps')} jumps to random positions below 2^64, one thread)",
        "",
    ]
    if "error" in costs:
        return [*head, f"**error**: {costs['error']}"]
    body = []
    for label, key in (
        ("`seedstream.advance` (arbitrary position)", "advance_percentiles_ms"),
        ("numpy `MT19937.jumped()` (fixed 2^128)", "jumped_percentiles_ms"),
    ):
        p = costs.get(key, {})
        body.append([label, *(f"{p[q]:.3f} ms" if q in p else "—" for q in PCTS)])
    return [*head, *_table(["", *PCTS], body)]


PCTS = ("p50", "p90", "p99", "max")


def _sweep(rows: list[Row]) -> list[str]:
    sweep = [r for r in rows if r.get("section") == "sweep"]
    if not sweep:
        return []
    n = sweep[0]["n"]
    return [
        "",
        f"## Chunk-size sweep (seedstream dask, n = {fmt_n(n)})",
        "",
        "core time per chunk = time x workers / chunks; jump share = advance p50 / that.",
        "",
        *_table(
            ["chunk", "chunks", "time", "values/s", "core time per chunk", "jump share", "notes"],
            [
                [
                    f"2^{r.get('exponent')}",
                    f"{r['nchunks']:,}" if r.get("nchunks") else "—",
                    _time(r),
                    fmt_rate(r.get("values_per_second")),
                    fmt_seconds(r.get("core_seconds_per_chunk")),
                    f"{r['jump_share']:.1%}" if r.get("jump_share") is not None else "—",
                    _notes(r),
                ]
                for r in sweep
            ],
        ),
    ]


def _normals(rows: list[Row]) -> list[str]:
    normals = [r for r in rows if r.get("section") == "normals"]
    if not normals:
        return []
    return [
        "",
        "## Normals: the count pass",
        "",
        "`np.random.seed(0); np.random.randn(n).mean()` next to "
        "`seedstream.RandomState(0).standard_normal(n, chunks=C)` (building it is the count "
        "pass), then `.mean()`; first/last compared with numpy's randn where it ran.",
        "",
        *_table(
            [
                "n",
                "method",
                "count pass",
                "compute",
                "time",
                "count share",
                "peak RSS",
                "first/last = numpy",
                "notes",
            ],
            [
                [
                    fmt_n(r["n"]),
                    r["method"],
                    fmt_seconds(r.get("build_seconds")),
                    fmt_seconds(r.get("compute_seconds")),
                    _time(r),
                    f"{r['count_share']:.0%}" if r.get("count_share") is not None else "—",
                    _rss(r),
                    f"{fmt_equal(r, 'first_equal')}/{fmt_equal(r, 'last_equal')}"
                    if "first_equal" in r
                    else "—",
                    _notes(r),
                ]
                for r in normals
            ],
        ),
    ]


def plot(doc: Doc, path: Path) -> None:
    """Time and peak RSS against n, log-log, one line per method; hollow = extrapolated."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    rows = [
        r
        for r in doc.get("rows", [])
        if r.get("section") == "main" and r.get("status") in ("measured", "extrapolated")
    ]
    labels = [m["label"] for m in doc.get("methods", [])] or sorted({r["method"] for r in rows})
    fig, axes = plt.subplots(1, 2, figsize=(12, 6))
    panels = (("seconds", "time (s)"), ("peak_rss", "peak RSS (GB)"))
    for ax, (key, ylabel) in zip(axes, panels, strict=True):
        for i, label in enumerate(labels):
            mine = sorted((r for r in rows if r["method"] == label and r.get(key)), key=_n)
            if not mine:
                continue
            color = f"C{i}"
            scale = 1e9 if key == "peak_rss" else 1.0
            xs = [r["n"] for r in mine]
            ys = [r[key] / scale for r in mine]
            style = ":" if mine[0].get("case", "").startswith("peer") else "-"
            ax.plot(xs, ys, style, color=color, label=label)
            for r, x, y in zip(mine, xs, ys, strict=True):
                ax.plot(
                    x,
                    y,
                    MARKERS.get(r.get("mode", ""), "o"),
                    color=color,
                    markerfacecolor="white" if r["status"] == "extrapolated" else color,
                    markersize=7,
                )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("n (values)")
        ax.set_ylabel(ylabel)
        ax.grid(True, which="both", alpha=0.3)
    handles, names = axes[0].get_legend_handles_labels()
    handles.append(
        Line2D([], [], marker="o", color="grey", markerfacecolor="white", linestyle="None")
    )
    names.append("hollow: from a timed prefix (time extrapolated; RSS of that run)")
    for mode, marker in MARKERS.items():
        handles.append(Line2D([], [], marker=marker, color="grey", linestyle="None"))
        names.append(f"mode: {mode}")
    fig.legend(handles, names, fontsize=8, loc="lower center", ncol=5, bbox_to_anchor=(0.5, 0.065))
    fig.suptitle(
        "np.random.seed(0); np.random.rand(n) and its seedstream / dask equivalents "
        "(dotted: dask peers, not numpy's numbers)",
        fontsize=10,
    )
    footer = stamp_line(doc.get("machine", {}))
    skipped = _skipped_summary(doc.get("rows", []))
    if skipped:
        footer = f"not run: {skipped}\n{footer}"
    fig.text(0.5, 0.01, footer, ha="center", fontsize=7, wrap=True)
    fig.tight_layout(rect=(0, 0.17, 1, 0.95))
    fig.savefig(path, dpi=90)
    plt.close(fig)


MARKERS = {"ndarray": "o", "dask": "s", "zarr": "^"}


def _skipped_summary(rows: list[Row]) -> str:
    """Which main rows are missing from the plot: ``numpy n = 1e10, 1e12 (skipped)``."""
    missing: dict[str, list[str]] = {}
    for r in rows:
        if r.get("section") == "main" and r.get("status") in ("skipped", "error"):
            missing.setdefault(f"{r['method']} ({r['status']})", []).append(fmt_n(r["n"]))
    return "; ".join(f"{k} at n = {', '.join(v)}" for k, v in missing.items())


def _n(row: Row) -> int:
    n: int = row["n"]
    return n


def write_reports(doc: Doc, out: Path) -> tuple[Path, Path]:
    """Write ``table.md`` and ``plot.png`` into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    table = out / "table.md"
    table.write_text(markdown(doc))
    image = out / "plot.png"
    plot(doc, image)
    return table, image
