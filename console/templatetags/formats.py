import datetime

from django import template
from django.utils.safestring import SafeString

from console import formats

register = template.Library()


@register.filter
def human_bytes(value: int | None) -> str:
    """Bytes in binary units as the console shows them everywhere: ``64 GiB``."""
    return formats.human_size(None if value is None else int(value))


@register.filter
def number(value) -> str:
    """A number grouped for the active language: ``12,288``."""
    if value is None or value == "":
        return ""
    return formats.number(value)


@register.filter
def when(value: datetime.datetime | None, style: str = "DATETIME_FORMAT") -> SafeString | str:
    """A moment in the viewer's time zone, zone named, in a ``<time>`` element whose
    title names the zone in full: ``2026-05-10 21:00:00 KST``. ``style`` is a format name
    (``SHORT_DATETIME_FORMAT`` for tables)."""
    return formats.time_html(value, style)


@register.filter
def gigabytes(value) -> str:
    """A whole number of GB: ``1,024 GB``."""
    return formats.gigabytes(int(value))
