"""One big account: 100,003 images, about 500,000 tags, 18,148 shares and 1,000,010
work-history rows, beside 22 other accounts with 11,500 images and 100,000 history rows.

Builds that data set once with COPY in a PostgreSQL database of its own (``scale_bench``
unless ``--db`` names another ``scale_*`` one) and keeps it: a later run migrates it and
reuses it. Then, in one run:

- starts gunicorn (2 workers, production settings) on 127.0.0.1 against that database and
  times pages interleaved (each round requests every page once, in turn), medians of at
  least 7 rounds, measured by the client;
- runs a bounded load (8 client connections for a few seconds, loopback only) on the image
  list and on the admin changelist, as a user first opens them (the list's default page of
  25 rows, the changelist's 100), interleaved, median requests/s;
- EXPLAIN ANALYZEs every query that the list (every sort both ways, every filter, deep
  pages), Activity history (pages and filters), the image detail tabs and the tag
  suggestions run at this size, as the views run them, and counts the sequential scans on
  the images, tags, shares and work-history tables.

Last line:
``list/admin: R1  list deep/first: R2  activity deep/first: R3  activity filter/first: R4
seq scans: N  list rps/admin rps: R5`` (one line; targets R1 <= 1.0, R2 <= 1.5, R3 <= 1.5,
R4 <= 2.0, N = 0, R5 >= 1.5).

Usage: .venv/bin/python bench/scale.py [--db scale_bench] [--rounds 7] [--rebuild]
       [--plans FILE]
"""

import argparse
import datetime
import html
import http.client
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATA_VERSION = "6"
PG = "postgres://postgres@127.0.0.1:5432"
BIG_ID = "5ca1eb19000000000000000000000001"
SMALL_ID = "5ca1eb19000000000000000000000002"
OTHER_IDS = [f"5ca1eb190000000000000000000001{n:02x}" for n in range(21)]
BIG_IMAGES = 100_003
SMALL_IMAGES = 1_000
OTHER_IMAGES_EACH = 500
BIG_HISTORY = 1_000_010
HOT_HISTORY = 52_240  # rows of the one image whose Work History tab is measured
OTHER_HISTORY = 100_000
SHARES_FROM_BIG = 16_048
SHARES_TO_BIG = 1_648
SHARES_TO_SMALL = 452
OS_TYPES = ["alma", "centos", "oracle", "rhel", "rocky", "ubuntu"]
WORDS = ["train", "infer", "base", "cuda", "torch", "jax", "bert", "llama", "vision", "speech"]
WORDS += ["data", "prod", "dev", "test", "gpu", "edge"]
TAG_KEYS = [
    "env", "team", "project", "owner", "cost-center", "stage", "app", "tier", "region",
    "zone", "purpose", "release", "build", "framework", "cuda", "driver", "kernel", "os",
    "arch", "gpu", "model", "dataset", "experiment", "run", "user", "group", "service",
    "component", "version", "channel", "customer", "contract", "budget", "ticket", "backup",
    "retention", "compliance", "security", "network", "storage",
]  # fmt: skip
TOPICS = [
    ("SetTag", 20), ("CreateTag", 18), ("SetImage", 16), ("ImportImage", 14),
    ("CreateImage", 10), ("DeleteTag", 8), ("CreateImageMember", 5), ("SetImageMember", 4),
    ("DeleteImageMember", 2), ("RetryImageImport", 2), ("DeleteImage", 1),
]  # fmt: skip
SCANNED_TABLES = ("images_image", "images_tag", "sharing_share", "console_workhistory")
START = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)


def log(text: str) -> None:
    print(text, flush=True)


# --- the data set -----------------------------------------------------------------------


def _ensure_database(name: str) -> bool:
    """Create the database if missing (or holding another version of the data set, which
    is dropped first); True when it already holds this data set."""
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    if exists:
        with psycopg.connect(f"{PG}/{name}", autocommit=True) as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS scale_bench_marker (version text)")
            row = conn.execute("SELECT version FROM scale_bench_marker").fetchone()
        if row and row[0] == DATA_VERSION:
            return True
        _drop_database(name)
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return False


def _drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _copy(conn, model, rows, fields: list[str]) -> int:
    """COPY ``rows`` (tuples in ``fields`` order) into ``model``'s table; every other
    column gets its field default, so the loader follows the model."""
    concrete = [f for f in model._meta.concrete_fields if not f.primary_key or f.name in fields]
    given = {name: i for i, name in enumerate(fields)}
    defaults = {}
    for field in concrete:
        if field.name not in given:
            default = field.get_default()
            defaults[field.column] = default
    from psycopg.types.json import Jsonb

    columns = [f.column for f in concrete]
    order = [(f.column, given.get(f.name)) for f in concrete]
    count = 0
    with conn.cursor() as cursor:
        quoted = ", ".join(f'"{c}"' for c in columns)
        with cursor.copy(f'COPY "{model._meta.db_table}" ({quoted}) FROM STDIN') as copy:
            for row in rows:
                values = [
                    row[index] if index is not None else defaults[col] for col, index in order
                ]
                copy.write_row([Jsonb(v) if isinstance(v, dict) else v for v in values])
                count += 1
    return count


def _image_rows(rng: random.Random, account_id: str, count: int, user_id: int, salt: int):
    """(id, account, name, status, os_type, visibility, protected, origin, size,
    created_at, created_by, file_url, failure_reason) for ``count`` images; every third
    image shares its creation time with two others (ties must not break paging)."""
    rows = []
    step = (730 * 86400) // max(count // 3, 1)
    for n in range(count):
        status = "Active"
        if n % 100 == 1:
            status = "Error"
        elif n % 200 == 3:
            status = "Queued"
        elif n % 200 == 5:
            status = "Importing"
        origin = "server" if n % 10 == 7 else "upload"
        visibility = "Shared" if n % 5 == 0 else "Private"
        words = f"{WORDS[(n * 7 + salt) % len(WORDS)]}-{WORDS[(n // 16 + salt) % len(WORDS)]}"
        rows.append(
            (
                uuid.UUID(int=rng.getrandbits(128), version=4),
                account_id,
                f"{OS_TYPES[n % 6]}-{words}-{n:06d}",
                status,
                OS_TYPES[(n * 5 + salt) % 6],
                visibility,
                n % 10 == 4,
                origin,
                None if status in ("Queued", "Importing") else rng.randrange(1, 64) * 2**28,
                START + datetime.timedelta(seconds=(n // 3) * step),
                user_id,
                "" if origin == "server" else f"https://images.example.com/{n}.qcow2",
                "The file is not a qcow2 image" if status == "Error" else "",
            )
        )
    return rows


IMAGE_FIELDS = [
    "id", "account", "name", "status", "os_type", "visibility", "protected", "origin",
    "size", "created_at", "created_by", "file_url", "failure_reason",
]  # fmt: skip


def build(db_name: str) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from console.models import Account, Membership, WorkHistory
    from images.models import Image, Tag
    from sharing.models import Share

    rng = random.Random(14)
    started = time.monotonic()
    User = get_user_model()
    big = Account.objects.create(id=BIG_ID, name="Scale Big")
    small = Account.objects.create(id=SMALL_ID, name="Scale Small")
    others = [Account.objects.create(id=i, name=f"Scale Other {i[-2:]}") for i in OTHER_IDS]
    admin = User.objects.create_superuser("scale-admin", "scale-admin@example.com", "x" * 16)
    small_user = User.objects.create_user("scale-small", "scale-small@example.com", "x" * 16)
    Membership.objects.create(user=admin, account=big, role="member")
    Membership.objects.create(user=small_user, account=small, role="member")

    big_images = _image_rows(rng, BIG_ID, BIG_IMAGES, admin.pk, 0)
    small_images = _image_rows(rng, SMALL_ID, SMALL_IMAGES, small_user.pk, 3)
    other_images = []
    for i, other in enumerate(others):
        other_images += _image_rows(rng, other.id, OTHER_IMAGES_EACH, admin.pk, 5 + i)
    connection.ensure_connection()
    conn = connection.connection  # autocommit: each COPY commits on its own
    _copy(conn, Image, big_images + small_images + other_images, IMAGE_FIELDS)
    log(f"  images: {len(big_images) + len(small_images) + len(other_images):,}")

    # Tags carry their image's account where the model keeps it.
    with_account = any(f.name == "account" for f in Tag._meta.concrete_fields)

    def tags():
        for n, row in enumerate(big_images):
            for j in range(n % 9 + 1):
                key = TAG_KEYS[(n + j * 7) % len(TAG_KEYS)]
                value = "" if j == 3 else f"{key[:4]}-{(n * 31 + j) % 500}"
                yield (row[0], key, value, row[1])
        for n, row in enumerate(small_images + other_images):
            for j in range(2):
                key = TAG_KEYS[(n + j) % len(TAG_KEYS)]
                yield (row[0], key, f"{key[:4]}-{n % 50}", row[1])

    tag_fields = ["image", "key", "value", "account"]
    if not with_account:
        tag_fields.pop()
    log(f"  tags: {_copy(conn, Tag, tags(), tag_fields):,}")

    def shares():
        now = START + datetime.timedelta(days=700)
        statuses = ["Pending", "Accepted", "Rejected"]
        shareable = [r for r in big_images if r[5] == "Shared" and r[7] == "upload"]
        for n, row in enumerate(shareable[:SHARES_FROM_BIG]):
            yield (row[0], OTHER_IDS[n % len(OTHER_IDS)], statuses[n % 3], admin.pk, now, now)
        others_shareable = [r for r in other_images if r[5] == "Shared" and r[7] == "upload"]
        for row in others_shareable[:SHARES_TO_BIG]:
            yield (row[0], BIG_ID, "Accepted", admin.pk, now, now)
        for row in others_shareable[SHARES_TO_BIG : SHARES_TO_BIG + SHARES_TO_SMALL]:
            yield (row[0], SMALL_ID, "Accepted", admin.pk, now, now)

    share_fields = ["image", "target_account_id", "status", "requested_by", "created_at"]
    log(f"  shares: {_copy(conn, Share, shares(), [*share_fields, 'modified_at']):,}")

    topics = [t for t, weight in TOPICS for _ in range(weight)]

    def history():
        span = 730 * 86400
        hot = big_images[6]
        for i in range(BIG_HISTORY):
            row = (
                hot
                if i % 19 == 0 and i // 19 < HOT_HISTORY
                else big_images[(i * 7919) % BIG_IMAGES]
            )
            yield (
                START + datetime.timedelta(seconds=(i // 2) * (2 * span // BIG_HISTORY)),
                BIG_ID,
                "Image",
                str(row[0]),
                row[2],
                topics[(i * 13) % len(topics)],
                {"code": "text", "params": {"text": f"Tag env was set to value-{i % 997}."}},
                "Failure" if i % 33 == 0 else "Success",
                str(admin.pk),
                "scale-admin",
                "scale-admin@example.com",
                "kr-west1",
            )
        for i in range(OTHER_HISTORY):
            row = other_images[(i * 31) % len(other_images)]
            yield (
                START + datetime.timedelta(seconds=i * 600),
                row[1],
                "Image",
                str(row[0]),
                row[2],
                topics[(i * 7) % len(topics)],
                {"code": "text", "params": {"text": "Image was created."}},
                "Success",
                "system",
                "system",
                "",
                "kr-west1",
            )

    history_fields = [
        "work_time", "account", "resource_type", "resource_id", "resource_name",
        "event_topic", "details", "result", "worker_id", "worker_name", "worker_email",
        "region",
    ]  # fmt: skip
    log(f"  work history: {_copy(conn, WorkHistory, history(), history_fields):,}")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS scale_bench_marker (version text)")
        cursor.execute("INSERT INTO scale_bench_marker (version) VALUES (%s)", [DATA_VERSION])
    log(f"  built in {time.monotonic() - started:.0f} s")


def prepare(db_name: str, rebuild: bool) -> None:
    if rebuild:
        _drop_database(db_name)
    ready = _ensure_database(db_name)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if not ready:
        log(f"building the data set in {db_name} ...")
        build(db_name)
    else:
        log(f"reusing the data set in {db_name}")
    import psycopg

    with psycopg.connect(f"{PG}/{db_name}", autocommit=True) as conn:
        started = time.monotonic()
        conn.execute("VACUUM ANALYZE")
        log(f"VACUUM ANALYZE: {time.monotonic() - started:.1f} s")


# --- the web server and the client ------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _session_cookie(username: str) -> str:
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return f"sessionid={client.cookies['sessionid'].value}"


class Server:
    def __init__(self, db_name: str, work: Path) -> None:
        self.port = _free_port()
        self.env = {
            **os.environ,
            "DATABASE_URL": f"{PG}/{db_name}",
            "DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "STATIC_ROOT": str(work / "static"),
            "CONSOLE_VAR_DIR": str(work / "var"),
            "MEDIA_ROOT": str(work / "media"),
            "LOG_LEVEL": "WARNING",
        }
        self.env.pop("REDIS_URL", None)
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
            cwd=ROOT,
            env=self.env,
            check=True,
        )
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(
            [
                str(gunicorn),
                "console.wsgi",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "120",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=self.env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("gunicorn did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def fetch(port: int, path: str, cookie: str, conn=None) -> tuple[float, str]:
    """GET ``path``; (seconds, body). A non-200 answer stops the bench."""
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    conn.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
    response = conn.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - started
    if own:
        conn.close()
    if response.status != 200:
        raise SystemExit(f"GET {path} answered {response.status}")
    return elapsed, body.decode()


def last_page_link(path: str, body: str) -> str:
    """The link to the last page that a page's pagination offers."""
    nav = re.search(r'<ul class="pagination".*?</ul>', body, re.S)
    if not nav:
        raise SystemExit(f"{path}: no pagination")
    links = [
        (html.unescape(h), label)
        for h, label in re.findall(r'<a href="([^"]+)"([^>]*)>', nav.group(0))
    ]
    chosen = next((h for h, label in links if 'aria-label="Last page"' in label), None)
    if chosen is None:
        numbered = [
            (int(m.group(1)), h) for h, _ in links if (m := re.search(r"(?:^|[?&])page=(\d+)", h))
        ]
        chosen = max(numbered)[1]
    base = urlsplit(path).path
    return base + chosen if chosen.startswith("?") else chosen


def time_pages(port: int, pages: dict[str, tuple[str, str]], rounds: int) -> dict[str, float]:
    """Median seconds per page; every round requests each page once, in turn."""
    for path, cookie in pages.values():  # warm up every worker's caches
        for _ in range(2):
            fetch(port, path, cookie)
    samples: dict[str, list[float]] = {name: [] for name in pages}
    for _ in range(rounds):
        for name, (path, cookie) in pages.items():
            samples[name].append(fetch(port, path, cookie)[0])
    return {name: statistics.median(values) for name, values in samples.items()}


def load(port: int, path: str, cookie: str, seconds: float, connections: int = 8) -> float:
    """Requests/s of ``connections`` clients, each sending one request after the other
    for ``seconds`` (and at most 10,000 requests in all)."""
    done = [0] * connections
    stop_at = time.monotonic() + seconds
    budget = threading.Semaphore(10_000)

    def client(slot: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while time.monotonic() < stop_at and budget.acquire(blocking=False):
            try:
                fetch(port, path, cookie, conn)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                continue
            done[slot] += 1
        conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.monotonic() - started)


# --- plans ------------------------------------------------------------------------------


def _walk(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from _walk(child)


def explain_pages(pages: dict[str, tuple[str, str]], plans_out: Path | None) -> tuple[int, list]:
    """EXPLAIN ANALYZE every query each page runs; (seq scans on the big tables, lines)."""
    import json

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    clients = {}
    for username in ("scale-admin", "scale-small"):
        client = Client()
        client.force_login(get_user_model().objects.get(username=username))
        clients[username] = client
    seen: dict[str, tuple[list[str], float]] = {}
    total = 0
    report = []
    plan_text = []
    for name, (path, username) in pages.items():
        with CaptureQueriesContext(connection) as captured:
            response = clients[username].get(path)
        if response.status_code != 200:
            raise SystemExit(f"{name}: GET {path} answered {response.status_code}")
        scans = []
        slowest = 0.0
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            if not any(table in sql for table in SCANNED_TABLES):
                continue
            if sql not in seen:
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
                    plan = cursor.fetchone()[0]
                    plan = json.loads(plan) if isinstance(plan, str) else plan
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                    text = "\n".join(r[0] for r in cursor.fetchall())
                found = [
                    f"{n['Relation Name']} ({n.get('Rows Removed by Filter', 0):,} rows removed)"
                    for n in _walk(plan[0]["Plan"])
                    if n["Node Type"] == "Seq Scan" and n.get("Relation Name") in SCANNED_TABLES
                ]
                seen[sql] = (found, plan[0].get("Execution Time", 0.0))
                total += len(found)
                plan_text.append(f"-- {name}: {path}\n{sql}\n{text}\n")
            found, ms = seen[sql]
            slowest = max(slowest, ms)
            scans += found
        report.append((name, path, len(captured.captured_queries), slowest, scans))
    if plans_out:
        plans_out.write_text("\n".join(plan_text))
    return total, report


class _SkipTiming(Exception):
    pass


# --- the run ----------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="scale_bench", help="database name (scale_*)")
    parser.add_argument("--rounds", type=int, default=11, help="interleaved rounds (>= 7)")
    parser.add_argument("--load-seconds", type=float, default=5.0)
    parser.add_argument("--rebuild", action="store_true", help="drop and build the data again")
    parser.add_argument("--plans", type=Path, help="write every EXPLAIN ANALYZE to this file")
    parser.add_argument(
        "--explain-only", action="store_true", help="only the plans (no timing, no last line)"
    )
    args = parser.parse_args()
    if not args.db.startswith("scale_"):
        parser.error("--db must start with scale_")
    args.rounds = max(7, args.rounds)

    work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    os.environ.update(
        {
            "DATABASE_URL": f"{PG}/{args.db}",
            "CONSOLE_VAR_DIR": str(work / "var"),
            "MEDIA_ROOT": str(work / "media"),
            "DJANGO_SETTINGS_MODULE": "console.settings",
            "LOG_LEVEL": "WARNING",
            # The web server reads the sessions this process signs.
            "SECRET_KEY": "scale-bench-" + uuid.uuid4().hex,
            # This process renders pages only to capture their queries: plain static
            # files (the web server runs with DEBUG off and collected static files).
            "DEBUG": "true",
        }
    )
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()
    prepare(args.db, args.rebuild)

    from console.models import WorkHistory
    from images.models import Image

    big_images = Image.objects.filter(account_id=BIG_ID)
    counts = {
        "images (big account)": big_images.count(),
        "images (all)": Image.objects.count(),
        "tags": Image.tags.rel.related_model.objects.count(),
        "shares": Image.shares.rel.related_model.objects.count(),
        "work history (big account)": WorkHistory.objects.filter(account_id=BIG_ID).count(),
        "work history (all)": WorkHistory.objects.count(),
    }
    log("data set: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    hot_id = (
        WorkHistory.objects.filter(account_id=BIG_ID, resource_name__endswith="-000006")
        .values_list("resource_id", flat=True)
        .first()
    )
    hot_name = Image.objects.get(pk=hot_id).name
    typical = Image.objects.filter(account_id=BIG_ID, name__endswith="-042424").get()
    hot_rows = WorkHistory.objects.filter(account_id=BIG_ID, resource_id=hot_id).count()
    log(f"image with the longest work history: {hot_name} ({hot_rows:,} rows)")

    images = "/gpu-server/images/"
    activity = "/gpu-server/activity-history/"
    detail = f"{images}{hot_id}/"
    history_tab = f"{detail}?tab=history"
    if args.explain_only:
        list_last = f"{images}?per_page=50&page=last"
        activity_last = f"{activity}?page=last"
        history_last = f"{history_tab}&page=last"
        server = None
    else:
        server = Server(args.db, work)
    try:
        if server is None:
            raise _SkipTiming
        admin_cookie = _session_cookie("scale-admin")
        small_cookie = _session_cookie("scale-small")
        port = server.port
        list50 = f"{images}?per_page=50"
        list_last = last_page_link(list50, fetch(port, list50, admin_cookie)[1])
        activity_last = last_page_link(activity, fetch(port, activity, admin_cookie)[1])
        history_last = last_page_link(history_tab, fetch(port, history_tab, admin_cookie)[1])
        log(f"last pages: {list_last}  {activity_last}  {history_last}")
        pages = {
            "list (100 rows)": (f"{images}?per_page=100", admin_cookie),
            "admin changelist (100 rows)": ("/admin/images/image/", admin_cookie),
            "list first (50 rows)": (list50, admin_cookie),
            "list last (50 rows)": (list_last, admin_cookie),
            "list small account (100 rows)": (f"{images}?per_page=100", small_cookie),
            "list sorted by os_type": (f"{images}?per_page=100&sort=os_type", admin_cookie),
            "list name search": (f"{images}?per_page=100&name=llama-cuda", admin_cookie),
            "activity first": (activity, admin_cookie),
            "activity last": (activity_last, admin_cookie),
            "activity topic": (f"{activity}?topic=DeleteImageMember", admin_cookie),
            "activity resource": (f"{activity}?resource={typical.name}", admin_cookie),
            "activity result": (f"{activity}?result=Failure", admin_cookie),
            "work history tab first": (history_tab, admin_cookie),
            "work history tab last": (history_last, admin_cookie),
            "tag suggestions (key)": (f"{images}tag-suggestions/key/?key=c", admin_cookie),
            "tag suggestions (value)": (
                f"{images}tag-suggestions/value/?key=env&value=env-1",
                admin_cookie,
            ),
            "admin image search": ("/admin/images/image/?q=llama-cuda", admin_cookie),
            "admin work history": ("/admin/console/workhistory/", admin_cookie),
        }
        log(f"timing {len(pages)} pages, {args.rounds} interleaved rounds ...")
        medians = time_pages(port, pages, args.rounds)
        for name, seconds in medians.items():
            log(f"  {name:32s} {seconds * 1000:9.1f} ms   {pages[name][0]}")

        log(f"bounded load: 8 connections, {args.load_seconds:g} s each, interleaved ...")
        rps_list, rps_admin = [], []
        for _ in range(args.rounds):
            rps_list.append(load(port, images, admin_cookie, args.load_seconds))
            rps_admin.append(load(port, "/admin/images/image/", admin_cookie, args.load_seconds))
        list_rps, admin_rps = statistics.median(rps_list), statistics.median(rps_admin)
        log(f"  list (25 rows)      {list_rps:6.1f} req/s  runs {[round(r, 1) for r in rps_list]}")
        log(
            f"  admin (100 rows)    {admin_rps:6.1f} req/s  runs {[round(r, 1) for r in rps_admin]}"
        )
    except _SkipTiming:
        pass
    finally:
        if server is not None:
            server.stop()

    sorts = ["name", "status", "os_type", "visibility", "protected", "origin", "size"]
    sorts += ["created_at"]
    explained = {
        "list": (f"{images}?per_page=100", "scale-admin"),
        "list small account": (f"{images}?per_page=100", "scale-small"),
        "list last page": (list_last, "scale-admin"),
    }
    for key in sorts:
        for sign in ("", "-"):
            explained[f"list sort {sign}{key}"] = (
                f"{images}?per_page=50&sort={sign}{key}",
                "scale-admin",
            )
    for query in ("name=llama-cuda", "name=042", "status=Error", "os_type=rocky"):
        explained[f"list filter {query}"] = (f"{images}?per_page=50&{query}", "scale-admin")
    explained["list filter visibility=Shared sort size"] = (
        f"{images}?per_page=50&visibility=Shared&sort=-size",
        "scale-admin",
    )
    explained.update(
        {
            "activity": (activity, "scale-admin"),
            "activity last page": (activity_last, "scale-admin"),
            "activity topic": (f"{activity}?topic=DeleteImageMember", "scale-admin"),
            "activity resource": (f"{activity}?resource={typical.name}", "scale-admin"),
            "activity resource id": (f"{activity}?resource={typical.pk}", "scale-admin"),
            "activity result": (f"{activity}?result=Failure", "scale-admin"),
            "activity period": (
                f"{activity}?date_from=2025-03-01&date_to=2025-03-02",
                "scale-admin",
            ),
            "detail": (detail, "scale-admin"),
            "detail tags": (f"{detail}?tab=tags", "scale-admin"),
            "detail work history": (history_tab, "scale-admin"),
            "detail work history last": (history_last, "scale-admin"),
            "detail work history topic": (f"{history_tab}&topic=SetTag", "scale-admin"),
            "tag suggestions key": (f"{images}tag-suggestions/key/?key=c", "scale-admin"),
            "tag suggestions key empty": (f"{images}tag-suggestions/key/?key=", "scale-admin"),
            "tag suggestions value": (
                f"{images}tag-suggestions/value/?key=env&value=env-1",
                "scale-admin",
            ),
        }
    )
    log(f"EXPLAIN ANALYZE of the queries of {len(explained)} pages ...")
    seq_scans, report = explain_pages(explained, args.plans)
    for name, _path, queries, slowest, scans in report:
        flag = "SEQ SCAN " + "; ".join(scans) if scans else "no seq scan"
        log(f"  {name:40s} {queries:3d} queries, slowest {slowest:8.1f} ms  {flag}")
    admin_pages = {
        "admin images": ("/admin/images/image/", "scale-admin"),
        "admin image search": ("/admin/images/image/?q=llama-cuda", "scale-admin"),
        "admin work history": ("/admin/console/workhistory/", "scale-admin"),
        "admin work history search": ("/admin/console/workhistory/?q=llama", "scale-admin"),
        "admin shares": ("/admin/sharing/share/", "scale-admin"),
        "admin tags of an image": (f"/admin/images/image/{hot_id}/change/", "scale-admin"),
    }
    _, admin_report = explain_pages(admin_pages, None)
    log("admin site (not counted in N):")
    for name, _path, queries, slowest, scans in admin_report:
        flag = "SEQ SCAN " + "; ".join(scans) if scans else "no seq scan"
        log(f"  {name:40s} {queries:3d} queries, slowest {slowest:8.1f} ms  {flag}")

    if args.explain_only:
        return
    m = medians
    r1 = m["list (100 rows)"] / m["admin changelist (100 rows)"]
    r2 = m["list last (50 rows)"] / m["list first (50 rows)"]
    r3 = m["activity last"] / m["activity first"]
    slowest_filter = max(m["activity topic"], m["activity resource"], m["activity result"])
    r4 = slowest_filter / m["activity first"]
    r5 = list_rps / admin_rps
    shutil.rmtree(work, ignore_errors=True)
    log(
        f"list/admin: {r1:.2f}  list deep/first: {r2:.2f}  activity deep/first: {r3:.2f}  "
        f"activity filter/first: {r4:.2f}  seq scans: {seq_scans}  list rps/admin rps: {r5:.2f}"
    )


if __name__ == "__main__":
    main()
