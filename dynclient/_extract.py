"""Cutting a spec down to some tags: the operations, plus the transitive closure of their refs."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from ._build import HTTP_METHODS
from ._document import Document, iter_refs, resolve_pointer
from ._errors import SpecError

__all__ = ["dump_spec", "extract"]


def _component_of(pointer: str) -> tuple[str, str] | None:
    parts = pointer.split("/")
    if len(parts) >= 4 and parts[1] == "components":
        return parts[2], parts[3].replace("~1", "/").replace("~0", "~")
    return None


def extract(document: Document, tags: Iterable[str]) -> dict[str, Any]:
    """A new document with only the operations tagged with any of ``tags``.

    Keeps ``openapi``, ``info``, ``servers``, the top-level ``security`` and the
    ``tags`` entries used, every component the kept operations reach through
    ``$ref`` (transitively), and all ``components.securitySchemes``. Source order is kept,
    so the output is deterministic.
    """
    wanted = set(tags)
    src = document.data
    paths: dict[str, Any] = {}
    for path, item in (src.get("paths") or {}).items():
        if not isinstance(item, Mapping):
            continue
        kept = {
            k: v
            for k, v in item.items()
            if k not in HTTP_METHODS or (isinstance(v, Mapping) and wanted & set(v.get("tags", ()) or ()))
        }
        if any(k in HTTP_METHODS for k in kept):
            paths[path] = kept
    if not paths:
        raise SpecError(f"no operation carries the tag(s) {sorted(wanted)}", "/paths")
    # transitive closure of component refs
    needed: dict[str, set[str]] = {}
    queue: list[Any] = [paths]
    while queue:
        node = queue.pop()
        for ref, at in iter_refs(node):
            if not ref.startswith("#"):
                raise SpecError(f"cannot extract with a remote $ref {ref!r}", at)
            pointer = unquote(ref[1:])
            comp = _component_of(pointer)
            if comp is None:
                raise SpecError(f"$ref {ref!r} points outside components; cannot extract", at)
            kind, name = comp
            if name in needed.setdefault(kind, set()):
                continue
            needed[kind].add(name)
            queue.append(resolve_pointer(src, f"/components/{kind}/{name.replace('~', '~0').replace('/', '~1')}"))
    components: dict[str, Any] = {}
    for kind, entries in (src.get("components") or {}).items():
        if kind == "securitySchemes":
            components[kind] = entries
        elif kind in needed:
            components[kind] = {k: v for k, v in entries.items() if k in needed[kind]}
    used_tags = {
        t for item in paths.values() for k, op in item.items() if k in HTTP_METHODS for t in op.get("tags", ())
    }
    out: dict[str, Any] = {"openapi": src["openapi"], "info": src.get("info", {})}
    if "servers" in src:
        out["servers"] = src["servers"]
    if "security" in src:
        out["security"] = src["security"]
    out["paths"] = paths
    out["components"] = components
    if isinstance(src.get("tags"), list):
        out["tags"] = [t for t in src["tags"] if isinstance(t, Mapping) and t.get("name") in used_tags]
    out["x-dynclient-extract"] = {
        "source": Path(document.origin).name if document.origin != "<mapping>" else document.origin,
        "source_sha256": document.fingerprint,
        "tags": sorted(wanted),
    }
    return out


def dump_spec(data: Mapping[str, Any]) -> str:
    """The canonical text form used for files the project writes (stable, diff-friendly)."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
