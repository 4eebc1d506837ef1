"""The exception tree, grouped by what the caller does about it.

SyncerError
 +-- ConfigError            bad configuration or usage: exit 2, touch nothing
 +-- LeaseHeld              another run holds the pipeline: exit 3
 +-- FatalError             stop this run: auth refused, schema missing, ledger fenced
 |    +-- AuthError
 |    +-- FencedError       a newer lease epoch exists; this run may not commit
 +-- RetryableError         transient: back off and try again (5xx, timeout, 429, 423)
 |    +-- RateLimited       carries how long to wait and which policy was hit
 +-- GuardRefused           the plan looks dangerous; rerun with --force to allow it
"""

from __future__ import annotations


class SyncerError(Exception):
    """Root of every error syncer raises on purpose."""


class ConfigError(SyncerError):
    """The configuration or the command line is wrong; message names the key."""


class LeaseHeld(SyncerError):
    """Another run holds the lease of this pipeline."""


class FatalError(SyncerError):
    """The run cannot go on."""


class RunStopped(SyncerError):
    """A stop was asked for (SIGTERM): the run ended at a chunk boundary, everything it sent
    recorded, its cursors not moved, so the next run reads the rest again."""


class AuthError(FatalError):
    """Credentials were refused."""


class FencedError(FatalError):
    """This run's lease epoch is stale: a newer run took over, so it may not commit."""


class RetryableError(SyncerError):
    """A transient failure; the same request may succeed later."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RateLimited(RetryableError):
    """The API refused for rate; `policy` is e.g. TEN_SECONDLY_ROLLING, SECONDLY, DAILY."""

    def __init__(self, message: str, *, policy: str, retry_after: float | None = None) -> None:
        super().__init__(message, retry_after=retry_after)
        self.policy = policy


class GuardRefused(SyncerError):
    """A safety guard refused the plan."""
