"""Activity history periods at the ends of the calendar: the first and last days a date
field accepts filter like any other day (no upper or lower bound past them), in every
time zone, on the page and in both downloads."""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from console.models import WorkHistory
from tests.support.factories import add_history, make_image

EXTREMES = [
    {"date_to": "9999-12-31"},
    {"date_from": "9999-12-31"},
    {"date_from": "0001-01-01"},
    {"date_to": "0001-01-01"},
    {"date_from": "0001-01-01", "date_to": "9999-12-31"},
    {"date_from": "9999-12-31", "date_to": "9999-12-31"},
]


def _seed(world) -> None:
    image = make_image(world.acme, name="dated")
    add_history(image, "CreateImage", "created", actor=world.alice)


def _rows(client, params: dict) -> list[dict]:
    response = client.get(reverse("activity:json"), params)
    assert response.status_code == 200, response.content
    return json.loads(b"".join(response.streaming_content))


@pytest.mark.parametrize("zone", ["UTC", "Asia/Seoul", "America/New_York", "Pacific/Kiritimati"])
@pytest.mark.parametrize("params", EXTREMES)
def test_it_filters_by_the_first_and_last_days_in_every_time_zone(
    world, alice_client, settings, zone, params
):
    settings.TIME_ZONE = zone
    _seed(world)
    page = alice_client.get(reverse("activity:history"), params)
    assert page.status_code == 200
    assert not page.context["form"].errors
    csv_response = alice_client.get(reverse("activity:csv"), params)
    assert csv_response.status_code == 200
    b"".join(csv_response.streaming_content)
    rows = _rows(alice_client, params)
    # Today's row is inside any period that reaches from before today to after it.
    today_inside = (
        params.get("date_from", "0001-01-01") == "0001-01-01"
        and params.get("date_to", "9999-12-31") == "9999-12-31"
    )
    assert len(rows) == (1 if today_inside else 0)
    assert len(page.context["page"].object_list) == len(rows)


def test_it_keeps_rows_of_the_last_day_before_its_end(world, alice_client):
    _seed(world)
    row = WorkHistory.objects.get()
    last = datetime.datetime(9999, 12, 31, 23, 59, tzinfo=datetime.UTC)
    WorkHistory.objects.filter(pk=row.pk).update(work_time=last)
    assert len(_rows(alice_client, {"date_from": "9999-12-31"})) == 1
    assert len(_rows(alice_client, {"date_to": "9999-12-30"})) == 0


def test_it_refuses_a_date_past_the_calendar_with_a_field_error(world, alice_client):
    page = alice_client.get(reverse("activity:history"), {"date_to": "10000-01-01"})
    assert page.status_code == 200
    assert "date_to" in page.context["form"].errors
    download = alice_client.get(reverse("activity:csv"), {"date_from": "99999-01-01"})
    assert download.status_code == 400
    assert b"From" in download.content or b"date" in download.content.lower()


def test_it_still_filters_an_ordinary_period(world, alice_client):
    _seed(world)
    today = timezone.localdate().isoformat()
    assert len(_rows(alice_client, {"date_from": today, "date_to": today})) == 1
