"""Schemathesis against a live console: generated requests for every operation of the
OpenAPI document (valid and invalid ones), each answer checked against the document.
No 5xx, every status code, content type, header and body as documented.

The run is bounded (a fixed number of examples per operation, one worker) and seeded
with real objects: path parameters take the ID of a real image, server, tag or member
about half of the time, so the happy paths are exercised as well as the refusals.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from console.celery import app as celery_app
from console.phrases import TEXT
from tests.support.api import srn_path, token_for
from tests.support.factories import make_image, make_server
from tests.support.sharing import make_share

pytestmark = pytest.mark.timeout(900)

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "negative_data_rejection",
    ]
)
MAX_EXAMPLES = int(os.environ.get("CONSOLE_SCHEMATHESIS_EXAMPLES", "30"))


def _toml_list(values: list[str]) -> str:
    return "[" + ", ".join(json.dumps(v) for v in values) + "]"


def _seed(world) -> dict[str, list[str]]:
    """Objects the generated requests may hit, as schemathesis dictionaries."""
    images = [
        make_image(world.acme, name="plain", tags=[("team", "ml"), ("env", "prod")]),
        make_image(world.acme, name="kept", protected=True, tags=[("team", "infra")]),
        make_image(
            world.acme,
            name="failed",
            status="Error",
            failure=TEXT(text="Not a qcow2 file").as_data(),
        ),
        make_image(world.acme, name="shared", visibility="Shared", tags=[("team", "ml")]),
    ]
    make_share(images[3], world.beta.id, "Accepted")
    received = make_image(world.beta, name="received", visibility="Shared")
    make_share(received, world.acme.id, "Pending")
    server = make_server(world.acme, "train-01", image=images[0])
    return {
        "image_ids": [str(i.pk) for i in [*images, received]],
        "srns": [srn_path(i) for i in [*images, received]],
        "server_ids": [str(server.pk)],
        "member_ids": [world.beta.id, world.acme.id, "c" * 32],
        "tag_keys": ["team", "env"],
    }


def _config(path: Path, dictionaries: dict[str, list[str]]) -> None:
    bindings = {
        "path.image_id": "image_ids",
        "path.srn": "srns",
        "path.server_id": "server_ids",
        "path.member_id": "member_ids",
        "path.key": "tag_keys",
    }
    lines = [
        f"[dictionaries.{name}]\nvalues = {_toml_list(values)}\n"
        for name, values in dictionaries.items()
    ]
    lines.append("[parameters]")
    lines += [
        f'"{param}" = {{ dictionary = "{name}", probability = 0.5 }}'
        for param, name in bindings.items()
    ]
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture
def _no_leftover_imports(_isolated_broker):
    """The generated creations enqueue imports that no worker runs here: drop them, so that
    later worker tests do not wait behind hundreds of them."""
    yield
    with celery_app.connection_for_write() as connection:
        connection.default_channel.queue_purge(_isolated_broker)


def test_it_conforms_to_its_openapi_document(
    world, live_server, settings, tmp_path, capsys, _no_leftover_imports
):
    # One key sends every generated request: no rate limit in the way.
    settings.CONSOLE_API_RATE_LIMIT = 10_000_000
    config = tmp_path / "schemathesis.toml"
    _config(config, _seed(world))
    token = token_for(world.alice, world.acme, name="schemathesis")
    report = tmp_path / "report.json"
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "--config-file",
        str(config),
        "run",
        f"{live_server.url}/v1/openapi.json",
        "--header",
        f"X-Auth-Token: {token}",
        "--checks",
        CHECKS,
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        "20260713",
        "--workers",
        "1",
        "--generation-database",
        "none",
        "--request-timeout",
        "30",
        "--no-color",
        "--report",
        "json",
        "--report-json-path",
        str(report),
    ]
    run = subprocess.run(
        command, capture_output=True, text=True, timeout=840, cwd=tmp_path, check=False
    )
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-5000:]
    summary = json.loads(report.read_text())
    operations, cases = summary["operations"], summary["test_cases"]
    assert operations["tested"] == operations["total"] == 19
    assert cases["generated"] > 19 * 10
    assert cases["with_failures"] == cases["errored"] == 0 and summary["failures"] == []
    with capsys.disabled():
        print(
            f"\nschemathesis: {operations['tested']} operations, {cases['generated']} test "
            f"cases, {cases['with_failures']} failures, {cases['errored']} errors "
            f"in {summary['running_time']:.0f} s"
        )
