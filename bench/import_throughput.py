"""Import throughput and worker memory, measured side by side in one run.

Generates a qcow2 image with 1 GiB of data, serves it from a local HTTP server on
127.0.0.1, imports it through the real pipeline (a real Celery worker process, the
configured database and broker; the embedded defaults in a temporary folder unless
DATABASE_URL / REDIS_URL are set), and in the same run times ``sha512sum`` of the same
file. The import is timed between its own work-history rows (claim to Active), so
broker latency does not count.

The same file is then imported a second time by a worker whose image files are in a bucket
(moto's S3 server on 127.0.0.1, started here), and the two imports are compared.

Last lines: ``bucket/folder ratio: B`` and ``import/sha512sum ratio: R  worker peak RSS: M MB``
(targets: R <= 1.3, M <= 150).

Usage: .venv/bin/python bench/import_throughput.py [--gib N]
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

GIB = 1024**3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gib", type=float, default=1.0, help="data in the image, GiB")
    args = parser.parse_args()
    data_bytes = int(args.gib * GIB)

    work = Path(tempfile.mkdtemp(prefix="bench-import-"))
    atexit.register(shutil.rmtree, work, True)
    env = {
        **os.environ,
        "CONSOLE_VAR_DIR": str(work / "var"),
        "MEDIA_ROOT": str(work / "media"),
        "CONSOLE_IMPORT_ALLOW_HOSTS": "127.0.0.1",
        "CONSOLE_TASK_QUEUE": f"bench-{os.getpid()}",
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
    account, _ = Account.objects.get_or_create(name="Bench")

    disk = work / "bench.qcow2"
    print(f"writing a qcow2 with {args.gib:g} GiB of data to {disk} ...", flush=True)
    size = write_qcow2(disk, max(data_bytes * 2, GIB), data_bytes=data_bytes, seed=42)
    print(f"file size {size / GIB:.2f} GiB", flush=True)

    from tests.support.object_storage import CREDENTIALS, S3Server

    def import_once(label: str, extra_env: dict[str, str], url: str) -> tuple[float, int, Image]:
        """Import ``url`` with a fresh worker process given ``extra_env``; returns the import's
        seconds (claim to Active), the worker's peak RSS in kB and the image."""
        worker_env = {**env, **extra_env}
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "console",
                "worker",
                "--pool",
                "solo",
                "--loglevel",
                "WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--queues",
                env["CONSOLE_TASK_QUEUE"],
            ],
            cwd=ROOT,
            env=worker_env,
            stdout=subprocess.DEVNULL,
        )
        try:
            image = image_create(
                account=account,
                actor=None,
                new=NewImage(
                    name=f"bench-{label}",
                    os_type="ubuntu",
                    min_disk_gb=0,
                    min_ram_gb=0,
                    file_url=url,
                ),
            )
            peak_kb = 0
            deadline = time.monotonic() + 3600
            while time.monotonic() < deadline:
                peak_kb = max(peak_kb, _peak_rss_kb(worker.pid))
                image.refresh_from_db()
                if image.status in (Image.Status.ACTIVE, Image.Status.ERROR):
                    break
                time.sleep(0.2)
            peak_kb = max(peak_kb, _peak_rss_kb(worker.pid))
        finally:
            worker.terminate()
            worker.wait(30)
        if image.status != Image.Status.ACTIVE:
            raise SystemExit(f"{label} import ended {image.status}: {image.failure_reason}")
        rows = (
            WorkHistory.objects.for_resource(image.pk)
            .filter(event_topic=WorkHistory.Topic.IMPORT_IMAGE)
            .order_by("work_time")
        )
        seconds = (rows.last().work_time - rows.first().work_time).total_seconds()
        return seconds, peak_kb, image

    s3 = S3Server().start()
    try:
        bucket = f"bench-{os.getpid()}"
        s3.client().create_bucket(Bucket=bucket)
        bucket_env = {
            **CREDENTIALS,
            "CONSOLE_STORAGE_URL": f"s3://{bucket}?endpoint_url={s3.endpoint}&region=us-east-1",
        }
        with LocalHTTPServer() as server:
            url = server.serve_file("/bench.qcow2", disk)
            # Warm the page cache for every measurement alike, and let the writes of the
            # generated file reach the disk first: a flush running in the background
            # would slow whichever measurement it overlaps.
            subprocess.run(["cat", str(disk)], stdout=subprocess.DEVNULL, check=True)
            os.sync()
            import_seconds, peak_kb, image = import_once("folder", {}, url)
            os.sync()  # the imported copy's writes, likewise
            bucket_seconds, bucket_peak_kb, in_bucket = import_once("bucket", bucket_env, url)
        stored = s3.client().head_object(Bucket=bucket, Key=in_bucket.stored_file)
        assert stored["ContentLength"] == size, "the bucket holds a different size"
        assert in_bucket.os_hash_value == image.os_hash_value, "the bucket import hashed otherwise"
        # The floor set by the S3 server: the same bytes sent as a plain multipart upload, in
        # parts of the same size, one after another, with nothing else done to them.
        upload_seconds = _plain_multipart_upload(s3.client(), bucket, disk)
    finally:
        s3.stop()

    os.sync()
    started = time.perf_counter()
    digest = subprocess.run(
        ["sha512sum", str(disk)], capture_output=True, text=True, check=True
    ).stdout.split()[0]
    sha_seconds = time.perf_counter() - started
    assert digest == image.os_hash_value, "the imported sha512 differs from sha512sum"

    # The floor set by the disk: an import must also write every byte to storage.
    os.sync()
    copy = work / "media" / "copy.qcow2"
    started = time.perf_counter()
    subprocess.run(["cp", str(disk), str(copy)], check=True)
    copy_seconds = time.perf_counter() - started

    ratio = import_seconds / sha_seconds
    print(
        f"import into the folder: {import_seconds:.2f} s ({size / GIB / import_seconds:.2f} GiB/s)"
    )
    print(
        f"import into the bucket (moto's S3 server on 127.0.0.1): {bucket_seconds:.2f} s "
        f"({size / GIB / bucket_seconds:.2f} GiB/s), worker peak RSS "
        f"{bucket_peak_kb / 1024:.0f} MB"
    )
    print(f"sha512sum: {sha_seconds:.2f} s ({size / GIB / sha_seconds:.2f} GiB/s)")
    print(
        f"cp into storage (disk write floor): {copy_seconds:.2f} s, "
        f"cp/sha512sum ratio: {copy_seconds / sha_seconds:.2f}"
    )
    print(
        f"plain multipart upload into the bucket (its floor): {upload_seconds:.2f} s, "
        f"bucket import/plain upload ratio: {bucket_seconds / upload_seconds:.2f}"
    )
    print(f"bucket/folder ratio: {bucket_seconds / import_seconds:.2f}")
    print(f"import/sha512sum ratio: {ratio:.2f}  worker peak RSS: {peak_kb / 1024:.0f} MB")


def _plain_multipart_upload(client, bucket: str, path: Path) -> float:
    from django.conf import settings

    from images.pipeline.storage import MAX_PARTS

    part = max(
        settings.CONSOLE_STORAGE_PART_BYTES,
        -(-settings.CONSOLE_MAX_IMAGE_BYTES // (MAX_PARTS - 1)),
    )
    started = time.perf_counter()
    upload = client.create_multipart_upload(Bucket=bucket, Key="plain.qcow2")["UploadId"]
    parts = []
    with path.open("rb") as source:
        while body := source.read(part):
            number = len(parts) + 1
            sent = client.upload_part(
                Bucket=bucket, Key="plain.qcow2", UploadId=upload, PartNumber=number, Body=body
            )
            parts.append({"PartNumber": number, "ETag": sent["ETag"]})
    client.complete_multipart_upload(
        Bucket=bucket, Key="plain.qcow2", UploadId=upload, MultipartUpload={"Parts": parts}
    )
    return time.perf_counter() - started


def _peak_rss_kb(pid: int) -> int:
    """VmHWM: the most resident memory the process ever had."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0


if __name__ == "__main__":
    main()
