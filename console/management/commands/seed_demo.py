"""Demo data for trying the console: two accounts, their users and a staff user."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from console.models import Account, Membership

DEMO_PASSWORD = "demo-password-1"  # noqa: S105 (demo only; refused when DEBUG is false)

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
    help = "Create the demo accounts and users (idempotent; refused when DEBUG is false)."

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("seed_demo creates users with a known password: DEBUG must be on.")
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

    def seed_extras(self) -> None:
        """Hook for demo resources of other apps (GPU servers)."""
