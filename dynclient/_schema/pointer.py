"""JSON pointers (RFC 6901) into an OpenAPI document, and local ``$ref``s to them.

The one place that escapes and unescapes pointer tokens, joins and splits pointers, turns a
local ``$ref`` into the pointer it names, tells which component a pointer names, and follows
pointers and ``$ref`` chains through a document. Nothing here knows a keyword's meaning.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, unquote

from .._errors import SpecError

__all__ = [
    "COMPONENTS",
    "SCHEMAS",
    "component_name",
    "component_of",
    "escape_pointer_token",
    "follow_refs",
    "lookup_pointer",
    "pointer_join",
    "pointer_to_fragment",
    "ref_pointer",
    "resolve_pointer",
    "split_pointer",
    "unescape_pointer_token",
]

#: Where an OpenAPI document keeps reusable objects, and its named schemas.
COMPONENTS = "/components/"
SCHEMAS = "/components/schemas/"


def escape_pointer_token(token: str) -> str:
    """``a/b~c`` -> ``a~1b~0c``."""
    if "~" not in token and "/" not in token:
        return token
    return token.replace("~", "~0").replace("/", "~1")


def unescape_pointer_token(token: str) -> str:
    """``a~1b~0c`` -> ``a/b~c``."""
    if "~" not in token:
        return token
    return token.replace("~1", "/").replace("~0", "~")


def pointer_join(base: str, *tokens: str | int) -> str:
    """``base`` with each token appended, escaped."""
    return base + "".join("/" + escape_pointer_token(str(t)) for t in tokens)


def split_pointer(pointer: str) -> list[str]:
    """The unescaped tokens of ``pointer`` (``""`` is the whole document: no tokens)."""
    if not pointer:
        return []
    return [unescape_pointer_token(t) for t in pointer[1:].split("/")]


def pointer_to_fragment(pointer: str) -> str:
    """A JSON pointer as a URI fragment (percent-encoding characters such as ``{``)."""
    return "#" + quote(pointer, safe="/~!$&'()*+,;=:@-._")


def ref_pointer(ref: str) -> str | None:
    """The pointer a local ``$ref`` (``#/components/schemas/X``) names; None for a remote one."""
    if not ref.startswith("#"):
        return None
    return unquote(ref[1:])


def component_of(pointer: str) -> tuple[str, str] | None:
    """``(section, name)`` of the component ``pointer`` lies in (``/components/schemas/X/...``
    -> ``("schemas", "X")``), or None outside ``components``."""
    if not pointer.startswith(COMPONENTS):
        return None
    parts = pointer[len(COMPONENTS) :].split("/", 2)
    if len(parts) < 2:
        return None
    return parts[0], unescape_pointer_token(parts[1])


def component_name(pointer: str, section: str = "schemas") -> str | None:
    """The name of the component ``pointer`` names exactly (``/components/schemas/X`` -> ``X``;
    a pointer inside it, or elsewhere, is None)."""
    prefix = f"{COMPONENTS}{section}/"
    if not pointer.startswith(prefix):
        return None
    rest = pointer[len(prefix) :]
    return None if "/" in rest else unescape_pointer_token(rest)


def resolve_pointer(data: Any, pointer: str, *, at: str = "") -> Any:
    """Follow a local JSON pointer (``/components/schemas/X``); SpecError if it leads nowhere."""
    if pointer == "":
        return data
    if not pointer.startswith("/"):
        raise SpecError(f"$ref pointer {pointer!r} is not a JSON pointer", at)
    node = data
    for raw in pointer[1:].split("/"):
        token = unescape_pointer_token(raw)
        if isinstance(node, Mapping) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise SpecError(f"$ref to nowhere: #{pointer}", at)
    return node


def lookup_pointer(data: Any, pointer: str) -> Any:
    """Like ``resolve_pointer``, but None where it leads nowhere (never raises)."""
    try:
        return resolve_pointer(data, pointer)
    except SpecError:
        return None


def follow_refs(data: Any, node: Any, pointer: str = "") -> tuple[Any, str]:
    """Follow a chain of local ``$ref``s from ``node``: the object it ends at and its pointer.

    A ``$ref``'s siblings are not looked at (an OpenAPI Reference Object; for a schema, the
    annotations beside a ``$ref``). A remote ref or a cycle is a SpecError (both are refused
    when a document is loaded).
    """
    seen: set[str] = set()
    while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        target = ref_pointer(ref)
        if target is None:
            raise SpecError(f"remote $ref {ref!r} is not supported here", pointer)
        if ref in seen:
            raise SpecError(f"$ref cycle: {ref}", pointer)
        seen.add(ref)
        pointer = target
        node = resolve_pointer(data, pointer, at=pointer)
    return node, pointer
