"""Where the package's data files are, in a checkout and in an installed wheel.

In a checkout they sit beside the package (``specs/``, ``codegen_templates/``); a wheel
carries them inside it as ``dynclient/_specs`` and ``dynclient/_codegen_templates``
(``pyproject.toml``'s ``force-include``). ``data_dir`` is the one place that knows both.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["PACKAGE_DIR", "data_dir", "package_parent"]

#: The directory of the ``dynclient`` package itself.
PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(name: str, marker: str, *, package: Path = PACKAGE_DIR) -> Path | None:
    """The ``name`` data directory (``specs``, ``codegen_templates``): ``<package>/_<name>`` in
    a wheel, else ``<package>/../<name>`` in a checkout; the first holding a file matching the
    glob ``marker``. None when neither does."""
    for candidate in (package / f"_{name}", package.parent / name):
        if candidate.is_dir() and any(candidate.glob(marker)):
            return candidate
    return None


def package_parent(*, package: Path = PACKAGE_DIR) -> Path:
    """The directory holding the ``dynclient`` package (a checkout's root, or site-packages)."""
    return package.parent
