"""What the ledger and lease scenarios (T05, T17, T37, T38) share on top of
tests/integration/harness.py: a TCP proxy on loopback between `syncer` and PostgreSQL that the
test can cut, real `syncer` processes, and reads of the ledger straight from the server.

The proxy is a real socket relay (not a mock): bytes go through unchanged until a trigger
fires. A trigger watches what the client sends on one connection for a sequence of statements
(say `COPY links` and then `COMMIT`) and, when the last one comes, drops that message and
resets the connection, so the server never sees it: the fault lands at an exact point of the
protocol, with no sleep. `down=True` also stops listening, so PostgreSQL is unreachable (new
connections are refused) until `come_back()`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from syncer.ledger.schema import cursors, intents, leases, links, runs
from tests.integration.harness import Deployment

_LINGER_RESET = struct.pack("ii", 1, 0)  # close() sends RST, as a dropped link would
_started: list[subprocess.Popen[str]] = []


@dataclass
class _Trigger:
    patterns: tuple[bytes, ...]
    down: bool
    on_cut: Callable[[], None]
    fired: threading.Event = field(default_factory=threading.Event)


class PgProxy:
    """Relays 127.0.0.1:<port> to PostgreSQL; `cut_when` arms a one-shot fault."""

    def __init__(self, upstream_url: str) -> None:
        url = sa.engine.make_url(upstream_url)
        self.upstream = (url.host or "127.0.0.1", url.port or 5432)
        self.port = 0
        self._listener: socket.socket | None = None
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._trigger: _Trigger | None = None
        self.connections = 0
        self.listen()

    def url(self, ledger_url: str) -> str:
        """`ledger_url` (same database, same schema) reached through this proxy, in clear text
        so the triggers can read the statements."""
        url = sa.engine.make_url(ledger_url).set(host="127.0.0.1", port=self.port)
        url = url.update_query_dict({"sslmode": "disable"})
        return url.render_as_string(hide_password=False)

    def cut_when(
        self, *patterns: bytes, down: bool = False, on_cut: Callable[[], None] = lambda: None
    ) -> threading.Event:
        """Reset the connection that sends `patterns` in this order, at the last one (which is
        not forwarded); `on_cut` runs first, while the client waits for its answer. Returns an
        event set once the fault has fired."""
        self._trigger = _Trigger(patterns, down, on_cut)
        return self._trigger.fired

    def listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def go_down(self) -> None:
        """PostgreSQL becomes unreachable: every connection reset, new ones refused."""
        listener, self._listener = self._listener, None
        if listener is not None:
            _close(listener)
        with self._lock:
            for sock in list(self._sockets):
                _reset(sock)
            self._sockets.clear()

    def come_back(self) -> None:
        self.listen()

    def close(self) -> None:
        self._trigger = None
        self.go_down()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # the listener was shut down
            try:
                server = socket.create_connection(self.upstream)
            except OSError:
                _reset(client)
                continue
            with self._lock:
                self._sockets.update((client, server))
                self.connections += 1
            threading.Thread(target=self._pump_up, args=(client, server), daemon=True).start()
            threading.Thread(target=_pump, args=(server, client), daemon=True).start()

    def _pump_up(self, client: socket.socket, server: socket.socket) -> None:
        """Client to server, watching for the armed trigger's statements."""
        step, tail = 0, b""
        while data := _recv(client):
            trigger = self._trigger
            if trigger is not None and not trigger.fired.is_set():
                window = tail + data
                while step < len(trigger.patterns) and trigger.patterns[step] in window:
                    window = window[window.index(trigger.patterns[step]) + 1 :]
                    step += 1
                if step == len(trigger.patterns):
                    self._fire(trigger, client, server)
                    return
                tail = data[-64:]
            try:
                server.sendall(data)
            except OSError:
                break
        _reset(server)
        _reset(client)

    def _fire(self, trigger: _Trigger, client: socket.socket, server: socket.socket) -> None:
        self._trigger = None
        trigger.on_cut()
        if trigger.down:
            self.go_down()
        _reset(server)
        _reset(client)
        trigger.fired.set()


def _recv(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except OSError:
        return b""


def _pump(source: socket.socket, sink: socket.socket) -> None:
    while data := _recv(source):
        try:
            sink.sendall(data)
        except OSError:
            break
    _reset(sink)
    _reset(source)


def _reset(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RESET)
    _close(sock)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)  # wakes a thread blocked in recv() or accept()
    sock.close()


# -- real processes ------------------------------------------------------------------------


def syncer(
    dep: Deployment, *args: str, log: Path | None = None, **env: str
) -> subprocess.Popen[str]:
    """A real `syncer <args> -c <config>` process; SYNCER_* settings and failpoints in `env`.
    Its log (stderr) is piped, or written to `log` for a test to read while it runs."""
    with contextlib.ExitStack() as stack:
        stderr = stack.enter_context(log.open("w")) if log else subprocess.PIPE
        process = subprocess.Popen(
            [sys.executable, "-m", "syncer", *args, "-c", str(dep.config)],
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            text=True,
        )
    _started.append(process)
    return process


def kill_leftovers() -> None:
    """After a test: no process it started outlives it (one left stopped at a failpoint by a
    failed assertion would otherwise stay forever)."""
    while _started:
        process = _started.pop()
        if process.returncode is None:
            process.kill()  # SIGKILL ends a stopped process too
            process.communicate()


def finish(process: subprocess.Popen[str], timeout: float = 60) -> tuple[int, str]:
    """Exit code and stderr of a process run to its end."""
    _, err = process.communicate(timeout=timeout)
    return process.returncode, err


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.02)


def wait_stopped(process: subprocess.Popen[str], timeout: float = 30) -> None:
    """Wait until the process has stopped itself at its failpoint (SIGSTOP)."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status = os.waitpid(process.pid, os.WNOHANG | os.WUNTRACED)
        if pid and os.WIFSTOPPED(status):
            return
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            raise AssertionError(f"ended before its failpoint: {finish(process)}")
        assert time.monotonic() < deadline, "the process never reached its failpoint"
        time.sleep(0.02)


def resume(process: subprocess.Popen[str]) -> None:
    os.kill(process.pid, signal.SIGCONT)


# -- the ledger, read straight from the server ---------------------------------------------


@dataclass(frozen=True)
class LedgerState:
    links: int
    cursors: int
    intents: Counter[str]  # by state: pending, applied, failed
    runs: Counter[str]  # by status
    lease: dict[str, Any] | None

    @classmethod
    def read(cls, ledger_url: str, pipeline: str = "contacts") -> LedgerState:
        engine = sa.create_engine(ledger_url)
        try:
            with engine.connect() as conn:
                count = sa.select(sa.func.count())
                lease = conn.execute(sa.select(leases).where(leases.c.pipeline == pipeline))
                row = lease.first()
                return cls(
                    links=int(conn.execute(count.select_from(links)).scalar_one()),
                    cursors=int(conn.execute(count.select_from(cursors)).scalar_one()),
                    intents=Counter(s for (s,) in conn.execute(sa.select(intents.c.state))),
                    runs=Counter(s for (s,) in conn.execute(sa.select(runs.c.status))),
                    lease=dict(row._mapping) if row else None,
                )
        finally:
            engine.dispose()


def assert_converged(dep: Deployment, expected: int) -> None:
    """Both sides hold the same `expected` people, each once, and the ledger links each pair
    with no write left pending."""
    hub = Counter(c["properties"]["email"] for c in dep.hub_contacts())
    sql = Counter(r.email.strip().lower() for r in dep.sql_rows())
    assert max(hub.values()) == 1, "a duplicate contact in HubSpot"
    assert max(sql.values()) == 1, "a duplicate row in SQL"
    assert len(hub) == expected
    assert hub.keys() == sql.keys()
    state = LedgerState.read(dep.ledger_url)
    assert state.links == expected
    assert state.intents["pending"] == 0
