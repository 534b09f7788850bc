"""GPU Server menu: the list of the account's servers and a server's detail page."""

import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from servers.models import GpuServer
from tests.support.factories import make_image, make_server

GIB = 1 << 30


def _names(response) -> list[str]:
    return re.findall(r'<a href="/gpu-server/servers/[0-9a-f-]+/">([^<]+)</a>', response.text)


def test_it_lists_only_the_servers_of_the_current_account(world, alice_client):
    make_server(world.acme, "acme-train")
    make_server(world.acme, "acme-dev", status=GpuServer.Status.STOPPED)
    make_server(world.beta, "beta-train")

    response = alice_client.get(reverse("servers:list"))

    assert response.status_code == 200
    assert _names(response) == ["acme-dev", "acme-train"]
    assert "beta-train" not in response.text
    assert "2 servers" in response.text


def test_it_shows_status_badge_gpu_image_link_and_created(world, alice_client):
    image = make_image(world.acme, name="ubuntu-cuda")
    server = make_server(world.acme, "train", image=image, gpu_type="H100", gpu_count=8)
    make_server(world.acme, "dev", status=GpuServer.Status.STOPPED, gpu_type="A100", gpu_count=1)

    response = alice_client.get(reverse("servers:list"))

    html = response.text
    for header in ("Server name", "Status", "GPU", "Image", "Created"):
        assert f">{header}</a>" in html
    assert '<span class="badge status-running">Running</span>' in html
    assert '<span class="badge status-stopped">Stopped</span>' in html
    assert "H100 \u00d7 8" in html and "A100 \u00d7 1" in html
    assert f'<a href="{reverse("images:detail", args=[image.pk])}">ubuntu-cuda</a>' in html
    assert server.created_at.strftime("%Y-%m-%d") in html


def test_it_does_not_link_an_image_of_another_account(world, alice_client):
    foreign = make_image(world.beta, name="beta-image")
    make_server(world.acme, "train", image=foreign)

    html = alice_client.get(reverse("servers:list")).text

    assert "beta-image" in html
    assert reverse("images:detail", args=[foreign.pk]) not in html


def test_it_sorts_by_any_column(world, alice_client):
    make_server(world.acme, "bravo", gpu_type="H100")
    make_server(world.acme, "alpha", gpu_type="L40S")
    make_server(world.acme, "charlie", gpu_type="A100")

    by_name_desc = alice_client.get(reverse("servers:list"), {"sort": "-name"})
    by_gpu = alice_client.get(reverse("servers:list"), {"sort": "gpu"})

    assert _names(by_name_desc) == ["charlie", "bravo", "alpha"]
    assert _names(by_gpu) == ["charlie", "bravo", "alpha"]


def test_it_paginates_and_keeps_the_page_size(world, alice_client):
    for n in range(23):
        make_server(world.acme, f"node-{n:02d}")

    first = alice_client.get(reverse("servers:list"), {"per_page": 10})
    after = re.search(r'href="\?[^"]*after=([\w-]+)[^"]*"[^>]*aria-label="Next page"', first.text)
    page_two = alice_client.get(reverse("servers:list"), {"per_page": 10, "after": after[1]})

    assert _names(page_two) == [f"node-{n:02d}" for n in range(10, 20)]
    assert "11-20 of 23" in page_two.text
    assert 'aria-label="Next page"' in page_two.text
    # A sort on a column that can be empty (the image) pages by number.
    by_image = alice_client.get(
        reverse("servers:list"), {"per_page": 10, "sort": "image", "page": 3}
    )
    assert len(_names(by_image)) == 3 and "21-23 of 23" in by_image.text


def test_it_forgives_a_page_size_it_does_not_offer(world, alice_client):
    make_server(world.acme, "only")

    response = alice_client.get(reverse("servers:list"), {"per_page": "abc"})

    assert response.status_code == 200
    assert _names(response) == ["only"]


def test_it_filters_by_name_and_status(world, alice_client):
    make_server(world.acme, "train-a")
    make_server(world.acme, "train-b", status=GpuServer.Status.STOPPED)
    make_server(world.acme, "infer-a")

    by_name = alice_client.get(reverse("servers:list"), {"name": "TRAIN"})
    stopped = alice_client.get(reverse("servers:list"), {"status": "Stopped"})

    assert _names(by_name) == ["train-a", "train-b"]
    assert _names(stopped) == ["train-b"]
    assert "Clear filters" in stopped.text


def test_it_answers_the_table_fragment_to_htmx(world, alice_client):
    make_server(world.acme, "train")

    response = alice_client.get(reverse("servers:list"), {"sort": "-name"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'id="server-table"' in response.text
    assert 'hx-swap-oob="true"' in response.text  # the filter form learns the sort
    assert "HX-Request" in response["Vary"]


def test_it_keeps_a_real_href_on_every_hx_get_link(world, alice_client):
    for n in range(12):
        make_server(world.acme, f"node-{n:02d}")

    html = alice_client.get(reverse("servers:list"), {"per_page": 10}).text

    links = re.findall(r"<a ([^>]*hx-get[^>]*)>", html)
    assert links
    for attrs in links:
        href = re.search(r'href="([^"]*)"', attrs)
        hx_get = re.search(r'hx-get="([^"]*)"', attrs)
        assert href and hx_get and href.group(1) == hx_get.group(1), attrs


def test_it_keeps_the_query_count_flat(world, alice_client):
    image = make_image(world.acme, name="base")
    make_server(world.acme, "first", image=image)
    with CaptureQueriesContext(connection) as few:
        alice_client.get(reverse("servers:list"))
    for n in range(15):
        make_server(world.acme, f"more-{n}", image=image)
    with CaptureQueriesContext(connection) as many:
        alice_client.get(reverse("servers:list"))

    assert len(many) == len(few)


def test_it_shows_the_facts_of_a_server(world, alice_client):
    image = make_image(world.acme, name="ubuntu-cuda", os_type="ubuntu")
    server = make_server(world.acme, "train-01", image=image, flavor="gpu.h100.8x-1920g")

    response = alice_client.get(reverse("servers:detail", args=[server.pk]))

    html = response.text
    assert response.status_code == 200
    assert "<h1>train-01</h1>" in html
    assert str(server.pk) in html
    assert "H100 \u00d7 8" in html
    assert "gpu.h100.8x-1920g" in html
    assert f'<a href="{reverse("images:detail", args=[image.pk])}">ubuntu-cuda</a>' in html
    assert "Ubuntu" in html
    assert server.root_disk in html
    assert "40 GiB virtual size" in html
    assert "Acme Research" in html


def test_it_offers_create_image_on_a_running_server(world, alice_client):
    server = make_server(world.acme, "train-01")
    url = reverse("servers:create_image", args=[server.pk])

    html = alice_client.get(reverse("servers:detail", args=[server.pk])).text

    button = re.search(r'<a [^>]*id="create-image-button"[^>]*>', html).group(0)
    assert f'href="{url}"' in button
    assert 'data-dialog-open="create-image-dialog"' in button
    dialog = html[html.index('<dialog id="create-image-dialog"') :]
    assert f'action="{url}"' in dialog
    assert 'name="name"' in dialog


def test_it_disables_create_image_on_a_stopped_server_with_the_reason(world, alice_client):
    server = make_server(world.acme, "dev-01", status=GpuServer.Status.STOPPED)

    html = alice_client.get(reverse("servers:detail", args=[server.pk])).text

    button = re.search(r'<button [^>]*id="create-image-button"[^>]*>', html).group(0)
    assert "disabled" in button
    assert "Start the server to create an image from it" in html
    assert "<dialog" not in html
    assert reverse("servers:create_image", args=[server.pk]) not in html


def test_it_hides_create_image_from_viewers(world, carol_client):
    server = make_server(world.acme, "train-01")

    response = carol_client.get(reverse("servers:detail", args=[server.pk]))

    assert response.status_code == 200
    assert "create-image-button" not in response.text
    assert "<dialog" not in response.text


def test_it_lists_the_images_made_from_the_server(world, alice_client):
    server = make_server(world.acme, "train-01")
    make_image(world.acme, name="snap-1", origin="server", file_url="", source_server_id=server.pk)
    make_image(world.acme, name="unrelated")

    html = alice_client.get(reverse("servers:detail", args=[server.pk])).text

    table = html[html.index('id="server-images"') :]
    assert "snap-1" in table
    assert "unrelated" not in table


@pytest.mark.parametrize("name", ["servers:detail", "servers:create_image"])
def test_it_answers_404_to_another_account(world, bob_client, name):
    server = make_server(world.acme, "train-01")

    assert bob_client.get(reverse(name, args=[server.pk])).status_code == 404
    assert bob_client.get(reverse(name, args=[uuid.uuid4()])).status_code == 404


def test_it_sends_anonymous_users_to_sign_in(world, client):
    server = make_server(world.acme, "train-01")

    for url in (reverse("servers:list"), reverse("servers:detail", args=[server.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_it_renders_no_inline_script_style_or_hx_on(world, alice_client):
    server = make_server(world.acme, "train-01")

    for url in (
        reverse("servers:list"),
        reverse("servers:detail", args=[server.pk]),
        reverse("servers:create_image", args=[server.pk]),
    ):
        html = alice_client.get(url).text
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert " style=" not in html, url
        assert "hx-on" not in html, url


def test_it_says_whether_the_list_is_empty_or_filtered_out(world, alice_client):
    url = reverse("servers:list")
    assert b"No GPU servers yet" in alice_client.get(url).content
    assert b"No GPU servers match" in alice_client.get(url, {"name": "zzz"}).content
