"""The console in the user's language and time zone: the saved choice, else the browser's
Accept-Language, else English; the switch before and after sign-in; times in the user's
zone with the zone named; history and exports in the reader's language."""

import csv
import datetime
import io
import json

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation

from console import work_history
from console.formats import gigabytes, human_size
from console.models import Profile, WorkHistory
from images import history
from images.pipeline import errors
from images.rules import OFF, ON
from tests.support.factories import add_history, make_image
from tests.support.personas import PASSWORD, client_for

KO = {"accept-language": "ko-KR,ko;q=0.9,en;q=0.5"}
LIST = "/gpu-server/images/"


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _save(user, **fields) -> Profile:
    profile, _ = Profile.objects.get_or_create(user=user)
    for name, value in fields.items():
        setattr(profile, name, value)
    profile.save()
    return profile


def test_it_speaks_english_when_nothing_says_otherwise(alice_client):
    html = _html(alice_client.get(LIST))
    assert '<html lang="en">' in html
    assert "Create Image" in html and "이미지 생성" not in html


def test_it_follows_the_browsers_language(alice_client):
    html = _html(alice_client.get(LIST, headers=KO))
    assert '<html lang="ko">' in html
    assert "이미지 생성" in html and "이미지 공유 받기" in html and "활동 이력" in html
    # Product names, "Account", status and visibility values stay in English.
    assert "GPU Server" in html and ">Account<" in html and ">Private<" in html


def test_it_puts_the_users_saved_choice_before_the_browser(world, alice_client):
    _save(world.alice, language="en")
    html = _html(alice_client.get(LIST, headers=KO))
    assert '<html lang="en">' in html and "Create Image" in html
    _save(world.alice, language="ko")
    assert "이미지 생성" in _html(alice_client.get(LIST))


def test_it_saves_the_switch_to_the_profile_and_the_cookie(world, alice_client):
    response = alice_client.post(reverse("set_language"), {"language": "ko", "next": LIST})
    assert response.status_code == 302 and response["Location"] == LIST
    assert Profile.objects.get(user=world.alice).language == "ko"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ko"
    assert '<html lang="ko">' in _html(alice_client.get(LIST))


def test_it_refuses_an_unknown_language_and_an_outside_next(world, alice_client):
    response = alice_client.post(reverse("set_language"), {"language": "xx", "next": LIST})
    assert response.status_code == 302
    assert not Profile.objects.filter(user=world.alice, language="xx").exists()
    away = alice_client.post(
        reverse("set_language"), {"language": "ko", "next": "https://evil.example/"}
    )
    assert away["Location"] == "/"


def test_it_keeps_the_language_chosen_before_sign_in_and_after_sign_out(world):
    browser = Client()
    login = reverse("login")
    assert "Sign in" in _html(browser.get(login))
    browser.post(reverse("set_language"), {"language": "ko", "next": login})
    page = _html(browser.get(login))
    assert "로그인" in page and "사용자 이름" in page and "비밀번호" in page
    browser.post(login, {"username": "alice", "password": PASSWORD})
    assert Profile.objects.get(user=world.alice).language == "ko"
    assert "이미지 생성" in _html(browser.get(LIST))
    browser.post(reverse("logout"))
    assert "로그인" in _html(browser.get(login))


def test_it_brings_the_saved_language_to_a_new_browser_at_sign_in(world):
    _save(world.alice, language="ko")
    browser = Client()
    response = browser.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ko"
    browser.post(reverse("logout"))
    # Signed out, the browser keeps speaking the user's language.
    assert "로그인" in _html(browser.get(reverse("login")))


def test_it_shows_every_time_in_the_users_zone_with_the_zone_named(world, alice_client):
    image = make_image(world.acme, name="zoned", status="Active")
    moment = datetime.datetime(2026, 5, 10, 12, 0, tzinfo=datetime.UTC)
    type(image).objects.filter(pk=image.pk).update(created_at=moment)
    html = _html(alice_client.get(LIST))
    assert "2026-05-10 12:00 UTC" in html
    response = alice_client.post(reverse("preferences"), {"time_zone": "Asia/Seoul", "next": LIST})
    assert response.status_code == 302
    assert Profile.objects.get(user=world.alice).time_zone == "Asia/Seoul"
    html = _html(alice_client.get(LIST))
    assert "2026-05-10 21:00 KST" in html
    assert 'datetime="2026-05-10T21:00:00+09:00"' in html
    detail = _html(alice_client.get(reverse("images:detail", args=[image.pk])))
    assert "2026-05-10 21:00:00 KST" in detail
    assert "Asia/Seoul (UTC+09:00)" in detail


def test_it_lists_every_zone_and_refuses_an_unknown_one(world, alice_client):
    html = _html(alice_client.get(reverse("preferences")))
    assert ">America/Argentina/Buenos_Aires<" in html and ">Asia/Seoul<" in html
    response = alice_client.post(reverse("preferences"), {"time_zone": "Mars/Olympus"})
    assert response.status_code == 200
    assert "Choose a time zone from the list" in response.content.decode()
    assert not Profile.objects.filter(user=world.alice).exclude(time_zone="").exists()


def test_it_reads_the_activity_dates_as_days_of_the_users_zone(world, alice_client):
    image = make_image(world.acme, name="late")
    with transaction.atomic():
        row = work_history.record(
            account=world.acme,
            resource_type=work_history.ResourceType.IMAGE,
            resource_id=image.pk,
            resource_name=image.name,
            topic=work_history.Topic.DELETE_IMAGE,
            message=history.DELETED(name=image.name),
        )
    # 20:00 UTC on the 10th is the 11th in Seoul.
    WorkHistory.objects.filter(pk=row.pk).update(
        work_time=datetime.datetime(2026, 5, 10, 20, 0, tzinfo=datetime.UTC)
    )
    _save(world.alice, time_zone="Asia/Seoul")
    url = reverse("activity:history")
    assert "Deleted image late" in _html(alice_client.get(url, {"date_from": "2026-05-11"}))
    assert "Deleted image late" not in _html(alice_client.get(url, {"date_to": "2026-05-10"}))
    assert "Work date/time (Asia/Seoul)" in _html(alice_client.get(url))


def test_it_writes_old_history_rows_in_the_readers_language(world, alice_client, bob_client):
    image = make_image(world.acme, name="web-1")
    with transaction.atomic():
        work_history.record(
            account=world.acme,
            resource_type=work_history.ResourceType.IMAGE,
            resource_id=image.pk,
            resource_name=image.name,
            topic=work_history.Topic.IMPORT_IMAGE,
            message=errors.too_large(64 * 1024**3).message,
            result=work_history.FAILURE,
        )
    url = reverse("activity:history")
    assert "Download stopped at 64 GiB" in _html(alice_client.get(url))
    korean = _html(alice_client.get(url, headers=KO))
    assert "다운로드가 64 GiB에서 중단되었습니다" in korean
    assert ">실패<" in korean and "작업 일시" in korean


def test_it_exports_machine_fields_beside_the_text_in_the_requesters_language(world, alice_client):
    image = make_image(world.acme, name="web-1")
    with transaction.atomic():
        work_history.record(
            account=world.acme,
            resource_type=work_history.ResourceType.IMAGE,
            resource_id=image.pk,
            resource_name=image.name,
            topic=work_history.Topic.SET_IMAGE,
            message=history.TAG_ADDED(key="env", value="prod"),
            actor=world.alice,
        )
    _save(world.alice, language="ko", time_zone="Asia/Seoul")
    rows = json.loads(b"".join(alice_client.get(reverse("activity:json")).streaming_content))
    row = rows[0]
    assert row["event_topic"] == "SetImage" and row["result"] == "Success"
    assert row["message_code"] == "image.tag.added"
    assert row["message_params"] == {"key": "env", "value": "prod"}
    assert row["work_details"] == "태그 env=prod 추가"
    assert row["resource_id"] == str(image.pk)
    utc = datetime.datetime.fromisoformat(row["work_time"])
    local = datetime.datetime.fromisoformat(row["work_time_local"])
    assert utc.utcoffset() == datetime.timedelta(0)
    assert local.utcoffset() == datetime.timedelta(hours=9) and local == utc
    body = b"".join(alice_client.get(reverse("activity:csv")).streaming_content).decode("utf-8-sig")
    header, first = list(csv.reader(io.StringIO(body)))[:2]
    assert header[:2] == ["work_time", "work_time_local"]
    assert first[header.index("work_details")] == "태그 env=prod 추가"
    assert first[header.index("message_code")] == "image.tag.added"


@pytest.mark.parametrize(
    ("language", "size", "expected"),
    [
        ("en", 1, "1 byte"),
        ("en", 10_000, "9.8 KiB"),
        ("en", 1_023, "1,023 bytes"),
        ("ko", 1_023, "1,023바이트"),
        ("ko", 64 * 1024**3, "64 GiB"),
        ("en", 1536 * 1024**4, "1.5 PiB"),
        ("en", 1023 * 1024**4, "1,023 TiB"),
    ],
)
def test_it_writes_sizes_for_the_language(language, size, expected):
    with translation.override(language):
        assert human_size(size) == expected


def test_it_groups_gigabytes_for_the_language():
    with translation.override("ko"):
        assert gigabytes(12_288) == "12,288 GB"


def test_it_serves_the_page_scripts_words_in_the_users_language(world, alice_client):
    html = _html(alice_client.get(LIST, headers=KO))
    assert f'<script src="{reverse("javascript_catalog")}?lang=ko" defer></script>' in html
    catalog = Client(headers=KO).get(reverse("javascript_catalog"), headers=KO)
    assert catalog.status_code == 200
    assert "javascript" in catalog["Content-Type"]
    assert json.dumps("복사됨") in catalog.content.decode()
    # The strict CSP still holds: no inline script anywhere.
    assert "<script>" not in html and "script-src 'self'" in catalog.get(
        "Content-Security-Policy", "script-src 'self'"
    )


def test_it_shows_the_switch_on_the_sign_in_page_and_in_the_header(world, client):
    page = _html(client.get(reverse("login")))
    assert 'name="language" value="ko"' in page and ">한국어<" in page and ">English<" in page
    header = _html(client_for(world.alice).get(LIST))
    assert 'action="/account/language/"' in header and 'id="menu-time-zone"' in header


def test_it_gives_the_admin_site_its_labels_in_korean(world):
    from django.contrib.auth import get_user_model

    staff = get_user_model().objects.create_superuser("root", "root@example.com", PASSWORD)
    admin = client_for(staff)
    index = _html(admin.get("/admin/", headers=KO))
    assert "GPU Server Image 콘솔 관리" in index
    assert "작업 이력" in index and "이미지 공유" in index and "공유" in index
    image = make_image(world.acme, name="in-admin")
    # A row, so that the changelist shows its column headers (it has no date hierarchy).
    add_history(image, "CreateImage", "made")
    images = _html(admin.get("/admin/images/image/", headers=KO))
    assert "가져오기에 실패한 이미지 다시 가져오기" in images
    assert "이미지명" in images and "공개 범위" in images
    history_page = _html(admin.get("/admin/console/workhistory/", headers=KO))
    assert "작업 일시" in history_page and "이벤트 토픽" in history_page


def test_it_keeps_phrases_lazy_and_defined_once():
    from django.utils.translation import gettext_lazy

    from console.phrases import phrase, render

    # Defining a phrase again with the same words is harmless (a module imported twice);
    # with other words it is a mistake, found without translating anything.
    assert phrase("image.deleted", gettext_lazy("Deleted image {name}")) is not None
    with pytest.raises(ValueError, match="defined twice"):
        phrase("image.deleted", gettext_lazy("Removed image {name}"))
    stored = history.DELETED(name="web-1").as_data()
    assert stored == {"code": "image.deleted", "params": {"name": "web-1"}}
    with translation.override("en"):
        assert render(stored) == "Deleted image web-1"
    with translation.override("ko"):
        assert render(stored) == "web-1 이미지를 삭제했습니다"
        assert str(history.field_changed("visibility", "Shared", "Private")) == (
            "공개 범위: Shared에서 Private(으)로 변경"
        )
        assert str(history.field_changed("protected", ON(), OFF())) == (
            "삭제 보호: 사용에서 사용 안 함(으)로 변경"
        )
