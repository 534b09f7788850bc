"""Who may read and who may change an image.

Readers: the owning account and accounts with an accepted share. Anything else is
404 so IDs cannot be probed. Changes: members (not viewers) of the owning account
only; receivers of a share and viewers get 403.
"""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from console.access import current_account, require_change
from images.models import Image


def get_image_for_read(request: HttpRequest, pk, *, queryset=None) -> Image:
    queryset = Image.objects.all() if queryset is None else queryset
    account = current_account(request)
    return get_object_or_404(queryset.visible_to(account).select_related("account"), pk=pk)


def get_image_for_change(request: HttpRequest, pk, *, queryset=None) -> Image:
    image = get_image_for_read(request, pk, queryset=queryset)
    if image.account_id != current_account(request).id:
        raise PermissionDenied("Images shared with you are read-only.")
    require_change(request)
    return image


def is_owner(request: HttpRequest, image: Image) -> bool:
    return image.account_id == current_account(request).id
