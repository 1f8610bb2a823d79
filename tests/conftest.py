"""Shared fixtures: the bundled spec, and paths to the shared Polar specs beside the checkout."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
POLAR_CURRENT = SHARED / "polar-openapi" / "polar-2026-10.openapi.json"
POLAR_OLD = SHARED / "polar-openapi" / "polar-2026-07-21.openapi.json"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT
