"""Creating, checking and revoking API keys.

A key reads ``gck_<12 hex>_<secret>``: the first part is the key's public ID (shown in
the list, the admin site and the work history), the secret is 32 random bytes. Only a
salted SHA-256 of the secret is stored and it is compared in constant time.
"""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from api.models import ApiKey
from console.models import Account, Membership

TOKEN_RE = re.compile(r"^(gck_[0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
# Last used is a time for people, not an audit trail: one write a minute is enough.
LAST_USED_PRECISION = timedelta(seconds=60)

ERROR_NOT_MEMBER = _("You are not a member of this account.")
ERROR_NAME = _("Name the key: 1 to 64 characters.")
ERROR_ALREADY_REVOKED = _("This API key was already revoked.")

_DUMMY_SALT = secrets.token_hex(16)


def _digest(salt: str, secret: str) -> str:
    return hashlib.sha256(f"{salt}{secret}".encode()).hexdigest()


@dataclass(frozen=True)
class NewKey:
    key: ApiKey
    token: str  # shown once, never stored


@dataclass(frozen=True)
class Caller:
    """Who an API request acts as: the key's user, in the key's account, with the role the
    user has there now."""

    key: ApiKey
    membership: Membership

    @property
    def user(self):
        return self.key.user

    @property
    def account(self) -> Account:
        return self.membership.account


def apikey_create(*, user, account: Account, name: str) -> NewKey:
    name = (name or "").strip()
    if not 1 <= len(name) <= 64:
        raise ValidationError(ERROR_NAME, code="name")
    if not Membership.objects.filter(user=user, account=account).exists():
        raise ValidationError(ERROR_NOT_MEMBER, code="not_member")
    key_id = f"gck_{secrets.token_hex(6)}"
    secret = secrets.token_urlsafe(32)
    salt = secrets.token_hex(16)
    key = ApiKey.objects.create(
        id=key_id,
        name=name,
        user=user,
        account=account,
        salt=salt,
        secret_hash=_digest(salt, secret),
    )
    return NewKey(key=key, token=f"{key_id}_{secret}")


def apikey_revoke(*, key: ApiKey, actor) -> ApiKey:
    """Revoke a key at once: the next request with it answers 401. The row stays, so the
    admin site and the work history can still name it."""
    with transaction.atomic():
        revoked = ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=actor
        )
        if not revoked:
            raise ValidationError(ERROR_ALREADY_REVOKED, code="revoked")
    key.refresh_from_db()
    return key


def authenticate(token: str | None) -> Caller | None:
    """The caller a token stands for, or None: malformed, unknown, revoked, wrong secret,
    inactive user, or the user is no longer a member of the key's account."""
    match = TOKEN_RE.fullmatch(token or "")
    if match is None:
        return None
    key_id, secret = match.groups()
    key = ApiKey.objects.active().select_related("user", "account").filter(pk=key_id).first()
    # The digest is computed for unknown IDs too, so that timing tells nothing.
    expected = key.secret_hash if key else _digest(_DUMMY_SALT, "")
    if not hmac.compare_digest(_digest(key.salt if key else _DUMMY_SALT, secret), expected):
        return None
    if key is None or not key.user.is_active:
        return None
    membership = (
        Membership.objects.select_related("account")
        .filter(user_id=key.user_id, account_id=key.account_id)
        .first()
    )
    if membership is None:
        return None
    _touch(key)
    return Caller(key=key, membership=membership)


def _touch(key: ApiKey) -> None:
    now = timezone.now()
    if key.last_used_at is not None and now - key.last_used_at < LAST_USED_PRECISION:
        return
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    key.last_used_at = now
