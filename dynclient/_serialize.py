"""Parameter serialization per OpenAPI style/explode, value-driven and validated beforehand,
and the way back from the wire to each parameter's words (``deep_object_entries``,
``cookie_values``, ``comma_separated``; the words become values in ``_schema.values``).

Values arrive as plain JSON (``None``, ``bool``, ``int``, finite ``float``, ``str``, ``list``,
``dict`` with ``str`` keys), converted once by ``_values``: dispatch is on exact types.

Supported: path ``simple``; query ``form`` (explode) and ``deepObject``; header ``simple``;
cookie ``form``. Unsupported styles are refused when the spec is loaded.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, unquote, urlencode

__all__ = [
    "comma_separated",
    "cookie_value_problem",
    "cookie_values",
    "deep_object_entries",
    "form_body",
    "header_value_problem",
    "json_body",
    "path_value",
    "query_pairs",
    "scalar",
    "simple_value",
]

# RFC 9110 field-value: visible ASCII, space and tab (obs-text, bytes >= 0x80, is refused too:
# httpx sends header values as ASCII, and their meaning would depend on the server)
_HEADER_VALUE = re.compile(r"[\t\x20-\x7e]*")
# RFC 6265 cookie-octet: visible ASCII except DQUOTE, comma, semicolon and backslash
_COOKIE_VALUE = re.compile(r"[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*")


def header_value_problem(text: str) -> str | None:
    """Why ``text`` cannot be a header value as is (CR, LF, NUL, control or non-ASCII
    characters; leading or trailing whitespace, which a server drops), or None."""
    if _HEADER_VALUE.fullmatch(text) is None:
        bad = next(c for c in text if _HEADER_VALUE.fullmatch(c) is None)
        what = "a non-ASCII character" if not bad.isascii() else f"the control character {bad!r}"
        return f"contains {what}, which a header value cannot carry (CR and LF would end the header)"
    if text != text.strip(" \t"):
        return "starts or ends with whitespace, which the server would drop"
    return None


def cookie_value_problem(text: str) -> str | None:
    """Why ``text`` cannot be a cookie value as is, or None. Cookie values are RFC 6265
    cookie-octets: visible ASCII except ``"``, ``,``, ``;`` and ``\\`` (``abc; admin=true``
    would be a second cookie). Nothing is encoded on the caller's behalf: encode it yourself,
    in the way the server decodes it."""
    if _COOKIE_VALUE.fullmatch(text) is None:
        bad = next(c for c in text if _COOKIE_VALUE.fullmatch(c) is None)
        return (
            f"contains {bad!r}, which a cookie value cannot carry (RFC 6265 cookie-octets: visible ASCII "
            'except space, ", comma, ; and \\)'
        )
    return None


def scalar(value: Any) -> str:
    """One primitive as it appears in a URL or header: booleans as ``true``/``false``,
    numbers as JSON writes them."""
    t = type(value)
    if t is str:
        return value  # type: ignore[no-any-return]
    if t is bool:
        return "true" if value else "false"
    if t is int:
        return int.__repr__(value)
    if value is None:
        return ""
    if t is float:
        return float.__repr__(value)  # finite and not integer-valued (see _values)
    if t is dict or t is list:
        raise TypeError(f"a nested {'object' if t is dict else 'array'} cannot be serialized here")
    raise TypeError(f"{t.__name__} is not a plain JSON value")  # pragma: no cover - converted before


def simple_value(value: Any, explode: bool) -> str:
    """``simple`` style (unencoded): arrays comma-joined, objects as k,v or k=v pairs."""
    t = type(value)
    if t is dict:
        sep = "=" if explode else ","
        return ",".join(f"{k}{sep}{scalar(v)}" for k, v in value.items())
    if t is list:
        return ",".join(scalar(v) for v in value)
    return scalar(value)


def path_value(value: Any, explode: bool) -> str:
    """A path value, percent-encoded so ``/``, ``?``, ``#`` and dot-segments cannot change the path."""
    t = type(value)
    if t is dict or t is list:
        items = value.items() if t is dict else [(None, v) for v in value]
        sep = "=" if explode else ","
        parts = [(f"{quote(k, safe='')}{sep}" if k is not None else "") + quote(scalar(v), safe="") for k, v in items]
        encoded = ",".join(parts)
    else:
        encoded = quote(scalar(value), safe="")
    if encoded.strip(".") == "":
        encoded = encoded.replace(".", "%2E")
    return encoded


def query_pairs(name: str, style: str, value: Any) -> list[tuple[str, str]]:
    """``form`` explode: arrays as repeated keys, objects as their own keys; ``deepObject``: ``name[key]``."""
    t = type(value)
    if style == "deepObject":
        if t is not dict:
            raise TypeError(f"a deepObject parameter needs an object, got {'an array' if t is list else t.__name__}")
        pairs: list[tuple[str, str]] = []
        for key, item in value.items():
            if type(item) is list:
                pairs.extend((f"{name}[{key}]", scalar(v)) for v in item)
            else:
                pairs.append((f"{name}[{key}]", scalar(item)))
        return pairs
    if t is list:
        return [(name, scalar(v)) for v in value]
    if t is dict:
        return [(k, scalar(v)) for k, v in value.items()]
    return [(name, scalar(value))]


def form_body(value: Any) -> bytes:
    """An ``application/x-www-form-urlencoded`` body: object keys, arrays as repeated keys."""
    if type(value) is not dict:
        raise TypeError("a form body must be an object")
    pairs = [pair for key, item in value.items() if item is not None for pair in query_pairs(key, "form", item)]
    return urlencode(pairs).encode("ascii")


def json_body(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


# -- the way back: wire text to each parameter's words --------------------------------------
def comma_separated(location: str, explode: bool) -> bool:
    """Whether an array parameter's values arrive comma-joined in one value: ``simple`` style
    (path, header) always, ``form`` when not exploded."""
    return location in ("path", "header") or not explode


def deep_object_entries(pairs: Sequence[tuple[str, str]], name: str) -> dict[str, list[str]]:
    """A ``deepObject`` parameter's entries from decoded query pairs: ``name[key]=v`` -> ``{key: [v, ...]}``."""
    out: dict[str, list[str]] = {}
    head = name + "["
    for key, value in pairs:
        if key.startswith(head) and key.endswith("]"):
            out.setdefault(key[len(head) : -1], []).append(value)
    return out


def cookie_values(header: str) -> dict[str, str]:
    """The cookies of a ``Cookie`` header (``a=1; b=2``), values percent-decoded."""
    out: dict[str, str] = {}
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep:
            out[name] = unquote(value)
    return out
