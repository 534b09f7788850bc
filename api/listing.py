"""GET /v1/images: filters, a sort on any key list, and keyset pages (``marker`` is the
last ID of the previous page) that stay stable while images come and go."""

from dataclasses import dataclass
from functools import reduce
from operator import or_
from urllib.parse import urlencode

from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce

from api.errors import ApiError
from api.representations import NO_SIZE, UPDATED_AT
from api.schemas import ImageListQuery
from images.models import Image

SORT_EXPRESSIONS = {
    "name": F("name"),
    "status": F("status"),
    "visibility": F("visibility"),
    "os_distro": F("os_type"),
    "min_disk": F("min_disk_gb"),
    "min_ram": F("min_ram_gb"),
    # Not yet imported images have no size: they sort as the smallest.
    "size": Coalesce("size", NO_SIZE),
    "virtual_size": Coalesce("virtual_size", NO_SIZE),
    "created_at": F("created_at"),
    "updated_at": UPDATED_AT,
    "id": F("id"),
}
MSG_MARKER = "Marker {marker} is not an image in this listing."


def parse_sort(text: str) -> list[tuple[str, bool]]:
    """[(key, descending)], each key once, ending with id so that the order is total."""
    keys: list[tuple[str, bool]] = []
    for item in text.split(","):
        key, _, direction = item.partition(":")
        if key not in SORT_EXPRESSIONS:
            raise ApiError(400, f'Field "sort" is invalid. Unknown sort key {key}.')
        if key not in dict(keys):
            keys.append((key, direction == "desc"))
    if "id" not in dict(keys):
        keys.append(("id", False))
    return keys


def _filter(images: QuerySet, query: ImageListQuery) -> QuerySet:
    if query.name is not None:
        images = images.filter(name=query.name)
    if query.os_distro is not None:
        images = images.filter(os_type=query.os_distro)
    if query.status is not None:
        images = images.filter(status=query.status.capitalize())
    if query.visibility is not None:
        images = images.filter(visibility=query.visibility.capitalize())
    return images


def _after(sort: list[tuple[str, bool]], marker: dict) -> Q:
    """Rows that come after the marker's row in this order (keyset condition)."""
    branches = []
    for index, (_, descending) in enumerate(sort):
        equal = {f"_k{i}": marker[f"_k{i}"] for i in range(index)}
        lookup = f"_k{index}__{'lt' if descending else 'gt'}"
        branches.append(Q(**equal, **{lookup: marker[f"_k{index}"]}))
    return reduce(or_, branches)


@dataclass
class Page:
    images: list[Image]
    next_marker: str | None


def image_page(visible: QuerySet, query: ImageListQuery) -> Page:
    sort = parse_sort(query.sort)
    annotations = {f"_k{i}": SORT_EXPRESSIONS[key] for i, (key, _) in enumerate(sort)}
    ordering = [f"{'-' if desc else ''}_k{i}" for i, (_, desc) in enumerate(sort)]
    ordered = visible.annotate(**annotations)
    images = _filter(ordered, query).order_by(*ordering)
    if query.marker is not None:
        marker = ordered.filter(pk=query.marker).values(*annotations).first()
        if marker is None:
            raise ApiError(400, MSG_MARKER.format(marker=query.marker))
        images = images.filter(_after(sort, marker))
    rows = list(images.select_related("account").prefetch_related("tags")[: query.limit + 1])
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    return Page(rows, str(rows[-1].pk) if more else None)


def next_link(query: ImageListQuery, marker: str | None) -> str | None:
    if marker is None:
        return None
    params = {
        name: value
        for name, value in query.dict().items()
        if value is not None and name != "marker"
    }
    params["marker"] = marker
    return "/v1/images?" + urlencode(params)
