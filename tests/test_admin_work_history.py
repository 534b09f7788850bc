import pytest
from django.db import transaction
from django.urls import reverse

from console import work_history
from console.models import WorkHistory
from console.phrases import TEXT


def _row(world) -> WorkHistory:
    with transaction.atomic():
        return work_history.record(
            account=world.acme,
            resource_type="Image",
            resource_id="1234",
            resource_name="ubuntu-base",
            topic="CreateImage",
            message=TEXT(text="Created"),
            actor=world.alice,
        )


def test_it_lists_work_history_for_staff(world, staff_client):
    row = _row(world)
    staff = staff_client
    response = staff.get(reverse("admin:console_workhistory_changelist"))
    assert response.status_code == 200
    assert b"ubuntu-base" in response.content
    detail = staff.get(reverse("admin:console_workhistory_change", args=[row.pk]))
    assert detail.status_code == 200
    assert b'name="_save"' not in detail.content


def test_it_refuses_to_change_or_delete_work_history_in_the_admin(world, staff_client):
    row = _row(world)
    staff = staff_client
    change = staff.post(
        reverse("admin:console_workhistory_change", args=[row.pk]),
        {"resource_name": "tampered", "result": "Failure"},
    )
    assert change.status_code == 403
    delete = staff.post(reverse("admin:console_workhistory_delete", args=[row.pk]), {"post": "yes"})
    assert delete.status_code == 403
    bulk = staff.post(
        reverse("admin:console_workhistory_changelist"),
        {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"},
    )
    assert WorkHistory.objects.filter(pk=row.pk, resource_name="ubuntu-base").exists()
    assert bulk.status_code in (200, 302)
    add = staff.get(reverse("admin:console_workhistory_add"))
    assert add.status_code == 403


def test_it_records_the_actor_or_system(world):
    row = _row(world)
    assert (row.worker_id, row.worker_name, row.worker_email) == (
        str(world.alice.pk),
        "Alice Anders",
        "alice@example.com",
    )
    with transaction.atomic():
        system = work_history.record(
            account=world.acme,
            resource_type="Image",
            resource_id="1",
            resource_name="x",
            topic="ImportImage",
            message=TEXT(text="Import started"),
        )
    assert system.worker_display == "system"
    assert system.region == "kr-west1"


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_write_history_outside_a_transaction(world):
    with pytest.raises(RuntimeError, match="inside the change's transaction"):
        work_history.record(
            account=world.acme,
            resource_type="Image",
            resource_id="1",
            resource_name="x",
            topic="ImportImage",
            message=TEXT(text="Import started"),
        )


def test_it_searches_and_filters_with_fixed_choices(world, staff_client):
    _row(world)
    with transaction.atomic():
        work_history.record(
            account=world.beta,
            resource_type="Image",
            resource_id="beta-resource-1",
            resource_name="rocky-gpu",
            topic="DeleteImage",
            message=TEXT(text="Deleted"),
            result="Failure",
        )
    staff = staff_client
    url = reverse("admin:console_workhistory_changelist")

    def names(**query) -> set[str]:
        html = staff.get(url, query).content.decode()
        return {name for name in ("ubuntu-base", "rocky-gpu") if name in html}

    assert names(q="BUNTU") == {"ubuntu-base"}
    assert names(q="beta-resource-1") == {"rocky-gpu"}
    assert names(q=world.acme.id) == {"ubuntu-base"}
    assert names(event_topic__exact="DeleteImage") == {"rocky-gpu"}
    assert names(resource_type__exact="Image", result__exact="Success") == {"ubuntu-base"}
    # The topic choices are the console's topics, not a DISTINCT over every row.
    html = staff.get(url).content.decode()
    assert "?event_topic__exact=RetryImageImport" in html
