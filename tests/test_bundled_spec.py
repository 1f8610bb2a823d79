"""The bundled spec is exactly what `dynclient spec extract` makes from Polar's current spec."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import POLAR_CURRENT, ROOT

from dynclient import bundled_spec_path, load_spec


def test_bundled_spec_equals_fresh_extract() -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "dynclient",
            "spec",
            "extract",
            "--tag",
            "customers",
            "--webhook-prefix",
            "customer.",
            str(POLAR_CURRENT),
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout
    assert bundled_spec_path().read_text(encoding="utf-8") == out


def test_bundled_spec_has_the_customers_operations_and_closure() -> None:
    spec = load_spec()
    source = json.loads(POLAR_CURRENT.read_text())
    tagged = {
        op["operationId"]
        for item in source["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "customers" in op.get("tags", [])
    }
    assert {op.operation_id for op in spec} == tagged
    assert len(tagged) == 30
    data = json.loads(bundled_spec_path().read_text())
    assert data["servers"] == source["servers"]
    assert data["components"]["securitySchemes"] == source["components"]["securitySchemes"]
    # schemas are copied verbatim; load_spec() above already proved every $ref resolves in the cut
    for name, schema in data["components"]["schemas"].items():
        assert schema == source["components"]["schemas"][name]
    assert "Customer" in data["components"]["schemas"]
