"""Reading an OpenAPI document safely: JSON or YAML, size and depth limits, `$ref` checks.

Nothing here executes code from the document (YAML is read with the safe loader),
and nothing is fetched unless the caller passed a URL itself or allowed remote refs.
Files are read with a byte cap (never trusting ``stat()``: ``/dev/zero`` or a pipe stops
at the limit), and every schema is checked against JSON Schema 2020-12 (``_metaschema``).
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._errors import ConfigurationError, SpecError
from ._schema.pointer import pointer_join, ref_pointer, resolve_pointer

if TYPE_CHECKING:  # imported when a YAML document is read: JSON specs never pay for it
    import yaml

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_DEPTH",
    "MAX_REFS",
    "Document",
    "fingerprint",
    "iter_refs",
    "load_document",
    "walk",
]

#: Largest document accepted by default (bytes). Polar's full spec is ~2.7 MB.
DEFAULT_MAX_BYTES = 32 * 1024 * 1024
#: Deepest nesting of objects/arrays accepted by default. Polar's full spec nests ~20 deep.
DEFAULT_MAX_DEPTH = 64
#: Most ``$ref``s accepted in one document (Polar's full spec has ~2,100). jsonschema-rs takes
#: time quadratic in the length of a chain of references to compile it: 20,000 is ~0.5 s.
MAX_REFS = 20_000


@dataclass(frozen=True)
class Document:
    """A parsed, checked OpenAPI document and where it came from."""

    data: dict[str, Any]
    origin: str
    fingerprint: str


def fingerprint(data: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON form (sorted keys, no spaces, UTF-8)."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@functools.cache
def _safe_loader() -> type[yaml.SafeLoader]:
    import yaml

    class _SafeLoader(yaml.SafeLoader):
        """The safe loader, which refuses tags that construct Python objects, and aliases.

        YAML aliases (``*name``, also ``<<: *name`` merges) are refused: OpenAPI has ``$ref``
        for reuse, and nested aliases are how a few hundred bytes expand to gigabytes.
        """

        def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
            if self.check_event(yaml.AliasEvent):
                event: yaml.AliasEvent = self.peek_event()  # type: ignore[no-untyped-call]
                line = event.start_mark.line + 1 if event.start_mark is not None else "?"
                raise SpecError(f"YAML alias *{event.anchor} at line {line} is not supported (use $ref for reuse)")
            return super().compose_node(parent, index)

    return _SafeLoader


def _jsonify(node: Any, pointer: str = "") -> Any:
    """YAML values as JSON values: int keys (``200:``) become strings, dates ISO strings;
    anything JSON cannot hold (binary, sets, ...) is refused."""
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for k, v in node.items():
            if isinstance(k, bool) or not isinstance(k, (str, int)):
                raise SpecError(f"mapping key {k!r} is not a string", pointer)
            out[str(k)] = _jsonify(v, pointer_join(pointer, str(k)))
        return out
    if isinstance(node, list):
        return [_jsonify(v, pointer_join(pointer, i)) for i, v in enumerate(node)]
    if node is None or isinstance(node, (str, int, float, bool)):
        return node
    if isinstance(node, (datetime.date, datetime.datetime)):
        return node.isoformat()
    raise SpecError(f"a YAML {type(node).__name__} value cannot appear in an OpenAPI document", pointer)


def _parse(text: str, origin: str) -> Any:
    stripped = text.lstrip()
    try:
        if stripped.startswith("{") or stripped.startswith("["):
            try:
                return json.loads(text)
            except json.JSONDecodeError as exc:
                raise SpecError(f"{origin}: invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
        import yaml

        try:
            data = yaml.load(text, Loader=_safe_loader())  # noqa: S506 - a SafeLoader subclass
        except yaml.YAMLError as exc:
            raise SpecError(f"{origin}: invalid or unsafe YAML: {exc}".splitlines()[0]) from None
        return _jsonify(data)
    except RecursionError:
        raise SpecError(f"{origin}: document nests too deeply to parse") from None


def walk(data: Any) -> Iterator[tuple[Any, str, int]]:
    """Every object and array in ``data`` (depth-first, iteratively): ``(node, pointer, depth)``."""
    stack: list[tuple[Any, str, int]] = [(data, "", 1)]
    while stack:
        node, pointer, depth = stack.pop()
        yield node, pointer, depth
        items = node.items() if isinstance(node, dict) else enumerate(node)
        stack.extend((v, pointer_join(pointer, k), depth + 1) for k, v in items if isinstance(v, (dict, list)))


def iter_refs(data: Any) -> Iterator[tuple[str, str]]:
    """Every ``$ref`` string in the document with the pointer of the object holding it."""
    for node, pointer, _depth in walk(data):
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                yield ref, pointer


def _alias_target(data: dict[str, Any], ref: str, at: str, ends: set[str]) -> None:
    """Follow a chain of pure aliases (objects that are only a ``$ref``) to its end.

    ``ends`` remembers pointers already known to end, so long chains cost O(n) overall.
    """
    pointer = ref_pointer(ref) or ""
    chain: list[str] = []
    while pointer not in ends:
        if pointer in chain:
            cycle = " -> ".join(["#" + p for p in chain] + ["#" + pointer])
            raise SpecError(f"$ref cycle with no schema between: {cycle}", at)
        chain.append(pointer)
        target = resolve_pointer(data, pointer, at=at)
        if not (isinstance(target, Mapping) and set(target) == {"$ref"} and isinstance(target["$ref"], str)):
            break
        nxt = target["$ref"]
        if not nxt.startswith("#"):
            break  # a remote ref; reported where it stands
        pointer = ref_pointer(nxt) or ""
    ends.update(chain)


def _scan(data: dict[str, Any], max_depth: int) -> list[tuple[str, str]]:
    """One pass over the document: the depth limit, ``$ref`` values that are not strings,
    discriminator mappings that lead nowhere. Returns every ``$ref`` with where it stands."""
    refs: list[tuple[str, str]] = []
    for node, pointer, depth in walk(data):
        if depth > max_depth:
            raise SpecError(f"document nests deeper than the limit of {max_depth}", pointer)
        if not isinstance(node, dict):
            continue
        ref = node.get("$ref")
        if isinstance(ref, str):
            refs.append((ref, pointer))
        elif ref is not None and not isinstance(ref, dict):
            raise SpecError(f"$ref must be a string, not {type(ref).__name__}", pointer_join(pointer, "$ref"))
        disc = node.get("discriminator")
        if isinstance(disc, dict) and isinstance(disc.get("mapping"), dict):
            for key, target in disc["mapping"].items():
                if isinstance(target, str) and target.startswith("#"):
                    where = pointer_join(pointer, "discriminator", "mapping", key)
                    resolve_pointer(data, ref_pointer(target) or "", at=where)
    return refs


def _check_refs(data: dict[str, Any], refs: list[tuple[str, str]], allow_remote_refs: bool) -> None:
    ends: set[str] = set()
    for ref, at in refs:
        if not ref.startswith("#"):
            if allow_remote_refs:
                raise SpecError(
                    f"remote $ref {ref!r}: loading remote references is not supported yet; "
                    "bundle the document into one file first",
                    at,
                )
            raise SpecError(
                f"remote $ref {ref!r} refused (nothing is fetched implicitly; bundle the document into one file)", at
            )
        _alias_target(data, ref, at, ends)


_OBJECT_FIELDS = ("info", "paths", "components", "webhooks")


def load_document(
    source: str | os.PathLike[str] | Mapping[str, Any],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
    allow_remote_refs: bool = False,
    fetch: bool = True,
    check_schemas: bool = True,
) -> Document:
    """Read ``source`` (a path, an http(s) URL, or a parsed mapping) and check it.

    URLs are fetched with httpx only because the caller passed one explicitly.
    ``check_schemas`` validates every schema against JSON Schema 2020-12 (``_metaschema``).
    """
    if not isinstance(source, str | os.PathLike | Mapping):
        raise ConfigurationError(
            f"a spec is a path, an http(s) URL, a parsed mapping or an ApiSpec, not {type(source).__name__}"
        )
    if isinstance(source, Mapping):
        origin = "<mapping>"
        try:
            text = json.dumps(source)  # private deep copy, JSON-only values
        except (TypeError, ValueError) as exc:
            raise SpecError(f"{origin}: not a JSON document: {exc}") from None
        except RecursionError:
            raise SpecError(f"{origin}: document nests too deeply") from None
        if len(text) > max_bytes:
            raise SpecError(f"{origin}: {len(text)} bytes of JSON exceeds the size limit of {max_bytes}")
        data: Any = _parse(text, origin)
    else:
        text_source = os.fspath(source)
        if text_source.startswith(("http://", "https://")):
            if not fetch:
                raise SpecError(f"fetching {text_source} is not allowed here")
            data, origin = _fetch(text_source, max_bytes), text_source
        else:
            data, origin = _parse(_read_capped(Path(text_source), max_bytes), text_source), text_source
    if not isinstance(data, dict):
        raise SpecError(f"{origin}: an OpenAPI document must be an object, not {type(data).__name__}")
    refs = _scan(data, max_depth)
    version = data.get("openapi")
    if not isinstance(version, str) or not version.startswith("3."):
        raise SpecError(f"{origin}: not an OpenAPI 3.x document (openapi={version!r})", "/openapi")
    for key in _OBJECT_FIELDS:
        if not isinstance(data.get(key, {}), dict):
            raise SpecError(f"{origin}: {key} must be an object", "/" + key)
    for kind, entries in data.get("components", {}).items():
        if not isinstance(entries, dict):
            raise SpecError(f"{origin}: components.{kind} must be an object", pointer_join("/components", kind))
    _check_refs(data, refs, allow_remote_refs)
    if len(refs) > MAX_REFS:
        raise SpecError(f"{origin}: {len(refs)} $refs exceed the limit of {MAX_REFS}")
    digest = fingerprint(data)
    if check_schemas:
        from ._metaschema import check_schemas as check

        check(data, refs, digest)
    return Document(data=data, origin=origin, fingerprint=digest)


_CHUNK = 1 << 20


def _read_capped(path: Path, max_bytes: int) -> str:
    """The file's text, read in chunks until EOF or past ``max_bytes`` (a SpecError), whatever
    ``stat()`` says: ``/dev/zero`` or a pipe fed without end stops at the cap."""
    chunks: list[bytes] = []
    total = 0
    try:
        with path.open("rb", buffering=0) as f:
            while chunk := f.read(min(_CHUNK, max_bytes + 1 - total)):
                total += len(chunk)
                if total > max_bytes:
                    raise SpecError(f"{path}: exceeds the size limit of {max_bytes} bytes (stopped reading there)")
                chunks.append(chunk)
    except OSError as exc:
        raise SpecError(f"cannot read spec {str(path)!r}: {exc.strerror or exc}") from None
    try:
        text = b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(f"cannot read spec {str(path)!r}: {exc}") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")  # universal newlines, as text mode reads


def _fetch(url: str, max_bytes: int) -> Any:
    import httpx

    try:
        with httpx.Client(timeout=30.0, follow_redirects=True) as http, http.stream("GET", url) as resp:
            resp.raise_for_status()
            chunks: list[bytes] = []
            total = 0
            for chunk in resp.iter_bytes():
                total += len(chunk)
                if total > max_bytes:
                    raise SpecError(f"{url}: more than the size limit of {max_bytes} bytes")
                chunks.append(chunk)
    except httpx.HTTPError as exc:
        raise SpecError(f"cannot fetch spec {url}: {exc}") from None
    return _parse(b"".join(chunks).decode("utf-8", errors="replace"), url)
