"""Importing from a URL cannot be turned against the provider's own network.

Every test here talks only to servers on 127.0.0.0/8; internal addresses are faked with a stub
resolver and a connect guard fails the test if anything tries to reach outside loopback.
"""

import datetime
import ipaddress
import socket
import ssl
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from images.pipeline import errors
from images.pipeline.errors import ImportFailed
from images.pipeline.fetch import is_forbidden, open_url
from tests.support.http_server import LocalHTTPServer, Route, http_server_fixture  # noqa: F401
from tests.support.resolver import (  # noqa: F401
    ConnectionGuard,
    ResolverStub,
    loopback_only_fixture,
    stub_resolver_fixture,
)

StubResolver = Callable[[Mapping[str, Sequence[str]]], ResolverStub]

BODY = b"QFI\xfb" + bytes(range(256)) * 64
LOOPBACK = ["127.0.0.1"]
MIB = 1 << 20


@pytest.fixture(autouse=True)
def _guarded(loopback_only: ConnectionGuard) -> ConnectionGuard:
    """No test in this module may connect outside loopback, whatever it does."""
    return loopback_only


def fetch(
    url: str,
    *,
    allow_hosts: Sequence[str] = LOOPBACK,
    max_bytes: int = 64 * MIB,
    read_timeout: float = 5.0,
    max_redirects: int = 3,
) -> bytes:
    body = open_url(
        url,
        allow_hosts=allow_hosts,
        connect_timeout=5.0,
        read_timeout=read_timeout,
        max_bytes=max_bytes,
        max_redirects=max_redirects,
    )
    with body:
        chunks = []
        while chunk := body.read(MIB):
            chunks.append(chunk)
    return b"".join(chunks)


def refusal(url: str, **options: object) -> str:
    with pytest.raises(ImportFailed) as failure:
        fetch(url, **options)  # type: ignore[arg-type]
    return failure.value.reason


# --- Allowed -------------------------------------------------------------------------


def test_it_fetches_from_an_allowed_loopback_host(http_server: LocalHTTPServer) -> None:
    url = http_server.serve_bytes("/disk.qcow2", BODY)

    assert fetch(url) == BODY
    [request] = http_server.requests
    assert request.headers["Host"] == f"127.0.0.1:{http_server.port}"
    assert request.headers["Accept-Encoding"] == "identity"


def test_it_announces_the_content_length(http_server: LocalHTTPServer) -> None:
    url = http_server.serve_bytes("/disk.qcow2", BODY)

    with open_url(
        url, allow_hosts=LOOPBACK, connect_timeout=5, read_timeout=5, max_bytes=MIB
    ) as body:
        assert body.content_length == len(BODY)


@pytest.mark.parametrize(
    "route",
    [
        Route(body=BODY, chunked=True, content_length=len(BODY)),
        Route(body=BODY, content_length=f"{len(BODY)}, {len(BODY)}"),
    ],
    ids=["beside-chunked", "as-a-list"],
)
def test_it_announces_a_content_length_http_client_would_ignore(
    http_server: LocalHTTPServer, route: Route
) -> None:
    url = http_server.add("/disk.qcow2", route)

    with open_url(
        url, allow_hosts=LOOPBACK, connect_timeout=5, read_timeout=5, max_bytes=MIB
    ) as body:
        assert body.content_length == len(BODY)
        assert body.read(2 * MIB) == BODY


@pytest.mark.parametrize("value", ["12abc", "100, 200", "-5"])
def test_it_refuses_a_malformed_content_length(http_server: LocalHTTPServer, value: str) -> None:
    url = http_server.add("/disk.qcow2", Route(body=BODY, content_length=value))

    assert refusal(url) == str(errors.BAD_RESPONSE())


def test_it_reads_a_body_without_a_length_to_the_end(http_server: LocalHTTPServer) -> None:
    url = http_server.serve_bytes("/disk.qcow2", BODY, content_length=False)

    with open_url(
        url, allow_hosts=LOOPBACK, connect_timeout=5, read_timeout=5, max_bytes=MIB
    ) as body:
        assert body.content_length is None
        assert body.read(2 * MIB) == BODY


def test_it_exempts_an_allowed_host_name_and_keeps_it_in_the_host_header(
    http_server: LocalHTTPServer, stub_resolver: StubResolver
) -> None:
    stub = stub_resolver({"Images.Storage.Internal": ["127.0.0.1"]})
    http_server.serve_bytes("/disk.qcow2", BODY)

    data = fetch(
        f"http://images.storage.internal:{http_server.port}/disk.qcow2",
        allow_hosts=["IMAGES.storage.internal"],
    )

    assert data == BODY
    assert http_server.requests[0].headers["Host"] == f"images.storage.internal:{http_server.port}"
    # Resolved once and that answer used: no second lookup a rebinding DNS could change.
    assert stub.lookups == ["images.storage.internal"]


def test_it_recognises_an_allowed_address_in_another_notation(
    http_server: LocalHTTPServer,
) -> None:
    http_server.serve_bytes("/disk.qcow2", BODY)

    assert fetch(f"http://2130706433:{http_server.port}/disk.qcow2") == BODY


def test_it_follows_relative_and_absolute_redirects(http_server: LocalHTTPServer) -> None:
    http_server.serve_bytes("/final.qcow2", BODY)
    http_server.redirect("/c", "final.qcow2", status=308)
    http_server.redirect("/b", http_server.url("/c"), status=307)
    first = http_server.redirect("/a", "/b", status=301)

    assert fetch(first) == BODY
    assert [r.path for r in http_server.requests] == ["/a", "/b", "/c", "/final.qcow2"]


def test_it_ignores_proxy_settings(
    http_server: LocalHTTPServer, monkeypatch: pytest.MonkeyPatch, loopback_only: ConnectionGuard
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(name, "http://10.255.255.1:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    url = http_server.serve_bytes("/disk.qcow2", BODY)

    assert fetch(url) == BODY
    assert loopback_only.attempts == []


# --- Refused addresses ------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.1",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "127.0.0.1",
        "0.0.0.0",
        "100.64.0.1",
        "224.0.0.1",
        "255.255.255.255",
        "240.0.0.1",
        "::1",
        "::",
        "fc00::1",
        "fd12:3456::1",
        "fe80::1",
        "fec0::1",
        "ff02::1",
        "::ffff:10.0.0.1",
        "::ffff:127.0.0.1",
        "2002:a9fe:a9fe::1",
        "64:ff9b::a9fe:a9fe",
    ],
)
def test_it_refuses_a_host_resolving_to_an_internal_address(
    stub_resolver: StubResolver, loopback_only: ConnectionGuard, address: str
) -> None:
    stub = stub_resolver({"images.example.com": [address]})

    reason = refusal("http://images.example.com/disk.qcow2", allow_hosts=[])

    assert reason == str(errors.PRIVATE_ADDRESS())
    assert stub.lookups == ["images.example.com"]
    assert loopback_only.attempts == []


def test_it_refuses_a_host_when_any_of_its_addresses_is_internal(
    stub_resolver: StubResolver, loopback_only: ConnectionGuard
) -> None:
    stub_resolver({"images.example.com": ["93.184.215.14", "2606:2800::1", "10.1.2.3"]})

    assert refusal("http://images.example.com/disk.qcow2") == str(errors.PRIVATE_ADDRESS())
    assert loopback_only.attempts == []


@pytest.mark.parametrize(
    "host",
    ["2130706433", "0x7f000001", "0x7F.0.0.1", "127.1", "0177.0.0.1", "127.0.0.1", "[::1]"],
)
def test_it_refuses_loopback_literals_in_any_notation(
    http_server: LocalHTTPServer, stub_resolver: StubResolver, host: str
) -> None:
    stub_resolver({})
    http_server.serve_bytes("/disk.qcow2", BODY)

    # The server really listens there: only the address check stands in the way.
    reason = refusal(f"http://{host}:{http_server.port}/disk.qcow2", allow_hosts=[])

    assert reason == str(errors.PRIVATE_ADDRESS())
    assert http_server.requests == []


def test_it_does_not_let_an_allowed_name_cover_its_addresses(
    http_server: LocalHTTPServer,
) -> None:
    http_server.serve_bytes("/disk.qcow2", BODY)

    reason = refusal(http_server.url("/disk.qcow2"), allow_hosts=["localhost"])

    assert reason == str(errors.PRIVATE_ADDRESS())
    assert http_server.requests == []


def test_it_does_not_let_a_look_alike_name_use_an_allowed_name(
    stub_resolver: StubResolver, loopback_only: ConnectionGuard
) -> None:
    stub_resolver({"storage.internal.evil.example": ["10.0.0.9"]})

    reason = refusal(
        "http://storage.internal.evil.example/disk.qcow2", allow_hosts=["storage.internal"]
    )

    assert reason == str(errors.PRIVATE_ADDRESS())


def test_it_refuses_a_redirect_to_an_address_not_allowed(http_server: LocalHTTPServer) -> None:
    with LocalHTTPServer(host="127.0.0.2") as other:
        other.serve_bytes("/disk.qcow2", BODY)
        url = http_server.redirect("/disk.qcow2", other.url("/disk.qcow2"))

        reason = refusal(url, allow_hosts=["127.0.0.1"])

        assert reason == str(errors.PRIVATE_ADDRESS())
        assert other.requests == []


def test_it_refuses_a_redirect_to_cloud_metadata(
    http_server: LocalHTTPServer, stub_resolver: StubResolver, loopback_only: ConnectionGuard
) -> None:
    stub_resolver({"metadata.example": ["169.254.169.254"]})
    url = http_server.redirect("/disk.qcow2", "http://metadata.example/latest/meta-data/")

    assert refusal(url) == str(errors.PRIVATE_ADDRESS())
    assert loopback_only.attempts == []


def test_it_refuses_a_redirect_to_another_scheme(http_server: LocalHTTPServer) -> None:
    url = http_server.redirect("/disk.qcow2", "file:///etc/passwd")

    assert refusal(url) == str(errors.BAD_SCHEME())


def test_it_refuses_too_many_redirects(http_server: LocalHTTPServer) -> None:
    http_server.serve_bytes("/4", BODY)
    for hop in (3, 2, 1, 0):
        http_server.redirect(f"/{hop}", f"/{hop + 1}")

    assert refusal(http_server.url("/0")) == str(errors.TOO_MANY_REDIRECTS())
    assert [r.path for r in http_server.requests] == ["/0", "/1", "/2", "/3"]
    assert fetch(http_server.url("/1")) == BODY


def test_it_refuses_a_redirect_loop(http_server: LocalHTTPServer) -> None:
    url = http_server.redirect("/loop", "/loop")

    assert refusal(url) == str(errors.TOO_MANY_REDIRECTS())


# --- Refused URLs ------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "ftp://127.0.0.1/disk.qcow2",
        "file:///etc/passwd",
        "gopher://127.0.0.1:70/_",
        "127.0.0.1/disk.qcow2",
        "javascript:alert(1)",
    ],
)
def test_it_refuses_urls_that_are_not_http(url: str) -> None:
    assert refusal(url) == str(errors.BAD_SCHEME())


def test_it_refuses_credentials_in_the_url(http_server: LocalHTTPServer) -> None:
    http_server.serve_bytes("/disk.qcow2", BODY)

    reason = refusal(f"http://user:secret@127.0.0.1:{http_server.port}/disk.qcow2")

    assert reason == str(errors.USERINFO_IN_URL())
    assert http_server.requests == []


@pytest.mark.parametrize("url", ["http:///disk.qcow2", "http://127.0.0.1:99999/x"])
def test_it_refuses_malformed_urls(url: str) -> None:
    assert refusal(url) == str(errors.INVALID_URL())


def test_it_reports_a_name_that_does_not_resolve(stub_resolver: StubResolver) -> None:
    stub_resolver({})

    assert refusal("http://nowhere.example/disk.qcow2") == str(errors.NAME_UNRESOLVED())


# --- Refused responses ---------------------------------------------------------------


def test_it_refuses_an_announced_length_over_the_cap_before_reading(
    http_server: LocalHTTPServer,
) -> None:
    # The body never comes: reading it would end in a timeout, not in the size refusal.
    url = http_server.add(
        "/huge.qcow2",
        Route(body=b"x", content_length=100 * (1 << 30), stall_after=0, stall_for=30),
    )

    reason = refusal(url, max_bytes=64 << 30, read_timeout=2.0)

    assert reason == "Download stopped at 64 GiB"


@pytest.mark.parametrize("status", [404, 403, 500, 300])
def test_it_reports_unsuccessful_answers(http_server: LocalHTTPServer, status: int) -> None:
    url = http_server.serve_status("/disk.qcow2", status, b"nope")

    assert refusal(url) == f"The server answered HTTP {status}"


def test_it_reports_a_redirect_without_a_location(http_server: LocalHTTPServer) -> None:
    url = http_server.serve_status("/disk.qcow2", 302)

    assert refusal(url) == str(errors.REDIRECT_WITHOUT_LOCATION())


def test_it_gives_up_on_a_server_that_does_not_answer(http_server: LocalHTTPServer) -> None:
    url = http_server.serve_slow("/disk.qcow2", BODY, delay_before_headers=10)

    assert refusal(url, read_timeout=0.3) == str(errors.TIMED_OUT())


def test_it_gives_up_on_a_download_that_stalls(http_server: LocalHTTPServer) -> None:
    url = http_server.serve_slow("/disk.qcow2", BODY, stall_after=1000, stall_for=10)

    assert refusal(url, read_timeout=0.3) == str(errors.TIMED_OUT())


def test_it_reports_a_server_that_is_not_listening() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    assert refusal(f"http://127.0.0.1:{port}/disk.qcow2") == str(errors.CONNECT_FAILED())


# --- TLS ------------------------------------------------------------------------------


def _certificate_pair(tmp_path: Path, name: str) -> tuple[Path, ssl.SSLContext]:
    """A CA file to trust and a server context whose certificate that CA signed for ``name``."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([x509.ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    chain = tmp_path / f"{name}.pem"
    chain.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        + cert.public_bytes(serialization.Encoding.PEM)
    )
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(chain)
    return ca_file, server_context


@pytest.fixture
def tls_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[str], LocalHTTPServer]]:
    """A factory of HTTPS servers on 127.0.0.1 with a certificate for a given name, whose CA
    the fetching side trusts."""
    servers: list[LocalHTTPServer] = []

    def start(name: str) -> LocalHTTPServer:
        ca_file, context = _certificate_pair(tmp_path, name)
        monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
        server = LocalHTTPServer(tls=context).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def test_it_fetches_over_tls_verified_against_the_host_name(
    tls_server: Callable[[str], LocalHTTPServer], stub_resolver: StubResolver
) -> None:
    server = tls_server("images.example.test")
    server.serve_bytes("/disk.qcow2", BODY)
    stub_resolver({"images.example.test": ["127.0.0.1"]})

    data = fetch(
        f"https://images.example.test:{server.port}/disk.qcow2",
        allow_hosts=["images.example.test"],
    )

    assert data == BODY
    assert server.requests[0].headers["Host"] == f"images.example.test:{server.port}"


def test_it_refuses_a_certificate_for_another_name(
    tls_server: Callable[[str], LocalHTTPServer], stub_resolver: StubResolver
) -> None:
    server = tls_server("other.example.test")
    server.serve_bytes("/disk.qcow2", BODY)
    stub_resolver({"images.example.test": ["127.0.0.1"]})

    reason = refusal(
        f"https://images.example.test:{server.port}/disk.qcow2",
        allow_hosts=["images.example.test"],
    )

    assert reason == str(errors.TLS_CERTIFICATE())
    assert server.requests == []


def test_it_reports_a_server_that_does_not_speak_tls(http_server: LocalHTTPServer) -> None:
    http_server.serve_bytes("/disk.qcow2", BODY)

    reason = refusal(f"https://127.0.0.1:{http_server.port}/disk.qcow2")

    assert reason == str(errors.TLS_FAILED())


def test_it_treats_these_addresses_as_public() -> None:
    # The refusal list must not swallow the internet: ordinary public addresses pass.
    public = ["93.184.215.14", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"]
    assert [is_forbidden(ipaddress.ip_address(a)) for a in public] == [False] * len(public)
