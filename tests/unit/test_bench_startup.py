"""bench/startup.py times each child to its own first request, never to a connection the
previous (killed) child left queued on the shared listener."""

from __future__ import annotations

import socket
import sys

from bench.startup import drain_backlog, first_request

HEAD = b"GET /%s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def killed_child_leftovers(port: int, count: int) -> None:
    """What a child killed after its first request leaves: connections it opened at once, each
    with a request sent and then closed by the kernel, still queued for accept."""
    for _ in range(count):
        with socket.create_connection(("127.0.0.1", port)) as client:
            client.sendall(HEAD % b"stale")


def child_asking(port: int, path: str) -> list[str]:
    """A child that connects, sends one request and waits to be killed."""
    script = (
        "import socket, time\n"
        f"c = socket.create_connection(('127.0.0.1', {port}))\n"
        f"c.sendall({HEAD % path.encode()!r})\n"
        "time.sleep(600)\n"
    )
    return [sys.executable, "-c", script]


def test_each_run_takes_its_own_childs_first_request_not_the_last_childs_leftovers() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        killed_child_leftovers(port, 2)
        measured = first_request(child_asking(port, "fresh"), listener)
    assert measured.request_line == "GET /fresh HTTP/1.1"


def test_draining_closes_every_queued_connection_and_leaves_the_listener_usable() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        killed_child_leftovers(port, 3)
        assert drain_backlog(listener) == 3
        assert drain_backlog(listener) == 0
        with socket.create_connection(("127.0.0.1", port)):
            listener.settimeout(60)  # blocking again: the next accept waits for this client
            connection, _ = listener.accept()
            connection.close()
