"""How the console writes numbers, sizes and times, everywhere: lists, detail pages, work
history, exports. Numbers are grouped the way the active language groups them; times are
shown in the active time zone (the user's choice, else ``CONSOLE_TIME_ZONE``) with the zone
named, so a time never reads without saying which clock it is on."""

import datetime
import zoneinfo

from django.utils import formats, timezone
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext

from console.phrases import phrase

_UNITS = (
    ("EiB", 1 << 60),
    ("PiB", 1 << 50),
    ("TiB", 1 << 40),
    ("GiB", 1 << 30),
    ("MiB", 1 << 20),
    ("KiB", 1 << 10),
)


def number(n: int | float, decimals: int | None = None) -> str:
    """``1,024`` (grouped for the active language whatever the settings say)."""
    return formats.number_format(n, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def human_size(n: int | None) -> str:
    """A byte count in binary units: ``64 GiB``, ``1.5 MiB``, ``10 bytes``; ``-`` for none.
    The unit symbols are the same in every language; "bytes" is not."""
    if n is None:
        return "-"
    for unit, factor in _UNITS:
        if n >= factor:
            value = number(round(n / factor, 1), 1).removesuffix(
                formats.get_format("DECIMAL_SEPARATOR") + "0"
            )
            return f"{value} {unit}"
    return ngettext("%(n)s byte", "%(n)s bytes", n) % {"n": number(n)}


def gigabytes(n: int) -> str:
    """A whole number of GB as Minimum Disk and Minimum RAM are given: ``1,024 GB``."""
    return gettext("%(n)s GB") % {"n": number(n)}


# The same, inside recorded sentences (stored as the number, written when shown).
SIZE = phrase("size", formatter=lambda bytes: human_size(bytes))
GIGABYTES = phrase("gigabytes", formatter=lambda n: gigabytes(n))


# --- Times -------------------------------------------------------------------------------


def zone_abbreviation(value: datetime.datetime) -> str:
    """The zone's short name at that moment (``KST``, ``UTC``, ``CEST``), or its offset
    (``UTC+05:45``) for zones whose names are only numbers."""
    name = value.tzname() or ""
    if name and name[0] not in "+-" and name != "UTC":
        return name
    return "UTC" if not value.utcoffset() else f"UTC{offset(value)}"


def offset(value: datetime.datetime) -> str:
    """``+09:00``."""
    text = value.strftime("%z")
    return f"{text[:3]}:{text[3:]}" if text else ""


def local(value: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


def when(value: datetime.datetime | None, style: str = "DATETIME_FORMAT") -> str:
    """``2026-05-10 21:00:00 KST``: a moment in the active time zone, zone named."""
    if value is None:
        return "-"
    moment = local(value)
    return f"{formats.date_format(moment, style)} {zone_abbreviation(moment)}"


def zone_description(zone_name: str | None = None) -> str:
    """``Asia/Seoul (UTC+09:00)``: the active (or given) zone and its offset now."""
    zone = timezone.get_current_timezone() if zone_name is None else _zone(zone_name)
    now = timezone.now().astimezone(zone)
    return f"{getattr(zone, 'key', str(zone))} (UTC{offset(now) or '+00:00'})"


def _zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def iso_utc(value: datetime.datetime) -> str:
    """``2026-05-10T12:00:00+00:00``: a moment for machines (exports), in UTC."""
    return value.astimezone(datetime.UTC).isoformat()


def iso_local(value: datetime.datetime) -> str:
    """``2026-05-10T21:00:00+09:00``: the same moment in the active time zone, with its offset."""
    return local(value).isoformat()


def time_html(value: datetime.datetime | None, style: str = "DATETIME_FORMAT") -> SafeString | str:
    """``when`` in a ``<time>`` element whose title names the zone in full."""
    if value is None:
        return "-"
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        iso_local(value),
        zone_description(),
        when(value, style),
    )


# For messages defined once at import and shown later in the reader's language.
lazy_number = lazy(number, str)
