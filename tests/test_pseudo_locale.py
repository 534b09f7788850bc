"""Every page, fragment and dialog in a pseudo-locale whose catalog wraps each translated
string in markers (⟦…⟧): any visible text left outside the markers never went through
translation. Data (names, IDs, hashes, numbers, dates, time zones, OS names, event topic
codes, product names) is not translated and is allowed.

The pseudo catalog is made here from the Korean catalog's messages (the console's own) and
Django's Korean catalogs (its form and admin messages), so it covers exactly what a Korean
user would see translated.
"""

import re
import uuid
from html.parser import HTMLParser
from pathlib import Path

import django
import polib
import pytest
from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import trans_real

from api.keys import apikey_create
from api.models import ApiKey
from console import work_history
from console.models import Account, Membership, Profile
from images import history, services
from images.models import Image
from images.pipeline import errors
from servers.models import GpuServer
from sharing import services as sharing_services
from tests.support.factories import make_image, make_server
from tests.support.htmx import HTMX
from tests.support.personas import PASSWORD, client_for

PSEUDO = "xx"
OPEN, CLOSE = "⟦", "⟧"

# Words that are data or names in every language (the glossary keeps them in English).
DATA_WORDS = {
    "GPU Server",
    "한국어",
    "English",
    "Alma Linux",
    "CentOS",
    "Oracle Linux",
    "RHEL",
    "Rocky Linux",
    "Ubuntu",
    "qcow2",
    "sha512",
    "TiB",
    "GiB",
    "MiB",
    "KiB",
    "UTC",
    "KST",
    "kr-west1",
    "Pseudo",  # the test language's own name, beside 한국어 and English
    *(topic.value for topic in work_history.Topic),
}
DATA_TOKEN = re.compile(
    r"^("
    # numbers, dates, times, punctuation
    r"[\d.,:%+\-\u2013\u2014\u00b7\u2026\u2039\u203a\u00d7()/\[\]|=']+"
    r"|[0-9a-f]{8,}"  # IDs and hashes
    r"|[0-9a-f-]{36}"  # UUIDs
    r"|[A-Z][a-z]+/[A-Za-z_/\-]+"  # time zone names
    r"|UTC[+\-]\d\d:\d\d"
    r"|[A-Z]"  # the avatar's initial
    r")$"
)


def _pseudo_catalog(folder: Path) -> None:
    """A catalog for PSEUDO: every message of ours and Django's, wrapped in markers."""
    sources = [Path(settings.BASE_DIR) / "locale" / "ko" / "LC_MESSAGES" / "django.po"]
    django_locale = Path(django.__file__).parent
    sources += [
        django_locale / "conf" / "locale" / "ko" / "LC_MESSAGES" / "django.po",
        django_locale / "contrib" / "admin" / "locale" / "ko" / "LC_MESSAGES" / "django.po",
        django_locale / "contrib" / "auth" / "locale" / "ko" / "LC_MESSAGES" / "django.po",
    ]
    pseudo = polib.POFile()
    pseudo.metadata = {
        "Content-Type": "text/plain; charset=UTF-8",
        "Plural-Forms": "nplurals=2; plural=(n != 1);",
        "Language": PSEUDO,
    }
    seen = set()
    for source in sources:
        assert source.exists(), source
        for entry in polib.pofile(str(source)):
            key = (entry.msgctxt, entry.msgid, entry.msgid_plural)
            if not entry.msgid or key in seen:
                continue
            seen.add(key)
            wrapped = polib.POEntry(msgctxt=entry.msgctxt, msgid=entry.msgid)
            if entry.msgid_plural:
                wrapped.msgid_plural = entry.msgid_plural
                wrapped.msgstr_plural = {
                    0: OPEN + entry.msgid + CLOSE,
                    1: OPEN + entry.msgid_plural + CLOSE,
                }
            else:
                wrapped.msgstr = OPEN + entry.msgid + CLOSE
            pseudo.append(wrapped)
    target = folder / PSEUDO / "LC_MESSAGES"
    target.mkdir(parents=True)
    pseudo.save_as_mofile(str(target / "django.mo"))


@pytest.fixture
def pseudo_locale(settings, tmp_path):
    _pseudo_catalog(tmp_path)
    settings.LOCALE_PATHS = [str(tmp_path), *settings.LOCALE_PATHS]
    settings.LANGUAGES = [*settings.LANGUAGES, (PSEUDO, "Pseudo")]
    _forget_catalogs()
    yield
    _forget_catalogs()
    translation.deactivate()


def _forget_catalogs() -> None:
    """Django keeps the catalogs it found and the languages it accepted; look again."""
    for name in (
        "translation_catalog_exists",
        "get_languages",
        "_get_supported_language_variant",
        "all_locale_paths",
        "check_for_language",
    ):
        clear = getattr(getattr(trans_real, name, None), "cache_clear", None)
        if clear:
            clear()
    trans_real._translations = {}
    trans_real._default = None


class _VisibleText(HTMLParser):
    """The text a reader sees (and hears: titles, labels, placeholders), one string each."""

    HIDDEN = {"script", "style"}
    SPOKEN = ("placeholder", "title", "aria-label", "alt")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hidden = 0
        self.stream: list[str] = []
        self.attributes: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1
        for name, value in attrs:
            if name in self.SPOKEN and value:
                self.attributes.append(value)
        self.stream.append(" ")

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self.hidden -= 1
        self.stream.append(" ")

    def handle_data(self, data):
        if not self.hidden:
            self.stream.append(data)


def _untranslated(text: str, data: list[str]) -> list[str]:
    """What is left of ``text`` once translated parts and data are taken out."""
    previous = None
    while previous != text:  # translated parts may hold translated parts
        previous = text
        text = re.sub(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}", " ", text)
    for value in sorted({*data, *DATA_WORDS}, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", " ", text)
    left = []
    for token in text.split():
        token = token.strip(".,:;!?()[]\"'«»")
        if token and not DATA_TOKEN.match(token):
            left.append(token)
    return left


def _check(html: str, data: list[str]) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    problems = _untranslated("".join(parser.stream), data)
    for value in parser.attributes:
        problems += [f"[attribute] {word}" for word in _untranslated(value, data)]
    return problems


class _World:
    """Accounts, users, images in every state, history, shares and servers."""

    def __init__(self, storage: Path) -> None:
        self.acme = Account.objects.create(id=uuid.uuid4().hex, name="Acme Research")
        self.beta = Account.objects.create(id=uuid.uuid4().hex, name="Beta Labs")
        User = django.contrib.auth.get_user_model()

        def user(name, full, account, role):
            first, last = full.split()
            person = User.objects.create_user(
                name, f"{name}@example.com", PASSWORD, first_name=first, last_name=last
            )
            if account:
                Membership.objects.create(user=person, account=account, role=role)
            Profile.objects.create(user=person, language=PSEUDO, time_zone="Asia/Seoul")
            return person

        self.alice = user("alice", "Alice Anders", self.acme, "member")
        self.carol = user("carol", "Carol Chen", self.acme, "viewer")
        self.bob = user("bob", "Bob Brown", self.beta, "member")
        self.dave = user("dave", "Dave Doe", None, "")
        self.image = make_image(
            self.acme,
            creator=self.alice,
            name="ubuntu-base",
            visibility="Shared",
            tags=[("env", "prod"), ("team", "")],
        )
        self.private = make_image(self.acme, creator=self.alice, name="private-one")
        self.protected = make_image(self.acme, name="keep-me", protected=True)
        self.queued = make_image(self.acme, name="still-queued", status="Queued", size=None)
        self.importing = make_image(
            self.acme,
            name="half-way",
            status="Importing",
            progress_done=3 * 1024**2,
            progress_total=9 * 1024**2,
        )
        self.failed = make_image(
            self.acme,
            name="went-wrong",
            status="Error",
            failure=errors.too_large(64 * 1024**3).message.as_data(),
        )
        self.from_server = make_image(self.acme, name="server-made", origin="server", file_url="")
        # History written by the services themselves, in every kind of sentence.
        services.image_update(image=self.image, field="min_disk_gb", value=20, actor=self.alice)
        services.image_update(image=self.image, field="protected", value=True, actor=self.alice)
        services.image_update(image=self.image, field="protected", value=False, actor=self.alice)
        services.tag_create(image=self.image, key="owner", value="ml", actor=self.alice)
        sharing_services.share_create(
            image=self.image, target_account_id=self.beta.id, actor=self.alice
        )
        with pytest.raises(sharing_services.ShareRefused):
            sharing_services.share_create(
                image=self.private, target_account_id=self.beta.id, actor=self.alice
            )
        services.image_delete(image_id=self.protected.pk, account=self.acme, actor=self.alice)
        with transaction.atomic():
            history.record_image(
                self.failed, history.Topic.IMPORT_IMAGE, errors.too_large(1024).message, actor=None
            )
        self.shared_to_acme = make_image(self.beta, name="beta-gift", visibility="Shared")
        sharing_services.share_create(
            image=self.shared_to_acme, target_account_id=self.acme.id, actor=self.bob
        )
        sharing_services.share_accept(
            image_id=self.shared_to_acme.pk, account=self.acme, actor=self.alice
        )
        self.server = make_server(self.acme, "train-01", image=self.image)
        self.stopped = make_server(self.acme, "train-02", status="Stopped")
        # A key on the API keys page, and history written through it.
        self.key = apikey_create(user=self.alice, account=self.acme, name="ci-pipeline").key
        with work_history.through_api_key(self.key.label):
            services.tag_create(image=self.image, key="via-api", value="1", actor=self.alice)

    def data(self) -> list[str]:
        values = []
        for image in Image.objects.all():
            values += [image.name, str(image.pk), image.file_url, image.os_hash_value]
            values += [image.checksum_md5, image.srn]
            values += [f"{t.key}={t.value}" for t in image.tags.all()]
            values += [t.key for t in image.tags.all()] + [t.value for t in image.tags.all()]
        for account in Account.objects.all():
            values += [account.name, account.id]
        for person in django.contrib.auth.get_user_model().objects.all():
            values += [person.get_full_name(), person.username, person.email]
            values += [person.username[0].upper()]
        for key in ApiKey.objects.all():
            values += [key.name, key.id, key.label]
        for server in GpuServer.objects.all():
            values += [server.name, str(server.pk), server.root_disk, server.flavor]
            values += [server.gpu_type]
        return [value for value in values if value]


def _pages(world: _World) -> list[tuple[str, Client, str, dict]]:
    """(what, client, method+URL, options) for every page and fragment."""
    alice, bob, carol = client_for(world.alice), client_for(world.bob), client_for(world.carol)
    dave = client_for(world.dave)
    image, detail = world.image, reverse("images:detail", args=[world.image.pk])
    pages = [
        ("image list", alice, f"GET {reverse('images:list')}", {}),
        ("image list, filtered", alice, f"GET {reverse('images:list')}?name=zzz", {}),
        ("image list fragment", alice, f"GET {reverse('images:list')}?sort=name", HTMX),
        ("image list, viewer", carol, f"GET {reverse('images:list')}", {}),
        ("image list, empty", dave, f"GET {reverse('images:list')}", {}),
        ("queued row", alice, f"GET {reverse('images:row', args=[world.queued.pk])}", HTMX),
        ("importing row", alice, f"GET {reverse('images:row', args=[world.importing.pk])}", HTMX),
        ("create image", alice, f"GET {reverse('images:create')}", {}),
        ("details tab", alice, f"GET {detail}", {}),
        ("details, delete dialog open", alice, f"GET {detail}?delete=1", {}),
        ("tags tab", alice, f"GET {detail}?tab=tags", HTMX),
        ("history tab", alice, f"GET {detail}?tab=history", {}),
        ("history tab, filtered", alice, f"GET {detail}?tab=history&result=Failure", HTMX),
        ("failed image", alice, f"GET {reverse('images:detail', args=[world.failed.pk])}", {}),
        (
            "importing image",
            alice,
            f"GET {reverse('images:detail', args=[world.importing.pk])}",
            {},
        ),
        (
            "status poll",
            alice,
            f"GET {reverse('images:detail_status', args=[world.importing.pk])}",
            HTMX,
        ),
        (
            "server-origin image",
            alice,
            f"GET {reverse('images:detail', args=[world.from_server.pk])}",
            {},
        ),
        (
            "private image, viewer",
            carol,
            f"GET {reverse('images:detail', args=[world.private.pk])}",
            {},
        ),
        (
            "image shared with you",
            alice,
            f"GET {reverse('images:detail', args=[world.shared_to_acme.pk])}",
            {},
        ),
        (
            "tag editor",
            alice,
            f"GET {reverse('images:tag_edit', args=[image.pk, image.tags.first().pk])}",
            HTMX,
        ),
        ("pending shares, receiver", bob, f"GET {reverse('sharing:pending')}", {}),
        ("pending shares, none", alice, f"GET {reverse('sharing:pending')}", {}),
        ("get image share", bob, f"GET {reverse('sharing:receive')}", {}),
        ("accept confirmation", bob, f"GET {reverse('sharing:accept', args=[image.pk])}", {}),
        ("reject confirmation", bob, f"GET {reverse('sharing:reject', args=[image.pk])}", {}),
        (
            "remove from list confirmation",
            alice,
            f"GET {reverse('sharing:reject', args=[world.shared_to_acme.pk])}",
            {},
        ),
        ("share", alice, f"GET {reverse('sharing:share', args=[image.pk])}", {}),
        (
            "share, not shareable",
            alice,
            f"GET {reverse('sharing:share', args=[world.private.pk])}",
            {},
        ),
        (
            "stop sharing confirmation",
            alice,
            f"GET {reverse('sharing:stop', args=[image.pk, image.shares.first().pk])}",
            {},
        ),
        ("server list", alice, f"GET {reverse('servers:list')}", {}),
        ("server list, filtered", alice, f"GET {reverse('servers:list')}?name=zzz", {}),
        ("server detail", alice, f"GET {reverse('servers:detail', args=[world.server.pk])}", {}),
        (
            "stopped server",
            alice,
            f"GET {reverse('servers:detail', args=[world.stopped.pk])}",
            {},
        ),
        (
            "server create image",
            alice,
            f"GET {reverse('servers:create_image', args=[world.server.pk])}",
            {},
        ),
        ("activity history", alice, f"GET {reverse('activity:history')}", {}),
        (
            "activity history, bad period",
            alice,
            f"GET {reverse('activity:history')}?date_from=2026-05-02&date_to=2026-05-01",
            HTMX,
        ),
        ("activity history, none", alice, f"GET {reverse('activity:history')}?resource=zzz", {}),
        ("preferences", alice, f"GET {reverse('preferences')}", {}),
        ("api keys", alice, f"GET {reverse('api_keys:list')}", {}),
        ("api keys, none", carol, f"GET {reverse('api_keys:list')}", {}),
        ("no account", dave, f"GET {reverse('images:list')}", {}),
        ("not found", alice, "GET /gpu-server/images/00000000-0000-0000-0000-000000000000/", {}),
        ("not allowed", carol, f"GET {reverse('images:create')}", {}),
    ]
    for slug in ("min-disk", "min-ram", "visibility", "protected"):
        url = reverse("images:edit_field", args=[image.pk, slug])
        pages.append((f"edit {slug}", alice, f"GET {url}", HTMX))
    return pages


def _posts(world: _World) -> list[tuple[str, Client, str, dict]]:
    """Forms sent with mistakes (their errors), and changes (their messages)."""
    alice, bob = client_for(world.alice), client_for(world.bob)
    image = world.image
    return [
        (
            "create image, every mistake",
            alice,
            reverse("images:create"),
            {
                "name": "bad name!",
                "file_url": "ftp://example.com/x.img",
                "min_disk_gb": "lots",
                "min_ram_gb": "-1",
                "visibility": "",
                "tag_key": ["a", "a", ""],
                "tag_value": ["1", "2", "x"],
            },
        ),
        (
            "minimum disk out of range",
            alice,
            reverse("images:edit_field", args=[image.pk, "min-disk"]),
            {"min_disk_gb": "99999"},
        ),
        (
            "visibility to Private with shares",
            alice,
            reverse("images:edit_field", args=[image.pk, "visibility"]),
            {"visibility": "Private"},
        ),
        (
            "tag already there",
            alice,
            reverse("images:tag_add", args=[image.pk]),
            {"key": "env", "value": "x"},
        ),
        ("tag without key", alice, reverse("images:tag_add", args=[image.pk]), {"key": ""}),
        (
            "delete confirmation",
            alice,
            reverse("images:bulk_delete"),
            {"image_ids": [str(world.protected.pk), str(world.private.pk)]},
        ),
        (
            "delete result",
            alice,
            reverse("images:bulk_delete"),
            {"image_ids": [str(world.protected.pk)], "confirm": "yes"},
        ),
        (
            "share with own account",
            alice,
            reverse("sharing:share", args=[image.pk]),
            {"target_account_id": world.acme.id},
        ),
        (
            "share with a malformed ID",
            alice,
            reverse("sharing:share", args=[image.pk]),
            {"target_account_id": "not valid!"},
        ),
        ("get image share, unknown", bob, reverse("sharing:receive"), {"image_id": "nope"}),
        (
            "server image, bad name",
            alice,
            reverse("servers:create_image", args=[world.server.pk]),
            {"name": ""},
        ),
        ("time zone unknown", alice, reverse("preferences"), {"time_zone": "Mars/Base"}),
        ("api key, mistakes", alice, reverse("api_keys:list"), {"name": "", "account": "x"}),
        (
            "api key created",
            alice,
            reverse("api_keys:list"),
            {"name": "deploy", "account": world.acme.id},
        ),
    ]


def _changes(world: _World) -> list[tuple[str, Client, str, dict]]:
    """Changes that answer with a message (shown as a toast on the next page)."""
    alice = client_for(world.alice)
    image = world.image
    return [
        (
            "tag added",
            alice,
            reverse("images:tag_add", args=[image.pk]),
            {"key": "new", "value": "1"},
        ),
        (
            "minimum RAM changed",
            alice,
            reverse("images:edit_field", args=[image.pk, "min-ram"]),
            {"min_ram_gb": "8"},
        ),
        ("retry import", alice, reverse("images:retry", args=[world.failed.pk]), {}),
        ("image deleted", alice, reverse("images:delete", args=[world.private.pk]), {}),
        ("api key revoked", alice, reverse("api_keys:revoke", args=[world.key.pk]), {}),
        (
            "image created",
            alice,
            reverse("images:create"),
            {
                "name": "made-here",
                "file_url": "https://images.example.com/new.qcow2",
                "os_type": "ubuntu",
                "min_disk_gb": "1",
                "min_ram_gb": "1",
                "visibility": "Private",
            },
        ),
    ]


@pytest.mark.django_db(transaction=False)
def test_it_translates_every_visible_string_of_every_page(pseudo_locale, _media_root):
    world = _World(_media_root)
    problems = {}
    for what, client, request, headers in _pages(world):
        url = request.split(" ", 1)[1]
        response = client.get(url, headers=headers)
        assert response.status_code in (200, 403, 404), (what, response.status_code)
        left = _check(response.content.decode(), world.data())
        if left:
            problems[what] = left
    for what, client, url, form in _posts(world):
        response = client.post(url, form, headers=HTMX if "edit" in url else {})
        assert response.status_code in (200, 409), (what, response.status_code)
        left = _check(response.content.decode(), world.data())
        if left:
            problems[what] = left
    for what, client, url, form in _changes(world):
        response = client.post(url, form, follow=True)
        assert response.status_code == 200, (what, response.status_code)
        html = response.content.decode()
        assert 'class="toast' in html, what
        left = _check(html, world.data())
        if left:
            problems[what] = left
    assert not problems, "Text not translated (page: words): " + "; ".join(
        f"{what}: {words}" for what, words in problems.items()
    )


def test_it_translates_the_sign_in_page_and_its_error(pseudo_locale, world):
    browser = Client()
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = PSEUDO
    data = ["alice"]
    page = browser.get(reverse("login")).content.decode()
    assert f"{OPEN}Sign in{CLOSE}" in page
    assert _check(page, data) == []
    wrong = browser.post(reverse("login"), {"username": "alice", "password": "wrong"})
    assert f"{OPEN}Enter a correct user name" in wrong.content.decode()
    assert _check(wrong.content.decode(), data) == []


def test_it_translates_the_error_page_of_a_crash(pseudo_locale):
    with translation.override(PSEUDO):
        html = render_to_string("500.html")
    assert f"{OPEN}Something went wrong{CLOSE}" in html
    assert _check(html, []) == []


def test_it_notices_a_string_that_was_not_translated(pseudo_locale):
    """The check itself: an English word outside the markers is found, data is not."""
    html = f"<p>{OPEN}Image name{CLOSE}: web-1 <b>Delete</b> 2026-05-10 12:00 KST</p>"
    assert _check(html, ["web-1"]) == ["Delete"]
    assert _check('<input placeholder="Search">', []) == ["[attribute] Search"]
