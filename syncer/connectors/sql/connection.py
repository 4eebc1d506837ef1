"""Building the SQLAlchemy engine for the external database, with the password injected.

The password comes from `external.password` or `external.password_file` (a Docker or Kubernetes
secret), never from the URL in the configuration file, and the URL is only ever rendered with
the password hidden.
"""

from __future__ import annotations

import sqlalchemy as sa

from syncer.errors import ConfigError
from syncer.settings_external import SqlSettings


def database_url(settings: SqlSettings) -> sa.URL:
    if not settings.url:
        raise ConfigError("external.url: a SQLAlchemy URL is required when external.kind = 'sql'")
    try:
        url = sa.make_url(settings.url)
    except sa.exc.ArgumentError as exc:
        raise ConfigError(f"external.url: not a SQLAlchemy URL ({exc})") from None
    password = _password(settings)
    return url.set(password=password) if password is not None else url


def build_engine(settings: SqlSettings) -> sa.Engine:
    # pre_ping: a daemon's pooled connections go stale between runs (server restarts, idle kills).
    return sa.create_engine(database_url(settings), pool_pre_ping=True)


def safe_url(engine: sa.Engine) -> str:
    """The engine's URL for messages and logs, password masked."""
    return engine.url.render_as_string(hide_password=True)


def _password(settings: SqlSettings) -> str | None:
    if settings.password is not None:
        return settings.password.get_secret_value()
    if settings.password_file is None:
        return None
    try:
        return settings.password_file.read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as exc:
        raise ConfigError(
            f"external.password_file: cannot read {settings.password_file}: {exc.strerror}"
        ) from None
