"""Loading a spec into the IR, and finding the spec bundled with the package."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ._build import build_spec
from ._document import DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH, load_document
from ._errors import SpecError
from ._ir import ApiSpec
from ._resources import data_dir

__all__ = ["SpecSource", "bundled_spec_path", "load_spec"]

SpecSource = str | os.PathLike[str] | Mapping[str, Any] | ApiSpec


def bundled_spec_dir() -> Path:
    """``dynclient/_specs`` in an installed wheel; the checkout's ``specs/`` otherwise (``_resources``)."""
    found = data_dir("specs", "*.openapi.json")
    if found is None:
        raise SpecError("the bundled spec is missing from this installation")
    return found


def bundled_spec_path() -> Path:
    """The single ``*.openapi.json`` file in the bundled specs directory."""
    found = sorted(bundled_spec_dir().glob("*.openapi.json"))
    if len(found) != 1:
        raise SpecError(f"expected exactly one bundled spec, found {[p.name for p in found]}")
    return found[0]


@functools.lru_cache(maxsize=1)
def _bundled() -> ApiSpec:
    return build_spec(load_document(bundled_spec_path()))


def load_spec(
    source: SpecSource | None = None,
    *,
    tags: Iterable[str] | None = None,
    operations: Iterable[str] | None = None,
    webhook_prefixes: Iterable[str] | None = None,
    allow_remote_refs: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> ApiSpec:
    """Load and check a spec: ``None`` for the bundled one, a path (JSON/YAML), an
    explicitly passed http(s) URL, a parsed mapping, or an ``ApiSpec`` (returned as is).

    ``webhook_prefixes`` keeps the webhooks whose name starts with one of them; by default a
    spec keeps all its webhooks, and a view filtered by ``tags``/``operations`` none (webhooks
    carry no tags). ``tags`` keeps operations carrying any of them; ``operations`` is an allow-list of
    operation names or operationIds. Problems raise ``SpecError`` with a JSON pointer.
    """
    if isinstance(source, ApiSpec):
        if tags is None and operations is None and webhook_prefixes is None:
            return source
        source = source.document
    if source is None and tags is None and operations is None and webhook_prefixes is None:
        return _bundled()
    document = load_document(
        bundled_spec_path() if source is None else source,
        max_bytes=max_bytes,
        max_depth=max_depth,
        allow_remote_refs=allow_remote_refs,
    )
    return build_spec(
        document,
        tags=frozenset(tags) if tags is not None else None,
        operations=frozenset(operations) if operations is not None else None,
        webhook_prefixes=tuple(webhook_prefixes) if webhook_prefixes is not None else None,
    )
