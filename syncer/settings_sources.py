"""Where settings come from and how their mistakes are told: the TOML file, SYNCER_* variables,
`*_file` secrets, and one ConfigError listing every problem as `<source>: <key path>: <what>`.

Used by `syncer.settings.load_settings`; nothing here knows the settings model's fields: the
secrets are named by the caller, as `SecretPairs`.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import ValidationError
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, EnvSettingsSource, SettingsError

from syncer.errors import ConfigError
from syncer.files import CONFIG_MAX_BYTES, SECRET_MAX_BYTES, FileTooLarge, read_capped_text

ENV_PREFIX = "SYNCER_"
# (section, key): `key` holds a secret inline, `key_file` names a file holding it.
SecretPairs = Sequence[tuple[str, str]]
_SECRET_WORDS = re.compile(r"token|password|secret", re.IGNORECASE)
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")

Loc = tuple[str | int, ...]


class Problem(NamedTuple):
    loc: Loc
    message: str


def read_toml(path: Path) -> dict[str, Any]:
    try:
        text = read_capped_text(path, CONFIG_MAX_BYTES)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except FileTooLarge as exc:
        raise ConfigError(f"cannot read config file: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_describe_toml_error(path, exc)) from None


def _describe_toml_error(path: Path, exc: tomllib.TOMLDecodeError) -> str:
    message = str(exc)
    position = _TOML_POSITION.search(message)
    if position is None:
        return f"{path}: invalid TOML: {message}"
    what = message[: position.start()]
    return f"{path}: line {position[1]}, column {position[2]}: invalid TOML: {what}"


class _GivenEnvironment(EnvSettingsSource):
    """pydantic-settings' env source, reading a mapping the caller passes instead of os.environ."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ  # before super().__init__, which loads the variables
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        if self.case_sensitive:
            return dict(self._environ)
        return {name.lower(): value for name, value in self._environ.items()}


def read_environment(
    settings_cls: type[BaseSettings], environ: Mapping[str, str]
) -> dict[str, Any]:
    """SYNCER_* variables as nested values, e.g. SYNCER_HUBSPOT__TOKEN -> {"hubspot": {"token"}}."""
    try:
        return _GivenEnvironment(settings_cls, environ)()
    except SettingsError as exc:
        # A whole section or list given as one variable must be JSON; name that variable.
        field = re.search(r'field "(\w+)"', str(exc))
        name = f"${ENV_PREFIX}{field[1].upper()}" if field else "environment"
        raise ConfigError(
            f"{name}: expected JSON for a whole section or list; set single keys as {name}__KEY"
        ) from None


def env_origins(env_values: Mapping[str, Any], loc: Loc = ()) -> dict[Loc, str]:
    """The variable each environment-provided key path came from, to name it in errors."""
    origins: dict[Loc, str] = {}
    for key, value in env_values.items():
        path = (*loc, key)
        origins[path] = "$" + ENV_PREFIX + "__".join(str(part).upper() for part in path)
        if isinstance(value, Mapping):
            origins.update(env_origins(value, path))
    return origins


def merge_layers(
    file_values: dict[str, Any], env_values: dict[str, Any], secrets: SecretPairs
) -> dict[str, Any]:
    """File values overridden by environment values, key by key at every depth.

    A secret set in the environment, inline or as a file, replaces both forms in the file.
    """
    file_values = {k: dict(v) if isinstance(v, dict) else v for k, v in file_values.items()}
    for section, key in secrets:
        overridden = env_values.get(section, {})
        if isinstance(overridden, dict) and {key, f"{key}_file"} & overridden.keys():
            in_file = file_values.get(section)
            if isinstance(in_file, dict):
                in_file.pop(key, None)
                in_file.pop(f"{key}_file", None)
    return _deep_merge(file_values, env_values)


def _deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def read_secret_files(
    values: dict[str, Any], base_dir: Path, secrets: SecretPairs
) -> list[Problem]:
    """Replace each `*_file` by the secret it holds (stripped); relative paths start at base_dir."""
    problems = []
    for section, key in secrets:
        holder = values.get(section)
        file_key = f"{key}_file"
        if not isinstance(holder, dict) or not isinstance(holder.get(file_key), str):
            continue  # absent, or a wrong type that validation will report
        if key in holder:
            problems.append(Problem((section,), f"set {key} or {file_key}, not both"))
            continue
        path = base_dir / Path(holder[file_key]).expanduser()
        try:
            secret = read_capped_text(path, SECRET_MAX_BYTES).strip()
        except FileNotFoundError:
            problems.append(Problem((section, file_key), f"file not found: {path}"))
            continue
        except FileTooLarge as exc:
            problems.append(Problem((section, file_key), str(exc)))
            continue
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem((section, file_key), f"cannot read {path}: {exc}"))
            continue
        if not secret:
            problems.append(Problem((section, file_key), f"file is empty: {path}"))
        holder[key], holder[file_key] = secret, str(path)
    return problems


def describe_errors(exc: ValidationError) -> list[Problem]:
    problems: list[Problem] = []
    for error in exc.errors():
        loc = tuple(part for part in error["loc"] if part != "[key]")
        problems.extend(Problem(loc, line) for line in _expectation(error).splitlines())
    return problems


# Keys refused on purpose: the reason instead of "unknown key".
REFUSED_KEYS: dict[tuple[str, ...], str] = {
    ("hubspot", "proxy"): (
        "not supported: through a proxy, syncer could not check the address its token is sent "
        "to (the private-network guard); HTTP(S)_PROXY variables are not used either. Let "
        "syncer reach HubSpot directly (allow api.hubapi.com in your egress rules)"
    ),
}


def _expectation(error: ErrorDetails) -> str:
    kind, ctx = error["type"], error.get("ctx", {})
    if kind == "extra_forbidden":
        return REFUSED_KEYS.get(tuple(str(p) for p in error["loc"]), "unknown key")
    if kind == "missing":
        return "required key is missing"
    if kind in ("value_error", "assertion_error"):
        return str(ctx["error"])
    if kind in ("literal_error", "enum"):
        return f"expected one of {ctx['expected'].replace(' or ', ', ')}{_got(error)}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"expected a table{_got(error)}"
    return error["msg"].replace("Input should be", "expected", 1) + _got(error)


def _got(error: ErrorDetails) -> str:
    value = error["input"]
    if not isinstance(value, str | int | float) or _SECRET_WORDS.search(dotted(error["loc"])):
        return ""
    shown = repr(value)
    return f", got {shown if len(shown) <= 60 else shown[:57] + '...'}"


def dotted(loc: Loc) -> str:
    """('pipelines', 0, 'fields', 'phone') -> 'pipelines[0].fields.phone'."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            name = part if _BARE_KEY.fullmatch(part) else json.dumps(part)
            text += f".{name}" if text else name
    return text


def format_problems(problems: list[Problem], file: Path, origins: Mapping[Loc, str]) -> str:
    """One line per problem, each naming where the bad value came from."""
    lines = []
    for loc, message in problems:
        prefixes = (loc[:n] for n in range(len(loc), 0, -1))
        source = next((origins[p] for p in prefixes if p in origins), str(file))
        lines.append(": ".join(part for part in (source, dotted(loc), message) if part))
    return "\n".join(lines)


def anchor_sqlite(url: str, base_dir: Path) -> str:
    """A relative SQLite path is taken relative to the config file's directory, not the cwd."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return url
    if database.startswith("file:") or Path(database).is_absolute():
        return url
    return parsed.set(database=str(base_dir / database)).render_as_string(hide_password=False)
