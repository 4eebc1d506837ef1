"""Typed outcomes of one HTTP exchange: what the caller should do, decided in one place.

Each API owns a table (a `Classifier`) that turns a response into an `Outcome`; transport
failures are classified here, the same for every API. The retry loop acts on the verdict;
connectors read the body only for OK and REJECTED outcomes and never look at status codes.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

import httpx


class Verdict(enum.Enum):
    OK = "ok"  # the call did what was asked (possibly in part: 207)
    REJECTED = "rejected"  # the server refused the content; the body says which records and why
    RETRY = "retry"  # transient failure: the same request may succeed later
    RATE_LIMITED = "rate_limited"  # refused for rate; `policy` says which limit
    AUTH = "auth"  # credentials refused: stop the run
    FATAL = "fatal"  # anything else: a bug or a misconfiguration; stop the run


@dataclass(frozen=True, slots=True)
class Outcome:
    """The decision about one exchange.

    `wait` is the minimum pause (seconds) before a retry, when the server said so or the API's
    rules fix it. `applied_unknown` is True when the server may have carried the request out
    (5xx, read timeout): only requests that are safe to repeat may then be retried.
    """

    verdict: Verdict
    detail: str = ""
    wait: float | None = None
    policy: str | None = None
    applied_unknown: bool = False

    @property
    def retryable(self) -> bool:
        return self.verdict in (Verdict.RETRY, Verdict.RATE_LIMITED)


Classifier = Callable[[httpx.Response], Outcome]


def classify_transport_error(error: httpx.TransportError) -> Outcome:
    """Outcome of a transport failure (no response arrived).

    A connect failure means the request never left, so any request may be resent; after the
    request was sent (read timeout, dropped connection) the server may have applied it. A
    request that cannot even be written (a header holding a line break, an unknown scheme)
    would fail the same way every time: that is fatal, not transient.
    """
    if isinstance(error, httpx.LocalProtocolError | httpx.UnsupportedProtocol):
        return Outcome(Verdict.FATAL, f"{type(error).__name__}: the request cannot be sent")
    never_sent = isinstance(error, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
    return Outcome(
        Verdict.RETRY, f"{type(error).__name__}: {error}", applied_unknown=not never_sent
    )
