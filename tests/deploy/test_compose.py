"""deploy/docker-compose.yml: the local trial starts syncer, its ledger and the sandbox.

`docker compose config` validates it where the Compose plugin is installed; the structural
checks below run everywhere, and are what that command would catch that matters here: every
file, secret and service it names exists, and each service says how it is healthy."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.files import DEPLOY, load_shipped_config, tool, yaml_documents

COMPOSE = DEPLOY / "docker-compose.yml"


def compose() -> dict[str, Any]:
    (document,) = yaml_documents(COMPOSE)
    return document


def test_docker_compose_config_accepts_the_file() -> None:
    docker = tool("docker")
    if docker is None:
        pytest.skip("docker is not installed: the structural checks in this module stand in")
    probe = subprocess.run([docker, "compose", "version"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip("the docker compose plugin is not installed: structural checks stand in")
    result = subprocess.run(
        [docker, "compose", "-f", str(COMPOSE), "config", "--quiet"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_the_trial_has_syncer_its_ledger_and_the_sandbox_each_with_a_healthcheck() -> None:
    services = compose()["services"]
    assert set(services) == {"syncer", "hubspot", "ledger"}
    for name, service in services.items():
        assert service["healthcheck"]["test"][0] == "CMD", name
    assert services["syncer"]["depends_on"] == {
        "ledger": {"condition": "service_healthy"},
        "hubspot": {"condition": "service_healthy"},
    }
    assert services["syncer"]["command"] == ["run"]


def test_every_file_a_service_mounts_or_builds_from_exists() -> None:
    document = compose()
    for name, service in document["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).is_file(), f"{name}: {source} is missing"
        if "build" in service:
            assert (DEPLOY / service["build"] / "Dockerfile").is_file()
    for name, secret in document["secrets"].items():
        assert (DEPLOY / secret["file"]).is_file(), f"secret {name}: {secret['file']} is missing"


def test_services_use_only_declared_secrets_and_volumes() -> None:
    document = compose()
    for name, service in document["services"].items():
        assert set(service.get("secrets", [])) <= set(document["secrets"]), name
        named = [v.split(":")[0] for v in service.get("volumes", []) if not v.startswith(".")]
        assert set(named) <= set(document.get("volumes", {})), name


def test_issue7_the_ledger_database_has_a_password_from_a_secret_and_no_trust_auth() -> None:
    ledger = compose()["services"]["ledger"]
    environment = ledger["environment"]
    assert "POSTGRES_HOST_AUTH_METHOD" not in environment
    assert "POSTGRES_PASSWORD" not in environment
    assert environment["POSTGRES_PASSWORD_FILE"] == "/run/secrets/ledger_password"
    assert "ledger_password" in ledger["secrets"]


def test_syncer_runs_read_only_without_privileges() -> None:
    for name in ("syncer", "hubspot"):
        service = compose()["services"][name]
        assert service["read_only"] is True, name
        assert service["tmpfs"] == ["/tmp"], name
        assert service["cap_drop"] == ["ALL"], name


def test_the_trial_config_loads_with_the_trial_secrets(tmp_path: Path) -> None:
    secrets = {
        name: (DEPLOY / spec["file"]).read_text(encoding="utf-8")
        for name, spec in compose()["secrets"].items()
    }
    settings = load_shipped_config(
        (DEPLOY / "syncer.toml").read_text(encoding="utf-8"), tmp_path, secrets
    )
    password = secrets["ledger_password"].strip()
    assert f":{password}@ledger:5432/syncer" in settings.ledger.connect_url()
    assert settings.hubspot.base_url == "http://hubspot:8000"
    assert [p.name for p in settings.pipelines] == ["contacts"]
