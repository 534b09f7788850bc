import hashlib

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command

from console.models import Account, WorkHistory
from images.models import Image
from sharing.models import Share


@pytest.mark.django_db(transaction=True)
def test_it_seeds_active_images_through_the_pipeline_once(settings):
    # `make run`: DEBUG off, served on this machine alone.
    settings.DEBUG = False
    settings.LOCAL_ONLY = True
    call_command("seed_demo", "--known-passwords", verbosity=0)
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)

    acme = Account.objects.get(name="Acme Research")
    images = Image.objects.order_by("name")
    assert images.count() == 4
    assert {image.status for image in images} == {"Active"}
    for image in images:
        with default_storage.open(image.stored_file, "rb") as stored:
            assert hashlib.sha512(stored.read()).hexdigest() == image.os_hash_value
    # The staged demo files are gone once imported.
    assert default_storage.listdir("uploads/demo")[1] == []
    shared = Image.objects.get(account=acme, name="ubuntu-22-04-cuda-12")
    assert shared.protected and shared.visibility == "Shared"
    assert list(Share.objects.values_list("image__name", "status")) == [
        ("ubuntu-22-04-cuda-12", "Pending")
    ]
    assert WorkHistory.objects.filter(event_topic="CreateImage").count() == 4
    assert acme.gpu_servers.exclude(image=None).count() == 3
