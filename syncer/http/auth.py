"""Bearer-token authentication and secret loading; the token never reaches a log or a repr."""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

import httpx
from pydantic import SecretStr

from syncer.errors import ConfigError


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
        text = file.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"{key}_file: cannot read {file}: {exc.strerror}") from exc
    if not text:
        raise ConfigError(f"{key}_file: {file} is empty")
    return SecretStr(text)
