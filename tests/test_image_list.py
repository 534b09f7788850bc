"""The image list: columns, filters, sorting, paging, htmx fragments, polling rows."""

import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from images.models import Image
from sharing.models import Share
from tests.support.factories import make_image
from tests.support.htmx import HTMX

LIST = reverse("images:list")


def _names(response) -> list[str]:
    return re.findall(
        r'<a href="/gpu-server/images/[0-9a-f-]{36}/">([^<]+)</a>', response.content.decode()
    )


def test_it_lists_the_accounts_images_with_every_column(world, alice_client):
    image = make_image(world.acme, name="ubuntu-base", size=3 * 1024**3)
    make_image(world.beta, name="beta-only")
    response = alice_client.get(LIST)
    html = response.content.decode()
    assert _names(response) == ["ubuntu-base"]
    for header in (
        "Image name",
        "Image ID",
        "Status",
        "OS type",
        "Visibility",
        "Protected",
        "Origin",
        "Size",
        "Created",
    ):
        assert f">{header}</a>" in html or f">{header}<" in html or f"{header}\n" in html, header
    assert str(image.pk) in html
    assert "3 GiB" in html
    assert 'name="image_ids"' in html


def test_it_lists_images_shared_with_the_account_and_marks_them(world, bob_client):
    shared = make_image(world.acme, name="acme-shared", visibility="Shared")
    pending = make_image(world.acme, name="acme-pending", visibility="Shared")
    now = timezone.now()
    Share.objects.create(
        image=shared, target_account_id=world.beta.id, status="Accepted", modified_at=now
    )
    Share.objects.create(
        image=pending, target_account_id=world.beta.id, status="Pending", modified_at=now
    )
    make_image(world.beta, name="beta-own")
    response = bob_client.get(LIST)
    assert sorted(_names(response)) == ["acme-shared", "beta-own"]
    html = response.content.decode()
    assert "Shared with you" in html
    assert "by Acme Research" in html


def test_it_does_not_list_an_image_twice_when_it_has_many_shares(world, alice_client):
    image = make_image(world.acme, name="popular", visibility="Shared")
    for n in range(3):
        Share.objects.create(
            image=image,
            target_account_id=f"acct-{n}",
            status="Accepted",
            modified_at=timezone.now(),
        )
    assert _names(alice_client.get(LIST)) == ["popular"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"name": "UBU"}, ["ubuntu-gpu", "ubuntu-base"]),
        ({"status": "Error"}, ["rocky-broken"]),
        ({"os_type": "rocky"}, ["rocky-broken"]),
        ({"visibility": "Shared"}, ["ubuntu-gpu"]),
        ({"name": "ubuntu", "visibility": "Private"}, ["ubuntu-base"]),
        ({"status": "Bogus"}, ["rocky-broken", "ubuntu-gpu", "ubuntu-base"]),
    ],
)
def test_it_filters(world, alice_client, query, expected):
    make_image(world.acme, name="ubuntu-base")
    make_image(world.acme, name="ubuntu-gpu", visibility="Shared")
    make_image(world.acme, name="rocky-broken", os_type="rocky", status="Error")
    assert _names(alice_client.get(LIST, query)) == expected


def test_it_sorts_by_name_both_ways(world, alice_client):
    for name in ("bravo", "alpha", "charlie"):
        make_image(world.acme, name=name)
    assert _names(alice_client.get(LIST, {"sort": "name"})) == ["alpha", "bravo", "charlie"]
    assert _names(alice_client.get(LIST, {"sort": "-name"})) == ["charlie", "bravo", "alpha"]
    # An unknown sort key is ignored, not an error.
    assert alice_client.get(LIST, {"sort": "password"}).status_code == 200


def _link(response, label: str) -> str | None:
    """The query string of the pagination link labelled ``label``."""
    found = re.search(rf'<a href="(\?[^"]*)"[^>]*aria-label="{label}"', response.content.decode())
    return html.unescape(found.group(1)) if found else None


def _follow(client, response, label: str):
    return client.get(LIST + _link(response, label))


def test_it_pages_with_a_selectable_page_size(world, alice_client):
    for n in range(30):
        make_image(world.acme, name=f"img-{n:02d}")
    first = alice_client.get(LIST, {"sort": "name", "per_page": 10})
    assert _names(first) == [f"img-{n:02d}" for n in range(10)]
    assert "1-10 of 30" in first.content.decode()
    assert _link(first, "Previous page") is None
    second = _follow(alice_client, first, "Next page")
    third = _follow(alice_client, second, "Next page")
    assert _names(third) == [f"img-{n:02d}" for n in range(20, 30)]
    assert "21-30 of 30" in third.content.decode()
    assert _link(third, "Next page") is None
    assert _names(_follow(alice_client, third, "Previous page")) == _names(second)
    last = _follow(alice_client, first, "Last page")
    assert _names(last) == _names(third)
    assert _names(_follow(alice_client, last, "First page")) == _names(first)
    default = alice_client.get(LIST)
    assert len(_names(default)) == 25
    odd = alice_client.get(LIST, {"per_page": 7})
    assert len(_names(odd)) == 25  # only the offered sizes are honoured
    # A page number or a cursor that is not ours shows the first page, never an error.
    for bad in ({"page": 99}, {"page": "x"}, {"after": "garbage"}, {"before": "e30"}):
        response = alice_client.get(LIST, {"sort": "name", "per_page": 10, **bad})
        assert _names(response) == _names(first), bad


SORTS = ("name", "status", "os_type", "visibility", "protected", "origin", "size", "created_at")


@pytest.mark.parametrize("sort", [*SORTS, *(f"-{s}" for s in SORTS)])
def test_it_pages_through_every_sort_showing_each_row_once(world, bob_client, sort):
    # Few distinct values per column and creation times shared by many rows: only the id
    # tiebreaker keeps the order stable from one page to the next.
    same_time = timezone.now()
    for n in range(23):
        image = make_image(
            world.beta,
            name=f"img-{n % 4}",
            status=("Active", "Error", "Queued")[n % 3],
            os_type=("ubuntu", "rocky")[n % 2],
            visibility=("Private", "Shared")[n % 2],
            protected=n % 3 == 0,
            size=None if n % 5 == 0 else (n % 3) * 1024,
        )
        Image.objects.filter(pk=image.pk).update(created_at=same_time)
    for n in range(4):  # accepted shares are paged together with the own images
        shared = make_image(world.acme, name=f"img-{n % 2}", visibility="Shared", size=1024)
        Image.objects.filter(pk=shared.pk).update(created_at=same_time)
        Share.objects.create(
            image=shared, target_account_id=world.beta.id, status="Accepted", modified_at=same_time
        )
    expected = set(map(str, Image.objects.visible_to(world.beta).values_list("pk", flat=True)))
    assert len(expected) == 27

    response = bob_client.get(LIST, {"sort": sort, "per_page": 10})
    seen = []
    while True:
        seen += re.findall(r'<tr id="image-row-([0-9a-f-]{36})"', response.content.decode())
        if _link(response, "Next page") is None:
            break
        response = _follow(bob_client, response, "Next page")
    assert len(seen) == len(set(seen)) == 27
    assert set(seen) == expected

    # Walking back from the last page shows the same rows in the same order; the first
    # page is a full page again.
    response = bob_client.get(LIST, {"sort": sort, "per_page": 10, "page": "last"})
    back = set()
    while True:
        rows = re.findall(r'<tr id="image-row-([0-9a-f-]{36})"', response.content.decode())
        start = seen.index(rows[0])
        assert rows == seen[start : start + len(rows)]
        back.update(rows)
        if _link(response, "Previous page") is None:
            break
        response = _follow(bob_client, response, "Previous page")
    assert rows == seen[:10]
    assert back == expected


def test_it_counts_exactly_up_to_ten_thousand_then_says_so(world, alice_client, settings):
    from console import paging

    make_image(world.acme, name="one")
    make_image(world.acme, name="two")
    assert "2 images" in alice_client.get(LIST).content.decode()
    original = paging.COUNT_CAP
    paging.COUNT_CAP = 1
    try:
        html = alice_client.get(LIST).content.decode()
    finally:
        paging.COUNT_CAP = original
    assert "1+ images" in html


def test_it_answers_htmx_with_the_table_fragment_only(world, alice_client):
    make_image(world.acme, name="ubuntu-base")
    full = alice_client.get(LIST, {"name": "ubuntu"})
    fragment = alice_client.get(LIST, {"name": "ubuntu"}, headers=HTMX)
    assert b"<html" in full.content
    assert b"<html" not in fragment.content
    assert fragment.content.lstrip().startswith(b'<div id="image-table"')
    assert b"ubuntu-base" in fragment.content
    # The filter form's hidden sort/page-size inputs follow the table.
    assert b'id="table-state" hx-swap-oob="true"' in fragment.content
    assert "HX-Request" in full["Vary"] and "HX-Request" in fragment["Vary"]


def test_it_keeps_real_links_for_sorting_and_paging(world, alice_client):
    for n in range(12):
        make_image(world.acme, name=f"img-{n:02d}")
    html = alice_client.get(LIST, {"per_page": 10, "name": "img"}).content.decode()
    sort_link = re.search(r'<a href="(\?[^"]*sort=name[^"]*)" hx-get="\1"', html)
    assert sort_link and "name=img" in sort_link.group(1)
    assert re.search(r'<a href="(\?[^"]*page=2[^"]*)" hx-get="\1"', html)


def test_it_polls_only_rows_that_are_not_settled(world, alice_client):
    queued = make_image(world.acme, name="queued", status="Queued")
    importing = make_image(
        world.acme, name="importing", status="Importing", progress_done=50, progress_total=200
    )
    active = make_image(world.acme, name="active")
    html = alice_client.get(LIST).content.decode()
    for image in (queued, importing):
        row = re.search(rf'<tr id="image-row-{image.pk}"[^>]*>', html).group(0)
        assert f'hx-get="/gpu-server/images/{image.pk}/row/?round=1' in row
        assert 'hx-trigger="load delay:1s"' in row
    active_row = re.search(rf'<tr id="image-row-{active.pk}"[^>]*>', html).group(0)
    assert "hx-get" not in active_row
    assert 'value="25"' in html  # progress of the importing row: 50 of 200 bytes


def test_it_backs_off_while_a_row_does_not_change_and_stops_once_settled(world, alice_client):
    image = make_image(world.acme, name="queued", status="Queued")
    row_url = reverse("images:row", args=[image.pk])
    same = alice_client.get(row_url, {"round": 4, "since": "Queued:0"}).content.decode()
    assert 'hx-trigger="load delay:8s"' in same
    assert "round=5" in same
    later = alice_client.get(row_url, {"round": 9, "since": "Queued:0"}).content.decode()
    assert 'hx-trigger="load delay:10s"' in later
    Image.objects.filter(pk=image.pk).update(status="Importing")
    moved = alice_client.get(row_url, {"round": 4, "since": "Queued:0"}).content.decode()
    assert 'hx-trigger="load delay:1s"' in moved
    # Still Importing, but the progress moved: the next look comes soon too.
    same_status = alice_client.get(row_url, {"round": 4, "since": "Importing:0"}).content
    assert b'hx-trigger="load delay:8s"' in same_status
    Image.objects.filter(pk=image.pk).update(progress_done=512, progress_total=1024)
    progressing = alice_client.get(row_url, {"round": 4, "since": "Importing:0"}).content
    assert b'hx-trigger="load delay:1s"' in progressing
    assert b"since=Importing:512" in progressing
    Image.objects.filter(pk=image.pk).update(status="Active")
    settled = alice_client.get(row_url, {"round": 1, "since": "Importing:512"}).content.decode()
    assert settled.startswith(f'<tr id="image-row-{image.pk}"')
    assert "hx-get" not in settled
    assert "Active" in settled
    assert "Shared with you" not in settled


def test_it_answers_404_for_rows_of_other_accounts(world, bob_client, alice_client):
    image = make_image(world.acme, name="acme", status="Queued")
    assert bob_client.get(reverse("images:row", args=[image.pk])).status_code == 404
    assert alice_client.get(reverse("images:row", args=[image.pk])).status_code == 200


def test_it_shows_an_empty_state(world, alice_client):
    assert b"No images yet" in alice_client.get(LIST).content
    assert b"No images match" in alice_client.get(LIST, {"name": "zzz"}).content


@pytest.mark.parametrize("count", [5, 500])
def test_it_needs_the_same_queries_for_5_and_500_images(
    world, alice_client, count, django_assert_max_num_queries
):
    Image.objects.bulk_create(
        Image(
            account=world.acme if n % 2 else world.beta,
            name=f"img-{n}",
            os_type="ubuntu",
            status=("Queued", "Importing", "Active", "Error")[n % 4],
        )
        for n in range(count)
    )
    for image in Image.objects.filter(account=world.beta)[:3]:
        Share.objects.create(
            image=image,
            target_account_id=world.acme.id,
            status="Accepted",
            modified_at=timezone.now(),
        )
    # Own images and accepted shares are counted and paged as two parts, then merged.
    with django_assert_max_num_queries(10):
        response = alice_client.get(LIST, {"per_page": 100})
    assert response.status_code == 200
    with django_assert_max_num_queries(10):
        alice_client.get(LIST, {"per_page": 100, "status": "Queued"}, headers=HTMX)


def test_it_gives_receivers_nothing_once_the_image_cannot_be_shared(world, bob_client):
    image = make_image(world.acme, name="acme-shared", visibility="Shared")
    Share.objects.create(
        image=image, target_account_id=world.beta.id, status="Accepted", modified_at=timezone.now()
    )
    detail = reverse("images:detail", args=[image.pk])
    assert bob_client.get(detail).status_code == 200
    # Even a change made outside the console's services ends the access at once.
    Image.objects.filter(pk=image.pk).update(visibility="Private")
    assert _names(bob_client.get(LIST)) == []
    assert bob_client.get(detail).status_code == 404
