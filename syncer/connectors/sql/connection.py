"""Building the SQLAlchemy engine for the external database, with the password injected.

The password comes from `external.password` or `external.password_file` (a Docker or Kubernetes
secret), never from the URL in the configuration file, and the URL is only ever rendered with
the password hidden.
"""

from __future__ import annotations

import sqlalchemy as sa

from syncer.errors import ConfigError, RetryableError
from syncer.files import SECRET_MAX_BYTES, FileTooLarge, read_capped_text
from syncer.logs import mask_url_password
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
    try:
        engine = sa.create_engine(database_url(settings), pool_pre_ping=True)
    except (sa.exc.ArgumentError, ImportError) as exc:  # a driver that is not installed
        url = mask_url_password(settings.url)
        raise ConfigError(f"external.url: cannot use {url!r}: {exc}") from None
    sa.event.listen(engine, "handle_error", _unreachable)
    return engine


def _unreachable(context: sa.engine.ExceptionContext) -> None:
    """A database that cannot be connected to (down, unknown, credentials refused) is one line
    naming the reason, not a driver traceback; a later run may find it back."""
    if context.connection is None and isinstance(
        context.sqlalchemy_exception, sa.exc.OperationalError | sa.exc.InterfaceError
    ):
        reason = str(context.original_exception).strip().splitlines()[0]
        raise RetryableError(f"external database unavailable: {reason}")


def safe_url(engine: sa.Engine) -> str:
    """The engine's URL for messages and logs, password masked."""
    return engine.url.render_as_string(hide_password=True)


def _password(settings: SqlSettings) -> str | None:
    if settings.password is not None:
        return settings.password.get_secret_value()
    if settings.password_file is None:
        return None
    try:
        text = read_capped_text(settings.password_file, SECRET_MAX_BYTES)
    except FileTooLarge as exc:
        raise ConfigError(f"external.password_file: {exc}") from None
    except OSError as exc:
        raise ConfigError(
            f"external.password_file: cannot read {settings.password_file}: {exc.strerror}"
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(
            f"external.password_file: {settings.password_file} is not UTF-8 text"
        ) from None
    return text.rstrip("\r\n")
