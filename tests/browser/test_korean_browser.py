"""The main flows in Korean, found by their Korean labels: sign in, Create Image, the three
detail tabs, sharing, Get Image Share and Activity history; the time zone from the user menu."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import DEMO_PASSWORD
from tests.support.images import MIB, qcow2_bytes
from tests.support.personas import BETA_ID

pytestmark = [pytest.mark.browser, pytest.mark.worker]


def _sign_in_in_korean(page, username: str) -> None:
    page.goto("/accounts/login/")
    if page.get_by_role("heading", name="로그인").count() == 0:
        page.get_by_role("button", name="한국어").click()
    expect(page.get_by_role("heading", name="로그인")).to_be_visible()
    page.get_by_label("사용자 이름").fill(username)
    page.get_by_label("비밀번호").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url("**/gpu-server/**")


def _row(page, name: str):
    return page.locator("#images tbody tr", has=page.get_by_role("link", name=name, exact=True))


def test_it_runs_the_main_flows_in_korean(world, page, http_server, celery_worker, settings):
    settings.CONSOLE_IMPORT_ALLOW_HOSTS = ["127.0.0.1"]
    url = http_server.serve_bytes("/ko.qcow2", qcow2_bytes(virtual_size=256 * MIB, data_bytes=MIB))

    # Sign in, after choosing 한국어 on the sign-in page.
    _sign_in_in_korean(page, "alice")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.get_by_role("heading", name="이미지", exact=True)).to_be_visible()

    # Create Image.
    page.locator(".page-actions").get_by_role("link", name="이미지 생성").click()
    expect(page.get_by_role("heading", name="이미지 생성")).to_be_visible()
    page.get_by_label("이미지명").fill("korean-image")
    page.get_by_role("textbox", name="이미지 파일 URL").fill(url)
    page.get_by_label("OS 유형").select_option(label="Ubuntu")
    page.get_by_label("최소 디스크").fill("20")
    expect(page.locator("[data-tag-remaining]")).to_have_text("태그 50개 중 49개 남음")
    page.get_by_role("button", name="이미지 생성").click()
    expect(page.locator(".toast")).to_contain_text(
        "korean-image 이미지가 생성되어 가져오기 대기 중입니다."
    )
    row = _row(page, "korean-image")
    expect(row.locator(".badge")).to_have_text("Active", timeout=30_000)
    expect(row).to_contain_text("사용 안 함")

    # The three detail tabs.
    row.get_by_role("link", name="korean-image").click()
    expect(page.get_by_role("tab", name="상세 정보")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#details-panel")).to_contain_text("리소스 유형")
    expect(page.locator("#details-panel")).to_contain_text("최소 디스크")
    page.get_by_role("link", name="공개 범위 수정").click()
    page.locator("#field-visibility").get_by_label("Shared").check()
    page.locator("#field-visibility").get_by_role("button", name="저장").click()
    expect(page.locator(".toast").last).to_contain_text(
        "공개 범위 값이 Shared(으)로 변경되었습니다."
    )

    page.get_by_role("tab", name=re.compile("^태그")).click()
    expect(page.get_by_role("heading", name="태그 추가")).to_be_visible()
    page.get_by_label("키", exact=True).fill("env")
    page.get_by_label("값", exact=True).fill("prod")
    page.get_by_role("button", name="태그 추가").click()
    expect(page.locator("#tags-table")).to_contain_text("prod")
    expect(page.locator(".toast").last).to_contain_text("태그 env을(를) 추가했습니다.")

    page.get_by_role("tab", name="작업 이력").click()
    history = page.locator("#history-table")
    expect(history).to_contain_text("작업 일시")
    expect(history).to_contain_text("태그 env=prod 추가")
    expect(history).to_contain_text("가져오기 시작 (시도 1/3)")
    expect(history).to_contain_text("성공")

    # Share to another Account.
    page.get_by_role("link", name="다른 Account에 공유").first.click()
    expect(page.get_by_role("heading", name="다른 Account에 공유")).to_be_visible()
    page.get_by_label("공유 Account ID").fill(BETA_ID)
    page.get_by_role("button", name="완료").click()
    expect(page.locator("#sharing-status")).to_contain_text("대기")
    image_id = page.locator(".detail-subtitle .mono").inner_text()

    # Sign out: the sign-in page keeps speaking Korean; bob gets the share.
    page.get_by_role("button", name="로그아웃").click()
    expect(page.get_by_role("heading", name="로그인")).to_be_visible()
    _sign_in_in_korean(page, "bob")
    expect(page.get_by_role("link", name="공유 대기 (1)")).to_be_visible()
    page.get_by_role("link", name="이미지 공유 받기").click()
    dialog = page.locator("#get-share-dialog")
    dialog.get_by_label("이미지 ID").fill(image_id)
    dialog.get_by_role("button", name="확인").click()
    expect(page.locator(".toast")).to_contain_text("이미지 목록에 추가되었습니다")
    expect(_row(page, "korean-image")).to_contain_text("공유받음")

    # alice (Korean saved to her profile at her first sign-in): the user menu's time zone,
    # then Activity history, where bob's answer is recorded on her image.
    page.get_by_role("button", name="로그아웃").click()
    _sign_in_in_korean(page, "alice")
    page.get_by_label("사용자 메뉴").click()
    page.get_by_label("시간대").select_option("Asia/Seoul")
    # Choosing in the list changes nothing yet: the zone is saved by an explicit action.
    expect(page.locator(".toast")).to_have_count(0)
    page.locator(".time-zone-form").get_by_role("button", name="저장").click()
    expect(page.locator(".toast")).to_contain_text("Asia/Seoul 기준으로 표시됩니다")
    page.get_by_role("link", name="활동 이력").click()
    expect(page.get_by_role("heading", name="활동 이력")).to_be_visible()
    table = page.locator("#activity-table")
    expect(table).to_contain_text("작업 일시 (Asia/Seoul)")
    expect(table).to_contain_text("korean-image 이미지 공유를 승인했습니다")
    expect(table.locator("time").first).to_contain_text("KST")
