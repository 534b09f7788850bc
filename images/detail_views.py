"""Image detail page and deletion."""

import uuid
from contextlib import suppress

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from console.access import current_account, require_change
from images import services
from images.access import get_image_for_read, is_owner
from images.models import Image


@require_GET
def image_detail(request: HttpRequest, pk) -> HttpResponse:
    image = get_image_for_read(request, pk)
    return render(
        request,
        "images/image_detail.html",
        {"image": image, "is_owner": is_owner(request, image)},
    )


OUTCOME_TEXT = {
    services.DeleteOutcome.DELETED: "Deleted",
    services.DeleteOutcome.PROTECTED: "Not deleted: the image is protected",
    services.DeleteOutcome.NOT_YOURS: "Not deleted: the image is shared with you, not yours",
    services.DeleteOutcome.NOT_FOUND: "Not found",
}


@require_POST
def image_bulk_delete(request: HttpRequest) -> HttpResponse:
    """Delete the checked images: a confirmation naming them, then a result per image."""
    require_change(request)
    account = current_account(request)
    ids = []
    for value in request.POST.getlist("image_ids"):
        with suppress(ValueError):  # a malformed id is simply not an image of ours
            ids.append(uuid.UUID(value))
    images = list(Image.objects.visible_to(account).select_related("account").filter(pk__in=ids))
    if not images:
        messages.warning(request, "Select one or more images to delete.")
        return redirect("images:list")
    if request.POST.get("confirm") != "yes":
        return render(request, "images/image_bulk_delete_confirm.html", {"images": images})
    results = []
    for image in images:
        outcome, _ = services.image_delete(image_id=image.pk, account=account, actor=request.user)
        results.append((image, outcome, OUTCOME_TEXT[outcome]))
    deleted = sum(1 for _, outcome, _ in results if outcome == services.DeleteOutcome.DELETED)
    refused = len(results) - deleted
    if deleted:
        messages.success(request, f"Deleted {deleted} image{'s' if deleted != 1 else ''}.")
    if refused:
        messages.error(
            request, f"{refused} image{'s were' if refused != 1 else ' was'} not deleted."
        )
    return render(request, "images/image_bulk_delete_result.html", {"results": results})
