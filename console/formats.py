"""How the console writes sizes, everywhere: lists, detail pages, work history."""

from console.phrases import phrase

_UNITS = (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10))


def human_size(n: int | None) -> str:
    """A byte count in binary units: ``64 GiB``, ``1.5 MiB``, ``10 bytes``; ``-`` for none."""
    if n is None:
        return "-"
    for unit, factor in _UNITS:
        if n >= factor:
            value = f"{n / factor:,.1f}".removesuffix(".0")
            return f"{value} {unit}"
    return "1 byte" if n == 1 else f"{n:,} bytes"


def gigabytes(n: int) -> str:
    """A whole number of GB as Minimum Disk and Minimum RAM are given: ``1,024 GB``."""
    return f"{n:,} GB"


# The same, inside recorded sentences (stored as the number, written when shown).
SIZE = phrase("size", formatter=lambda bytes: human_size(bytes))
GIGABYTES = phrase("gigabytes", formatter=lambda n: gigabytes(n))
