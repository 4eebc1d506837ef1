"""Serve a sandbox over real HTTP with waitress: in a background thread, or in the foreground.

A `drop` fault makes the application raise ConnectionDropped; the channel here turns that into
a connection closed with nothing written, which the client sees as "server disconnected
without sending a response" (waitress itself would answer 500).
"""

from __future__ import annotations

import logging
import signal
import socket
import threading
from dataclasses import dataclass
from types import FrameType
from typing import Any

from waitress.channel import HTTPChannel
from waitress.server import create_server
from waitress.task import WSGITask

from syncer.sandbox.hubspot.app import HubSpotSandbox
from syncer.sandbox.hubspot.faults import ConnectionDropped

_THREADS = 8
_POLL_SECONDS = 0.2
_log = logging.getLogger(__name__)


@dataclass
class RunningServer:
    url: str  # "http://127.0.0.1:PORT"
    _server: object
    _thread: threading.Thread
    _stopping: threading.Event

    def stop(self) -> None:
        """Ask the loop thread to close the listener and every connection itself (closing sockets
        under its running select() from here would make it fail), then wait for it."""
        server: Any = self._server
        self._stopping.set()
        try:
            server.pull_trigger()  # wakes select() now rather than at its next timeout
        except OSError as error:
            # The trigger pipe is gone (CI once saw EBADF here, cause not found); the loop still
            # stops at its next poll timeout, so this costs at most _POLL_SECONDS.
            _log.warning(
                "sandbox trigger unusable at stop (%s); waiting for the poll timeout", error
            )
        self._thread.join(timeout=5)
        server.task_dispatcher.shutdown()


def serve_in_thread(app: HubSpotSandbox, host: str = "127.0.0.1", port: int = 0) -> RunningServer:
    """Start serving and return once the port accepts connections (port 0 = pick a free one)."""
    server = _create(app, host, port)
    bound_port = server.effective_port
    stopping = threading.Event()
    thread = threading.Thread(
        target=_serve_until,
        args=(server, stopping),
        name=f"hubspot-sandbox-{bound_port}",
        daemon=True,
    )
    thread.start()
    _wait_until_accepting(host, bound_port)
    return RunningServer(f"http://{host}:{bound_port}", server, thread, stopping)


def _serve_until(server: Any, stopping: threading.Event) -> None:
    # waitress's own run() loops until its map is empty; this loop also ends when asked to, and
    # does the closing on this thread, so a stop never depends on the trigger pipe being usable.
    try:
        while server._map and not stopping.is_set():
            server.asyncore.loop(timeout=_POLL_SECONDS, map=server._map, count=1)
    finally:
        _close_all(server)


def serve_forever(app: HubSpotSandbox, host: str, port: int) -> None:
    """Serve until SIGTERM or SIGINT, then close the listening socket and return."""
    server = _create(app, host, port)

    def stop(signum: int, frame: FrameType | None) -> None:
        # waitress's run() treats SystemExit as "shut the workers down and return".
        raise SystemExit(0)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        server.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _close_all(server)


class _DroppingTask(WSGITask):
    def service(self) -> None:
        try:
            super().service()
        except ConnectionDropped:
            # Raised inside the application, before anything was written: close, say nothing.
            self.close_on_finish = True


class _DroppingChannel(HTTPChannel):
    task_class = _DroppingTask


def _create(app: HubSpotSandbox, host: str, port: int) -> Any:
    # Under a benchmark's load waitress warns about every queued request; that is expected here.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    server: Any = create_server(
        app,
        host=host,
        port=port,
        threads=_THREADS,
        ident="hubspot-sandbox",
    )
    server.channel_class = _DroppingChannel
    return server


def _close_all(server: Any) -> None:
    # waitress keeps its listener, trigger and connections in one socket map.
    for channel in list(server._map.values()):
        if channel is not server:
            channel.close()
    server.close()


def _wait_until_accepting(host: str, port: int, attempts: int = 200) -> None:
    for _ in range(attempts):
        try:
            with socket.create_connection((host, port), timeout=0.05):
                return
        except OSError:
            threading.Event().wait(0.01)
    raise RuntimeError(f"HubSpot sandbox on {host}:{port} did not start accepting connections")
