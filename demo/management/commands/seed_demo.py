"""Demo data for trying the console: two accounts, their users and a staff user."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from console.models import Account, Membership

DEMO_PASSWORD = "demo-password-1"  # noqa: S105 (demo only, on this machine only)

# (account id, name, [(username, full name, role)])
DEMO_ACCOUNTS = [
    (
        "a8f10467abfc4b87b64614ab36eb9ae4",
        "Acme Research",
        [("alice", "Alice Anders", "member"), ("carol", "Carol Chen", "viewer")],
    ),
    ("b3c2f6d1e0a94c7b8d5e4f3a2b1c0d9e", "Beta Labs", [("bob", "Bob Brown", "member")]),
]


class Command(BaseCommand):
    help = (
        "Create the demo accounts and users (idempotent). Refused when DEBUG is false, "
        "unless --known-passwords is given for a console served on this machine alone."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--known-passwords",
            action="store_true",
            help="Seed although DEBUG is off (`make run`): only while ALLOWED_HOSTS names "
            "this machine alone, so nobody else can sign in with the demo password.",
        )

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG and not (options["known_passwords"] and settings.LOCAL_ONLY):
            raise CommandError(
                "seed_demo creates users with a known password: DEBUG must be on, or "
                "--known-passwords given for a console served on this machine alone."
            )
        User = get_user_model()
        with transaction.atomic():
            for account_id, name, users in DEMO_ACCOUNTS:
                account, _ = Account.objects.update_or_create(
                    id=account_id, defaults={"name": name}
                )
                for username, full_name, role in users:
                    first, last = full_name.split(" ", 1)
                    user = self._user(User, username, first, last)
                    Membership.objects.update_or_create(
                        user=user, account=account, defaults={"role": role}
                    )
            admin = self._user(User, "admin", "Ada", "Admin")
            admin.is_staff = admin.is_superuser = True
            admin.save(update_fields=["is_staff", "is_superuser"])
        # Imports run in their own transactions, as the worker runs them.
        self.seed_images()
        with transaction.atomic():
            self.seed_extras()
        self.stdout.write(self.style.SUCCESS("Demo data ready. Every password: " + DEMO_PASSWORD))
        for _, name, users in DEMO_ACCOUNTS:
            for username, _, role in users:
                self.stdout.write(f"  {username:<6} {role:<7} {name}")
        self.stdout.write("  admin  staff   (admin site at /admin/)")

    def _user(self, User, username: str, first: str, last: str):
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@example.com"},
        )
        if created or not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        return user

    def seed_images(self) -> None:
        """A few Active images per demo account, imported through the real pipeline from
        small generated qcow2 files, and one of Acme's shared with Beta Labs (Pending).

        Idempotent: an image that exists by name is left alone.
        """
        import io

        from django.core.files.base import ContentFile
        from django.core.files.storage import default_storage

        from images import importing
        from images.models import Image
        from images.qcow2 import write_qcow2
        from images.services import NewImage, image_create
        from sharing.models import Share
        from sharing.services import share_create

        gib = 1 << 30
        # (account index, name, os type, virtual GiB, min disk, min RAM, visibility, protected,
        #  tags)
        images = [
            (
                0,
                "ubuntu-22-04-cuda-12",
                "ubuntu",
                40,
                40,
                16,
                "Shared",
                True,
                [("team", "ml-platform"), ("cuda", "12.4")],
            ),
            (0, "rocky-9-base", "rocky", 20, 20, 8, "Private", False, [("team", "infra")]),
            (
                0,
                "alma-9-pytorch-2",
                "alma",
                60,
                60,
                32,
                "Private",
                False,
                [("framework", "pytorch")],
            ),
            (1, "ubuntu-24-04-base", "ubuntu", 20, 20, 8, "Private", False, []),
        ]
        User = get_user_model()
        for index, (
            account_no,
            name,
            os_type,
            vgib,
            disk,
            ram,
            visibility,
            protected,
            tags,
        ) in enumerate(images):
            account_id, _, users = DEMO_ACCOUNTS[account_no]
            account = Account.objects.get(id=account_id)
            if Image.objects.filter(account=account, name=name).exists():
                continue
            data = io.BytesIO()
            write_qcow2(data, vgib * gib, data_bytes=(index + 1) * 512 * 1024, seed=index + 1)
            staged = default_storage.save(
                f"uploads/demo/{name}.qcow2", ContentFile(data.getvalue())
            )
            actor = User.objects.get(username=users[0][0])
            image = image_create(
                account=account,
                actor=actor,
                new=NewImage(
                    name=name,
                    os_type=os_type,
                    min_disk_gb=disk,
                    min_ram_gb=ram,
                    visibility=visibility,
                    protected=protected,
                    tags=tags,
                ),
                source_file=staged,
            )
            importing.image_import(image_id=image.pk)
        acme_shared = Image.objects.filter(
            account_id=DEMO_ACCOUNTS[0][0], name="ubuntu-22-04-cuda-12"
        ).first()
        beta_id = DEMO_ACCOUNTS[1][0]
        if (
            acme_shared
            and not Share.objects.filter(image=acme_shared, target_account_id=beta_id).exists()
        ):
            share_create(
                image=acme_shared,
                target_account_id=beta_id,
                actor=User.objects.get(username="alice"),
            )

    def seed_extras(self) -> None:
        """Two running and one stopped GPU server per demo account, each with a small real
        qcow2 root disk in the image storage under ``servers/<server id>/root.qcow2``.

        Idempotent: servers are found by account and name; a missing disk is written again.
        """
        import hashlib
        import io
        import uuid

        from django.core.files.base import ContentFile
        from django.core.files.storage import default_storage

        from images.models import Image
        from images.qcow2 import write_qcow2
        from servers.models import GpuServer

        gib = 1 << 30
        running, stopped = GpuServer.Status.RUNNING, GpuServer.Status.STOPPED
        # (name suffix, status, GPU type, GPU count, flavor, virtual disk size in GiB)
        servers = [
            ("train-01", running, "H100", 8, "gpu.h100.8x-1920g", 200),
            ("infer-01", running, "L40S", 2, "gpu.l40s.2x-256g", 80),
            ("dev-01", stopped, "A100", 1, "gpu.a100.1x-120g", 40),
        ]
        for account_id, account_name, _ in DEMO_ACCOUNTS:
            account = Account.objects.get(id=account_id)
            prefix = account_name.split()[0].lower()
            base_image = (
                Image.objects.filter(account=account, status=Image.Status.ACTIVE)
                .order_by("-created_at")
                .first()
            )
            for suffix, status, gpu_type, gpu_count, flavor, disk_gib in servers:
                name = f"{prefix}-{suffix}"
                server = GpuServer.objects.filter(account=account, name=name).first()
                if server is None:
                    server_id = uuid.uuid4()
                    server = GpuServer.objects.create(
                        id=server_id,
                        account=account,
                        name=name,
                        status=status,
                        gpu_type=gpu_type,
                        gpu_count=gpu_count,
                        flavor=flavor,
                        image=base_image,
                        root_disk=f"servers/{server_id}/root.qcow2",
                    )
                elif server.image_id is None and base_image is not None:
                    server.image = base_image
                    server.save(update_fields=["image"])
                if not default_storage.exists(server.root_disk):
                    disk = io.BytesIO()
                    seed = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")
                    write_qcow2(disk, disk_gib * gib, data_bytes=256 * 1024, seed=seed)
                    saved = default_storage.save(server.root_disk, ContentFile(disk.getvalue()))
                    if saved != server.root_disk:
                        raise CommandError(f"Could not write the disk of {name} as {saved}.")
