"""Deleting several images from the list: confirmation naming them, then a result per
image (deleted, refused because Protected, refused because shared with you)."""

import re

from django.urls import reverse
from django.utils import timezone

from console.models import WorkHistory
from images.models import Image
from sharing.models import Share
from tests.support.factories import make_image
from tests.support.htmx import HTMX

URL = "/gpu-server/images/delete/"


def _rows(image, result=None):
    rows = WorkHistory.objects.filter(resource_id=str(image.pk), event_topic="DeleteImage")
    return list(rows.filter(result=result) if result else rows)


def _shared_with_acme(world) -> Image:
    image = make_image(world.beta, name="beta-shared", visibility=Image.Visibility.SHARED)
    Share.objects.create(
        image=image,
        target_account_id=world.acme.id,
        status=Share.Status.ACCEPTED,
        modified_at=timezone.now(),
    )
    return image


def test_it_asks_for_confirmation_naming_the_images(world, alice_client):
    one = make_image(world.acme, name="first-img")
    two = make_image(world.acme, name="second-img", protected=True)
    response = alice_client.post(URL, {"image_ids": [one.pk, two.pk]})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Delete 2 images?" in html
    assert "first-img" in html and "second-img" in html
    assert "cannot be recovered" in html
    assert "Protected" in html
    assert Image.objects.filter(pk__in=[one.pk, two.pk]).count() == 2
    assert not WorkHistory.objects.filter(event_topic="DeleteImage").exists()


def test_it_reports_mixed_results_per_image(world, alice_client):
    plain = make_image(world.acme, name="plain-img")
    protected = make_image(world.acme, name="locked-img", protected=True)
    shared = _shared_with_acme(world)
    response = alice_client.post(
        URL, {"image_ids": [plain.pk, protected.pk, shared.pk], "confirm": "yes"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    outcomes = dict(re.findall(r'data-outcome="(\w+)"><td>([\w-]+)</td>', html))
    assert outcomes == {
        "deleted": "plain-img",
        "protected": "locked-img",
        "not_yours": "beta-shared",
    }
    assert "Not deleted: the image is protected" in html
    assert "Not deleted: the image is shared with you, not yours" in html
    assert "Deleted 1 image." in html and "2 images were not deleted." in html

    assert not Image.objects.filter(pk=plain.pk).exists()
    assert Image.objects.filter(pk__in=[protected.pk, shared.pk]).count() == 2
    assert _rows(plain, "Success")
    assert _rows(protected, "Failure")
    assert not _rows(shared)


def test_it_writes_nothing_into_the_owner_history_for_a_receiver(world, alice_client):
    """Only members of the owning account write into its history: a receiver's refused
    deletes, however many, leave the owner's history (and the receiver's name and
    e-mail) alone."""
    shared = _shared_with_acme(world)
    for _ in range(3):
        response = alice_client.post(URL, {"image_ids": [shared.pk], "confirm": "yes"})
        assert "Not deleted: the image is shared with you, not yours" in response.content.decode()
    detail = alice_client.post(reverse("images:delete", args=[shared.pk]))
    assert detail.status_code == 403
    assert Image.objects.filter(pk=shared.pk).exists()
    assert not WorkHistory.objects.filter(account=world.beta).exists()
    assert not WorkHistory.objects.filter(worker_id=str(world.alice.pk)).exists()


def test_it_deletes_several_images(world, alice_client):
    images = [make_image(world.acme) for _ in range(3)]
    response = alice_client.post(URL, {"image_ids": [i.pk for i in images], "confirm": "yes"})
    assert "Deleted 3 images." in response.content.decode()
    assert not Image.objects.filter(pk__in=[i.pk for i in images]).exists()


def test_it_ignores_images_of_other_accounts_and_malformed_ids(world, alice_client, bob_client):
    theirs = make_image(world.beta, name="beta-private")
    response = alice_client.post(URL, {"image_ids": [theirs.pk, "not-a-uuid"], "confirm": "yes"})
    assert response.status_code == 302
    assert Image.objects.filter(pk=theirs.pk).exists()
    assert not _rows(theirs)
    # Bob cannot delete Acme's images either, and learns nothing about them.
    ours = make_image(world.acme, name="acme-private")
    response = bob_client.post(URL, {"image_ids": [ours.pk], "confirm": "yes"})
    assert response.status_code == 302
    assert Image.objects.filter(pk=ours.pk).exists()
    assert "acme-private" not in bob_client.get(response["Location"]).content.decode()


def test_it_asks_to_select_images_when_none_is_checked(world, alice_client):
    response = alice_client.post(URL, {})
    assert response.status_code == 302
    page = alice_client.get(response["Location"]).content.decode()
    assert "Select one or more images to delete." in page


def test_it_forbids_viewers(world, carol_client):
    image = make_image(world.acme)
    for data in ({"image_ids": [image.pk]}, {"image_ids": [image.pk], "confirm": "yes"}):
        assert carol_client.post(URL, data).status_code == 403
        assert carol_client.post(URL, data, headers=HTMX).status_code == 403
    assert Image.objects.filter(pk=image.pk).exists()


def test_it_only_accepts_post(world, alice_client):
    assert alice_client.get(URL).status_code == 405
    assert reverse("images:bulk_delete") == URL
