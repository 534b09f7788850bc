"""Staff see shares in the admin site, filter them, and may stop them (recorded)."""

from django.urls import reverse

from console.models import WorkHistory
from sharing.models import Share
from tests.support.personas import BETA_ID
from tests.support.sharing import make_share, shareable_image

CHANGELIST = reverse("admin:sharing_share_changelist")


def test_it_lists_shares_with_filters(world, staff_client):
    staff = staff_client
    make_share(shareable_image(world.acme, name="acme-img"), BETA_ID, "Accepted")
    make_share(shareable_image(world.acme, name="other-img"), "c" * 32, "Pending")

    response = staff.get(CHANGELIST)
    filtered = staff.get(CHANGELIST, {"status__exact": "Accepted"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "acme-img" in html and "other-img" in html and "Acme Research" in html
    assert 'id="changelist-filter"' in html
    assert "acme-img" in filtered.content.decode()
    assert "other-img" not in filtered.content.decode()
    assert staff.get(CHANGELIST, {"q": BETA_ID}).status_code == 200


def test_it_shows_a_share_read_only(world, staff_client):
    staff = staff_client
    share = make_share(shareable_image(world.acme), BETA_ID)

    change = staff.get(reverse("admin:sharing_share_change", args=[share.pk]))
    tamper = staff.post(
        reverse("admin:sharing_share_change", args=[share.pk]), {"status": "Accepted"}
    )

    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()
    assert tamper.status_code == 403
    assert staff.get(reverse("admin:sharing_share_add")).status_code == 403
    share.refresh_from_db()
    assert share.status == Share.Status.PENDING


def test_the_stop_sharing_action_deletes_through_the_service(world, staff_client, staff_user):
    staff, admin = staff_client, staff_user
    image = shareable_image(world.acme)
    share = make_share(image, BETA_ID, "Accepted")

    response = staff.post(
        CHANGELIST, {"action": "stop_sharing", "_selected_action": [share.pk]}, follow=True
    )

    assert response.status_code == 200
    assert "Stopped 1 share." in response.content.decode()
    assert not Share.objects.exists()
    row = WorkHistory.objects.for_resource(image.pk).get()
    assert (row.event_topic, row.worker_id) == ("DeleteImageMember", str(admin.pk))
