from django.urls import reverse

from console.models import WorkHistory
from console.phrases import TEXT
from images.models import Image
from tests.support.factories import make_image


def test_it_lists_every_accounts_images_with_filters(world, staff_client):
    make_image(world.acme, name="acme-one")
    make_image(world.beta, name="beta-one", status="Error")
    staff = staff_client
    response = staff.get(reverse("admin:images_image_changelist"))
    assert response.status_code == 200
    assert b"acme-one" in response.content and b"beta-one" in response.content
    filtered = staff.get(reverse("admin:images_image_changelist"), {"status__exact": "Error"})
    assert b"beta-one" in filtered.content and b"acme-one" not in filtered.content


def test_it_refuses_direct_changes_in_the_admin(world, staff_client):
    image = make_image(world.acme, name="acme-one")
    staff = staff_client
    url = reverse("admin:images_image_change", args=[image.pk])
    assert staff.get(url).status_code == 200
    assert staff.post(url, {"name": "renamed", "status": "Active"}).status_code == 403
    assert (
        staff.post(
            reverse("admin:images_image_delete", args=[image.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    image.refresh_from_db()
    assert image.name == "acme-one"


def test_it_deletes_through_the_console_rules_and_keeps_protected_images(
    world, staff_client, staff_user
):
    plain = make_image(world.acme, name="plain")
    kept = make_image(world.beta, name="kept", protected=True)
    staff, user = staff_client, staff_user
    response = staff.post(
        reverse("admin:images_image_changelist"),
        {"action": "delete_through_console", "_selected_action": [plain.pk, kept.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert list(Image.objects.values_list("name", flat=True)) == ["kept"]
    rows = WorkHistory.objects.filter(event_topic="DeleteImage").order_by("result")
    assert [(r.resource_name, r.result, r.worker_id) for r in rows] == [
        ("kept", "Failure", str(user.pk)),
        ("plain", "Success", str(user.pk)),
    ]


def test_it_retries_failed_imports_from_the_admin(
    world, django_capture_on_commit_callbacks, staff_client
):
    failed = make_image(
        world.acme, name="failed", status="Error", failure=TEXT(text="boom").as_data()
    )
    active = make_image(world.acme, name="fine")
    staff = staff_client
    with django_capture_on_commit_callbacks() as callbacks:
        staff.post(
            reverse("admin:images_image_changelist"),
            {"action": "retry_import", "_selected_action": [failed.pk, active.pk]},
        )
    failed.refresh_from_db()
    active.refresh_from_db()
    assert (failed.status, active.status) == ("Queued", "Active")
    assert len(callbacks) == 1


def test_it_searches_by_name_part_id_account_and_hash(world, staff_client):
    named = make_image(world.acme, name="cuda-llama-7b")
    other = make_image(world.beta, name="rocky-base", os_hash_value="ab" * 64)
    staff = staff_client
    url = reverse("admin:images_image_changelist")

    def found(term: str) -> set[str]:
        html = staff.get(url, {"q": term}).content.decode()
        return {name for name in ("cuda-llama-7b", "rocky-base") if f">{name}<" in html}

    assert found("LLAMA") == {"cuda-llama-7b"}
    assert found(str(other.pk)) == {"rocky-base"}
    assert found(world.acme.id) == {"cuda-llama-7b"}
    assert found("AB" * 64) == {"rocky-base"}
    assert found("Beta Labs") == {"rocky-base"}
    assert found("nothing-like-this") == set()
    assert named.pk  # the image found by its name above
    # No date hierarchy: its year list reads every image.
    assert "date_hierarchy" not in staff.get(url).content.decode()
