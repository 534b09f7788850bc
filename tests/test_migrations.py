"""Upgrading a database built at earlier migrations keeps every row.

The database is taken back to the migrations of the last release, filled through the
models as they were then, and migrated forward again.
"""

import uuid

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from images.models import Image
from servers.models import GpuServer

# The migrations of the release before GPU servers became an app of their own.
BEFORE_SERVERS_APP = [
    ("console", "0003_gpuserver_image"),
    ("images", "0001_initial"),
    ("sharing", "0001_initial"),
    ("servers", None),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.fixture
def old_apps(transactional_db):
    apps = _migrate(BEFORE_SERVERS_APP)
    yield apps
    _migrate(_latest())


def test_it_keeps_servers_and_their_images_when_servers_become_an_app(old_apps):
    Account = old_apps.get_model("console", "Account")
    OldServer = old_apps.get_model("console", "GpuServer")
    OldImage = old_apps.get_model("images", "Image")
    account = Account.objects.create(id=uuid.uuid4().hex, name="Acme Research")
    base = OldImage.objects.create(
        account=account, name="ubuntu-base", os_type="ubuntu", status="Active"
    )
    servers = [
        OldServer.objects.create(
            account=account,
            name=f"trainer-{n}",
            status="Running" if n else "Stopped",
            gpu_type="H100",
            gpu_count=n + 1,
            image=base if n else None,
            root_disk=f"servers/{n}/root.qcow2",
        )
        for n in range(3)
    ]
    made = OldImage.objects.create(
        account=account,
        name="trainer-1-image",
        os_type="ubuntu",
        origin="server",
        status="Queued",
        source_file="servers/1/root.qcow2",
        source_server_id=servers[1].pk,
    )

    _migrate(_latest())

    moved = {s.pk: s for s in GpuServer.objects.select_related("image")}
    assert set(moved) == {s.pk for s in servers}
    for old in servers:
        new = moved[old.pk]
        assert (new.name, new.status, new.gpu_count, new.root_disk, new.account_id) == (
            old.name,
            old.status,
            old.gpu_count,
            old.root_disk,
            account.id,
        )
        assert new.image_id == old.image_id
    image = Image.objects.get(pk=made.pk)
    assert image.origin == Image.Origin.SERVER
    assert image.source_server_id == servers[1].pk
    assert Image.objects.get(pk=base.pk).name == "ubuntu-base"
    # Staff permissions on servers follow the model to its app.
    assert ContentType.objects.filter(app_label="servers", model="gpuserver").exists()
    assert not ContentType.objects.filter(app_label="console", model="gpuserver").exists()


BEFORE_HISTORY_AS_DATA = [
    ("console", "0004_gpuserver_moves_to_servers"),
    ("images", "0001_initial"),
    ("sharing", "0001_initial"),
    ("servers", "0001_initial"),
]

B = "b3c2f6d1e0a94c7b8d5e4f3a2b1c0d9e"
# Every kind of sentence the console wrote, and the message code it becomes.
WRITTEN = [
    ("Created image ubuntu-base from https://images.example.com/u.qcow2", "image.created.url"),
    ("Created image ubuntu-base from the uploaded file disk.qcow2", "image.created.upload"),
    ("Created image srv-img from a GPU server disk", "image.created.server"),
    ("Import queued again", "image.import.queued_again"),
    ("Deleted image ubuntu-base", "image.deleted"),
    (
        "Image ubuntu-base is protected and cannot be deleted. Turn Protected off first.",
        "image.delete.refused_protected",
    ),
    ("Minimum Disk changed from 10 GB to 20 GB", "image.field.changed"),
    ("Minimum RAM changed from 4 GB to 2,048 GB", "image.field.changed"),
    ("Protected changed from Off to On", "image.field.changed"),
    ("Visibility changed from Shared to Private", "image.field.changed"),
    ("Added tag env=prod", "image.tag.added"),
    ("Changed tag env from 'prod' to 'staging'", "image.tag.value_changed"),
    ("Changed tag env=prod to stage=prod", "image.tag.renamed"),
    ("Deleted tag env=prod", "image.tag.deleted"),
    ("Import started (attempt 1 of 3)", "image.import.started"),
    (
        "Imported a 2 MiB qcow2 image (virtual size 64 MiB); sha512 cf83e1357eefb8bd...",
        "image.import.succeeded",
    ),
    ("The import stopped responding (attempt 1 of 3); queued again", "image.import.stalled"),
    ("The import was interrupted 3 times and was given up", "import.too_many_attempts"),
    ("The file is not a qcow2 image", "import.not_qcow2"),
    ("The server answered HTTP 404", "import.http_status"),
    ("Download stopped at 64 GiB", "import.too_large"),
    ("The server sent 1,000 bytes but announced 2,000", "import.length_mismatch"),
    (f"Shared image ubuntu-base with account {B} (Pending)", "share.requested"),
    (
        f"Refused to share with account {B}: Image ubuntu-base is Private. Change its "
        "Visibility to Shared before sharing it with another account.",
        "share.refused",
    ),
    (f"Account {B} accepted the share of image ubuntu-base", "share.accepted"),
    (f"Account {B} rejected the share of image ubuntu-base", "share.rejected"),
    (f"Account {B} removed image ubuntu-base from its list (Rejected)", "share.removed"),
    (f"Stopped sharing image ubuntu-base with account {B} (was Accepted)", "share.stopped"),
    (
        f"Stopped sharing with account {B} (Pending) because Visibility changed to Private",
        "share.stopped_private",
    ),
    (
        "Create Image nightly refused: Start the server to create an image from it.",
        "server.image_refused",
    ),
    ("A sentence no release of the console wrote", "text"),
]


@pytest.fixture
def history_apps(transactional_db):
    apps = _migrate(BEFORE_HISTORY_AS_DATA)
    yield apps
    _migrate(_latest())


def test_it_keeps_every_work_history_row_readable_as_data(history_apps):
    from django.utils import timezone

    from console.models import WorkHistory

    Account = history_apps.get_model("console", "Account")
    OldHistory = history_apps.get_model("console", "WorkHistory")
    OldImage = history_apps.get_model("images", "Image")
    account = Account.objects.create(id=uuid.uuid4().hex, name="Acme Research")
    rows = {
        OldHistory.objects.create(
            work_time=timezone.now(),
            account=account,
            resource_type="Image",
            resource_id=str(uuid.uuid4()),
            resource_name="ubuntu-base",
            event_topic="SetImage",
            work_details=sentence,
            result="Success",
            worker_id="system",
            worker_name="system",
            region="kr-west1",
        ).pk: (sentence, code)
        for sentence, code in WRITTEN
    }
    failed = OldImage.objects.create(
        account=account,
        name="broken",
        os_type="ubuntu",
        status="Error",
        failure_reason="The server answered HTTP 404",
    )

    _migrate(_latest())

    converted = WorkHistory.objects.in_bulk(list(rows))
    assert len(converted) == len(WRITTEN)
    for pk, (sentence, code) in rows.items():
        row = converted[pk]
        assert row.details["code"] == code, sentence
        assert row.work_details == sentence
    image = Image.objects.get(pk=failed.pk)
    assert image.failure == {"code": "import.http_status", "params": {"status": 404}}
    assert image.failure_reason == "The server answered HTTP 404"


def test_it_removes_credentials_of_signed_urls_from_old_history_rows(transactional_db):
    from django.utils import timezone

    from console.models import Account as CurrentAccount
    from console.models import WorkHistory

    _migrate([("console", "0008_scale_indexes")])
    account = CurrentAccount.objects.create(id=uuid.uuid4().hex, name="Acme Research")
    signed = "https://user:secret@storage.example.com/u.qcow2?X-Amz-Signature=abc#frag"
    rows = [
        WorkHistory.objects.create(
            work_time=timezone.now(),
            account=account,
            resource_type="Image",
            resource_id=str(uuid.uuid4()),
            resource_name="ubuntu-base",
            event_topic="CreateImage",
            details={"code": "image.created.url", "params": {"name": "ubuntu-base", "url": url}},
            result="Success",
            worker_id="system",
            worker_name="system",
            region="kr-west1",
        )
        for url in (signed, "https://storage.example.com/plain.qcow2")
    ]

    _migrate(_latest())

    first, second = (WorkHistory.objects.get(pk=row.pk) for row in rows)
    assert first.details["params"]["url"] == "https://storage.example.com/u.qcow2"
    assert "secret" not in first.work_details and "Signature" not in first.work_details
    assert second.details["params"]["url"] == "https://storage.example.com/plain.qcow2"
