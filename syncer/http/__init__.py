"""HTTP plumbing shared by the API connectors: client factory, auth, outcomes, retry, budgets."""

from syncer.http.auth import BearerToken, read_secret
from syncer.http.client import build_client
from syncer.http.outcome import Classifier, Outcome, Verdict, classify_transport_error
from syncer.http.ratelimit import RollingWindowBudget
from syncer.http.retry import Exchange, RetryingSender, RetryPolicy

__all__ = [
    "BearerToken",
    "Classifier",
    "Exchange",
    "Outcome",
    "RetryPolicy",
    "RetryingSender",
    "RollingWindowBudget",
    "Verdict",
    "build_client",
    "classify_transport_error",
    "read_secret",
]
