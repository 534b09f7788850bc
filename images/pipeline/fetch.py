"""Fetch an image file from a user-supplied URL without letting the URL reach inside the network.

A console user types any URL they like, and the worker that fetches it sits inside the
provider's network. The rules below keep that from becoming a way to read internal services
(cloud metadata at 169.254.169.254, databases on 10.x, the worker's own loopback):

* only ``http`` and ``https``, never credentials in the URL;
* the host is resolved exactly once and every address it resolves to must be public, unless
  the operator named the host in ``CONSOLE_IMPORT_ALLOW_HOSTS`` (on-premises object storage);
* the connection goes to the address that was checked, so a second DNS answer (rebinding)
  cannot swap in an internal one; TLS is still verified against the host name;
* every redirect is checked the same way, and there are at most a few of them;
* proxy settings in the environment are ignored: a proxy would do the resolving for us.
"""

import http.client
import ipaddress
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final
from urllib.parse import urljoin, urlsplit

from images.pipeline import errors
from images.pipeline.errors import ImportFailed

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_SockAddr = tuple[str, int] | tuple[str, int, int, int]
_AddrInfo = tuple[socket.AddressFamily, socket.SocketKind, int, _SockAddr]

REDIRECT_STATUSES: Final = frozenset({301, 302, 303, 307, 308})
DEFAULT_PORTS: Final = {"http": 80, "https": 443}
USER_AGENT: Final = "gpu-image-console-import/1"

# IPv6 prefixes that carry an IPv4 address in their low 32 bits and reach it through a
# translator (RFC 6052 NAT64); what matters is where that IPv4 address points.
_NAT64_PREFIX: Final = ipaddress.IPv6Network("64:ff9b::/96")


@dataclass(frozen=True)
class _Target:
    url: str
    scheme: str
    host: str
    port: int
    request_target: str


class FetchedBody:
    """The body of a successful response: read it in chunks, then close it."""

    def __init__(
        self, connection: http.client.HTTPConnection, response: http.client.HTTPResponse
    ) -> None:
        self._connection = connection
        self._response = response
        self.content_length: int | None = (
            response.length if response.length is not None else _announced_length(response)
        )

    def read(self, n: int) -> bytes:
        """Up to ``n`` bytes of the body; ``b""`` once the server has sent everything it will."""
        try:
            return self._response.read(n)
        except TimeoutError as exc:
            raise ImportFailed(errors.TIMED_OUT) from exc
        except http.client.IncompleteRead as exc:
            raise ImportFailed(errors.CONNECTION_LOST) from exc
        except (http.client.HTTPException, OSError) as exc:
            raise ImportFailed(errors.CONNECTION_LOST) from exc

    def close(self) -> None:
        self._response.close()
        self._connection.close()

    def __enter__(self) -> "FetchedBody":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _announced_length(response: http.client.HTTPResponse) -> int | None:
    """The Content-Length a server announced where http.client does not use it: beside
    Transfer-Encoding: chunked, or as a list of equal values (``1000, 1000``). A body that ends
    short of it is then reported as short, not as a damaged image."""
    values = {
        value.strip()
        for header in response.msg.get_all("Content-Length") or ()
        for value in header.split(",")
    }
    if not values:
        return None
    if len(values) != 1 or not (value := values.pop()).isdigit():
        raise ImportFailed(errors.BAD_RESPONSE)
    return int(value)


def open_url(
    url: str,
    *,
    allow_hosts: Sequence[str],
    connect_timeout: float,
    read_timeout: float,
    max_bytes: int,
    max_redirects: int = 3,
) -> FetchedBody:
    """Start downloading ``url`` under the rules of this module and return the response body.

    Raises :class:`ImportFailed` when the URL is refused, the server cannot be reached, answers
    with anything but 2xx after at most ``max_redirects`` redirects, or announces a body larger
    than ``max_bytes``.
    """
    allowed = _AllowList(allow_hosts)
    redirects = 0
    while True:
        target = _parse(url)
        addresses = _resolve(target, allowed)
        connection = _connect(target, addresses, connect_timeout, read_timeout)
        response = _request(connection, target)
        status = response.status
        if status in REDIRECT_STATUSES:
            location = response.getheader("Location")
            response.close()
            connection.close()
            if not location:
                raise ImportFailed(errors.REDIRECT_WITHOUT_LOCATION)
            redirects += 1
            if redirects > max_redirects:
                raise ImportFailed(errors.TOO_MANY_REDIRECTS)
            url = urljoin(target.url, location.strip())
            continue
        if not 200 <= status < 300:
            response.close()
            connection.close()
            raise errors.http_status(status)
        try:
            body = FetchedBody(connection, response)
        except ImportFailed:
            response.close()
            connection.close()
            raise
        if body.content_length is not None and body.content_length > max_bytes:
            body.close()
            raise errors.too_large(max_bytes)
        return body


# --- URL and address checks ------------------------------------------------------


def _parse(url: str) -> _Target:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ImportFailed(errors.INVALID_URL) from exc
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ImportFailed(errors.BAD_SCHEME)
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise ImportFailed(errors.USERINFO_IN_URL)
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise ImportFailed(errors.INVALID_URL)
    if any(ch.isspace() or ord(ch) < 0x21 or ord(ch) == 0x7F for ch in url):
        raise ImportFailed(errors.INVALID_URL)
    request_target = parts.path or "/"
    if parts.query:
        request_target += "?" + parts.query
    return _Target(
        url=url,
        scheme=scheme,
        host=host,
        port=port if port is not None else DEFAULT_PORTS[scheme],
        request_target=request_target,
    )


def parse_ipv4_literal(text: str) -> ipaddress.IPv4Address | None:
    """Read ``text`` the way the C resolver's ``inet_aton`` does, or return None.

    ``2130706433``, ``0x7f000001``, ``127.1`` and ``0177.0.0.1`` all mean 127.0.0.1 to
    ``getaddrinfo``; recognising them here keeps the allow list and the address check honest.
    """
    parts = text.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    values: list[int] = []
    for part in parts:
        lowered = part.lower()
        try:
            if lowered.startswith("0x"):
                if len(lowered) == 2:
                    return None
                values.append(int(lowered[2:], 16))
            elif len(lowered) > 1 and lowered.startswith("0"):
                values.append(int(lowered[1:], 8))
            else:
                if not lowered.isdigit():
                    return None
                values.append(int(lowered, 10))
        except ValueError:
            return None
    # The last part fills all the bytes the earlier parts did not take.
    *leading, last = values
    if any(v > 0xFF for v in leading) or last >= 1 << (8 * (4 - len(leading))):
        return None
    number = 0
    for v in leading:
        number = (number << 8) | v
    number = (number << (8 * (4 - len(leading)))) | last
    return ipaddress.IPv4Address(number)


def ip_literal(host: str) -> IPAddress | None:
    """The address ``host`` spells, if it is an IP literal in any form a resolver accepts."""
    candidate = host.strip("[]")
    try:
        return ipaddress.ip_address(candidate)
    except ValueError:
        pass
    if ":" in candidate:
        return None
    return parse_ipv4_literal(candidate)


def is_forbidden(address: IPAddress) -> bool:
    """True for any address that is not an ordinary public unicast address."""
    if isinstance(address, ipaddress.IPv6Address):
        address = _plain(address)
        if address.ipv4_mapped is not None:
            return is_forbidden(address.ipv4_mapped)
        if address in _NAT64_PREFIX:
            return is_forbidden(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        embedded: list[ipaddress.IPv4Address] = []
        if address.sixtofour is not None:
            embedded.append(address.sixtofour)
        if address.teredo is not None:
            embedded.extend(address.teredo)
        if any(is_forbidden(v4) for v4 in embedded):
            return True
        if address.is_site_local:
            return True
    return (
        not address.is_global
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


class _AllowList:
    """The operator's exemptions from the address check.

    A host name exempts that host (exact, case-insensitive match on the URL's host); an IP
    exempts that address wherever it comes from: an IP literal in the URL, in any notation the
    resolver accepts, or a name that resolves to it. A name never exempts the addresses it
    happens to resolve to, so listing ``storage.internal`` does not open ``10.0.0.0/8``.
    """

    def __init__(self, entries: Sequence[str]) -> None:
        self.names: set[str] = set()
        self.addresses: set[IPAddress] = set()
        for raw in entries:
            entry = raw.strip().lower().rstrip(".")
            if not entry:
                continue
            literal = ip_literal(entry)
            if literal is not None:
                self.addresses.add(_plain(literal))
            else:
                self.names.add(entry)

    def exempts_host(self, host: str) -> bool:
        # Literals are judged by the address they spell, never by their spelling: otherwise
        # an allow-list entry "2130706433" would be a host name that quietly means loopback.
        return ip_literal(host) is None and host.lower() in self.names

    def exempts_address(self, address: IPAddress) -> bool:
        plain = _plain(address)
        if plain in self.addresses:
            return True
        return isinstance(plain, ipaddress.IPv6Address) and plain.ipv4_mapped in self.addresses


def _plain(address: IPAddress) -> IPAddress:
    """The address without an IPv6 scope suffix (``fe80::1%eth0``)."""
    if isinstance(address, ipaddress.IPv6Address) and address.scope_id:
        return ipaddress.IPv6Address(str(address).split("%", 1)[0])
    return address


def _resolve(target: _Target, allowed: _AllowList) -> list[_AddrInfo]:
    literal = ip_literal(target.host)
    # Literals are turned into addresses here, not by the resolver, so what is checked below
    # is exactly what is dialled, whatever notation the URL used.
    host = str(literal) if literal is not None else target.host
    try:
        infos = socket.getaddrinfo(host, target.port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise ImportFailed(errors.NAME_UNRESOLVED) from exc
    addresses: list[_AddrInfo] = [
        (family, kind, proto, sockaddr)
        for family, kind, proto, _canonname, sockaddr in infos
        if family in (socket.AF_INET, socket.AF_INET6)
    ]
    if not addresses:
        raise ImportFailed(errors.NAME_UNRESOLVED)
    if allowed.exempts_host(target.host):
        return addresses
    for *_rest, sockaddr in addresses:
        try:
            address = ipaddress.ip_address(sockaddr[0])
        except ValueError as exc:
            raise ImportFailed(errors.PRIVATE_ADDRESS) from exc
        # Every address must pass, not just the first: the connection may fall back to any of
        # them, and whoever runs the name's DNS chooses the order.
        if not allowed.exempts_address(address) and is_forbidden(address):
            raise ImportFailed(errors.PRIVATE_ADDRESS)
    return addresses


# --- Connection pinned to the checked address ------------------------------------------


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to a given address that still names the original host."""

    def __init__(
        self,
        target: _Target,
        addresses: list[_AddrInfo],
        connect_timeout: float,
        read_timeout: float,
    ) -> None:
        super().__init__(target.host, target.port, timeout=connect_timeout)
        self._addresses = addresses
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout

    def _open_socket(self) -> socket.socket:
        last_error: OSError | None = None
        for family, kind, proto, sockaddr in self._addresses:
            sock = socket.socket(family, kind, proto)
            try:
                sock.settimeout(self._connect_timeout)
                sock.connect(sockaddr)
            except OSError as exc:
                sock.close()
                last_error = exc
                continue
            sock.settimeout(self._read_timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return sock
        assert last_error is not None
        raise last_error

    def connect(self) -> None:
        self.sock = self._open_socket()


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    default_port = http.client.HTTPS_PORT

    def __init__(
        self,
        target: _Target,
        addresses: list[_AddrInfo],
        connect_timeout: float,
        read_timeout: float,
        context: ssl.SSLContext,
    ) -> None:
        super().__init__(target, addresses, connect_timeout, read_timeout)
        self._context = context

    def connect(self) -> None:
        sock = self._open_socket()
        try:
            # Verified against the name the user typed, not the address we dialled.
            self.sock = self._context.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise


def _connect(
    target: _Target,
    addresses: list[_AddrInfo],
    connect_timeout: float,
    read_timeout: float,
) -> _PinnedHTTPConnection:
    connection: _PinnedHTTPConnection
    if target.scheme == "https":
        connection = _PinnedHTTPSConnection(
            target, addresses, connect_timeout, read_timeout, ssl.create_default_context()
        )
    else:
        connection = _PinnedHTTPConnection(target, addresses, connect_timeout, read_timeout)
    try:
        connection.connect()
    except ssl.SSLCertVerificationError as exc:
        connection.close()
        raise ImportFailed(errors.TLS_CERTIFICATE) from exc
    except ssl.SSLError as exc:
        connection.close()
        raise ImportFailed(errors.TLS_FAILED) from exc
    except TimeoutError as exc:
        connection.close()
        raise ImportFailed(errors.TIMED_OUT) from exc
    except OSError as exc:
        connection.close()
        raise ImportFailed(errors.CONNECT_FAILED) from exc
    return connection


def _request(connection: _PinnedHTTPConnection, target: _Target) -> http.client.HTTPResponse:
    try:
        connection.request(
            "GET",
            target.request_target,
            headers={
                "User-Agent": USER_AGENT,
                "Accept": "*/*",
                # The bytes stored must be the bytes hashed: no transparent decompression.
                "Accept-Encoding": "identity",
            },
        )
        return connection.getresponse()
    except http.client.InvalidURL as exc:
        connection.close()
        raise ImportFailed(errors.INVALID_URL) from exc
    except TimeoutError as exc:
        connection.close()
        raise ImportFailed(errors.TIMED_OUT) from exc
    except http.client.HTTPException as exc:
        connection.close()
        raise ImportFailed(errors.BAD_RESPONSE) from exc
    except OSError as exc:
        connection.close()
        raise ImportFailed(errors.CONNECTION_LOST) from exc
