"""A real S3 HTTP endpoint on loopback for the storage tests: moto's standalone server, started
once per test run as a process of its own on 127.0.0.1.

``bucket_storage`` gives a test a fresh, empty bucket and points the default storage at it,
exactly as ``CONSOLE_STORAGE_URL=s3://<bucket>?endpoint_url=...`` does in production (the
settings are made by the same parser). Credentials are set in the environment, so the client
never goes looking for them anywhere else (an instance metadata address, say).
"""

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from console.env import env_storage

# What every process talking to the test endpoint is given: fixed credentials and no lookups
# of anything but these variables.
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "console-test",
    "AWS_SECRET_ACCESS_KEY": "console-test-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class S3Server:
    """``moto.server`` on 127.0.0.1: an S3-compatible HTTP endpoint kept in its memory."""

    def __init__(self) -> None:
        self.port = _free_port()
        self._process: subprocess.Popen | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "S3Server":
        self._process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, **CREDENTIALS},
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError("the S3 test server (moto.server) exited at start")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("the S3 test server (moto.server) did not start within 30 s")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()

    def client(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=CREDENTIALS["AWS_DEFAULT_REGION"],
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )


@dataclass
class Bucket:
    """One test's bucket: its name, the storage URL that selects it, and a client to look
    inside it with."""

    name: str
    url: str
    client: Any

    def keys(self) -> list[str]:
        answer = self.client.list_objects_v2(Bucket=self.name)
        return sorted(item["Key"] for item in answer.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.name, Key=key, Body=data)

    def unfinished_uploads(self) -> list[str]:
        answer = self.client.list_multipart_uploads(Bucket=self.name)
        return sorted(upload["Key"] for upload in answer.get("Uploads", []))


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    server = S3Server().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def s3_credentials(monkeypatch) -> dict[str, str]:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    return CREDENTIALS


@pytest.fixture
def s3_bucket(s3_server: S3Server, s3_credentials) -> Bucket:
    """A fresh, empty bucket on the test endpoint."""
    name = f"images-{uuid.uuid4().hex[:12]}"
    client = s3_server.client()
    client.create_bucket(Bucket=name)
    return Bucket(name, f"s3://{name}?endpoint_url={s3_server.endpoint}&region=us-east-1", client)


@pytest.fixture
def bucket_storage(settings, s3_bucket: Bucket) -> Bucket:
    """Image files in a fresh bucket of the test endpoint, as CONSOLE_STORAGE_URL selects it."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": env_storage("URL", folder=None, environ={"URL": s3_bucket.url}),  # type: ignore[arg-type]
    }
    return s3_bucket
