"""HTTP plumbing: a keep-alive ThreadingHTTPServer around the emulator app, and start_emulator()."""

from __future__ import annotations

import contextlib
import logging
import socket
import sys
import threading
from collections.abc import Mapping
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

from local.emulator.app import EmulatorApp
from local.emulator.faults import FaultInjector, FaultSettings
from local.emulator.protocol import load_service_spec
from local.emulator.responses import Response
from local.emulator.seed import SeedSource, load_seed
from local.emulator.store import DEFAULT_ACCOUNT, DEFAULT_REGION, Store

_MAX_CHUNK_LINE = 1024
logger = logging.getLogger("local.emulator")


class _BadRequest(Exception):
    """A request body that cannot be read; the connection is closed after answering."""


class EmulatorHTTPServer(ThreadingHTTPServer):
    """One thread per connection; tracks open connections so stop() can end idle keep-alives."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: EmulatorApp, verbose: bool = False) -> None:
        self.app = app
        self.verbose = verbose
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, EmulatorRequestHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client dropping its connection mid-request is routine (timeouts, stop()); anything else is a bug.
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError | TimeoutError):
            logger.exception("error while serving %s", client_address)

    def close_connections(self) -> None:
        """Disconnect every client (their handler threads then finish)."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class EmulatorRequestHandler(BaseHTTPRequestHandler):
    """Reads one request, hands it to the app, writes the answer in a single send."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in one write, and Nagle off avoids delayed-ACK stalls on keep-alive.
    disable_nagle_algorithm = True
    timeout = 300
    server: EmulatorHTTPServer

    def _serve(self) -> None:
        try:
            body = self._read_body()
        except _BadRequest as exc:
            self.close_connection = True
            self._write(Response(400, str(exc).encode(), [("Content-Type", "text/plain")]))
            return
        headers = {name.lower(): value for name, value in self.headers.items()}
        self._write(self.server.app.handle(self.command, self.path, headers, body))

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        try:
            size = int(length)
        except ValueError as exc:
            raise _BadRequest(f"bad Content-Length {length!r}") from exc
        return self.rfile.read(size)

    def _read_chunked(self) -> bytes:
        parts: list[bytes] = []
        while True:
            line = self.rfile.readline(_MAX_CHUNK_LINE)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError as exc:
                raise _BadRequest("bad chunked encoding") from exc
            if size == 0:
                while self.rfile.readline(_MAX_CHUNK_LINE) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(parts)
            parts.append(self.rfile.read(size))
            self.rfile.readline(_MAX_CHUNK_LINE)

    def _write(self, response: Response) -> None:
        try:
            reason = HTTPStatus(response.status).phrase
        except ValueError:
            reason = ""
        lines = [f"HTTP/1.1 {response.status} {reason}", f"Date: {formatdate(usegmt=True)}"]
        lines.extend(f"{name}: {value}" for name, value in response.headers)
        lines.append(f"Content-Length: {len(response.body)}")
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(head if self.command == "HEAD" else head + response.body)
        if self.server.verbose:
            self.log_request(response.status, len(response.body))

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's signature
        if self.server.verbose:
            super().log_message(format, *args)


class ServingThread:
    """An HTTP server answering on a thread of its own: `url` for clients; stop() or use `with`. The local
    endpoints (the emulator, event history, Lambda's Invoke) each start one."""

    def __init__(self, server: EmulatorHTTPServer, name: str) -> None:
        self._server = server
        self.host = str(server.server_address[0])
        self.port = int(server.server_address[1])
        self.url = f"http://{self.host}:{self.port}"
        # A short poll interval keeps stop() fast (serve_forever checks for shutdown once per interval).
        self._thread = threading.Thread(target=server.serve_forever, args=(0.01,), name=name, daemon=True)
        self._thread.start()
        self._stopped = False

    def stop(self) -> None:
        """Stop serving, drop open connections and release the port (idempotent)."""
        if self._stopped:
            return
        self._stopped = True
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class RunningEmulator(ServingThread):
    """A started emulator: `url` for clients, `store` and `faults` for tests; stop() or use `with`."""

    def __init__(self, server: EmulatorHTTPServer, app: EmulatorApp) -> None:
        self.app = app
        self.store = app.store
        self.faults = app.faults
        super().__init__(server, "codeartifact-emulator")


def start_emulator(
    seed: SeedSource | None = None,
    *,
    port: int = 0,
    host: str = "127.0.0.1",
    faults: FaultSettings | Mapping[str, Any] | None = None,
    account: str = DEFAULT_ACCOUNT,
    region: str = DEFAULT_REGION,
    random_seed: int | None = None,
    redispose_not_allowed: bool = False,
    verbose: bool = False,
) -> RunningEmulator:
    """Start an emulator in this process (port 0 picks a free port) and return once it accepts calls.

    `seed` is a seed document, or the path of a seed JSON file; `faults` a FaultSettings or its
    camelCase mapping (as POST /_emulator/faults takes).
    """
    spec = load_service_spec()
    store = Store(account=account, region=region, random_seed=random_seed, redispose_not_allowed=redispose_not_allowed)
    if seed is not None:
        load_seed(store, seed)
    injector = FaultInjector()
    if faults is not None:
        injector.configure(faults)
    app = EmulatorApp(store, injector, spec)
    server = EmulatorHTTPServer((host, port), app, verbose=verbose)
    return RunningEmulator(server, app)
