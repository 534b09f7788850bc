"""Worker concurrency, chosen by measurement: four imports at concurrency 1, 2 and 4.

Generates a qcow2 with 256 MiB of data, serves it from a local HTTP server on 127.0.0.1,
and for each concurrency starts a real Celery worker (prefork pool, ``--concurrency N``),
creates four images of that file at once and times them until all four are Active: the
total, and each import between its own work-history rows (claim to Active). Uses the
configured database and broker (DATABASE_URL, REDIS_URL; the embedded SQLite and the
folder broker in a temporary folder otherwise). The machine's cores are shared by the
worker processes, the web server and the database, so more processes than cores only
interleave the same work.

Last line: ``concurrency 1: T1 s  2: T2 s  4: T4 s  fastest: N`` (totals for 4 imports).

Usage: .venv/bin/python bench/worker_concurrency.py [--mib 256] [--levels 1,2,4]
"""

import argparse
import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MIB = 1024**2
IMPORTS = 4


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mib", type=int, default=256, help="data in each image, MiB")
    parser.add_argument("--levels", default="1,2,4", help="concurrencies to measure")
    args = parser.parse_args()
    levels = [int(level) for level in args.levels.split(",")]

    work = Path(tempfile.mkdtemp(prefix="bench-workers-"))
    atexit.register(shutil.rmtree, work, True)
    env = {
        **os.environ,
        "CONSOLE_VAR_DIR": str(work / "var"),
        "MEDIA_ROOT": str(work / "media"),
        "CONSOLE_IMPORT_ALLOW_HOSTS": "127.0.0.1",
        "CONSOLE_TASK_QUEUE": f"bench-workers-{os.getpid()}",
        "DJANGO_SETTINGS_MODULE": "console.settings",
    }
    os.environ.update(env)

    import django

    django.setup()
    from django.core.management import call_command

    from console.models import Account, WorkHistory
    from images.models import Image
    from images.qcow2 import write_qcow2
    from images.services import NewImage, image_create
    from tests.support.http_server import LocalHTTPServer

    call_command("migrate", verbosity=0)
    account, _ = Account.objects.get_or_create(name="Bench workers")
    disk = work / "bench.qcow2"
    size = write_qcow2(disk, max(args.mib * MIB * 2, 1024 * MIB), data_bytes=args.mib * MIB, seed=7)
    print(
        f"{IMPORTS} imports of a {size / MIB:.0f} MiB qcow2 on {os.cpu_count()} cores", flush=True
    )
    subprocess.run(["cat", str(disk)], stdout=subprocess.DEVNULL, check=True)
    os.sync()

    totals: dict[int, float] = {}
    with LocalHTTPServer() as server:
        urls = [server.serve_file(f"/bench-{n}.qcow2", disk) for n in range(IMPORTS)]
        for level in levels:
            worker = subprocess.Popen(
                [
                    sys.executable, "-m", "celery", "-A", "console", "worker",
                    "--pool", "prefork", "--concurrency", str(level),
                    "--loglevel", "WARNING", "--without-gossip", "--without-mingle",
                    "--without-heartbeat", "--queues", env["CONSOLE_TASK_QUEUE"],
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,  # a failed import ends in Error, reported below
            )  # fmt: skip
            try:
                time.sleep(3)  # the worker's processes start before the clock does
                started = time.monotonic()
                images = [
                    image_create(
                        account=account,
                        actor=None,
                        new=NewImage(
                            name=f"bench-c{level}-{n}",
                            os_type="ubuntu",
                            min_disk_gb=0,
                            min_ram_gb=0,
                            file_url=url,
                        ),
                    )
                    for n, url in enumerate(urls)
                ]
                deadline = started + 1800
                while time.monotonic() < deadline:
                    states = set(
                        Image.objects.filter(pk__in=[i.pk for i in images]).values_list(
                            "status", flat=True
                        )
                    )
                    if states <= {Image.Status.ACTIVE, Image.Status.ERROR}:
                        break
                    time.sleep(0.1)
                total = time.monotonic() - started
            finally:
                worker.terminate()
                worker.wait(60)
            failed = Image.objects.filter(pk__in=[i.pk for i in images]).exclude(status="Active")
            if failed.exists():
                raise SystemExit(f"imports failed: {list(failed.values_list('failure_reason'))}")
            each = []
            for image in images:
                rows = (
                    WorkHistory.objects.for_resource(image.pk)
                    .filter(event_topic=WorkHistory.Topic.IMPORT_IMAGE)
                    .order_by("work_time")
                )
                each.append((rows.last().work_time - rows.first().work_time).total_seconds())
            totals[level] = total
            print(
                f"concurrency {level}: {IMPORTS} imports in {total:.1f} s "
                f"(each {', '.join(f'{s:.1f}' for s in each)} s)",
                flush=True,
            )
            for image in images:
                image.refresh_from_db()
                if image.stored_file:
                    (work / "media" / image.stored_file).unlink(missing_ok=True)
    fastest = min(totals, key=totals.get)
    print(
        "  ".join(f"concurrency {level}: {total:.1f} s" for level, total in totals.items())
        + f"  fastest: {fastest}"
    )


if __name__ == "__main__":
    main()
