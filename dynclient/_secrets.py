"""The access token: held where nothing prints it, and cleaned out of any text that leaves.

``Secret`` holds a token; its ``repr``/``str`` never show it, it does not pickle, and it
registers itself (weakly) so that every piece of text dynclient shows, logs or keeps in
an error can be cleaned of every live token, in every form a server or a library might
echo it:

* as is;
* escaped: JSON ``\\uXXXX``, Python ``\\xXX`` and backslash escapes (``repr``, ``json.dumps``,
  also nested: ``\\\\u0070``), URL percent-encoding (``%70``, double-encoded ``%2570``),
  mixed character by character;
* cut: ``clip`` scrubs the *whole* text first and only then cuts it, and a cut never ends
  inside what could be the beginning of a token (nor inside a dangling escape).

Values shorter than ``MIN_SECRET_LENGTH`` characters are never scrubbed: a real credential
is longer, and scrubbing a two-letter "token" would turn ``Connection`` into
``C[redacted]nection``. Such a token is still never printed by dynclient itself (the
``Authorization`` header is redacted wherever a request is shown), but a server echoing
it back cannot be told apart from ordinary text.

Tokens are refused at construction (``token_problem``) when they contain whitespace,
control or non-ASCII characters: such a token cannot be sent in a header, and the HTTP
library would echo it, escaped, in its own error messages.

This module depends on the standard library only (``_errors`` uses it).
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import re
import threading
import weakref
from typing import Any

__all__ = [
    "MIN_SECRET_LENGTH",
    "REDACTED",
    "ScrubFilter",
    "Secret",
    "clip",
    "live_secrets",
    "scrub",
    "scrub_value",
    "token_problem",
]

#: Tokens shorter than this are never scrubbed from text (see the module docstring).
MIN_SECRET_LENGTH = 8
#: What a token is replaced with.
REDACTED = "[redacted]"


class Secret:
    """Holds a token; its repr and str never show it, and it never pickles."""

    __slots__ = ("__weakref__", "_value")

    def __init__(self, value: str) -> None:
        self._value = value
        with _LOCK:
            _LIVE.add(self)

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "<redacted>"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        raise TypeError("an access token is not pickled (it would leave this process)")

    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Secret:
        return self


_LIVE: weakref.WeakSet[Secret] = weakref.WeakSet()
_LOCK = threading.Lock()  # clients are made in one thread while another scrubs


def live_secrets() -> tuple[str, ...]:
    """The values of every live ``Secret`` long enough to be scrubbed, longest first."""
    if not _LIVE:
        return ()
    with _LOCK:
        values = {s._value for s in list(_LIVE)}
    return tuple(sorted((v for v in values if len(v) >= MIN_SECRET_LENGTH), key=len, reverse=True))


def token_problem(token: str) -> str | None:
    """Why ``token`` cannot be used (without quoting any of it), or None when it can.

    A token must be visible ASCII (``!`` to ``~``): no whitespace, no control characters,
    nothing outside ASCII.
    """
    if token.isascii() and token.isprintable() and " " not in token:
        return None
    stripped = token.strip()
    if stripped != token and stripped.isascii() and stripped.isprintable() and " " not in stripped:
        where = "ends" if token.startswith(stripped) else "starts" if token.endswith(stripped) else "starts and ends"
        return f"{where} with whitespace (a newline or carriage return, as read from a file or a CRLF .env?); strip it"
    if any(c.isspace() for c in token):
        return "contains whitespace"
    if any(c.isascii() and not c.isprintable() for c in token):
        return "contains a control character"
    return "contains a non-ASCII character"


# -- scrubbing ---------------------------------------------------------------------------------

# One unit of text as a token's character may appear in it: an escape, or a character as is.
_UNIT = re.compile(
    r"\\+u([0-9a-fA-F]{4})"  # JSON \u0070 (any number of backslashes: nested escapes)
    r"|\\+x([0-9a-fA-F]{2})"  # Python \x70
    r"|%(?:25)*([0-9a-fA-F]{2})"  # URL %70, %2570
    r"|\\+([^\\])"  # \/ \' \" ...
    r"|(.)",
    re.S,
)
# An escape cut short at the end of a text.
_DANGLING = re.compile(r"(?:\\+(?:u[0-9a-fA-F]{0,3}|x[0-9a-fA-F]?)?|%(?:25)*[0-9a-fA-F]?)\Z")


def _decode(text: str) -> tuple[str, list[int], list[int]]:
    """``text`` with escapes decoded, and where each decoded character starts and ends in it."""
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for m in _UNIT.finditer(text):
        hexa = m.group(1) or m.group(2) or m.group(3)
        chars.append(chr(int(hexa, 16)) if hexa else (m.group(4) or m.group(5)))
        starts.append(m.start())
        ends.append(m.end())
    return "".join(chars), starts, ends


def _hex(code: int) -> str:
    """Two hex digits of ``code``, either case: ``7[aA]``."""
    return "".join(f"[{d.lower()}{d.upper()}]" if d.isalpha() else d for d in f"{code:02x}")


@functools.lru_cache(maxsize=64)
def _pattern(secret: str) -> re.Pattern[str]:
    """A regular expression matching ``secret`` in every form, character by character
    (see ``_UNIT``). Linear: a backslash run is entered at its start only."""
    parts = []
    for i, c in enumerate(secret):
        hh = _hex(ord(c))
        run = r"(?<!\\)\\+" if i == 0 else r"\\+"
        literal = re.escape(c)
        forms = [literal, f"{run}u00{hh}", f"{run}x{hh}", f"%(?:25)*{hh}"]
        forms.append(run if c == "\\" else f"{run}{literal}")
        parts.append("(?:" + "|".join(forms) + ")")
    return re.compile("".join(parts))


def _scrub_text(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    if "\\" not in text and "%" not in text:
        return text
    for secret in secrets:
        first = secret[0]
        code = f"{ord(first):02x}"
        # every form of the first character holds it or its hex digits: a cheap test first
        if (
            first in text
            or code in text
            or code.upper() in text
            or code.capitalize() in text
            or code[0] + code[1].upper() in text
        ):
            text = _pattern(secret).sub(REDACTED, text)
    return text


def scrub(text: str) -> str:
    """``text`` with every live token (long enough, see ``MIN_SECRET_LENGTH``) replaced,
    in every form listed in the module docstring."""
    secrets = live_secrets()
    return _scrub_text(text, secrets) if secrets else text


def _prefix_states(secret: str, text: str) -> list[int]:
    """For each position of ``text``, the length of the longest prefix of ``secret`` that
    ``text`` ends with there (the Knuth-Morris-Pratt automaton)."""
    fail = [0] * len(secret)
    k = 0
    for i in range(1, len(secret)):
        while k and secret[i] != secret[k]:
            k = fail[k - 1]
        if secret[i] == secret[k]:
            k += 1
        fail[i] = k
    states: list[int] = []
    k = 0
    for c in text:
        if k == len(secret):
            k = fail[k - 1]
        while k and c != secret[k]:
            k = fail[k - 1]
        if c == secret[k]:
            k += 1
        states.append(k)
    return states


def _safe_cut(kept: str, secrets: tuple[str, ...]) -> str:
    """``kept`` shortened so that it does not end with the beginning of a token (in any form),
    nor with an escape cut short."""
    window = 16 * max(len(s) for s in secrets) + 16
    while True:
        kept = _DANGLING.sub("", kept)
        base = max(0, len(kept) - window)
        decoded, starts, _ends = _decode(kept[base:])
        bad = [False] * (len(decoded) + 1)
        for secret in secrets:
            for j, k in enumerate(_prefix_states(secret, decoded), start=1):
                if k:
                    bad[j] = True
        j = len(decoded)
        while j > 0 and bad[j]:
            j -= 1
        if j == len(decoded):
            return kept
        if j > 0 or base == 0:
            return kept[: base + starts[j]]
        kept = kept[:base]  # the whole window could start a token: look before it


def clip(text: str, limit: int, marker: str = "...") -> str:
    """``text`` scrubbed, then cut to at most ``limit`` characters (``marker`` included).

    The cut never leaves a readable beginning of a token: the whole text is scrubbed first,
    and the kept part is shortened further if it ends with what could start one.
    """
    secrets = live_secrets()
    if secrets:
        text = _scrub_text(text, secrets)
    if len(text) <= limit:
        return text
    kept = text[: max(0, limit - len(marker))]
    if secrets:
        kept = _safe_cut(kept, secrets)
    return kept + marker


def scrub_value(value: Any) -> Any:
    """``value`` with every live token scrubbed from its strings: str, list, tuple, dict
    (keys too) and frozen dataclasses (``FieldError``) are rebuilt where something changed;
    anything else, and anything unchanged, is returned as is. Iterative: any depth."""
    secrets = live_secrets()
    if not secrets:
        return value
    return _scrub_tree(value, secrets)


def _children(node: Any) -> list[tuple[Any, Any]] | None:
    if isinstance(node, dict):
        return list(node.items())
    if isinstance(node, list | tuple):
        return [(None, v) for v in node]
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        return [(f.name, getattr(node, f.name)) for f in dataclasses.fields(node) if f.init]
    return None


def _rebuilt(node: Any, items: list[tuple[Any, Any]]) -> Any:
    if isinstance(node, dict):
        return dict(items)
    if isinstance(node, list):
        return [v for _k, v in items]
    if isinstance(node, tuple):
        values = [v for _k, v in items]
        return type(node)(*values) if hasattr(node, "_fields") else type(node)(values)
    try:
        return dataclasses.replace(node, **dict(items))
    except (TypeError, ValueError):  # pragma: no cover - a dataclass that cannot be rebuilt
        return node


def _scrub_tree(root: Any, secrets: tuple[str, ...]) -> Any:
    if isinstance(root, str):
        return _scrub_text(root, secrets)
    items = _children(root)
    if items is None:
        return root
    # frames: [node, items, next index, new items, changed]
    stack: list[list[Any]] = [[root, items, 0, [], False]]
    while True:
        frame = stack[-1]
        node, items, i, out, _changed = frame
        if i == len(items):
            stack.pop()
            new = _rebuilt(node, out) if frame[4] else node
            if not stack:
                return new
            parent = stack[-1]
            key = parent[1][parent[2] - 1][0]
            parent[3].append((key, new))
            if new is not node:
                parent[4] = True
            continue
        key, child = items[i]
        frame[2] = i + 1
        if isinstance(key, str):
            new_key = _scrub_text(key, secrets)
            if new_key is not key and new_key != key:
                key = new_key
                frame[4] = True
                items[i] = (key, child)
        if isinstance(child, str):
            new_child = _scrub_text(child, secrets)
            if new_child != child:
                frame[4] = True
            out.append((key, new_child if new_child != child else child))
            continue
        grandchildren = _children(child)
        if grandchildren is None:
            out.append((key, child))
            continue
        stack.append([child, grandchildren, 0, [], False])


class ScrubFilter(logging.Filter):
    """A logging filter that scrubs every live token from a record's message (installed on
    the ``dynclient`` logger: whatever a log line quotes, a URL, a header, a body, an
    exception message, it never carries a token). Runs only for records being emitted."""

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = live_secrets()
        if secrets:
            message = record.getMessage()
            clean = _scrub_text(message, secrets)
            if clean != message:
                record.msg, record.args = clean, None
        return True
