"""Create Image: every rule of the form, viewers, and what a successful create leaves."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from console.models import WorkHistory
from images.models import Image
from images.rules import MSG_NAME

URL = "https://storage.example.com/images/ubuntu-24.04.qcow2"


def _form(**overrides):
    data = {
        "name": "ubuntu-24",
        "source": "url",
        "file_url": URL,
        "os_type": "ubuntu",
        "min_disk_gb": "20",
        "min_ram_gb": "8",
        "visibility": "Private",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _errors(response, field: str) -> list[str]:
    assert response.status_code == 200
    return response.context["form"].errors.get(field, [])


def test_it_creates_a_queued_image_and_enqueues_its_import_on_commit(
    world, alice_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = alice_client.post(
            reverse("images:create"),
            _form(
                protected="on", visibility="Shared", tag_key=["team", "os"], tag_value=["ml", ""]
            ),
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("images:list")
    image = Image.objects.get()
    assert (image.status, image.origin, image.account, image.created_by) == (
        "Queued",
        "upload",
        world.acme,
        world.alice,
    )
    assert (image.min_disk_gb, image.min_ram_gb, image.visibility, image.protected) == (
        20,
        8,
        "Shared",
        True,
    )
    assert (image.disk_format, image.container_format) == ("qcow2", "bare")
    assert sorted(image.tags.values_list("key", "value")) == [("os", ""), ("team", "ml")]
    row = WorkHistory.objects.get()
    assert (row.event_topic, row.result, row.resource_id, row.worker_id) == (
        "CreateImage",
        "Success",
        str(image.pk),
        str(world.alice.pk),
    )
    assert len(callbacks) == 1  # the import task, sent once the row is committed


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("a", True),
        ("Ubuntu 24_04-base", True),
        ("x" * 255, True),
        ("", False),
        ("x" * 256, False),
        ("ubuntu.24", False),
        ("ubuntu/24", False),
        ("우분투", False),
        ("tab\there", False),
    ],
)
def test_it_checks_the_image_name(world, alice_client, name, ok):
    response = alice_client.post(reverse("images:create"), _form(name=name))
    if ok:
        assert response.status_code == 302
        assert response["Location"] == reverse("images:list")
        assert Image.objects.get().name == name
    else:
        expected = "Enter an image name." if not name else MSG_NAME
        assert _errors(response, "name") == [expected]
        assert not Image.objects.exists()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "ftp://storage.example.com/a.qcow2",
            "The image file URL must start with http:// or https://.",
        ),
        ("file:///etc/passwd.qcow2", "The image file URL must start with http:// or https://."),
        ("https://storage.example.com/a.img", "The image file URL must point to a .qcow2 file."),
        (
            "https://storage.example.com/a.qcow2.gz",
            "The image file URL must point to a .qcow2 file.",
        ),
        (
            "https:///a.qcow2",
            "Enter a valid URL, for example https://storage.example.com/ubuntu.qcow2.",
        ),
        (
            "https://storage.example.com/" + "a" * 230 + ".qcow2",
            "The image file URL can be at most 255 characters.",
        ),
    ],
)
def test_it_checks_the_image_file_url(world, alice_client, url, message):
    response = alice_client.post(reverse("images:create"), _form(file_url=url))
    assert _errors(response, "file_url") == [message]
    assert not Image.objects.exists()


def test_it_accepts_a_url_of_exactly_255_characters(world, alice_client):
    url = "https://storage.example.com/" + "a" * (255 - 28 - 6) + ".qcow2"
    assert len(url) == 255
    response = alice_client.post(reverse("images:create"), _form(file_url=url))
    assert response.status_code == 302
    assert Image.objects.get().file_url == url


def test_it_needs_a_url_or_a_file(world, alice_client):
    response = alice_client.post(reverse("images:create"), _form(file_url=""))
    assert _errors(response, "file_url") == [
        "Give either an image file URL or a .qcow2 file to upload."
    ]


def test_it_refuses_both_a_url_and_a_file(world, alice_client):
    upload = SimpleUploadedFile("a.qcow2", b"QFI\xfb" + b"\0" * 100)
    response = alice_client.post(reverse("images:create"), _form(upload=upload))
    assert response.context["form"].non_field_errors() == [
        "Give either an image file URL or a file to upload, not both."
    ]


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("disk.img", b"QFI\xfb", "The uploaded file must be a .qcow2 file."),
        ("disk.qcow2", b"", "The submitted file is empty."),
    ],
)
def test_it_checks_the_uploaded_file(world, alice_client, filename, content, message):
    upload = SimpleUploadedFile(filename, content)
    response = alice_client.post(
        reverse("images:create"), _form(file_url="", source="file", upload=upload)
    )
    assert _errors(response, "upload") == [message]


def test_it_refuses_an_upload_over_the_cap_without_keeping_it(
    world, alice_client, settings, tmp_path
):
    settings.CONSOLE_MAX_IMAGE_BYTES = 1024 * 1024
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(uploads)
    upload = SimpleUploadedFile("big.qcow2", b"\0" * (3 * 1024 * 1024))
    response = alice_client.post(
        reverse("images:create"), _form(file_url="", source="file", upload=upload)
    )
    assert _errors(response, "upload") == ["The uploaded file is larger than the 1 MiB limit."]
    assert list(uploads.iterdir()) == []
    assert not Image.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("os_type", "", "Select an OS type."),
        ("os_type", "windows", "Select an OS type."),
        ("min_disk_gb", "-1", "Minimum Disk must be between 0 and 12,288 GB."),
        ("min_disk_gb", "12289", "Minimum Disk must be between 0 and 12,288 GB."),
        ("min_disk_gb", "1.5", "Enter a whole number of GB."),
        ("min_disk_gb", "", "Enter the Minimum Disk in GB."),
        ("min_ram_gb", "2097152", "Minimum RAM must be between 0 and 2,097,151 GB."),
        ("min_ram_gb", "-5", "Minimum RAM must be between 0 and 2,097,151 GB."),
        ("min_ram_gb", "lots", "Enter a whole number of GB."),
        (
            "visibility",
            "Public",
            "Select a valid choice. Public is not one of the available choices.",
        ),
        ("visibility", None, "Choose Private or Shared."),
    ],
)
def test_it_checks_every_field(world, alice_client, field, value, message):
    response = alice_client.post(reverse("images:create"), _form(**{field: value}))
    assert _errors(response, field) == [message]


@pytest.mark.parametrize(("disk", "ram"), [("0", "0"), ("12288", "2097151")])
def test_it_accepts_the_bounds(world, alice_client, disk, ram):
    response = alice_client.post(reverse("images:create"), _form(min_disk_gb=disk, min_ram_gb=ram))
    assert response.status_code == 302


def test_it_accepts_50_tags_and_refuses_the_51st(world, alice_client):
    keys = [f"key-{i}" for i in range(51)]
    response = alice_client.post(
        reverse("images:create"), _form(tag_key=keys, tag_value=["v"] * 51)
    )
    assert _errors(response, "tags") == ["An image can have at most 50 tags."]
    response = alice_client.post(
        reverse("images:create"), _form(tag_key=keys[:50], tag_value=["v"] * 50)
    )
    assert response.status_code == 302
    assert Image.objects.get().tags.count() == 50


@pytest.mark.parametrize(
    ("keys", "values", "message"),
    [
        (["k" * 129], ["v"], "Tag keys are 1 to 128 characters."),
        ([""], ["orphan value"], "Tag keys are 1 to 128 characters."),
        (["team"], ["v" * 257], "Tag values are at most 256 characters."),
        (["team", "team"], ["a", "b"], "Tag keys must be unique: team is used more than once."),
    ],
)
def test_it_checks_tags(world, alice_client, keys, values, message):
    response = alice_client.post(reverse("images:create"), _form(tag_key=keys, tag_value=values))
    assert _errors(response, "tags") == [message]
    # What was typed comes back so nothing is lost.
    assert response.context["form"].tag_rows


def test_it_keeps_the_boundaries_of_tags(world, alice_client):
    response = alice_client.post(
        reverse("images:create"), _form(tag_key=["k" * 128], tag_value=["v" * 256])
    )
    assert response.status_code == 302


def test_it_forbids_viewers_to_create(world, carol_client):
    page = carol_client.get(reverse("images:list"))
    assert b"Create Image" not in page.content
    assert carol_client.get(reverse("images:create")).status_code == 403
    assert carol_client.post(reverse("images:create"), _form()).status_code == 403
    assert not Image.objects.exists()


def test_it_shows_the_create_button_to_members(world, alice_client):
    page = alice_client.get(reverse("images:list"))
    assert reverse("images:create").encode() in page.content
    form = alice_client.get(reverse("images:create"))
    assert form.status_code == 200
    for label in (
        b"Image name",
        b"Image file URL",
        b"OS type",
        b"Minimum Disk",
        b"Minimum RAM",
        b"Visibility",
        b"Protected",
        b"Tags",
    ):
        assert label in form.content
