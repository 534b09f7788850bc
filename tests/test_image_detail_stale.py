"""In-place changes on the image detail page update what they made stale elsewhere on
the page (out of band): the Tags badge, the header's facts and the delete dialog."""

from django.urls import reverse

from tests.support.factories import make_image
from tests.support.htmx import HTMX


def test_it_updates_the_tags_badge_with_each_tag_change(world, alice_client):
    image = make_image(world.acme, creator=world.alice, tags=[("a", "1")])
    added = alice_client.post(
        reverse("images:tag_add", args=[image.pk]), {"key": "b", "value": "2"}, headers=HTMX
    ).content.decode()
    assert '<span class="count-pill" id="tag-count" hx-swap-oob="true">2</span>' in added
    tag = image.tags.get(key="a")
    deleted = alice_client.post(
        reverse("images:tag_delete", args=[image.pk, tag.pk]), headers=HTMX
    ).content.decode()
    assert '<span class="count-pill" id="tag-count" hx-swap-oob="true">1</span>' in deleted
    # A whole tab switch carries its own badge: no second, out-of-band one.
    tab = alice_client.get(
        reverse("images:detail", args=[image.pk]) + "?tab=tags", headers=HTMX
    ).content.decode()
    assert tab.count('id="tag-count"') == 1


def test_it_updates_the_header_facts_with_visibility_and_protected(world, alice_client):
    image = make_image(world.acme, creator=world.alice, visibility="Shared")
    url = reverse("images:edit_field", args=[image.pk, "protected"])
    html = alice_client.post(url, {"protected": "on"}, headers=HTMX).content.decode()
    assert (
        'id="detail-facts" hx-swap-oob="true">Ubuntu · Upload origin · Shared · Protected<' in html
    )
    url = reverse("images:edit_field", args=[image.pk, "visibility"])
    html = alice_client.post(url, {"visibility": "Private"}, headers=HTMX).content.decode()
    assert (
        'id="detail-facts" hx-swap-oob="true">Ubuntu · Upload origin · Private · Protected<' in html
    )
    # The delete dialog of a Protected image offers no Delete that is sure to be refused.
    assert 'class="btn btn-danger" disabled aria-describedby="delete-protected"' in html


def test_it_asks_before_deleting_a_tag_without_javascript(world, alice_client):
    image = make_image(world.acme, creator=world.alice, tags=[("env", "prod")])
    tag = image.tags.get()
    url = reverse("images:tag_delete", args=[image.pk, tag.pk])
    page = alice_client.get(url)
    assert page.status_code == 200
    assert "Delete tag env?" in page.content.decode()
    assert image.tags.exists()
    assert alice_client.post(url).status_code == 302
    assert not image.tags.exists()


def test_it_says_the_hash_was_not_computed_when_the_import_failed(world, alice_client):
    image = make_image(world.acme, status="Error", os_hash_value="", checksum_md5="")
    html = alice_client.get(reverse("images:detail", args=[image.pk])).content.decode()
    assert "Not computed: the import failed" in html
    assert "Computed when the import completes" not in html


def test_it_names_the_servers_of_the_own_account_that_use_the_image(world, alice_client):
    from tests.support.factories import make_server

    image = make_image(world.acme, creator=world.alice)
    own = make_server(world.acme, "train-01", image=image)
    make_server(world.beta, "bobs-secret-box", image=image)
    html = alice_client.get(reverse("images:detail", args=[image.pk])).content.decode()
    assert "Used by 2 servers: " in html
    assert f'<a href="{reverse("servers:detail", args=[own.pk])}">train-01</a>' in html
    assert "bobs-secret-box" not in html
