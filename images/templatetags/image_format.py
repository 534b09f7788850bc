from django import template

from images.pipeline.errors import human_size

register = template.Library()


@register.filter
def human_bytes(value: int | None) -> str:
    """Bytes in binary units as the console shows them everywhere: ``64 GiB``."""
    return "-" if value is None else human_size(int(value))
