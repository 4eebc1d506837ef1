"""`[ledger]`: where the ledger database is, how long a run's lease lasts, and whether match
keys are kept as keyed hashes (what that costs is in the README).

The password and the match-key secret may sit apart from the URL (inline, a SYNCER_LEDGER__*
variable or a mounted file), so the URL itself can live in a ConfigMap or a compose file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, Field, SecretStr, model_validator

from syncer import settings_rules as rules
from syncer.logs import mask_url_password
from syncer.settings_rules import StrictModel

MIN_KEY_SECRET = 16  # characters of match_key_secret: a short key would make emails guessable


class LedgerSettings(StrictModel):
    url: Annotated[str, AfterValidator(rules.ledger_url)] = "sqlite:///syncer.db"
    # How long a run's lease outlives its last renewal: a replica that dies on another host
    # blocks its pipelines this long; a paused one is fenced once it has passed.
    lease_seconds: float = Field(600.0, gt=0, le=rules.MAX_DURATION_SECONDS)
    # The password apart from the URL (inline, SYNCER_LEDGER__PASSWORD or a mounted secret
    # file), so the URL can sit in a ConfigMap or a compose file; put into the URL to connect.
    password: SecretStr | None = None
    password_file: Path | None = None
    # Match keys (emails, unique ids) kept in links and intents as keyed hashes (HMAC-SHA256)
    # under match_key_secret, for those who must not keep emails at rest; see the README for
    # what it costs. Turning it on converts an existing ledger; there is no way back.
    hash_match_keys: bool = False
    match_key_secret: SecretStr | None = None
    match_key_secret_file: Path | None = None
    # How long a logged conflict keeps both sides' values (`syncer conflicts show`); then they
    # are cleared, and the conflict's row (its hashes, winner and time) stays.
    conflict_retention: Annotated[str, AfterValidator(rules.interval)] = "30d"

    def __repr_args__(self) -> Any:
        yield "url", mask_url_password(self.url)

    @model_validator(mode="after")
    def _hash_has_a_key(self) -> LedgerSettings:
        secret = self.match_key_secret
        if self.hash_match_keys and secret is None:
            raise ValueError(
                "hash_match_keys = true needs match_key_secret (or match_key_secret_file): "
                "the key of the hash"
            )
        if secret is not None and len(secret.get_secret_value()) < MIN_KEY_SECRET:
            raise ValueError(f"match_key_secret: expected at least {MIN_KEY_SECRET} characters")
        return self

    def match_key_secret_bytes(self) -> bytes | None:
        """The key match keys are hashed with, when they are; None: kept in clear."""
        if not self.hash_match_keys or self.match_key_secret is None:
            return None
        return self.match_key_secret.get_secret_value().encode("utf-8")

    def connect_url(self) -> str:
        """The URL to connect with: `password`, when set, in place of the URL's own."""
        if self.password is None:
            return self.url
        from sqlalchemy.engine import make_url  # settings load without importing SQLAlchemy

        url = make_url(self.url).set(password=self.password.get_secret_value())
        return url.render_as_string(hide_password=False)
