"""Helpers for the sharing flows: a shareable image and shares in any state."""

from django.utils import timezone

from images.models import Image
from sharing.models import Share
from tests.support.factories import make_image


def shareable_image(account, actor=None, *, name: str = "ubuntu-shared", **fields) -> Image:
    """An Active, uploaded, Shared image: everything a share needs."""
    fields.setdefault("visibility", Image.Visibility.SHARED)
    return make_image(account, actor, name=name, **fields)


def make_share(image: Image, target_account_id: str, status: str = "Pending", **fields) -> Share:
    """A share row in any state, without the services (and without work history)."""
    return Share.objects.create(
        image=image,
        target_account_id=target_account_id,
        status=status,
        modified_at=fields.pop("modified_at", timezone.now()),
        **fields,
    )
