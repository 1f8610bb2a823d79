"""Cutting a spec down to some tags (and some webhooks): the operations and events kept, plus the
transitive closure of their refs."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ._document import Document, iter_refs
from ._errors import SpecError
from ._schema.openapi import HTTP_METHODS
from ._schema.pointer import component_of, pointer_join, ref_pointer, resolve_pointer

__all__ = ["dump_spec", "extract", "extract_choice"]


def _pick_webhooks(src: Mapping[str, Any], prefixes: list[str], names: list[str]) -> dict[str, Any]:
    """The ``webhooks`` entries whose name starts with one of ``prefixes`` or is one of ``names``
    (webhooks carry no tags); a name or prefix that matches nothing is a SpecError."""
    if not prefixes and not names:
        return {}
    available = src.get("webhooks") or {}
    missing = sorted(n for n in names if n not in available)
    if missing:
        raise SpecError(f"webhooks not in the spec: {', '.join(missing)}", "/webhooks")
    for prefix in prefixes:
        if not any(str(n).startswith(prefix) for n in available):
            raise SpecError(f"no webhook name starts with {prefix!r}", "/webhooks")
    return {k: v for k, v in available.items() if k in names or any(str(k).startswith(p) for p in prefixes)}


def extract(
    document: Document,
    tags: Iterable[str],
    *,
    webhook_prefixes: Iterable[str] = (),
    webhooks: Iterable[str] = (),
) -> dict[str, Any]:
    """A new document with only the operations tagged with any of ``tags``, and the webhooks
    named in ``webhooks`` or whose name starts with one of ``webhook_prefixes``.

    Keeps ``openapi``, ``info``, ``servers``, the top-level ``security`` and the
    ``tags`` entries used, every component the kept operations and webhooks reach through
    ``$ref`` (transitively), and all ``components.securitySchemes``. Source order is kept,
    so the output is deterministic. ``x-dynclient-extract`` records the choice (the webhook
    keys only when webhooks were asked for), so ``spec update`` can make it again.
    """
    wanted = set(tags)
    prefixes, names = sorted(set(webhook_prefixes)), sorted(set(webhooks))
    src = document.data
    events = _pick_webhooks(src, prefixes, names)
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
    queue: list[Any] = [paths, events]
    while queue:
        node = queue.pop()
        for ref, at in iter_refs(node):
            if not ref.startswith("#"):
                raise SpecError(f"cannot extract with a remote $ref {ref!r}", at)
            pointer = ref_pointer(ref)
            comp = component_of(pointer) if pointer is not None else None
            if comp is None:
                raise SpecError(f"$ref {ref!r} points outside components; cannot extract", at)
            kind, name = comp
            if name in needed.setdefault(kind, set()):
                continue
            needed[kind].add(name)
            queue.append(resolve_pointer(src, pointer_join("/components", kind, name)))
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
    if events:
        out["webhooks"] = events
    out["components"] = components
    if isinstance(src.get("tags"), list):
        out["tags"] = [t for t in src["tags"] if isinstance(t, Mapping) and t.get("name") in used_tags]
    out["x-dynclient-extract"] = {
        "source": Path(document.origin).name if document.origin != "<mapping>" else document.origin,
        "source_sha256": document.fingerprint,
        "tags": sorted(wanted),
    }
    if prefixes:
        out["x-dynclient-extract"]["webhook_prefixes"] = prefixes
    if names:
        out["x-dynclient-extract"]["webhooks"] = names
    return out


def extract_choice(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """What a cut recorded in ``x-dynclient-extract``: ``tags``, ``webhook_prefixes``, ``webhooks``
    (empty lists for what it does not record)."""
    recorded = data.get("x-dynclient-extract")
    recorded = recorded if isinstance(recorded, Mapping) else {}
    out: dict[str, list[str]] = {}
    for key in ("tags", "webhook_prefixes", "webhooks"):
        values = recorded.get(key)
        out[key] = [v for v in values if isinstance(v, str)] if isinstance(values, list) else []
    return out


def dump_spec(data: Mapping[str, Any]) -> str:
    """The canonical text form used for files the project writes (stable, diff-friendly)."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
