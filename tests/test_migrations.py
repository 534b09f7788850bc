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
