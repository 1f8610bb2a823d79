"""The JSON Schema dialect both engines share: ECMA-262 patterns and exact ``multipleOf``.

JSON Schema specifies ``pattern`` and ``patternProperties`` as ECMA-262 regular
expressions; the JSON-Schema-Test-Suite reads them with the ``u`` flag (code points,
not UTF-16 units). Neither engine does that on its own: Python's ``re`` (under
python-jsonschema) backtracks without bound and reads ``\\d``, ``\\w``, ``\\s`` and ``\\b`` as
Unicode classes and ``$`` as "end, or before a final newline"; jsonschema-rs rewrites
``\\d``/``\\w`` to ASCII only when a pattern has no lookaround or backreference. So here:

* ``ecma_to_rust`` turns an ECMA-262 (``u``) pattern into an equivalent pattern for the
  Rust engines with every class spelt out: ``\\d`` = ``[0-9]``, ``\\w`` = ``[A-Za-z0-9_]``,
  ``\\s`` = ECMA's WhiteSpace and LineTerminator set, ``\\b``/``\\B`` on ASCII word
  characters, ``.`` = anything but ``\\n \\r \\u2028 \\u2029``, ``\\0``, ``\\cX``,
  ``\\uXXXX`` (surrogate pairs joined) and identity escapes as ``\\x{..}``. Constructs
  ECMA-262 does not have (``(?i)``, ``(?P<..>``, atomic groups) or the engine cannot run
  (named backreferences, lone surrogates) raise ``PatternError``, which spec loading turns
  into a ``SpecError`` naming the pointer.
* jsonschema-rs receives the translated patterns (``_validation`` rewrites its copy of the
  document), and python-jsonschema, when it explains a verdict, asks ``search`` — a cached
  jsonschema-rs validator of ``{"pattern": translated}`` — instead of ``re``. Both engines
  therefore run every pattern on one non-backtracking engine (fancy-regex, which hands
  everything but lookaround/backreferences to the linear regex crate and stops backtracking
  after ``REGEX_BACKTRACK_LIMIT`` steps; a string hitting that limit does not match).
* ``is_multiple_of`` decides ``multipleOf`` exactly, on the decimal numbers as JSON writes
  them (``0.3`` is a multiple of ``0.1``; a float is read as its shortest round-trip
  decimal). python-jsonschema gets it as its ``multipleOf`` keyword, jsonschema-rs as the
  custom keyword ``MULTIPLE_OF_KEYWORD`` that its copy of the document uses instead.
"""

from __future__ import annotations

import functools
import math
from decimal import Decimal
from fractions import Fraction
from typing import Any

import jsonschema_rs

from ._limits import REGEX_BACKTRACK_LIMIT

__all__ = [
    "MULTIPLE_OF_KEYWORD",
    "PATTERN_OPTIONS",
    "MultipleOfKeyword",
    "PatternError",
    "ecma_to_rust",
    "is_multiple_of",
    "pattern_failure",
    "pattern_problem",
    "search",
]

#: The regex options every jsonschema-rs validator of dynclient uses (verdicts and explanations).
PATTERN_OPTIONS = jsonschema_rs.FancyRegexOptions(backtrack_limit=REGEX_BACKTRACK_LIMIT)
#: The keyword that stands for ``multipleOf`` in jsonschema-rs's copy of a document.
MULTIPLE_OF_KEYWORD = "x-dynclient-multipleOf"


class PatternError(ValueError):
    """A pattern that is not ECMA-262 (``u`` flag) or that the engine cannot run."""


_MAX = 0x10FFFF
# ECMA-262 classes as code point ranges (inclusive)
_DIGIT = ((0x30, 0x39),)
_WORD = ((0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A))
_SPACE = (  # WhiteSpace (TAB VT FF SP NBSP ZWNBSP and category Zs) + LineTerminator (LF CR LS PS)
    (0x09, 0x0D),
    (0x20, 0x20),
    (0xA0, 0xA0),
    (0x1680, 0x1680),
    (0x2000, 0x200A),
    (0x2028, 0x2029),
    (0x202F, 0x202F),
    (0x205F, 0x205F),
    (0x3000, 0x3000),
    (0xFEFF, 0xFEFF),
)
_LINE_TERMINATORS = ((0x0A, 0x0A), (0x0D, 0x0D), (0x2028, 0x2029))


def _complement(ranges: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
    out: list[tuple[int, int]] = []
    low = 0
    for a, b in ranges:
        if a > low:
            out.append((low, a - 1))
        low = b + 1
    if low <= _MAX:
        out.append((low, _MAX))
    return tuple(out)


def _ranges(ranges: tuple[tuple[int, int], ...]) -> str:
    """Class contents (no brackets) for ``ranges``."""
    return "".join(_char(a) if a == b else f"{_char(a)}-{_char(b)}" for a, b in ranges)


def _char(code: int) -> str:
    return f"\\x{{{code:X}}}"


_CLASS_ESCAPES = {
    "d": _DIGIT,
    "D": _complement(_DIGIT),
    "w": _WORD,
    "W": _complement(_WORD),
    "s": _SPACE,
    "S": _complement(_SPACE),
}
_WORD_CLASS = f"[{_ranges(_WORD)}]"
_NOT_WORD_CLASS = f"[^{_ranges(_WORD)}]"
_BOUNDARY = (
    f"(?:(?<={_WORD_CLASS})(?!{_WORD_CLASS})|(?<!{_WORD_CLASS})(?={_WORD_CLASS}))"  # \b on ASCII word characters
)
_NOT_BOUNDARY = f"(?:(?<={_WORD_CLASS})(?={_WORD_CLASS})|(?<!{_WORD_CLASS})(?!{_WORD_CLASS}))"
_DOT = f"[^{_ranges(_LINE_TERMINATORS)}]"
_NOTHING = f"[^{_ranges(((0, _MAX),))}]"
_ANYTHING = f"[{_ranges(((0, _MAX),))}]"
_HEX = frozenset("0123456789abcdefABCDEF")
_CONTROL_ESCAPES = {"t": 0x09, "n": 0x0A, "v": 0x0B, "f": 0x0C, "r": 0x0D}
_GROUP_OPENERS = ("(?:", "(?=", "(?!", "(?<=", "(?<!")
# with the u flag only these escape to themselves (and '-' inside a class)
_IDENTITY = frozenset("^$\\.*+?()[]{}|/")


def _ascii_digit(c: str) -> bool:
    return len(c) == 1 and "0" <= c <= "9"


def _hex(pattern: str, start: int, count: int) -> int:
    digits = pattern[start : start + count]
    if len(digits) != count or not set(digits) <= _HEX:
        raise PatternError(f"bad escape at offset {start - 2}")
    return int(digits, 16)


def _code_escape(pattern: str, i: int, in_class: bool = False) -> tuple[int, int] | None:
    """The code point of a character escape at ``pattern[i] == '\\'`` and the index after it,
    or None when the escape is not a single character (classes, boundaries, backreferences)."""
    c = pattern[i + 1] if i + 1 < len(pattern) else ""
    if c in _CONTROL_ESCAPES:
        return _CONTROL_ESCAPES[c], i + 2
    if c == "0" and not _ascii_digit(pattern[i + 2 : i + 3]):
        return 0, i + 2
    if c == "c":
        letter = pattern[i + 2 : i + 3]
        if not (letter.isascii() and letter.isalpha()):
            raise PatternError(f"bad control escape at offset {i}")
        return ord(letter) % 32, i + 3
    if c == "x":
        return _hex(pattern, i + 2, 2), i + 4
    if c == "u":
        if pattern[i + 2 : i + 3] == "{":
            end = pattern.find("}", i + 3)
            digits = pattern[i + 3 : end] if end > 0 else ""
            if not digits or not set(digits) <= _HEX or int(digits, 16) > _MAX:
                raise PatternError(f"bad \\u{{...}} escape at offset {i}")
            code, after = int(digits, 16), end + 1
        else:
            code, after = _hex(pattern, i + 2, 4), i + 6
        if 0xD800 <= code <= 0xDBFF and pattern[after : after + 2] == "\\u":
            low = _hex(pattern, after + 2, 4) if pattern[after + 2 : after + 3] != "{" else -1
            if 0xDC00 <= low <= 0xDFFF:
                return 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00), after + 6
        if 0xD800 <= code <= 0xDFFF:
            raise PatternError(f"a lone surrogate escape (offset {i}) cannot match a JSON string")
        return code, after
    if c in _IDENTITY or (in_class and c == "-"):
        return ord(c), i + 2
    if c and not c.isalnum():
        raise PatternError(f"\\{c} (offset {i}) is not an ECMA-262 escape")
    return None


def _class(pattern: str, i: int) -> tuple[str, int]:
    """Translate the class starting at ``pattern[i] == '['``; returns (text, index after)."""
    n = len(pattern)
    j = i + 1
    negated = pattern[j : j + 1] == "^"
    if negated:
        j += 1
    parts: list[str] = []
    prev: int | None = None  # the last single character, for a following range
    while True:
        if j >= n:
            raise PatternError(f"unterminated character class at offset {i}")
        c = pattern[j]
        if c == "]":
            j += 1
            break
        if c == "-" and prev is not None and j + 1 < n and pattern[j + 1] != "]":
            # a range prev-next
            end, j = _class_atom(pattern, j + 1)
            if end is None or end[0] is None:
                raise PatternError(f"bad range in character class at offset {i}")
            if end[0] < prev:
                raise PatternError(f"range out of order in character class at offset {i}")
            parts[-1] = f"{_char(prev)}-{_char(end[0])}"
            prev = None
            continue
        atom, j = _class_atom(pattern, j)
        if atom is None:
            raise PatternError(f"bad escape in character class at offset {j}")
        code, text = atom
        parts.append(text)
        prev = code
    body = "".join(parts)
    if not body:
        return (_ANYTHING if negated else _NOTHING), j
    return f"[{'^' if negated else ''}{body}]", j


def _class_atom(pattern: str, j: int) -> tuple[tuple[int | None, str] | None, int]:
    """One class member: ((code point or None for a class escape, text), index after)."""
    c = pattern[j]
    if c != "\\":
        return (ord(c), _char(ord(c))), j + 1
    e = pattern[j + 1 : j + 2]
    if e in _CLASS_ESCAPES:
        return (None, _ranges(_CLASS_ESCAPES[e])), j + 2
    if e == "b":
        return (0x08, _char(0x08)), j + 2
    if e in ("p", "P"):
        text, after = _property(pattern, j)
        return (None, text), after
    got = _code_escape(pattern, j, in_class=True)
    if got is None:
        return None, j
    return (got[0], _char(got[0])), got[1]


def _property(pattern: str, i: int) -> tuple[str, int]:
    end = pattern.find("}", i)
    if pattern[i + 2 : i + 3] != "{" or end < 0:
        raise PatternError(f"bad property escape at offset {i}")
    return pattern[i : end + 1], end + 1


def _translate(pattern: str) -> str:
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            e = pattern[i + 1 : i + 2]
            if e in _CLASS_ESCAPES:
                out.append(f"[{_ranges(_CLASS_ESCAPES[e])}]")
                i += 2
            elif e == "b":
                out.append(_BOUNDARY)
                i += 2
            elif e == "B":
                out.append(_NOT_BOUNDARY)
                i += 2
            elif e in ("p", "P"):
                text, i = _property(pattern, i)
                out.append(text)
            elif e == "k":
                raise PatternError("named backreferences (\\k<name>) are not supported")
            elif _ascii_digit(e) and e != "0":
                j = i + 1
                while j < n and _ascii_digit(pattern[j]):
                    j += 1
                out.append(pattern[i:j])  # a backreference
                i = j
            else:
                got = _code_escape(pattern, i)
                if got is None:
                    raise PatternError(f"unknown escape \\{e} at offset {i}")
                out.append(_char(got[0]))
                i = got[1]
        elif c == "[":
            text, i = _class(pattern, i)
            out.append(text)
        elif c == ".":
            out.append(_DOT)
            i += 1
        elif c == "(" and pattern.startswith("(?", i):
            opener = next((o for o in _GROUP_OPENERS if pattern.startswith(o, i)), None)
            if opener is None and pattern.startswith("(?<", i):
                end = pattern.find(">", i)
                name = pattern[i + 3 : end] if end > 0 else ""
                if not name.isidentifier():
                    raise PatternError(f"bad group name at offset {i}")
                opener = pattern[i : end + 1]
            if opener is None:
                raise PatternError(f"{pattern[i : i + 3]!r} (offset {i}) is not ECMA-262 syntax")
            out.append(opener)
            i += len(opener)
        else:
            out.append(c)
            i += 1
    return "".join(out)


@functools.lru_cache(maxsize=4096)
def ecma_to_rust(pattern: str) -> str:
    """``pattern`` (ECMA-262, ``u`` flag) as an equivalent pattern for jsonschema-rs; PatternError
    when it uses syntax ECMA-262 lacks or the engine cannot run."""
    return _translate(pattern)


@functools.lru_cache(maxsize=4096)
def _matcher(pattern: str) -> Any:
    return jsonschema_rs.validator_for({"pattern": ecma_to_rust(pattern)}, pattern_options=PATTERN_OPTIONS)


@functools.lru_cache(maxsize=1)
def _syntax() -> Any:
    return jsonschema_rs.validator_for({"format": "regex"}, validate_formats=True)


def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be used (None when it can): not ECMA-262, or not runnable."""
    if not _syntax().is_valid(pattern):
        return "is not an ECMA-262 regular expression"
    try:
        _matcher(pattern)
    except PatternError as exc:
        return str(exc)
    except (ValueError, jsonschema_rs.ValidationError):  # e.g. a quantified lookaround, or size limits
        return "cannot be compiled by the regex engine (fancy-regex), although it is ECMA-262"
    return None


def search(pattern: str, text: str) -> bool:
    """Whether ``pattern`` (ECMA-262) matches somewhere in ``text``, exactly as jsonschema-rs
    decides it (False also when matching hit the backtracking limit)."""
    return bool(_matcher(pattern).is_valid(text))


def pattern_failure(pattern: str, text: str) -> str:
    """The message for ``text`` failing ``pattern``."""
    for err in _matcher(pattern).iter_errors(text):
        if type(err.kind).__name__ in ("BacktrackLimitExceeded", "RegexEngineFailure"):
            return f"could not be matched against {pattern!r} within the regex engine's backtracking limit"
    return f"does not match {pattern!r}"


# -- multipleOf ------------------------------------------------------------------------
_MAX_EXPONENT = 4300  # Decimal exponents beyond this are not turned into exact fractions


def _exact(number: Any) -> Fraction | None:
    if isinstance(number, bool):
        return None
    if isinstance(number, int):
        return Fraction(number)
    if isinstance(number, float):
        return Fraction(repr(number)) if math.isfinite(number) else None
    if isinstance(number, Decimal):
        if not number.is_finite():
            return None
        exponent = number.as_tuple().exponent
        if not isinstance(exponent, int) or abs(exponent) > _MAX_EXPONENT:
            return None
        return Fraction(number)
    return None


def is_multiple_of(value: Any, divisor: Any) -> bool:
    """``multipleOf``: whether ``value / divisor`` is an integer, computed exactly on the decimal
    numbers as JSON writes them. Not a number: True (the keyword does not apply). A number that
    has no exact value (inf, NaN, an astronomically scaled Decimal) or a divisor that is not a
    positive number: False."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return True
    x, m = _exact(value), _exact(divisor)
    if x is None or m is None or m <= 0:
        return False
    return (x / m).denominator == 1


class MultipleOfKeyword:
    """``multipleOf`` for jsonschema-rs (a custom keyword, so both engines run ``is_multiple_of``)."""

    def __init__(self, parent_schema: dict[str, Any], value: Any, schema_path: list[str | int]) -> None:
        self.divisor = value

    def validate(self, instance: Any) -> None:
        if not is_multiple_of(instance, self.divisor):
            raise ValueError(f"{instance!r} is not a multiple of {self.divisor!r}")
