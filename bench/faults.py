"""How fast an import moves again after its worker is killed, with the default lease timings.

Serves a qcow2 from a local HTTP server on 127.0.0.1 at a limited rate, starts ``celery beat``
and a real ``celery worker`` process (the configured database and broker; the embedded
defaults in a temporary folder unless DATABASE_URL / REDIS_URL are set), creates an image,
SIGKILLs the worker in the middle of its import and starts a new worker at once, as a
supervisor would. It measures the time from the kill until the image is Importing again under
a new attempt, waits for it to become Active, and counts the files left in the image storage
that the image does not refer to.

Last line: ``worker kill -> import moving again: S s  orphan files: N``
(targets: S <= 90, N = 0; with the defaults, a 60 s lease and a reaper every 15 s).

Usage: .venv/bin/python bench/faults.py [--mib N] [--rate MIB_PER_S]
"""

import argparse
import atexit
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MIB = 1024**2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mib", type=int, default=256, help="data in the image, MiB")
    parser.add_argument("--rate", type=int, default=16, help="serving rate, MiB/s")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-faults-"))
    atexit.register(shutil.rmtree, work, True)
    media = work / "media"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CONSOLE_")},
        "CONSOLE_VAR_DIR": str(work / "var"),
        "MEDIA_ROOT": str(media),
        "CONSOLE_IMPORT_ALLOW_HOSTS": "127.0.0.1",
        "CONSOLE_TASK_QUEUE": f"bench-faults-{os.getpid()}",
        "DJANGO_SETTINGS_MODULE": "console.settings",
    }
    os.environ.update(env)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from console.models import Account
    from images.models import Image
    from images.qcow2 import write_qcow2
    from images.services import NewImage, image_create
    from tests.support.http_server import LocalHTTPServer, Route

    call_command("migrate", verbosity=0)
    account, _ = Account.objects.get_or_create(name="Bench")
    print(
        f"lease {settings.CONSOLE_IMPORT_LEASE_SECONDS} s, heartbeat every "
        f"{settings.CONSOLE_IMPORT_HEARTBEAT_SECONDS} s, reaper every "
        f"{settings.CONSOLE_REAPER_INTERVAL_SECONDS} s; broker "
        f"{settings.CELERY_BROKER_URL.split('://')[0]}, database "
        f"{settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}",
        flush=True,
    )

    disk = work / "bench.qcow2"
    size = write_qcow2(disk, 4 * args.mib * MIB, data_bytes=args.mib * MIB, seed=7)

    processes: list[subprocess.Popen] = []
    atexit.register(_stop_all, processes)
    _celery(env, work, ["beat", "--schedule", str(work / "beat-schedule")], processes)
    first = _celery(env, work, _worker_args(env), processes)
    with LocalHTTPServer() as server:
        url = server.add("/bench.qcow2", Route(file=disk, rate=args.rate * MIB))
        image = image_create(
            account=account,
            actor=None,
            new=NewImage(name="bench", os_type="ubuntu", min_disk_gb=0, min_ram_gb=0, file_url=url),
        )
        _wait(image, lambda i: i.status == "Importing" and i.progress_done >= size // 4, 120)
        os.kill(first.pid, signal.SIGKILL)
        killed_at = time.monotonic()
        first.wait()
        print(f"worker killed at {image.progress_done * 100 // size}% of the import", flush=True)
        _celery(env, work, _worker_args(env), processes)

        _wait(image, lambda i: i.status == "Importing" and i.import_serial >= 2, 600)
        moving_again = time.monotonic() - killed_at
        print(f"Importing again (attempt {image.import_attempts}) after {moving_again:.1f} s")
        _wait(image, lambda i: i.status in (Image.Status.ACTIVE, Image.Status.ERROR), 600)
        print(f"{image.status} after {time.monotonic() - killed_at:.1f} s", flush=True)
    if image.status != Image.Status.ACTIVE:
        raise SystemExit(f"import ended {image.status}: {image.failure_reason}")

    kept = {image.stored_file}
    leftovers = [
        str(path.relative_to(media))
        for path in media.rglob("*")
        if path.is_file() and str(path.relative_to(media)) not in kept
    ]
    for name in leftovers:
        print(f"orphan file: {name}")
    print(
        f"worker kill -> import moving again: {moving_again:.1f} s  orphan files: {len(leftovers)}"
    )


def _worker_args(env: dict[str, str]) -> list[str]:
    return [
        "worker",
        "--pool",
        "solo",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--queues",
        env["CONSOLE_TASK_QUEUE"],
    ]


def _celery(
    env: dict[str, str], work: Path, args: list[str], processes: list[subprocess.Popen]
) -> subprocess.Popen:
    log = (work / f"{args[0]}-{len(processes)}.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "console", *args, "--loglevel", "WARNING"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    processes.append(process)
    return process


def _wait(image, condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        image.refresh_from_db()
        if condition(image):
            return
        time.sleep(0.2)
    raise SystemExit(f"gave up waiting: the image is {image.status} ({image.failure_reason})")


def _stop_all(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


if __name__ == "__main__":
    main()
