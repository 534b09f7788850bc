"""Activity history: every work-history row of the current account, filtered, paged,
and downloaded as CSV or JSON."""

import csv
import datetime
import io
import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from console.activity import csv_cell
from console.models import Membership, WorkHistory
from console.phrases import TEXT
from servers.services import server_image_create
from tests.support.factories import add_history, make_image, make_server
from tests.support.htmx import HTMX

URL = "/gpu-server/activity-history/"


def _details(html: str) -> list[str]:
    return re.findall(r'<td class="details-cell">([^<]*)</td>', html)


def _at(row: WorkHistory, when: datetime.datetime) -> None:
    WorkHistory.objects.filter(pk=row.pk).update(work_time=when)


def _download(client, fmt: str, **params) -> bytes:
    response = client.get(reverse(f"activity:{fmt}"), params)
    assert response.status_code == 200
    assert response.streaming
    assert "attachment;" in response["Content-Disposition"]
    assert response["Content-Disposition"].endswith(f'.{fmt}"')
    return b"".join(response.streaming_content)


def test_it_is_in_the_menu_at_its_url(world, alice_client):
    assert reverse("activity:history") == URL
    html = alice_client.get(reverse("images:list")).content.decode()
    assert f'<a href="{URL}"' in html and "Activity history" in html


def test_it_lists_only_the_current_account_newest_first(world, alice_client, bob_client):
    acme = make_image(world.acme, name="acme-img")
    beta = make_image(world.beta, name="beta-img")
    add_history(acme, "CreateImage", "acme one", actor=world.alice)
    add_history(acme, "SetImage", "acme two", actor=world.alice)
    add_history(beta, "CreateImage", "beta one", actor=world.bob)
    html = alice_client.get(URL).content.decode()
    assert _details(html) == ["acme two", "acme one"]
    assert f'href="{reverse("images:detail", args=[acme.pk])}"' in html
    assert "(UTC)" in html
    html = bob_client.get(URL).content.decode()
    assert _details(html) == ["beta one"]


def test_it_keeps_the_rows_of_deleted_images(world, alice_client):
    image = make_image(world.acme, name="gone-soon")
    response = alice_client.post(reverse("images:delete", args=[image.pk]))
    assert response.status_code == 302
    html = alice_client.get(URL).content.decode()
    assert _details(html) == ["Deleted image gone-soon"]
    assert "gone-soon" in html and "DeleteImage" in html
    # No link to an image that no longer exists.
    assert reverse("images:detail", args=[image.pk]) not in html


def test_it_filters_by_period_resource_topic_and_result(world, alice_client):
    first = make_image(world.acme, name="alpha-image")
    second = make_image(world.acme, name="beta-image")
    day = datetime.datetime(2026, 5, 10, 12, 0, tzinfo=datetime.UTC)
    _at(add_history(first, "CreateImage", "a-old", actor=world.alice), day)
    _at(add_history(first, "SetImage", "a-mid", actor=world.alice), day + datetime.timedelta(1))
    _at(
        add_history(second, "SetImage", "b-new", actor=world.alice, result="Failure"),
        day + datetime.timedelta(2),
    )

    def shown(**params) -> list[str]:
        return _details(alice_client.get(URL, params).content.decode())

    assert shown(date_from="2026-05-11") == ["b-new", "a-mid"]
    assert shown(date_to="2026-05-11") == ["a-mid", "a-old"]  # "to" includes its whole day
    assert shown(date_from="2026-05-11", date_to="2026-05-11") == ["a-mid"]
    assert shown(resource=str(second.pk)) == ["b-new"]
    assert shown(resource="ALPHA") == ["a-mid", "a-old"]
    assert shown(topic="SetImage") == ["b-new", "a-mid"]
    assert shown(topic="setimage", result="Success") == ["a-mid"]
    assert shown(result="Failure") == ["b-new"]


def test_it_explains_an_inverted_period(world, alice_client):
    html = alice_client.get(URL, {"date_from": "2026-05-12", "date_to": "2026-05-10"})
    assert "The end of the period must not be before its start." in html.content.decode()
    response = alice_client.get(
        reverse("activity:csv"), {"date_from": "2026-05-12", "date_to": "2026-05-10"}
    )
    assert response.status_code == 400


def test_it_answers_htmx_with_the_results_and_fresh_download_links(world, alice_client):
    image = make_image(world.acme)
    add_history(image, "SetImage", "x", actor=world.alice)
    response = alice_client.get(URL, {"topic": "SetImage"}, headers=HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="activity-results"')
    assert "<html" not in html
    assert 'id="activity-downloads" class="page-actions" hx-swap-oob="true"' in html
    assert f'href="{reverse("activity:csv")}?topic=SetImage"' in html
    assert "HX-Request" in response["Vary"]


def test_it_paginates(world, alice_client):
    image = make_image(world.acme)
    for i in range(60):
        add_history(image, "SetImage", f"c{i:02d}", actor=world.alice)
    html = alice_client.get(URL).content.decode()
    assert len(_details(html)) == 25 and "1-25 of 60" in html
    for _ in range(2):
        after = re.search(r'href="\?after=([\w-]+)"[^>]*aria-label="Next page"', html).group(1)
        html = alice_client.get(URL, {"after": after}).content.decode()
    assert _details(html) == [f"c{i:02d}" for i in range(9, -1, -1)]
    assert "51-60 of 60" in html and 'aria-label="Next page"' not in html
    html = alice_client.get(URL, {"page": "last"}).content.decode()
    assert _details(html) == [f"c{i:02d}" for i in range(24, -1, -1)]
    html = alice_client.get(URL, {"per_page": 50}).content.decode()
    assert len(_details(html)) == 50


def test_it_pages_rows_written_at_the_same_time_once_each(world, alice_client):
    image = make_image(world.acme)
    for i in range(30):
        add_history(image, "SetImage", f"c{i:02d}", actor=world.alice)
    WorkHistory.objects.update(work_time=timezone.now())
    seen = []
    query = {"per_page": 25}
    while True:
        html = alice_client.get(URL, query).content.decode()
        seen += _details(html)
        found = re.search(r'href="\?[^"]*after=([\w-]+)[^"]*"[^>]*aria-label="Next page"', html)
        if not found:
            break
        query = {"per_page": 25, "after": found.group(1)}
    assert sorted(seen) == [f"c{i:02d}" for i in range(30)]


def test_it_counts_exactly_up_to_ten_thousand_then_says_so(world, alice_client):
    from console import paging

    image = make_image(world.acme)
    for i in range(30):
        add_history(image, "SetImage", f"c{i}", actor=world.alice)
    assert "1-25 of 30" in alice_client.get(URL).content.decode()
    original, paging.COUNT_CAP = paging.COUNT_CAP, 26
    try:
        html = alice_client.get(URL).content.decode()
    finally:
        paging.COUNT_CAP = original
    assert "1-25 of 26+" in html


def test_it_downloads_the_filtered_rows_as_csv(world, alice_client):
    image = make_image(world.acme, name="csv-image")
    add_history(image, "CreateImage", "made", actor=world.alice)
    add_history(image, "SetImage", "changed", actor=world.alice)
    add_history(make_image(world.beta), "CreateImage", "beta", actor=world.bob)
    body = _download(alice_client, "csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == [
        "work_time",
        "work_time_local",
        "resource_type",
        "resource_id",
        "resource_name",
        "event_topic",
        "result",
        "message_code",
        "message_params",
        "work_details",
        "worker_id",
        "worker_name",
        "worker_email",
        "api_key",
        "region",
    ]
    assert [r[9] for r in rows[1:]] == ["changed", "made"]
    assert rows[1][3] == str(image.pk) and rows[1][4] == "csv-image"
    assert rows[1][5:8] == ["SetImage", "Success", "text"]
    assert json.loads(rows[1][8]) == {"text": "changed"}
    assert rows[1][11:13] == ["Alice Anders", "alice@example.com"]
    assert datetime.datetime.fromisoformat(rows[1][0]).utcoffset() == datetime.timedelta(0)
    assert datetime.datetime.fromisoformat(rows[1][1]).tzinfo is not None
    body = _download(alice_client, "csv", topic="CreateImage").decode("utf-8-sig")
    assert [r[9] for r in csv.reader(io.StringIO(body))][1:] == ["made"]


def test_it_neutralises_formulas_in_csv_cells(world, alice_client):
    image = make_image(world.acme, name="-danger")
    add_history(image, "SetImage", '=HYPERLINK("http://evil.example","x")', actor=world.alice)
    add_history(image, "SetImage", "@SUM(A1)", actor=world.alice)
    add_history(image, "SetImage", "+1+1", actor=world.alice)
    body = _download(alice_client, "csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))[1:]
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert {row[9] for row in rows} == {
        '\'=HYPERLINK("http://evil.example","x")',
        "'@SUM(A1)",
        "'+1+1",
    }
    assert rows[0][4] == "'-danger"
    assert csv_cell("\uff1dcmd") == "'\uff1dcmd"
    assert csv_cell("plain") == "plain"
    assert csv_cell(None) == ""


def test_it_downloads_json(world, alice_client):
    image = make_image(world.acme, name="json-image")
    add_history(image, "CreateImage", "made ü", actor=world.alice)
    add_history(image, "ImportImage", "imported")
    data = json.loads(_download(alice_client, "json"))
    assert [row["work_details"] for row in data] == ["imported", "made ü"]
    assert data[0]["worker_id"] == "system"
    assert data[1]["worker_email"] == "alice@example.com"
    assert data[1]["resource_id"] == str(image.pk)
    assert json.loads(_download(alice_client, "json", topic="nothing")) == []


def test_it_streams_large_downloads_in_chunks(world, alice_client):
    image = make_image(world.acme)
    rows = [
        WorkHistory(
            work_time=image.created_at,
            account=world.acme,
            resource_type="Image",
            resource_id=str(image.pk),
            resource_name=image.name,
            event_topic="SetImage",
            details=TEXT(text=f"row {i}").as_data(),
            result="Success",
            worker_id="system",
            worker_name="system",
            region="kr-west1",
        )
        for i in range(1200)
    ]
    WorkHistory.objects.bulk_create(rows)
    response = alice_client.get(reverse("activity:csv"))
    chunks = list(response.streaming_content)
    assert len(chunks) > 2  # header, then batches: never one big string
    assert b"".join(chunks).count(b"\n") == 1201
    data = json.loads(b"".join(alice_client.get(reverse("activity:json")).streaming_content))
    assert len(data) == 1200


def test_it_lets_viewers_read_and_download(world, carol_client):
    image = make_image(world.acme)
    add_history(image, "CreateImage", "made", actor=world.alice)
    assert _details(carol_client.get(URL).content.decode()) == ["made"]
    assert b"made" in _download(carol_client, "csv")


def test_it_follows_the_account_chosen_in_the_header(world, alice_client):
    Membership.objects.create(user=world.alice, account=world.beta, role="viewer")
    add_history(make_image(world.beta), "CreateImage", "beta row", actor=world.bob)
    add_history(make_image(world.acme), "CreateImage", "acme row", actor=world.alice)
    alice_client.post(reverse("switch_account"), {"account_id": world.beta.id, "next": URL})
    assert _details(alice_client.get(URL).content.decode()) == ["beta row"]
    assert b"acme row" not in _download(alice_client, "csv")


def test_it_redirects_anonymous_users_to_sign_in(client):
    for url in (URL, reverse("activity:csv"), reverse("activity:json")):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_it_does_not_grow_its_query_count_with_rows(
    world, alice_client, django_assert_max_num_queries
):
    image = make_image(world.acme)
    for _ in range(30):  # more than a page: the page counts the rows
        add_history(image, "CreateImage", actor=world.alice)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            alice_client.get(URL)
        return len(queries)

    few = count()
    for i in range(40):
        add_history(make_image(world.acme), "SetImage", f"{i}", actor=world.alice)
    assert count() == few
    with django_assert_max_num_queries(8):
        alice_client.get(URL)


def test_it_links_rows_of_gpu_servers_to_their_page(world, alice_client):
    server = make_server(world.acme, "train-01", status="Stopped")
    with pytest.raises(ValidationError):
        server_image_create(server=server, account=world.acme, name="snap", actor=world.alice)
    html = alice_client.get(URL).content.decode()
    assert f'<a href="{reverse("servers:detail", args=[server.pk])}">train-01</a>' in html
    assert "Create Image snap refused: Start the server to create an image from it." in html


def test_it_shows_the_first_page_for_a_cursor_that_is_not_its_own(world, alice_client):
    import base64

    image = make_image(world.acme)
    for i in range(30):
        add_history(image, "SetImage", f"c{i:02d}", actor=world.alice)
    first = _details(alice_client.get(URL).content.decode())

    def cursor(values) -> str:
        return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")

    for bad in (
        cursor([1, "not a date", 5]),
        cursor([1, None, None]),
        cursor([1, "2026-01-01T00:00:00+00:00"]),
        cursor("text"),
        "%%%",
    ):
        for name in ("after", "before"):
            response = alice_client.get(URL, {name: bad})
            assert response.status_code == 200, (name, bad)
            assert _details(response.content.decode()) == first
