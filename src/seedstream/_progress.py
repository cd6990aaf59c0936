"""Progress on stderr for the waits a person sees: every tqdm bar seedstream shows.

tqdm rather than rich: it is already a dependency and imports in a fraction
of the time (see :mod:`seedstream._cli`).  The pure modules report progress
through a plain callback; the bar is made here, at the edge.  Each bar's
`progress` argument: True or False, or None for "when stderr is a terminal".

Imports nothing of seedstream (tqdm only when a bar is shown).
"""

from __future__ import annotations

import sys
from typing import Any

# A count pass shorter than this stays silent (tqdm's ``delay``): a bar that
# flashes for a fraction of a second is noise.
COUNT_DELAY = 2.0


class CountProgress:
    """``report(done, total)`` for a count pass over a variable draw, drawn as a tqdm bar.

    `done` and `total` are accepted attempts; each makes `per_attempt` values,
    which is what the bar counts.  The bar appears once a pass has run for
    :data:`COUNT_DELAY` seconds, and goes when the pass is complete.
    `progress` None: only when stderr is a terminal.
    """

    def __init__(self, label: str, per_attempt: int = 1, progress: bool | None = None) -> None:
        self.label, self.per_attempt = label, per_attempt
        self.enabled = _wanted(progress)
        self._bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        done, total = min(done, total) * self.per_attempt, total * self.per_attempt
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(
                total=total,
                unit=" values",
                unit_scale=True,
                desc=f"seedstream: counting {self.label}",
                delay=COUNT_DELAY,
                leave=False,
            )
        self._bar.total = total
        self._bar.update(done - self._bar.n)
        if done >= total:
            self._bar.close()
            self._bar = None


def write_bar(total: int, done: int, label: str, progress: bool | None) -> Any:
    """A bar of the bytes written to `label`, `done` of `total` already there; or None."""
    if not _wanted(progress):
        return None
    from tqdm import tqdm

    return tqdm(
        total=total,
        initial=done,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        desc=f"seedstream -> {label}",
        smoothing=0.1,
    )


def verify_bar(total: int, label: str, progress: bool | None) -> Any:
    """A bar of the chunks of `label` checked, of `total`; or None."""
    if not _wanted(progress):
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="chunk", desc=f"seedstream verify {label}")


def _wanted(progress: bool | None) -> bool:
    return sys.stderr.isatty() if progress is None else bool(progress)
