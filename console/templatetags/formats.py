from django import template

from console.formats import human_size

register = template.Library()


@register.filter
def human_bytes(value: int | None) -> str:
    """Bytes in binary units as the console shows them everywhere: ``64 GiB``."""
    return human_size(None if value is None else int(value))
