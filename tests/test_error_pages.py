from django.test import Client
from django.urls import reverse

from tests.support.factories import make_image


def test_it_answers_404_with_a_console_page(world, alice_client):
    response = alice_client.get("/gpu-server/images/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404
    assert b"Not found" in response.content
    assert b"switch account in the header" in response.content


def test_it_answers_403_with_a_console_page(world, carol_client):
    image = make_image(world.acme, name="acme-one")
    response = carol_client.post(reverse("images:retry", args=[image.pk]))
    assert response.status_code == 403
    assert b"read-only access" in response.content


def test_it_explains_a_missing_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.alice)
    response = client.post(reverse("images:create"), {"name": "x"})
    assert response.status_code == 403
    assert b"Page expired" in response.content
