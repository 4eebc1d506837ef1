"""Structured logs (JSON in containers, console on a TTY) with secret redaction.

`configure_logging` is called once at the edge, at the level `SYNCER_LOG_LEVEL` names (info by
default: one line per pass of the daemon, warnings and errors). Every event, whether it comes
from structlog or from a stdlib logger such as httpx or sqlalchemy, is rendered by one
`ProcessorFormatter` whose last step before the renderer is `redact_secrets`, so nothing reaches
the stream unscrubbed.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TextIO
from urllib.parse import quote

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from syncer.errors import ConfigError

MASK = "***"

# A key whose name contains one of these words holds a secret, at any depth of the event.
_SECRET_KEY = re.compile(
    r"token|secret|passw|authorization|api_?key|cookie|credential|hapikey", re.IGNORECASE
)
# Value patterns scrubbed from every string, in this order (the header rule swallows its Bearer).
_TEXT_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    # Authorization header values, in "Authorization: x", "'authorization': 'x'" or "=x" form.
    (re.compile(r"(authorization['\"]?\s*[:=]\s*['\"]?)[^\r\n'\"]+", re.IGNORECASE), rf"\1{MASK}"),
    (re.compile(r"\b(bearer\s+)[^\s'\",;]+", re.IGNORECASE), rf"\1{MASK}"),
    # Passwords in URLs: scheme://user:pass@host -> scheme://user:***@host.
    (re.compile(r"(\b[a-z][a-z0-9+.\-]*://[^/\s:@]*:)[^@\s/]+(@)", re.IGNORECASE), rf"\1{MASK}\2"),
    # key=value or key: value pairs named like secrets (query strings, libpq DSNs, dict reprs).
    (
        re.compile(
            r"(\b\w*(?:token|secret|passw\w*|api_?key|hapikey)['\"]?\s*[=:]\s*['\"]?)"
            r"(?!\*\*\*)[^\s&'\",;)}]+",
            re.IGNORECASE,
        ),
        rf"\1{MASK}",
    ),
    # HubSpot private-app tokens, wherever they turn up.
    (re.compile(r"\bpat-[a-z]{2,4}\d*-[0-9a-z-]{8,}", re.IGNORECASE), MASK),
)

# Shorter registered values would mask ordinary words all over the logs.
MIN_SECRET_LENGTH = 4

_registered: set[str] = set()
_registered_lock = threading.Lock()


def register_secret(value: str) -> None:
    """Mask `value` (and its URL-encoded form) wherever it appears in any later log line."""
    if len(value) < MIN_SECRET_LENGTH:
        return
    with _registered_lock:
        _registered.update({value, quote(value, safe="")})


def redact_text(text: str) -> str:
    """`text` with registered secrets, tokens, auth headers and URL passwords masked."""
    # Longest first, so a secret that contains another is masked whole.
    for secret in sorted(_registered, key=len, reverse=True):
        text = text.replace(secret, MASK)
    for pattern, replacement in _TEXT_RULES:
        text = pattern.sub(replacement, text)
    return text


def mask_url_password(url: str) -> str:
    """The URL with its password (if any) replaced by ***; safe to show in a repr."""
    return _TEXT_RULES[2][0].sub(_TEXT_RULES[2][1], url)


def _redact_value(value: object) -> object:
    if isinstance(value, str):
        return redact_text(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Mapping):
        return {k: _redact_item(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_redact_value(v) for v in value]
    if isinstance(value, BaseException):
        return redact_text(f"{type(value).__name__}: {value}")
    # Any other object would be rendered through its repr, which may embed a URL or header.
    return redact_text(repr(value))


def _redact_item(key: str, value: object) -> object:
    if value is not None and _SECRET_KEY.search(key):
        return MASK
    return _redact_value(value)


def redact_secrets(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """structlog processor: mask secrets by key name and by value pattern, at any depth.

    Runs after `format_exc_info`, so tracebacks are plain strings and scrubbed like the rest.
    """
    return {key: _redact_item(key, value) for key, value in event_dict.items()}


# Loggers held at WARNING whatever the level: httpx and httpcore put whole URLs (with query
# strings) into INFO lines; APScheduler says "Running job ..." and "executed successfully" for
# every firing, which would bury the one line per pass the daemon writes itself.
QUIET_LOGGERS = ("httpx", "httpcore", "apscheduler")
_LEVELS = ("debug", "info", "warning", "error", "critical")
_LEADING_KEYS = ("timestamp", "level", "event", "logger")


def _shared_processors() -> list[Processor]:
    """Steps both structlog and stdlib events take before the formatter renders them."""
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def _essentials_first(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """Put when/how bad/what first, so a JSON line reads left to right like a console line."""
    first = {key: event_dict[key] for key in _LEADING_KEYS if key in event_dict}
    return {**first, **event_dict}


def _renderer(json: bool, stream: TextIO) -> Processor:
    if json:
        return structlog.processors.JSONRenderer()
    # plain_traceback: fancy formatters print frame locals, which can hold secrets.
    return structlog.dev.ConsoleRenderer(
        colors=stream.isatty(), exception_formatter=structlog.dev.plain_traceback
    )


def _formatter(json: bool, stream: TextIO) -> structlog.stdlib.ProcessorFormatter:
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_shared_processors(),
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            redact_secrets,
            _essentials_first,
            _renderer(json, stream),
        ],
    )


class _SyncerHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Marks the handler this module installed, so a second configure replaces it."""


def configure_logging(
    *, json: bool | None = None, level: str = "info", stream: TextIO | None = None
) -> None:
    """Route structlog and stdlib logging through one redacting renderer on `stream`.

    `json=None` picks JSON when the stream is not a TTY (containers, files, pipes) and the
    console renderer otherwise. Calling it again replaces the previous set-up.
    """
    if level.lower() not in _LEVELS:
        raise ConfigError(f"log level: expected one of {', '.join(_LEVELS)}, got {level!r}")
    out = stream if stream is not None else sys.stderr
    use_json = not out.isatty() if json is None else json
    handler = _SyncerHandler(out)
    handler.setFormatter(_formatter(use_json, out))
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _SyncerHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    structlog.configure(
        processors=[
            *_shared_processors(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        # Uncached, a module-level logger follows a later re-configuration (the CLI, tests).
        cache_logger_on_first_use=False,
    )


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    """A logger named `name` (usually `__name__`); usable before `configure_logging` runs."""
    logger: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(name)
    return logger


@contextmanager
def bound_run(*, run_id: str, pipeline: str, mode: str) -> Iterator[None]:
    """Within the block, every log line (structlog or stdlib) of this context carries the run.

    contextvars do not follow work into a thread pool by themselves: submit with
    `contextvars.copy_context().run` to keep the binding in worker threads.
    """
    with structlog.contextvars.bound_contextvars(run_id=run_id, pipeline=pipeline, mode=mode):
        yield
