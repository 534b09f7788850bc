"""The Work History tab of an image: content, order, time zone, worker, filters, pages."""

import datetime
import re

from django.urls import reverse

from console.models import WorkHistory
from tests.support.factories import add_history, make_image
from tests.support.htmx import HTMX


def _url(image, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"tab": "history", **params}.items())
    return reverse("images:detail", args=[image.pk]) + "?" + query


def _details_in_order(html: str) -> list[str]:
    return re.findall(r'<td class="details-cell">([^<]*)</td>', html)


def test_it_lists_the_image_work_newest_first_with_every_column(world, alice_client):
    image = make_image(world.acme, name="cuda-base")
    add_history(image, "CreateImage", "first", actor=world.alice)
    add_history(image, "ImportImage", "second")
    add_history(image, "DeleteImage", "third", actor=world.alice, result="Failure")
    other = make_image(world.acme)
    add_history(other, "CreateImage", "of another image", actor=world.alice)

    html = alice_client.get(_url(image)).content.decode()
    assert _details_in_order(html) == ["third", "second", "first"]
    assert "of another image" not in html
    for header in (
        "Work date/time",
        "Resource ID",
        "Resource name",
        "Work details",
        "Event topic",
        "Work result",
        "Worker",
    ):
        assert re.search(rf"<th[^>]*>\s*{re.escape(header)}", html), header
    assert str(image.pk) in html and "cuda-base" in html
    assert "Failure" in html and "Success" in html
    assert "Alice Anders" in html and "alice@example.com" in html
    assert f"ID {world.alice.pk}" in html
    assert '<span class="muted">system</span>' in html


def test_it_shows_times_in_the_configured_zone_and_names_it(world, alice_client, settings):
    settings.TIME_ZONE = "Asia/Seoul"
    image = make_image(world.acme)
    row = add_history(image, "CreateImage", actor=world.alice)
    when = datetime.datetime(2026, 3, 1, 15, 30, 5, tzinfo=datetime.UTC)
    WorkHistory.objects.filter(pk=row.pk).update(work_time=when)
    html = alice_client.get(_url(image)).content.decode()
    assert "(Asia/Seoul)" in html
    assert "2026-03-02" in html and "00:30:05" in html


def test_it_filters_by_event_topic_and_result(world, alice_client):
    image = make_image(world.acme)
    add_history(image, "SetImage", "disk", actor=world.alice)
    add_history(image, "SetImage", "refused", actor=world.alice, result="Failure")
    add_history(image, "CreateTag", "tag", actor=world.alice)

    html = alice_client.get(_url(image, topic="SetImage")).content.decode()
    assert sorted(_details_in_order(html)) == ["disk", "refused"]
    html = alice_client.get(_url(image, result="Failure")).content.decode()
    assert _details_in_order(html) == ["refused"]
    html = alice_client.get(_url(image, topic="CreateTag", result="Failure")).content.decode()
    assert _details_in_order(html) == []
    assert "Nothing matches these filters" in html
    # The topic choices are the console's one list of topics.
    assert '<option value="CreateTag" selected>' in html
    for topic in WorkHistory.Topic.values:
        assert f'<option value="{topic}"' in html


def _link(html: str, label: str) -> str:
    found = re.search(rf'<a href="(\?[^"]*)"[^>]*aria-label="{label}"', html)
    assert found, f"no {label} link"
    return found.group(1).replace("&amp;", "&")


def test_it_paginates_twenty_rows_a_page(world, alice_client):
    image = make_image(world.acme)
    for i in range(45):
        add_history(image, "SetImage", f"change {i:02d}", actor=world.alice)
    detail = reverse("images:detail", args=[image.pk])
    html = alice_client.get(_url(image)).content.decode()
    assert len(_details_in_order(html)) == 20
    assert "1-20 of 45" in html
    assert _details_in_order(html)[0] == "change 44"
    second = alice_client.get(detail + _link(html, "Next page")).content.decode()
    third = alice_client.get(detail + _link(second, "Next page")).content.decode()
    assert _details_in_order(third) == [f"change {i:02d}" for i in range(4, -1, -1)]
    assert "41-45 of 45" in third
    assert 'aria-label="Next page"' not in third
    # The last page is a full page of the oldest rows, whatever its depth.
    last = alice_client.get(detail + _link(html, "Last page")).content.decode()
    assert _details_in_order(last) == [f"change {i:02d}" for i in range(19, -1, -1)]
    assert "26-45 of 45" in last
    # Page links keep the tab and the filters and work without JavaScript.
    html = alice_client.get(_url(image, result="Success")).content.decode()
    assert re.search(r'href="\?tab=history&amp;result=Success&amp;after=[\w-]+"', html)


def test_it_answers_htmx_filtering_with_the_tabs_fragment(world, alice_client):
    image = make_image(world.acme)
    add_history(image, "SetImage", "disk", actor=world.alice)
    response = alice_client.get(_url(image, topic="SetImage"), headers=HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="image-tabs"')
    assert _details_in_order(html) == ["disk"]


def test_it_shows_the_rows_written_by_edits_and_tag_changes(world, alice_client):
    image = make_image(world.acme)
    alice_client.post(
        reverse("images:edit_field", args=[image.pk, "min-disk"]), {"min_disk_gb": 30}
    )
    tag_url = reverse("images:tag_add", args=[image.pk])
    alice_client.post(tag_url, {"key": "env", "value": "prod"})
    html = alice_client.get(_url(image)).content.decode()
    assert _details_in_order(html) == [
        "Added tag env=prod",
        "Minimum Disk changed from 10 GB to 30 GB",
    ]


def test_it_is_readable_by_viewers(world, carol_client):
    image = make_image(world.acme)
    add_history(image, "CreateImage", "made", actor=world.alice)
    html = carol_client.get(_url(image)).content.decode()
    assert _details_in_order(html) == ["made"]
