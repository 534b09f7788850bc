"""Memory of the web server while a browser uploads a multi-GB image file.

Starts the console's web server (``manage.py runserver``) on 127.0.0.1 with the
embedded defaults in a temporary folder, signs in, and streams a generated qcow2 of
``--gib`` GiB (default 2) to Create Image as a multipart upload, the way a browser
does. It reports the server's peak resident memory before and after: the upload goes
to a temporary file on disk, so the growth stays flat whatever the file size.

Last line: ``upload: N GiB  server peak RSS growth: M MB``

Usage: .venv/bin/python bench/upload_memory.py [--gib N]
"""

import argparse
import atexit
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
GIB = 1024**3
PASSWORD = "bench-password-1"  # noqa: S105


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gib", type=float, default=2.0)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-upload-"))
    atexit.register(shutil.rmtree, work, True)
    env = {
        **os.environ,
        "CONSOLE_VAR_DIR": str(work / "var"),
        "MEDIA_ROOT": str(work / "media"),
        "CONSOLE_TASK_QUEUE": f"bench-{os.getpid()}",
        "CONSOLE_MAX_IMAGE_BYTES": str(64 * GIB),
        "DJANGO_SETTINGS_MODULE": "console.settings",
        # runserver is a development server: it serves static files only with DEBUG.
        "DEBUG": "true",
    }
    env.pop("DATABASE_URL", None)
    os.environ.update(env)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from console.models import Account, Membership
    from images.qcow2 import write_qcow2

    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("bench", password=PASSWORD)
    Membership.objects.create(user=user, account=Account.objects.create(name="Bench"))

    disk = work / "upload.qcow2"
    size = write_qcow2(disk, int(args.gib * GIB), data_bytes=int(args.gib * GIB) - 4 * 1024 * 1024)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(port)
        cookies = SimpleCookie()
        page = _request(port, "GET", "/accounts/login/", cookies)
        token = _csrf(page)
        form = f"csrfmiddlewaretoken={token}&username=bench&password={PASSWORD}"
        _request(
            port,
            "POST",
            "/accounts/login/",
            cookies,
            form.encode(),
            "application/x-www-form-urlencoded",
        )
        token = _csrf(_request(port, "GET", "/gpu-server/images/create/", cookies))
        before = _peak_rss_kb(server.pid)
        started = time.perf_counter()
        status = _upload(port, cookies, token, disk)
        seconds = time.perf_counter() - started
        after = _peak_rss_kb(server.pid)
    finally:
        server.terminate()
        server.wait(30)
    if status != 302:
        raise SystemExit(f"the upload was refused (HTTP {status})")
    print(f"uploaded {size / GIB:.2f} GiB in {seconds:.1f} s")
    print(f"server peak RSS before: {before / 1024:.0f} MB, after: {after / 1024:.0f} MB")
    print(f"upload: {size / GIB:.2f} GiB  server peak RSS growth: {(after - before) / 1024:.0f} MB")


def _upload(port: int, cookies: SimpleCookie, token: str, disk: Path) -> int:
    boundary = uuid.uuid4().hex
    fields = {
        "csrfmiddlewaretoken": token,
        "name": "bench upload",
        "source": "file",
        "os_type": "ubuntu",
        "min_disk_gb": "0",
        "min_ram_gb": "0",
        "visibility": "Private",
    }
    head = (
        b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in fields.items()
        )
        + (
            f'--{boundary}\r\nContent-Disposition: form-data; name="upload"; '
            f'filename="upload.qcow2"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode()
    )
    tail = f"\r\n--{boundary}--\r\n".encode()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    connection.putrequest("POST", "/gpu-server/images/create/")
    connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    connection.putheader("Content-Length", str(len(head) + disk.stat().st_size + len(tail)))
    connection.putheader("Cookie", "; ".join(f"{k}={m.value}" for k, m in cookies.items()))
    connection.putheader("Referer", f"http://127.0.0.1:{port}/gpu-server/images/create/")
    connection.endheaders()
    connection.send(head)
    with disk.open("rb") as source:
        while chunk := source.read(1 << 20):
            connection.send(chunk)
    connection.send(tail)
    response = connection.getresponse()
    response.read()
    return response.status


def _request(port, method, path, cookies, body=None, content_type=None) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {
        "Cookie": "; ".join(f"{k}={m.value}" for k, m in cookies.items()),
        "Referer": f"http://127.0.0.1:{port}{path}",
    }
    if content_type:
        headers["Content-Type"] = content_type
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    for header in response.headers.get_all("Set-Cookie") or []:
        cookies.load(header)
    return response.read().decode()


def _csrf(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the web server did not start")


def _peak_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


if __name__ == "__main__":
    main()
