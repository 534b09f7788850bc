"""A real HTTP(S) server on 127.0.0.1 for import tests and benchmarks.

``LocalHTTPServer`` runs a ``ThreadingHTTPServer`` on a random loopback port in a background
thread (with TLS when given a server-side ``ssl.SSLContext``). Register what each path answers,
then point the code under test at ``server.url(path)``::

    with LocalHTTPServer() as server:
        url = server.serve_bytes("/disk.qcow2", data)

In pytest, use the ``http_server`` fixture (import ``http_server_fixture`` into the test module,
or list this module in ``pytest_plugins``).
"""

import io
import os
import ssl
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self

import pytest

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Route:
    """What one path answers."""

    status: int = 200
    body: bytes = b""
    file: Path | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    # Content-Length to announce; None announces the true length, False announces none
    # (the body then ends when the connection closes), a string is sent as it is.
    content_length: int | bool | str | None = None
    # Send the body with Transfer-Encoding: chunked (besides any Content-Length).
    chunked: bool = False
    # Send the body (or file) at about this many bytes per second.
    rate: int | None = None
    delay_before_headers: float = 0.0
    # Stall this long after sending ``stall_after`` bytes of the body.
    stall_after: int | None = None
    stall_for: float = 0.0
    # With ``stall_after``: stall until this event is set (at most ``stall_for`` seconds).
    gate: threading.Event | None = None


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: Mapping[str, str]


class LocalHTTPServer:
    """A loopback HTTP server answering registered routes; everything else is a 404."""

    def __init__(self, host: str = HOST, *, tls: ssl.SSLContext | None = None) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = _Server((host, 0), _Handler, owner=self)
        if tls is not None:
            self._httpd.socket = tls.wrap_socket(self._httpd.socket, server_side=True)
        self.scheme = "https" if tls is not None else "http"
        self.host = host
        self.port: int = self._httpd.server_address[1]
        # A short poll interval keeps stop() (and so every test's teardown) quick.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="test-http-server",
            daemon=True,
        )

    # --- lifecycle -----------------------------------------------------------------

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        # Wake handlers that are deliberately sleeping, so shutdown does not wait for them.
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- routes --------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def add(self, path: str, route: Route) -> str:
        """Answer ``path`` with ``route``; returns the full URL of the path."""
        self.routes[path] = route
        return self.url(path)

    def serve_bytes(
        self,
        path: str,
        body: bytes,
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        content_length: int | bool | None = None,
    ) -> str:
        return self.add(
            path,
            Route(status=status, body=body, headers=headers or {}, content_length=content_length),
        )

    def serve_file(self, path: str, file: str | os.PathLike[str]) -> str:
        """Stream a file from disk (with sendfile, so large files cost the server little)."""
        return self.add(path, Route(file=Path(file)))

    def redirect(self, path: str, location: str, *, status: int = 302) -> str:
        return self.add(path, Route(status=status, headers={"Location": location}))

    def serve_throttled(self, path: str, body: bytes, *, rate: int) -> str:
        """Send ``body`` at about ``rate`` bytes a second (an import that takes a while)."""
        return self.add(path, Route(body=body, rate=rate))

    def serve_status(self, path: str, status: int, body: bytes = b"") -> str:
        return self.add(path, Route(status=status, body=body))

    def serve_truncated(self, path: str, body: bytes, *, announced: int) -> str:
        """Announce ``announced`` bytes, send ``body``, then close the connection."""
        return self.add(path, Route(body=body, content_length=announced))

    def serve_slow(
        self,
        path: str,
        body: bytes,
        *,
        delay_before_headers: float = 0.0,
        stall_after: int | None = None,
        stall_for: float = 0.0,
    ) -> str:
        return self.add(
            path,
            Route(
                body=body,
                delay_before_headers=delay_before_headers,
                stall_after=stall_after,
                stall_for=stall_for,
            ),
        )

    def serve_gated(
        self, path: str, body: bytes, *, hold_after: int, gate: threading.Event, at_most: float = 60
    ) -> str:
        """Send ``hold_after`` bytes of ``body``, then the rest once ``gate`` is set (or
        ``at_most`` seconds later): a download that stays in the middle until the test says."""
        return self.add(
            path, Route(body=body, stall_after=hold_after, stall_for=at_most, gate=gate)
        )

    # --- used by the handler -------------------------------------------------------

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _sleep(self, seconds: float) -> bool:
        """Sleep unless the server stops first; True if it is stopping."""
        return self._stopping.wait(seconds)

    def _wait_for(self, gate: threading.Event, seconds: float) -> bool:
        """Wait until ``gate`` is set, at most ``seconds``; True if the server is stopping."""
        deadline = time.monotonic() + seconds
        while not gate.is_set() and time.monotonic() < deadline:
            if self._stopping.wait(0.02):
                return True
        return False


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        *,
        owner: LocalHTTPServer,
    ) -> None:
        super().__init__(address, handler)
        self.owner = owner


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    # HTTP/1.0: one request per connection, so "close early" really closes.
    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:
        owner = self.server.owner
        path = self.path.split("?", 1)[0]
        owner._record(RecordedRequest("GET", self.path, dict(self.headers.items())))
        route = owner.routes.get(path)
        if route is None:
            route = Route(status=404, body=b"not found")
        if route.delay_before_headers and owner._sleep(route.delay_before_headers):
            return
        size = route.file.stat().st_size if route.file is not None else len(route.body)
        self.send_response(route.status)
        for name, value in route.headers.items():
            self.send_header(name, value)
        if route.content_length is None or route.content_length is True:
            self.send_header("Content-Length", str(size))
        elif route.content_length is not False:
            self.send_header("Content-Length", str(route.content_length))
        if route.chunked:
            self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Content-Type", "application/octet-stream")
        self.end_headers()
        try:
            if route.chunked:
                self.wfile.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(route.body), route.body))
            elif route.rate is not None:
                self._send_throttled(route)
            elif route.file is not None:
                self.wfile.flush()
                with route.file.open("rb") as f:
                    self.connection.sendfile(f)
            elif route.stall_after is not None:
                self.wfile.write(route.body[: route.stall_after])
                self.wfile.flush()
                if route.gate is not None:
                    if owner._wait_for(route.gate, route.stall_for):
                        return
                elif owner._sleep(route.stall_for):
                    return
                self.wfile.write(route.body[route.stall_after :])
            else:
                self.wfile.write(route.body)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (a refused download); that is what some tests want.
            pass

    def _send_throttled(self, route: Route) -> None:
        assert route.rate is not None
        step = 64 * 1024
        source = route.file.open("rb") if route.file is not None else io.BytesIO(route.body)
        with source:
            while piece := source.read(step):
                self.wfile.write(piece)
                self.wfile.flush()
                if self.server.owner._sleep(len(piece) / route.rate):
                    return

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(name="http_server")
def http_server_fixture() -> Iterator[LocalHTTPServer]:
    """A running :class:`LocalHTTPServer`, stopped after the test."""
    with LocalHTTPServer() as server:
        yield server
