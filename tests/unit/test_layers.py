"""The import contracts (pyproject.toml, checked by `lint-imports` in .ci/run) cover the tree."""

from __future__ import annotations

import tomllib
from pathlib import Path

import syncer

ROOT = Path(syncer.__file__).parent


def _contract(contract_id: str) -> dict[str, object]:
    config = tomllib.loads((ROOT.parent / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    return next(c for c in contracts if c["id"] == contract_id)


def _top_level_modules() -> set[str]:
    names = {p.stem for p in ROOT.glob("*.py") if p.stem not in {"__init__", "__main__"}}
    names |= {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()}
    return {f"syncer.{name}" for name in names}


def test_the_sandbox_contract_forbids_every_other_module_of_syncer() -> None:
    forbidden = set(_contract("independent-sandbox")["forbidden_modules"])  # type: ignore[arg-type]
    missing = _top_level_modules() - {"syncer.sandbox"} - forbidden
    assert not missing, f"add to the independent-sandbox contract: {sorted(missing)}"


def test_the_ledger_contract_protects_every_internal_module() -> None:
    protected = set(_contract("ledger-front-door")["protected_modules"])  # type: ignore[arg-type]
    internals = {
        f"syncer.ledger.{p.stem}"
        for p in (ROOT / "ledger").glob("*.py")
        if p.stem not in {"__init__", "store", "values", "lazy"}  # the front door
    }
    assert internals == protected
