"""Reading the repository's deploy files the way the tools that use them would."""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path
from typing import Any

import yaml

from syncer.settings import Settings, load_settings

ROOT = Path(__file__).parents[2]
DEPLOY = ROOT / "deploy"


def yaml_documents(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as stream:
        return [doc for doc in yaml.safe_load_all(stream) if doc is not None]


def load_shipped_config(text: str, folder: Path, secrets: dict[str, str]) -> Settings:
    """Settings from a shipped syncer.toml, its secret files replaced by files in `folder`
    holding `secrets` (name -> value), as the mounted secrets would.

    `[service]` arrives with the daemon's HTTP endpoints: until `Settings` knows it, the rest
    of the file is checked without it."""
    for name, value in secrets.items():
        (folder / name).write_text(value, encoding="utf-8")
    text = re.sub(r'"/run/secrets/(?:syncer/)?([a-z_]+)"', r'"\1"', text)
    if "service" not in Settings.model_fields:
        parsed = tomllib.loads(text)
        assert set(parsed["service"]) == {"listen"}, "only [service] listen is held back"
        text = re.sub(r"(?ms)^\[service\]\n.*?(?=^\[)", "", text)
    path = folder / "syncer.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(path, env={})


def tool(name: str) -> str | None:
    return shutil.which(name)
