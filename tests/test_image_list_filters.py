"""Filters of the image list for tag (key or key=value), origin and protected: in the URL,
without JavaScript, and with the counters of the page kept true by htmx."""

from django.urls import reverse

from images.models import Image
from tests.support.factories import make_image
from tests.support.htmx import HTMX

LIST = reverse("images:list")


def _names(response) -> set[str]:
    return {row.record.name for row in response.context["table"].paginated_rows}


def _world(world):
    make_image(world.acme, name="prod-gpu", tags=[("env", "prod"), ("gpu", "")])
    make_image(world.acme, name="dev-box", tags=[("env", "dev")], protected=True)
    make_image(world.acme, name="from-server", origin=Image.Origin.SERVER, file_url="")
    make_image(world.beta, name="bobs", tags=[("env", "prod")])


def test_it_filters_by_tag_key_or_key_and_value(world, alice_client):
    _world(world)
    assert _names(alice_client.get(LIST, {"tag": "env"})) == {"prod-gpu", "dev-box"}
    assert _names(alice_client.get(LIST, {"tag": "env=prod"})) == {"prod-gpu"}
    assert _names(alice_client.get(LIST, {"tag": " env = dev "})) == {"dev-box"}
    assert _names(alice_client.get(LIST, {"tag": "gpu="})) == {"prod-gpu"}
    assert _names(alice_client.get(LIST, {"tag": "nope"})) == set()


def test_it_filters_by_origin_and_protected(world, alice_client):
    _world(world)
    assert _names(alice_client.get(LIST, {"origin": "server"})) == {"from-server"}
    assert _names(alice_client.get(LIST, {"origin": "upload"})) == {"prod-gpu", "dev-box"}
    assert _names(alice_client.get(LIST, {"protected": "yes"})) == {"dev-box"}
    assert _names(alice_client.get(LIST, {"protected": "no"})) == {"prod-gpu", "from-server"}
    both = alice_client.get(LIST, {"protected": "no", "origin": "upload", "tag": "env"})
    assert _names(both) == {"prod-gpu"}


def test_it_ignores_unknown_filter_values_without_an_error(world, alice_client):
    _world(world)
    response = alice_client.get(LIST, {"origin": "moon", "protected": "maybe"})
    assert response.status_code == 200
    assert _names(response) == {"prod-gpu", "dev-box", "from-server"}


def test_it_shows_the_filters_and_keeps_them_in_the_page_links(world, alice_client):
    _world(world)
    html = alice_client.get(LIST, {"tag": "env=prod", "origin": "upload"}).content.decode()
    assert 'name="tag" value="env=prod"' in html
    assert '<option value="upload" selected>' in html
    assert '<label for="id_protected">Protected</label>' in html
    assert "tag=env%3Dprod" in html  # sort and page links keep the filters
    assert "1 image matches the filters" in html
    assert "Clear filters" in html


def test_it_updates_the_count_and_clear_filters_out_of_band(world, alice_client):
    _world(world)
    html = alice_client.get(LIST, {"tag": "nope"}, headers=HTMX).content.decode()
    assert (
        '<div class="muted small" id="image-count" role="status" hx-swap-oob="true">0 images match'
        in html
    )
    assert '<div id="clear-filters" hx-swap-oob="true"><a class="btn btn-ghost"' in html
    assert "No images match" in html
    cleared = alice_client.get(LIST, headers=HTMX).content.decode()
    assert 'id="image-count" role="status" hx-swap-oob="true">3 images</div>' in cleared
    assert '<div id="clear-filters" hx-swap-oob="true"></div>' in cleared


def test_it_hides_the_checkboxes_from_viewers_and_offers_create_on_an_empty_list(
    world, alice_client, carol_client
):
    empty = alice_client.get(LIST).content.decode()
    assert "No images yet" in empty
    assert f'<a class="btn btn-primary" href="{reverse("images:create")}">Create Image</a>' in empty
    make_image(world.acme, name="seen")
    viewer = carol_client.get(LIST).content.decode()
    assert 'name="image_ids"' not in viewer
    assert "data-check-all" not in viewer
    assert 'name="image_ids"' in alice_client.get(LIST).content.decode()
