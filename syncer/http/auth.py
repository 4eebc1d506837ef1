"""Bearer-token authentication and secret loading; the token never reaches a log or a repr."""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

import httpx
from pydantic import SecretStr

from syncer.errors import ConfigError
from syncer.files import SECRET_MAX_BYTES, FileTooLarge, read_capped_text
from syncer.settings_rules import UNSAFE_SECRET, is_header_safe


class BearerToken(httpx.Auth):
    """Adds `Authorization: Bearer <token>` to every request."""

    def __init__(self, token: SecretStr) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token.get_secret_value()}"
        yield request

    def __repr__(self) -> str:
        return "BearerToken(**********)"


def read_secret(value: SecretStr | None, file: Path | None, *, key: str) -> SecretStr:
    """The secret given inline, else read from `file` (trailing whitespace dropped).

    `key` names the setting in errors, e.g. "hubspot.token"; the value itself is never shown.
    """
    if value is not None and value.get_secret_value():
        return value
    if file is None:
        raise ConfigError(f"{key}: no secret given; set {key} or {key}_file")
    try:
        text = read_capped_text(file, SECRET_MAX_BYTES).strip()
    except FileTooLarge as exc:
        raise ConfigError(f"{key}_file: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{key}_file: cannot read {file}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{key}_file: {file} is not UTF-8 text") from None
    if not text:
        raise ConfigError(f"{key}_file: {file} is empty")
    if not is_header_safe(text):
        raise ConfigError(f"{key}_file: {file}: {UNSAFE_SECRET}")
    return SecretStr(text)
