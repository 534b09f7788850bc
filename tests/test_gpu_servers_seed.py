"""Demo GPU servers from seed_demo: two running and one stopped per demo account, each
with a small real qcow2 root disk in the image storage."""

import io

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from oslo_utils.imageutils import format_inspector

from demo.management.commands.seed_demo import DEMO_ACCOUNTS
from servers.models import GpuServer


@pytest.fixture
def seed(db, settings):
    settings.DEBUG = True

    def run() -> None:
        call_command("seed_demo", stdout=io.StringIO())

    return run


def _disk(name: str) -> bytes:
    with default_storage.open(name, "rb") as disk:
        return disk.read()


def test_it_creates_two_running_and_one_stopped_server_per_demo_account(seed):
    seed()

    for account_id, _, _ in DEMO_ACCOUNTS:
        servers = GpuServer.objects.filter(account_id=account_id)
        statuses = sorted(servers.values_list("status", flat=True))
        assert statuses == ["Running", "Running", "Stopped"]


def test_it_gives_every_server_a_real_qcow2_disk_under_its_id(seed):
    seed()

    for server in GpuServer.objects.all():
        assert server.root_disk == f"servers/{server.pk}/root.qcow2"
        data = _disk(server.root_disk)
        inspector = format_inspector.QcowInspector()
        inspector.eat_chunk(data)
        assert inspector.format_match
        inspector.safety_check()
        assert inspector.virtual_size >= 1 << 30
        assert len(data) < 2 << 20  # small: a demo, not a benchmark


def test_it_is_idempotent(seed):
    seed()
    before = {s.pk: (s.name, s.root_disk, _disk(s.root_disk)) for s in GpuServer.objects.all()}

    seed()

    after = {s.pk: (s.name, s.root_disk, _disk(s.root_disk)) for s in GpuServer.objects.all()}
    assert after == before


def test_it_writes_a_missing_disk_again(seed):
    seed()
    server = GpuServer.objects.order_by("name").first()
    original = _disk(server.root_disk)
    default_storage.delete(server.root_disk)

    seed()

    assert _disk(server.root_disk) == original
