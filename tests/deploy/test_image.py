"""The Dockerfile and its supply chain: a base pinned by digest, dependencies from a hashed
lock file that matches pyproject.toml, a non-root user, and a lean build context."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.deploy.files import ROOT

DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
LOCK = ROOT / "requirements.lock"
RELOCK = (
    "pip-compile --generate-hashes --strip-extras --allow-unsafe --all-build-deps "
    "--no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml"
)
AUDIT = ["-m", "pip_audit", "-r", str(LOCK), "--require-hashes", "--disable-pip"]
AUDIT += ["--progress-spinner", "off", "--timeout", "15", "-f", "json", "-o", "audit.json"]


def locked() -> dict[str, tuple[str, list[str]]]:
    """name -> (version, hashes) of every requirement in the lock file."""
    text = LOCK.read_text(encoding="utf-8").replace("\\\n", " ")
    pins = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        requirement = line.split("--hash")[0].split(";")[0].strip()
        name, version = requirement.split("==")
        pins[name.lower()] = (version, re.findall(r"--hash=(sha256:[0-9a-f]{64})", line))
    return pins


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_issue7_the_base_image_is_pinned_by_digest() -> None:
    (image,) = re.findall(r"^ARG PYTHON_IMAGE=(\S+)$", DOCKERFILE, re.MULTILINE)
    assert re.fullmatch(r"python:3\.\d+\.\d+-slim-\w+@sha256:[0-9a-f]{64}", image)
    stages = re.findall(r"^FROM (\S+)", DOCKERFILE, re.MULTILINE)
    assert stages == ["${PYTHON_IMAGE}", "${PYTHON_IMAGE}"], "two stages, both on the pinned base"


def test_issue7_the_image_installs_from_the_lock_file_with_hashes_and_runs_as_non_root() -> None:
    assert "pip install --require-hashes --no-deps -r /src/requirements.lock" in DOCKERFILE
    assert "pip install --no-deps --no-build-isolation /src" in DOCKERFILE
    (user,) = re.findall(r"^USER (\S+)$", DOCKERFILE, re.MULTILINE)
    assert not user.startswith("0") and user.split(":")[0].isdigit()


def test_the_build_context_holds_what_the_dockerfile_copies_and_nothing_else() -> None:
    ignore = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    rules = [line for line in ignore if line and not line.startswith("#")]
    assert rules[0] == "*", "everything is excluded unless named"
    allowed = {rule[1:].rstrip("/") for rule in rules if rule.startswith("!")}
    copied = set()
    for sources in re.findall(r"^COPY (?!--from)(.+) \S+$", DOCKERFILE, re.MULTILINE):
        copied.update(sources.split())
    assert copied == allowed
    assert all((ROOT / name).exists() for name in copied)


def test_every_dependency_is_locked_at_a_version_it_allows_with_hashes() -> None:
    pins = {canonical(name): pin for name, pin in locked().items()}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    wanted = project["project"]["dependencies"] + project["build-system"]["requires"]
    for line in wanted:
        requirement = Requirement(line)
        name = canonical(requirement.name)
        assert name in pins, f"{name} is not in requirements.lock: run {RELOCK}"
        assert requirement.specifier.contains(pins[name][0]), f"{name}: run {RELOCK}"
    assert all(hashes for _, hashes in pins.values()), "every pin carries its hashes"


def test_issue7_the_lock_file_has_no_known_vulnerabilities(tmp_path: Path) -> None:
    """pip-audit asks PyPI's vulnerability data about every pin; where that cannot be
    reached (no network, a mirror without the JSON API), it skips saying so."""
    result = subprocess.run(
        [sys.executable, *AUDIT],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    report = tmp_path / "audit.json"
    if not report.exists():
        unreachable = "ConnectionError" in result.stderr or "Timeout" in result.stderr
        if unreachable:
            pytest.skip("pip-audit: the vulnerability database cannot be reached from here")
        pytest.fail(f"pip-audit failed: {result.stderr[-2000:]}")
    dependencies = json.loads(report.read_text(encoding="utf-8"))["dependencies"]
    audited = [d for d in dependencies if "skip_reason" not in d]
    if not audited:
        pytest.skip(
            "pip-audit: the vulnerability database cannot be reached from here "
            f"({dependencies[0]['skip_reason']})"
        )
    skipped = [d["name"] for d in dependencies if "skip_reason" in d]
    assert not skipped, f"pip-audit could not audit {skipped}"
    found = {d["name"]: [v["id"] for v in d["vulns"]] for d in audited if d["vulns"]}
    assert not found, f"known vulnerabilities in requirements.lock: {found}"
