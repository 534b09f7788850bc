"""Control what host names resolve to, and make sure tests never leave the loopback network.

Import tests must prove that private and internal addresses are refused without ever sending a
packet to one. ``stub_resolver`` answers ``socket.getaddrinfo`` from a table the test provides
(no real DNS), and guards every socket connect: connecting anywhere outside 127.0.0.0/8 and
``::1`` is recorded and raises :class:`ForbiddenConnection`, an ``AssertionError`` that code
catching ``OSError`` cannot swallow; the fixture also fails the test at teardown if any attempt
was recorded. ``loopback_only`` installs just the connect guard.

    def test_it_refuses_metadata(stub_resolver):
        stub = stub_resolver({"metadata.example": ["169.254.169.254"]})
        ...
        assert stub.lookups == ["metadata.example"]
"""

import ipaddress
import socket
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

_real_getaddrinfo = socket.getaddrinfo
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


class ForbiddenConnection(AssertionError):
    """A test tried to connect outside the loopback network."""


@dataclass
class ConnectionGuard:
    """Every connect attempt outside the loopback network, as (host, port)."""

    attempts: list[tuple[str, int]] = field(default_factory=list)

    def check(self, sock: socket.socket, address: Any) -> None:
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return
        host, port = address[0], address[1]
        try:
            ip = ipaddress.ip_address(str(host).split("%", 1)[0])
        except ValueError:
            # A name instead of an address would be resolved by the OS behind our back.
            self.attempts.append((str(host), int(port)))
            raise ForbiddenConnection(f"test tried to connect to unresolved {host!r}") from None
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if not ip.is_loopback:
            self.attempts.append((str(host), int(port)))
            raise ForbiddenConnection(f"test tried to connect to {host}:{port}")


@dataclass
class ResolverStub:
    """The names the stub answers, and every name it was asked about, in order."""

    mapping: dict[str, list[str]]
    guard: ConnectionGuard
    lookups: list[str] = field(default_factory=list)

    def getaddrinfo(
        self,
        host: str | bytes | None,
        port: str | int | None,
        family: int = 0,
        type: int = 0,
        proto: int = 0,
        flags: int = 0,
    ) -> list[tuple[Any, ...]]:
        name = host.decode() if isinstance(host, bytes) else (host or "")
        self.lookups.append(name)
        addresses = self.mapping.get(name.lower().rstrip("."))
        if addresses is None:
            # Literal addresses resolve without DNS; anything else is unknown here.
            return _real_getaddrinfo(host, port, family, type, proto, flags | socket.AI_NUMERICHOST)
        port_number = int(port or 0)
        kind = type or socket.SOCK_STREAM
        results: list[tuple[Any, ...]] = []
        for address in addresses:
            ip = ipaddress.ip_address(address)
            if ip.version == 4:
                results.append(
                    (socket.AF_INET, kind, socket.IPPROTO_TCP, "", (address, port_number))
                )
            else:
                results.append(
                    (socket.AF_INET6, kind, socket.IPPROTO_TCP, "", (address, port_number, 0, 0))
                )
        return results


def _install_guard(monkeypatch: pytest.MonkeyPatch) -> ConnectionGuard:
    guard = ConnectionGuard()

    def connect(sock: socket.socket, address: Any) -> None:
        guard.check(sock, address)
        _real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> int:
        guard.check(sock, address)
        return _real_connect_ex(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    return guard


@pytest.fixture(name="loopback_only")
def loopback_only_fixture(monkeypatch: pytest.MonkeyPatch) -> Iterator[ConnectionGuard]:
    """Fail the test if anything connects outside 127.0.0.0/8 or ::1."""
    guard = _install_guard(monkeypatch)
    yield guard
    assert guard.attempts == [], f"connections outside loopback: {guard.attempts}"


@pytest.fixture(name="stub_resolver")
def stub_resolver_fixture(
    monkeypatch: pytest.MonkeyPatch, loopback_only: ConnectionGuard
) -> Callable[[Mapping[str, Sequence[str]]], ResolverStub]:
    """``stub_resolver({"name": ["10.0.0.1", ...]})`` makes those names resolve to those
    addresses (and unknown names fail to resolve); returns the :class:`ResolverStub`."""

    def install(mapping: Mapping[str, Sequence[str]]) -> ResolverStub:
        stub = ResolverStub(
            mapping={name.lower().rstrip("."): list(addrs) for name, addrs in mapping.items()},
            guard=loopback_only,
        )
        monkeypatch.setattr(socket, "getaddrinfo", stub.getaddrinfo)
        return stub

    return install
