"""deploy/k8s: every manifest is valid against Kubernetes' own schemas (bundled with
kubernetes-validate, so this runs offline), and says what the deployment needs."""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest

from tests.deploy.files import DEPLOY, load_shipped_config, tool, yaml_documents

K8S = DEPLOY / "k8s"
MANIFESTS = sorted(p for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")


def manifest(kind: str) -> dict[str, Any]:
    found = [d for p in MANIFESTS for d in yaml_documents(p) if d["kind"] == kind]
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_the_manifest_is_valid_against_the_kubernetes_schema(path: Path) -> None:
    for document in yaml_documents(path):
        kubernetes_validate.validate(document, kubernetes_validate.latest_version(), strict=True)


def test_the_validator_refuses_a_misspelt_field() -> None:
    """The check above can fail: a typo in a container spec is caught."""
    broken = manifest("Deployment")
    broken["spec"]["template"]["spec"]["containers"][0]["readinessprobe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, kubernetes_validate.latest_version(), strict=True)


def test_kustomize_builds_the_service_variant() -> None:
    kubectl = tool("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed: the kustomization is checked by the tests below")
    built = subprocess.run(
        [kubectl, "kustomize", str(K8S)], capture_output=True, text=True, check=False
    )
    assert built.returncode == 0, built.stderr
    for kind in ("ConfigMap", "Secret", "Deployment"):
        assert f"kind: {kind}" in built.stdout


def pod_spec(kind: str) -> dict[str, Any]:
    spec = manifest(kind)["spec"]
    template = spec["jobTemplate"]["spec"]["template"] if kind == "CronJob" else spec["template"]
    pod: dict[str, Any] = template["spec"]
    return pod


@pytest.mark.parametrize("kind", ["Deployment", "CronJob"])
def test_pods_are_restricted_with_a_read_only_root(kind: str) -> None:
    pod = pod_spec(kind)
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    (container,) = pod["containers"]
    context = container["securityContext"]
    assert context["readOnlyRootFilesystem"] is True
    assert context["allowPrivilegeEscalation"] is False
    assert context["capabilities"] == {"drop": ["ALL"]}
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert "emptyDir" in volumes[mounts["/tmp"]], "a read-only root needs a writable /tmp"
    assert volumes[mounts["/etc/syncer"]]["configMap"]["name"] == "syncer-config"
    assert volumes[mounts["/run/secrets/syncer"]]["secret"]["secretName"] == "syncer-secrets"


def test_the_deployment_runs_two_replicas_probed_on_the_service_port() -> None:
    deployment = manifest("Deployment")
    assert deployment["spec"]["replicas"] == 2
    (container,) = pod_spec("Deployment")["containers"]
    assert container["args"] == ["run"]
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    (port,) = container["ports"]
    config = tomllib.loads(manifest("ConfigMap")["data"]["syncer.toml"])
    assert config["service"]["listen"] == f"0.0.0.0:{port['containerPort']}"


def test_the_cronjob_runs_one_sync_pass_at_a_time() -> None:
    cronjob = manifest("CronJob")
    assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"
    (container,) = pod_spec("CronJob")["containers"]
    assert container["args"] == ["sync"]


def test_the_configmap_config_loads_with_the_secrets_mounted(tmp_path: Path) -> None:
    secrets = manifest("Secret")["stringData"]
    settings = load_shipped_config(manifest("ConfigMap")["data"]["syncer.toml"], tmp_path, secrets)
    assert settings.ledger.url.startswith("postgresql+psycopg://")  # shared by both replicas
    assert settings.ledger.password is not None
    assert settings.hubspot.token is not None
