"""The API's contract: the OpenAPI document (valid, complete, public), the docs page, and
the error envelope on every kind of 4xx/5xx under /v1/."""

import pytest
from django.test import Client
from openapi_spec_validator import validate

from images import services
from tests.support.api import anonymous_api, api_for, error_of

OPERATIONS = {
    ("get", "/v1/images"),
    ("post", "/v1/images"),
    ("get", "/v1/images/{image_id}"),
    ("put", "/v1/images/{image_id}"),
    ("delete", "/v1/images/{image_id}"),
    ("post", "/v1/images/{image_id}/import"),
    ("get", "/v1/images/{image_id}/members"),
    ("post", "/v1/images/{image_id}/members"),
    ("get", "/v1/images/{image_id}/members/{member_id}"),
    ("put", "/v1/images/{image_id}/members/{member_id}"),
    ("delete", "/v1/images/{image_id}/members/{member_id}"),
    ("get", "/v1/pending-images"),
    ("post", "/v1/servers/{server_id}/images"),
    ("get", "/v1/tags/{srn}"),
    ("put", "/v1/tags/{srn}/bulk"),
    ("delete", "/v1/tags/{srn}"),
    ("get", "/v1/tags/{srn}/{key}"),
    ("put", "/v1/tags/{srn}/{key}"),
    ("delete", "/v1/tags/{srn}/{key}"),
}


@pytest.fixture
def document(db) -> dict:
    response = Client().get("/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_it_serves_a_valid_openapi_document_without_a_key(document):
    validate(document)  # openapi-spec-validator raises on any error
    assert document["info"]["title"] == "GPU Server Image API"
    assert document["components"]["securitySchemes"] == {
        "ApiKeyAuth": {"type": "apiKey", "in": "header", "name": "X-Auth-Token"}
    }


def test_it_documents_every_operation_with_its_status_codes(document):
    found = {(m, p) for p, item in document["paths"].items() for m in item}
    assert found == OPERATIONS
    success = {
        ("post", "/v1/images"): "200",
        ("delete", "/v1/images/{image_id}"): "204",
        ("post", "/v1/images/{image_id}/import"): "202",
        ("post", "/v1/images/{image_id}/members"): "200",
        ("post", "/v1/servers/{server_id}/images"): "202",
        ("delete", "/v1/tags/{srn}"): "204",
    }
    for method, path in OPERATIONS:
        operation = document["paths"][path][method]
        codes = set(operation["responses"])
        assert {"400", "401", "429"} <= codes, (method, path)
        assert success.get((method, path), "204" if method == "delete" else "200") in codes
        for code in codes - {"200", "202", "204"}:
            schema = operation["responses"][code]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorsOut"}
        if "{" in path or method != "get":
            assert "404" in codes or path in ("/v1/images",), (method, path)
        if method != "get":
            assert "403" in codes, (method, path)


def test_it_documents_the_request_constraints(document):
    schemas = document["components"]["schemas"]
    create = schemas["ImageCreateIn"]
    assert create["additionalProperties"] is False
    assert set(create["required"]) == {"name", "os_distro", "url"}
    props = create["properties"]
    assert props["name"]["pattern"] == "^[A-Za-z0-9 _-]{1,255}$"
    assert props["name"]["maxLength"] == 255
    assert props["os_distro"]["enum"] == ["alma", "centos", "oracle", "rhel", "rocky", "ubuntu"]
    assert props["url"]["maxLength"] == 255
    assert props["url"]["pattern"].endswith(r"\.[Qq][Cc][Oo][Ww]2(\?[^\s\x00#]*)?$")
    assert (props["min_disk"]["minimum"], props["min_disk"]["maximum"]) == (0, 12288)
    assert (props["min_ram"]["minimum"], props["min_ram"]["maximum"]) == (0, 2097151)
    assert props["tags"]["maxItems"] == 50
    assert schemas["TagIn"]["properties"]["key"]["maxLength"] == 128
    assert schemas["MemberCreateIn"]["properties"]["member_id"]["pattern"] == (
        "^[A-Za-z0-9-]{1,64}$"
    )
    for name in ("ImageUpdateIn", "MemberUpdateIn", "TagBulkIn", "TagValueIn", "ServerImageIn"):
        assert schemas[name]["additionalProperties"] is False
    limit = next(
        p for p in document["paths"]["/v1/images"]["get"]["parameters"] if p["name"] == "limit"
    )
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 1000)
    assert limit["schema"]["default"] == 20


def test_it_serves_the_docs_page_from_local_assets(db):
    response = Client().get("/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert 'src="/static/ninja/swagger-ui-bundle.js"' in html
    assert "http://" not in html and "https://" not in html  # no CDN
    # The only inline <script> is JSON data, which a browser never runs.
    assert html.count("<script") == 3 and '<script type="application/json"' in html


@pytest.mark.parametrize(
    "path", ["/v1", "/v1/", "/v1/nothing", "/v1/images/", "/v1/images/a/b/c", "/v1/v2/images"]
)
def test_it_answers_unknown_paths_with_the_envelope(world, path):
    response = api_for(world.alice, world.acme).get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert error_of(response)["code"] == "NotFound"


def test_it_answers_an_unknown_method_with_405_in_the_envelope(world):
    api = api_for(world.alice, world.acme)
    response = api.send("PATCH", "/v1/images")
    assert response.status_code == 405
    assert set(response["Allow"].split(", ")) == {"GET", "POST"}
    error = error_of(response)
    assert error["code"] == "MethodNotAllowed"
    assert error["detail"] == ["PATCH is not allowed here. Allowed: GET, POST."]


def test_it_answers_without_a_key_before_anything_else(db):
    for method, path in (("GET", "/v1/images"), ("DELETE", "/v1/images/x")):
        response = anonymous_api().send(method, path)
        assert response.status_code == 401, path


def test_it_answers_a_failure_with_a_500_envelope_and_logs_it(world, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("storage is on fire")

    monkeypatch.setattr(services, "image_create", broken)
    body = {"name": "x", "os_distro": "rhel", "url": "https://a.example/x.qcow2"}
    response = api_for(world.alice, world.acme).post("/v1/images", body)
    assert response.status_code == 500
    error = error_of(response)
    assert error["code"] == "InternalServerError"
    assert "storage is on fire" not in response.content.decode()
    assert error["request_id"] in caplog.text and "storage is on fire" in caplog.text
    assert response["X-Request-Id"] == error["request_id"]


def test_it_gives_each_error_its_own_request_id(world):
    api = api_for(world.alice, world.acme)
    first = error_of(api.get("/v1/nothing"))["request_id"]
    second = error_of(api.get("/v1/nothing"))["request_id"]
    assert first != second
