"""Scale-out: a web process and two workers that share no folder, only PostgreSQL, Redis and a
bucket of object storage, as on three machines.

Each process has a folder of its own standing for its machine's disk (its var dir with the
media and upload folders under it, its temp dir and its working directory) and is told of no
other. An image created from a URL and one uploaded through the Create Image page, over real
HTTP by a person who signed in with the sign-in form, are imported by different workers at
the same time, end Active with the right checksums, and their files are in the bucket and on
no process's disk; deleting them through the web process leaves the bucket empty.
"""

import hashlib
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Self

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from images.models import Image
from images.rules import STAGED_UPLOAD_PREFIX
from tests.support.images import MIB, create_form, qcow2_bytes, wait_for_status
from tests.support.object_storage import CREDENTIALS, Bucket
from tests.support.personas import PASSWORD
from tests.support.redis_server import RedisServer
from tests.support.worker_process import ROOT, WorkerProcess, database_url

POSTGRES = django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql")

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.worker,
    pytest.mark.timeout(180),
    # A strict run (CI) always has PostgreSQL: the session refuses to start without it.
    pytest.mark.skipif(
        not POSTGRES,
        reason="processes of several machines share PostgreSQL (DATABASE_URL), not a SQLite file",
    ),
]

QCOW2_MAGIC = b"QFI\xfb"
IMAGE_SUFFIXES = {".qcow2", ".partial", ".upload"}
IMPORT_RECEIVED = re.compile(r"Task images\.tasks\.image_import\[[0-9a-f-]+\] received")
# Variables of the test run's environment that each process is given afresh.
OWN_OR_SHARED = {
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "MEDIA_ROOT",
    "STATIC_ROOT",
    "TMPDIR",
    "PYTHONPATH",
}


# --- Machines and their processes -------------------------------------------------------------


@dataclass
class Machine:
    """One process's own disk: everything it may write locally is under ``root``."""

    name: str
    root: Path
    log: Path

    @property
    def var(self) -> Path:
        return self.root / "var"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    @property
    def cwd(self) -> Path:
        return self.root / "cwd"

    def environment(self, shared: dict[str, str]) -> dict[str, str]:
        """This machine's environment: its own folders, and what every machine is given."""
        for folder in (self.var, self.tmp, self.cwd):
            folder.mkdir(parents=True)
        inherited = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("CONSOLE_", "DJANGO_", "AWS_")) and key not in OWN_OR_SHARED
        }
        return {
            **inherited,
            **CREDENTIALS,
            **shared,
            "DJANGO_SETTINGS_MODULE": "console.settings",
            # Started outside the checkout: the code comes from it, nothing else does.
            "PYTHONPATH": str(ROOT),
            "PATH": f"{Path(sys.executable).parent}:{inherited.get('PATH', '')}",
            "CONSOLE_VAR_DIR": str(self.var),
            "STATIC_ROOT": str(self.root / "static"),
            "TMPDIR": str(self.tmp),
            "LOG_LEVEL": "INFO",
        }

    def files(self) -> list[Path]:
        return sorted(path for path in self.root.rglob("*") if path.is_file())

    def image_data(self) -> list[str]:
        """Files under this machine's folder that hold or name image data."""
        found = []
        for path in self.files():
            with path.open("rb") as file:
                head = file.read(len(QCOW2_MAGIC))
            if path.suffix in IMAGE_SUFFIXES or head == QCOW2_MAGIC:
                found.append(str(path.relative_to(self.root)))
        return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _procfile_web() -> str:
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith("web:"):
            return line.removeprefix("web:").strip()
    raise AssertionError("Procfile has no web process")


class WebProcess:
    """The Procfile's web process (gunicorn) after its own collectstatic, as `make run`."""

    def __init__(self, machine: Machine, env: dict[str, str]) -> None:
        self.machine = machine
        self.port = _free_port()
        self.env = {**env, "CONSOLE_PORT": str(self.port)}
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> Self:
        collected = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--no-input", "-v", "0"],
            cwd=self.machine.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert collected.returncode == 0, collected.stderr
        with self.machine.log.open("ab") as log:
            self.process = subprocess.Popen(
                ["bash", "-c", "exec " + _procfile_web()],
                cwd=self.machine.cwd,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # gunicorn and its workers: one group to stop
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the web process exited at start:\n{self.output()}")
            try:
                login = f"http://127.0.0.1:{self.port}/accounts/login/"
                with urllib.request.urlopen(login, timeout=5) as answer:
                    if answer.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"the web process did not start in {timeout} s:\n{self.output()}")

    def output(self) -> str:
        return self.machine.log.read_text(errors="replace")[-5000:]

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)


@dataclass
class Cluster:
    web: WebProcess
    workers: list[WorkerProcess]
    machines: list[Machine]

    def logs(self) -> str:
        return "\n".join(
            f"--- {machine.name} ---\n{machine.log.read_text(errors='replace')[-3000:]}"
            for machine in self.machines
        )


@pytest.fixture
def cluster(
    world, s3_bucket: Bucket, private_redis: RedisServer, tmp_path: Path
) -> Iterator[Cluster]:
    """A web process and two workers, each on a folder of its own, stopped after the test."""
    (tmp_path / "logs").mkdir()
    machines = [
        Machine(name, tmp_path / name, tmp_path / "logs" / f"{name}.log")
        for name in ("web", "worker-1", "worker-2")
    ]
    shared = {
        "DATABASE_URL": database_url(),
        "REDIS_URL": private_redis.url,
        "CONSOLE_STORAGE_URL": s3_bucket.url,
        "CONSOLE_STORAGE_PART_BYTES": str(5 * MIB),
        # Small enough that parts stay 5 MiB: both files go up in several parts.
        "CONSOLE_MAX_IMAGE_BYTES": str(1024 * MIB),
        "CONSOLE_TASK_QUEUE": f"scale-out-{uuid.uuid4().hex[:8]}",
        "SECRET_KEY": secrets.token_urlsafe(50),
    }
    web = WebProcess(machines[0], machines[0].environment(shared))
    workers = [
        WorkerProcess(
            {**machine.environment(shared), "CONSOLE_IMPORT_ALLOW_HOSTS": "127.0.0.1"},
            machine.log,
            # One import at a time: a worker busy with one leaves the next to the other.
            pool="threads",
            concurrency=1,
            name=f"{machine.name}@scale-out",
            cwd=machine.cwd,
        )
        for machine in machines[1:]
    ]
    try:
        with ThreadPoolExecutor(3) as starting:
            for started in [starting.submit(p.start) for p in (web, *workers)]:
                started.result()
        yield Cluster(web, workers, machines)
    finally:
        for process in (web, *workers):
            process.stop()


# --- A person's browser, over real HTTP -------------------------------------------------------


@dataclass
class Page:
    status: int
    headers: object
    body: str

    def form_token(self, action: str) -> str:
        """The CSRF token of the form that posts to ``action``."""
        form = re.search(
            rf'<form[^>]*action="{re.escape(action)}"[^>]*>(.*?)</form>', self.body, re.S
        )
        assert form, f"no form posting to {action} in the page"
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.group(1))
        assert token, f"the form posting to {action} carries no CSRF token"
        return token.group(1)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """Cookies kept from answer to answer, redirects shown rather than followed."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies = CookieJar()
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect
        )

    def get(self, path: str) -> Page:
        return self._open(urllib.request.Request(f"http://127.0.0.1:{self.port}{path}"))

    def post(self, path: str, fields: dict, *, multipart: bool = False) -> Page:
        if multipart:
            body, content_type = encode_multipart(BOUNDARY, fields), MULTIPART_CONTENT
        else:
            body = urllib.parse.urlencode(fields).encode()
            content_type = "application/x-www-form-urlencoded"
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", data=body, headers={"Content-Type": content_type}
        )
        return self._open(request)

    def _open(self, request: urllib.request.Request) -> Page:
        try:
            with self._opener.open(request, timeout=60) as answer:
                return Page(answer.status, answer.headers, answer.read().decode())
        except urllib.error.HTTPError as error:
            return Page(error.code, error.headers, error.read().decode())

    def sign_in(self, username: str, password: str) -> None:
        form = self.get("/accounts/login/")
        answer = self.post(
            "/accounts/login/",
            {
                "csrfmiddlewaretoken": form.form_token("/accounts/login/"),
                "username": username,
                "password": password,
                "next": "",
            },
        )
        assert answer.status == 302, answer.body[-2000:]
        assert any(cookie.name == "sessionid" for cookie in self.cookies)

    def create_image(self, fields: dict, *, multipart: bool = False) -> Page:
        page = self.get("/gpu-server/images/create/")
        assert page.status == 200
        token = page.form_token("/gpu-server/images/create/")
        return self.post(
            "/gpu-server/images/create/",
            {**fields, "csrfmiddlewaretoken": token},
            multipart=multipart,
        )

    def delete_image(self, pk) -> Page:
        action = f"/gpu-server/images/{pk}/delete/"
        page = self.get(f"/gpu-server/images/{pk}/")
        assert page.status == 200
        return self.post(action, {"csrfmiddlewaretoken": page.form_token(action)})


# --- The test ---------------------------------------------------------------------------------


def _wait(condition, timeout: float, what: str, cluster: Cluster) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} did not happen within {timeout} s\n{cluster.logs()}")


def _status(name: str) -> str:
    return Image.objects.filter(name=name).values_list("status", flat=True).first() or ""


def _assert_imported(image: Image, data: bytes) -> None:
    assert image.status == "Active", image.failure_reason
    assert image.os_hash_value == hashlib.sha512(data).hexdigest()
    assert image.checksum_md5 == hashlib.md5(data).hexdigest()  # noqa: S324
    assert image.size == len(data)


def test_a_web_process_and_two_workers_share_only_the_database_the_broker_and_the_bucket(
    world, settings, cluster: Cluster, s3_bucket: Bucket, http_server
):
    # The web process checks passwords with the console's own hashers, not the suite's fast one.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    world.alice.set_password(PASSWORD)
    world.alice.save(update_fields=["password"])
    browser = Browser(cluster.web.port)
    browser.sign_in("alice", PASSWORD)

    by_url = qcow2_bytes(virtual_size=256 * MIB, data_bytes=12 * MIB, seed=7)
    uploaded = qcow2_bytes(virtual_size=128 * MIB, data_bytes=6 * MIB, seed=8)
    # The download holds after two parts' worth (5 MiB parts) until the upload's import is
    # done: the worker running it can take nothing else meanwhile.
    gate = threading.Event()
    url = http_server.serve_gated("/disk.qcow2", by_url, hold_after=11 * MIB, gate=gate)
    try:
        answer = browser.create_image(create_form(url, name="from-url"))
        assert answer.status == 302, answer.body[-2000:]
        _wait(lambda: _status("from-url") != "Queued", 30, "the URL import starting", cluster)
        assert _status("from-url") == "Importing", cluster.logs()

        upload = SimpleUploadedFile("disk.qcow2", uploaded, "application/octet-stream")
        answer = browser.create_image(
            create_form("", name="from-upload", source="file", upload=upload), multipart=True
        )
        assert answer.status == 302, answer.body[-2000:]
        _wait(
            lambda: _status("from-upload") in {"Active", "Error"},
            30,
            "the upload's import ending",
            cluster,
        )
        # Imported by the other worker while the first one was still downloading.
        assert _status("from-url") == "Importing", cluster.logs()
    finally:
        gate.set()

    from_url = wait_for_status(Image.objects.get(name="from-url"), ("Active", "Error"), 30)
    from_upload = Image.objects.get(name="from-upload")
    _assert_imported(from_url, by_url)
    _assert_imported(from_upload, uploaded)
    assert from_upload.source_file == ""  # the staged upload was handed over and removed

    # Each worker ran one of the two imports.
    for worker in cluster.workers:
        assert len(IMPORT_RECEIVED.findall(worker.output())) == 1, cluster.logs()

    # The image files are in the bucket, whole, and nowhere else: no staged upload left in
    # the bucket, no image data on any machine's disk.
    keys = s3_bucket.keys()
    assert keys == sorted([from_url.stored_file, from_upload.stored_file])
    assert not any(key.startswith(STAGED_UPLOAD_PREFIX) for key in keys)
    assert s3_bucket.unfinished_uploads() == []
    assert hashlib.sha512(s3_bucket.read(from_url.stored_file)).hexdigest() == (
        from_url.os_hash_value
    )
    assert hashlib.sha512(s3_bucket.read(from_upload.stored_file)).hexdigest() == (
        from_upload.os_hash_value
    )
    _assert_nothing_on_disk(cluster)

    # Deleting the images through the web process removes their objects.
    for image in (from_url, from_upload):
        answer = browser.delete_image(image.pk)
        assert answer.status == 302, answer.body[-2000:]
        assert answer.headers["Location"] == "/gpu-server/images/"
    assert not Image.objects.exists()
    assert s3_bucket.keys() == []
    assert s3_bucket.unfinished_uploads() == []
    _assert_nothing_on_disk(cluster)


def _assert_nothing_on_disk(cluster: Cluster) -> None:
    for machine in cluster.machines:
        assert machine.image_data() == [], machine.name
        # The folders an image file could have gone to locally hold nothing at all.
        for folder in (machine.var / "media", machine.var / "uploads", machine.tmp, machine.cwd):
            assert not folder.exists() or not any(p.is_file() for p in folder.rglob("*")), folder
    # Workers keep nothing on their disk; the web process only its collected static files.
    for machine in cluster.machines[1:]:
        assert machine.files() == [], machine.name
    web = cluster.machines[0]
    assert all(path.is_relative_to(web.root / "static") for path in web.files())
