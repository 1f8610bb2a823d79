"""The package installs non-editably and ships its spec; its source names no Polar operation, path or schema."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from conftest import ROOT

ELEVEN = [
    "customers_list",
    "customers_create",
    "customers_export",
    "customers_get",
    "customers_update",
    "customers_delete",
    "customers_get_external",
    "customers_update_external",
    "customers_delete_external",
    "customers_get_state",
    "customers_get_state_external",
]


@pytest.mark.slow
def test_non_editable_install_ships_the_spec(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
        check=True,
        timeout=300,
    )
    (wheel,) = wheels.glob("dynclient-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    subprocess.run(
        [str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel)], check=True, timeout=600
    )
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    script = (
        "import json, dynclient; from dynclient._stubs import render_stubs; c = dynclient.Client(); "
        "print(json.dumps({'file': dynclient.__file__, 'spec': str(dynclient.bundled_spec_path()), "
        "'ops': list(c.operations), 'typed': __import__('os').path.exists("
        "__import__('os').path.join(__import__('os').path.dirname(dynclient.__file__), 'py.typed')), "
        "'stubs': render_stubs(c.spec)}))"  # the templates are found in the wheel (_resources)
    )
    out = subprocess.run(
        [str(py), "-c", script],
        cwd=outside,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin"},
    )
    info = json.loads(out.stdout)
    assert info["file"].startswith(str(env_dir))
    assert info["spec"].startswith(str(env_dir)) and info["spec"].endswith(".openapi.json")
    assert set(ELEVEN) <= set(info["ops"])
    shipped = {rel: (ROOT / rel).read_text() for rel in info["stubs"]}
    assert info["stubs"] == shipped  # rendered in the installed wheel, equal to the checkout's
    cli = subprocess.run(
        [str(env_dir / "bin" / "dynclient"), "--help"],
        cwd=outside,
        capture_output=True,
        check=False,
        text=True,
        timeout=60,
    )
    assert cli.returncode == 0 and "spec" in cli.stdout


GENERIC = {"Pagination", "ValidationError"}


def _polar_names() -> set[str]:
    spec = json.loads((ROOT / "specs" / "polar-customers.openapi.json").read_text())
    names: set[str] = set()
    for path, item in spec["paths"].items():
        names.add(path)
        for op in item.values():
            if isinstance(op, dict) and "operationId" in op:
                names.add(op["operationId"])
                names.add(re.sub(r"[^0-9A-Za-z_]", "_", op["operationId"]))
    names.update(spec["components"]["schemas"])
    # generic words that are also this package's own vocabulary (a pagination IR class,
    # jsonschema's ValidationError), not Polar-specific names
    return names - GENERIC


def test_package_source_names_no_polar_operation_path_or_schema() -> None:
    names = _polar_names()
    assert "customers:get_state_external" in names and "ResourceNotFound" in names and "/v1/customers/" in names
    sources = [p for p in (ROOT / "dynclient").rglob("*.py") if "_generated" not in p.parts]
    assert len(sources) > 10
    offenders = []
    for source in sources:
        text = source.read_text()
        for name in names:
            if re.search(r"(?<![A-Za-z0-9_])" + re.escape(name) + r"(?![A-Za-z0-9_])", text):
                offenders.append(f"{source.relative_to(ROOT)}: {name}")
    assert offenders == []


def test_the_grep_check_can_fail(tmp_path: Path) -> None:
    names = _polar_names()
    text = 'op = "customers_get_state_external"\n'
    assert any(re.search(r"(?<![A-Za-z0-9_])" + re.escape(n) + r"(?![A-Za-z0-9_])", text) for n in names)
