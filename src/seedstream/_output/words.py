"""How sizes and counts read in the output package's messages (and the CLI's).

Pure: imports nothing.
"""

from __future__ import annotations


def human(n: int) -> str:
    """`n` bytes in binary units, as messages print them.

    Examples
    --------
    >>> human(512), human(3 * 2**30)
    ('512 B', '3.00 GiB')
    """
    for unit, scale in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale:
            return f"{n / scale:.2f} {unit}"
    return f"{n} B"


def plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def examples(names: list[str], limit: int = 3) -> str:
    shown = ", ".join(repr(n) for n in sorted(names)[:limit])
    return shown + (", ..." if len(names) > limit else "")
