"""The image detail page: header, tabs, Details rows, live status, and who may see what."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from console.phrases import TEXT
from images.models import Image, Tag
from servers.models import GpuServer
from sharing.models import Share
from tests.support.factories import make_image
from tests.support.htmx import HTMX

DETAIL_LABELS = [
    "Service",
    "Resource Type",
    "SRN",
    "Resource Name",
    "Resource ID",
    "Creator",
    "Created at",
    "Editor",
    "Edited at",
    "Image name",
    "Minimum Disk",
    "Minimum RAM",
    "OS type",
    "OS hash algorithm",
    "md5 checksum",
    "Size",
    "Virtual size",
    "Visibility",
    "Protected",
    "Image file URL",
]


def _url(image, tab=None) -> str:
    url = reverse("images:detail", args=[image.pk])
    return f"{url}?tab={tab}" if tab else url


def _labels(html: str) -> list[str]:
    return re.findall(r"<dt>([^<]+)</dt>", html)


def _share_with_beta(world, image) -> Share:
    image.visibility = Image.Visibility.SHARED
    image.save(update_fields=["visibility"])
    return Share.objects.create(
        image=image,
        target_account_id=world.beta.id,
        status=Share.Status.ACCEPTED,
        modified_at=timezone.now(),
    )


def test_it_shows_every_details_row_in_the_spec_order(world, alice_client):
    image = make_image(world.acme, creator=world.alice, name="ubuntu-cuda")
    response = alice_client.get(_url(image))
    html = response.content.decode()
    assert response.status_code == 200
    labels = [label for label in _labels(html) if label in DETAIL_LABELS]
    assert labels == DETAIL_LABELS
    assert image.srn in html
    assert f"srn:e::{world.acme.id}:kr-west1::gpuserver:image/{image.pk}" in html
    assert "Alice Anders" in html and "alice@example.com" in html
    assert image.os_hash_value in html and image.checksum_md5 in html
    assert 'id="sharing-status"' in html
    # IDs and hashes can be copied.
    for value in (image.srn, str(image.pk), image.os_hash_value, image.checksum_md5):
        assert f'data-copy="{value}"' in html


def test_it_hides_the_image_file_url_of_a_server_origin_image(world, alice_client):
    image = make_image(world.acme, origin=Image.Origin.SERVER, file_url="")
    html = alice_client.get(_url(image)).content.decode()
    assert "Image file URL" not in _labels(html)
    assert "Images made from a GPU server cannot be shared" in html


def test_it_opens_the_tab_named_in_the_url(world, alice_client):
    image = make_image(world.acme, tags=[("env", "prod")])
    for tab, marker in (
        ("details", 'id="details-panel"'),
        ("tags", 'id="tags-panel"'),
        ("history", 'id="history-panel"'),
    ):
        html = alice_client.get(_url(image, tab)).content.decode()
        assert marker in html
        assert re.search(rf'id="tab-{tab}"[^>]*aria-selected="true"', html)
        assert "<html" in html


def test_it_falls_back_to_details_for_an_unknown_tab(world, alice_client):
    image = make_image(world.acme)
    html = alice_client.get(_url(image, "nope")).content.decode()
    assert 'id="details-panel"' in html


def test_it_answers_htmx_tab_switches_with_the_tabs_fragment(world, alice_client):
    image = make_image(world.acme, tags=[("env", "prod")])
    response = alice_client.get(_url(image, "tags"), headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="image-tabs"')
    assert "<html" not in html
    assert 'id="tags-panel"' in html and "env" in html
    assert "HX-Request" in response["Vary"]


def test_it_keeps_a_real_href_on_every_htmx_link(world, alice_client):
    image = make_image(world.acme, tags=[("env", "prod")])
    for tab in ("details", "tags", "history"):
        html = alice_client.get(_url(image, tab)).content.decode()
        links = re.findall(r"<a [^>]*hx-get=[^>]*>", html)
        assert links, tab
        for tag in links:
            # The plain link goes where the htmx request goes: the page works without JS.
            href = re.search(r'href="([^"]+)"', tag)
            hx_get = re.search(r'hx-get="([^"]+)"', tag)
            assert href and hx_get, tag
            assert href[1] == hx_get[1], tag


def test_it_uses_no_inline_scripts_styles_or_hx_on(world, alice_client):
    image = make_image(world.acme, status=Image.Status.ERROR, failure=TEXT(text="broken").as_data())
    for tab in ("details", "tags", "history"):
        html = alice_client.get(_url(image, tab)).content.decode()
        assert "hx-on" not in html
        assert " style=" not in html
        assert "<script>" not in html and "onclick" not in html


def test_it_enables_share_only_for_shared_uploaded_images_of_members(world, alice_client):
    private = make_image(world.acme)
    html = alice_client.get(_url(private)).content.decode()
    assert "Set Visibility to Shared to share this image" in html
    assert 'id="share-button"' not in html

    shared = make_image(world.acme, visibility=Image.Visibility.SHARED)
    html = alice_client.get(_url(shared)).content.decode()
    assert 'id="share-button"' in html
    assert reverse("sharing:share", args=[shared.pk]) in html

    server = make_image(
        world.acme,
        origin=Image.Origin.SERVER,
        file_url="",
        visibility=Image.Visibility.SHARED,
    )
    html = alice_client.get(_url(server)).content.decode()
    assert "Images made from a GPU server cannot be shared" in html
    assert 'id="share-button"' not in html


def test_it_shows_viewers_a_read_only_page(world, carol_client):
    image = make_image(world.acme, visibility=Image.Visibility.SHARED, tags=[("env", "prod")])
    html = carol_client.get(_url(image)).content.decode()
    assert "Viewers have read-only access" in html
    assert 'id="share-button"' not in html
    assert 'id="delete-dialog"' not in html
    assert "edit-link" not in html
    html = carol_client.get(_url(image, "tags")).content.decode()
    assert 'id="tag-add-form"' not in html
    assert "Delete tag" not in html


def test_it_names_the_image_in_the_delete_dialog_and_warns_about_servers(world, alice_client):
    image = make_image(world.acme, name="cuda-base")
    for name in ("train-01", "train-02"):
        GpuServer.objects.create(account=world.acme, name=name, image=image, root_disk="d.qcow2")
    html = alice_client.get(_url(image)).content.decode()
    dialog = html[html.index('<dialog id="delete-dialog"') : html.index("</dialog>")]
    assert "Delete image cuda-base?" in dialog
    assert "cannot be recovered" in dialog
    assert "Used by 2 servers" in dialog
    assert "Used by 2 servers" in html[html.index('id="details-panel"') :]


def test_it_opens_the_delete_confirmation_without_javascript(world, alice_client):
    image = make_image(world.acme)
    html = alice_client.get(_url(image) + "?delete=1").content.decode()
    assert re.search(r'<dialog id="delete-dialog"[^>]* open>', html)


def test_it_shows_the_failure_reason_and_a_retry_button_for_an_error_image(world, alice_client):
    image = make_image(
        world.acme, status=Image.Status.ERROR, failure=TEXT(text="Not a qcow2 file").as_data()
    )
    html = alice_client.get(_url(image)).content.decode()
    assert "The import failed." in html and "Not a qcow2 file" in html
    assert f'action="{reverse("images:retry", args=[image.pk])}"' in html
    assert "Retry import" in html


def test_it_polls_the_status_while_the_import_runs(world, alice_client):
    image = make_image(world.acme, status=Image.Status.IMPORTING, size=None)
    html = alice_client.get(_url(image)).content.decode()
    status_url = reverse("images:detail_status", args=[image.pk])
    assert f'hx-get="{status_url}?round=1&amp;since=Importing%3A0"' in html
    assert 'hx-trigger="imageSettled from:body"' in html

    # Nothing moved: the next look comes later (back-off).
    response = alice_client.get(f"{status_url}?round=3&since=Importing:0", headers=HTMX)
    html = response.content.decode()
    assert 'hx-trigger="load delay:5s"' in html
    assert "round=4" in html
    assert "HX-Trigger" not in response

    # Progress moved: polling stays fast although the status is the same.
    Image.objects.filter(pk=image.pk).update(progress_done=4096, progress_total=8192)
    response = alice_client.get(f"{status_url}?round=4&since=Importing:0", headers=HTMX)
    html = response.content.decode()
    assert 'hx-trigger="load delay:1s"' in html
    assert "since=Importing%3A4096" in html
    assert "50%" in html


def test_it_stops_polling_and_reloads_the_tab_once_the_image_settles(world, alice_client):
    image = make_image(world.acme, status=Image.Status.IMPORTING)
    Image.objects.filter(pk=image.pk).update(
        status=Image.Status.ERROR, failure=TEXT(text="bad").as_data()
    )
    status_url = reverse("images:detail_status", args=[image.pk])
    response = alice_client.get(f"{status_url}?round=2&since=Importing:1024", headers=HTMX)
    html = response.content.decode()
    assert json.loads(response["HX-Trigger"]) == {"imageSettled": {}}
    assert "hx-get" not in html.split('id="image-alert"')[0]
    assert "status-error" in html
    assert 'id="image-alert" hx-swap-oob="true"' in html and "bad" in html


def test_it_shows_receivers_a_read_only_page_naming_the_owner(world, bob_client):
    image = make_image(world.acme, tags=[("env", "prod")])
    _share_with_beta(world, image)
    response = bob_client.get(_url(image))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Shared with you by <strong>Acme Research</strong>" in html
    assert 'id="remove-from-list"' in html  # the sharing app's receiver action
    assert 'id="delete-dialog"' not in html and "Delete Image" not in html
    assert "Share to another Account" not in html
    assert "edit-link" not in html
    # Another account's work history is not shown to receivers.
    assert 'id="tab-history"' not in html
    html = bob_client.get(_url(image, "history")).content.decode()
    assert 'id="details-panel"' in html and 'id="history-panel"' not in html
    html = bob_client.get(_url(image, "tags")).content.decode()
    assert "env" in html and 'id="tag-add-form"' not in html


@pytest.mark.parametrize("tab", ["details", "tags", "history"])
def test_it_does_not_grow_its_query_count_with_tags_or_history(world, alice_client, tab):
    from tests.support.factories import add_history

    image = make_image(world.acme, creator=world.alice)
    _share_with_beta(world, image)
    for _ in range(25):  # more than a page of history: the tab counts its rows
        add_history(image, "CreateImage", actor=world.alice)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert alice_client.get(_url(image, tab)).status_code == 200
        return len(queries)

    few = count()
    Tag.objects.bulk_create(Tag(image=image, key=f"k{i}", value="v") for i in range(45))
    for i in range(30):
        add_history(image, "SetImage", f"change {i}", actor=world.alice)
    Share.objects.create(
        image=image, target_account_id="c0ffee", status="Pending", modified_at=timezone.now()
    )
    assert count() == few


def test_it_stays_within_a_fixed_query_budget(world, alice_client, django_assert_max_num_queries):
    image = make_image(world.acme, tags=[(f"k{i}", "v") for i in range(50)])
    for tab in ("details", "tags", "history"):
        with django_assert_max_num_queries(14):
            alice_client.get(_url(image, tab))
