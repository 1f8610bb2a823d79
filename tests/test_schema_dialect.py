"""The dialect both schema engines share (``dynclient._dialect``): ECMA-262 patterns run by one
non-backtracking engine, and exact ``multipleOf``.

* Against the definition: a seeded corpus of generated patterns and strings is judged by
  Node's own ECMA-262 engine (``new RegExp(p, "u")``; Node ships with the project for Prism)
  and by dynclient; validity and every match verdict must be equal.
* Against python-jsonschema's ``re``: the explanation path never calls ``re`` for a pattern
  (it would backtrack), and a catastrophic pattern is explained in bounded time.
* ``multipleOf`` on decimal numbers, the same in both engines.

``DYNCLIENT_HYPOTHESIS_PROFILE=long`` makes the generated corpus ten times larger.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from dynclient import _dialect
from dynclient._dialect import PatternError, ecma_to_rust, is_multiple_of, pattern_problem, search
from dynclient._validation import SchemaEngine

ROOT = Path(__file__).resolve().parent.parent
LONG = os.environ.get("DYNCLIENT_HYPOTHESIS_PROFILE") == "long"
PATTERNS = 4000 if LONG else 400
STRINGS_PER_PATTERN = 8

# -- the definition: Node's ECMA-262 engine ----------------------------------------------
# V8 may report a match starting between the two halves of a surrogate pair (``/\B/u`` on
# "A😀K" matches at index 2), which is no position in a string of code points: such matches
# are skipped, and the search goes on from the next code point.
_NODE_JUDGE = textwrap.dedent(
    """
    const cases = JSON.parse(require("fs").readFileSync(0, "utf8"));
    const high = (c) => c >= 0xd800 && c <= 0xdbff;
    const low = (c) => c >= 0xdc00 && c <= 0xdfff;
    const insidePair = (s, i) => i > 0 && i < s.length && high(s.charCodeAt(i - 1)) && low(s.charCodeAt(i));
    const out = cases.map(([pattern, strings]) => {
      let re;
      try { re = new RegExp(pattern, "gu"); } catch (e) { return null; }
      return strings.map((s) => {
        for (const m of s.matchAll(re)) if (!insidePair(s, m.index)) return true;
        return false;
      });
    });
    process.stdout.write(JSON.stringify(out));
    """
)


def node_judge(cases: list[tuple[str, list[str]]]) -> list[list[bool] | None]:
    """Node's verdicts: None for a pattern ECMA-262 (u flag) rejects, else one per string."""
    node = shutil.which("node")
    assert node is not None, "node is required (it ships with the project's Prism setup)"
    proc = subprocess.run(
        [node, "-e", _NODE_JUDGE], input=json.dumps(cases), capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


_CHARS = ["a", "b", "z", "A", "Z", "0", "5", "9", "_", "-", " ", ".", "é", "\u0661", "\u00a0", "\u3000", "\u2028"]
_CHARS += ["\n", "\r", "\t", "\u0085", "\ufeff", "😀", "ß", "K", "\u212a", "/", "x"]
_LITERAL = ["a", "b", "z", "A", "0", "9", "_", "-", " ", "é", "\u0661", "😀", "\\.", "\\/", "\\-", "\\\\", "\\*", "\\("]
_LITERAL += ["\\t", "\\n", "\\x41", "\\u00e9", "\\u{1F600}", "\\ud83d\\ude00", "\\cJ", "\\0", "\\f", "\\v"]
_CLASS_ESCAPES = ["\\d", "\\D", "\\w", "\\W", "\\s", "\\S"]
_ASSERTIONS = ["^", "$", "\\b", "\\B"]


def _class(rng: random.Random) -> str:
    members = []
    for _ in range(rng.randint(0, 4)):
        kind = rng.random()
        if kind < 0.3:
            members.append(rng.choice(_CLASS_ESCAPES))
        elif kind < 0.55:
            a, b = sorted(rng.sample(["0", "5", "9", "A", "Z", "a", "f", "z", "é", "\\u00e0", "\\x20"], 2), key=_code)
            members.append(f"{a}-{b}")
        else:
            members.append(
                rng.choice(["a", "z", "0", "_", "é", "\\]", "\\-", "\\b", "\\\\", "\\^", "^", "\\[", "&", "~", "."])
            )
    negate = "^" if rng.random() < 0.3 else ""
    body = "".join(members)
    if negate and body.startswith("^"):
        body = "a" + body
    return f"[{negate}{body}]"


def _code(atom: str) -> int:
    if atom.startswith("\\u"):
        return int(atom[2:], 16)
    if atom.startswith("\\x"):
        return int(atom[2:], 16)
    return ord(atom)


def _pattern(rng: random.Random, depth: int = 0) -> str:
    parts = []
    for _ in range(rng.randint(1, 4)):
        kind = rng.random()
        if kind < 0.3:
            atom = rng.choice(_LITERAL)
        elif kind < 0.45:
            atom = rng.choice(_CLASS_ESCAPES)
        elif kind < 0.55:
            atom = "."
        elif kind < 0.7:
            atom = _class(rng)
        elif kind < 0.8 and depth < 2:
            opener = rng.choice(["(", "(?:", "(?=", "(?!", "(?<name>"])
            atom = f"{opener}{_pattern(rng, depth + 1)})"
        elif kind < 0.85 and depth < 2:
            atom = "(?<=" + rng.choice(["a", "\\d", "é", "[0-9]"]) + ")"
        elif kind < 0.93:
            parts.append(rng.choice(_ASSERTIONS))
            continue
        else:
            atom = f"{_pattern(rng, depth + 1) if depth < 2 else 'a'}|{rng.choice(_LITERAL)}"
            atom = f"(?:{atom})"
        if rng.random() < 0.35 and not atom.startswith("(?<=") and not atom.startswith("(?="):
            atom += rng.choice(["*", "+", "?", "{2}", "{1,3}", "{0,}", "*?", "+?"])
        parts.append(atom)
    return "".join(parts)


def _strings(rng: random.Random) -> list[str]:
    out = [""]
    for _ in range(STRINGS_PER_PATTERN - 1):
        out.append("".join(rng.choice(_CHARS) for _ in range(rng.randint(1, 6))))
    return out


def test_patterns_mean_what_ecma_262_says() -> None:
    rng = random.Random(20261125)
    cases = [(_pattern(rng), _strings(rng)) for _ in range(PATTERNS)]
    cases += [(p, [s for s in _CHARS] + ["abc", "abc\n", "\u0661\u0662", "a b", "ab_9"]) for p in SPOT_PATTERNS]
    verdicts = node_judge(cases)
    accepted = 0
    mismatches: list[str] = []
    beyond_the_engine: list[str] = []
    for (pattern, strings), expected in zip(cases, verdicts, strict=True):
        problem = pattern_problem(pattern)
        if expected is None:
            if problem is None:
                mismatches.append(f"{pattern!r}: ECMA-262 rejects it, dynclient accepts it")
            continue
        if problem is not None and problem.startswith("cannot be compiled"):
            # valid ECMA-262 the engine cannot run (e.g. a quantified lookaround): refused at load
            beyond_the_engine.append(pattern)
            continue
        if problem is not None:
            mismatches.append(f"{pattern!r}: ECMA-262 accepts it, dynclient refuses it ({problem})")
            continue
        accepted += 1
        for text, want in zip(strings, expected, strict=True):
            if search(pattern, text) != want:
                mismatches.append(f"{pattern!r} on {text!r}: ECMA-262 says {want}")
    assert mismatches == [], "\n".join(mismatches[:40])
    assert accepted > len(cases) * 0.8  # the corpus is mostly valid patterns
    assert len(beyond_the_engine) <= accepted // 100, beyond_the_engine


SPOT_PATTERNS = [
    "^abc$",
    "^\\d+$",
    "^\\w+$",
    "^\\s$",
    "^\\S$",
    "\\bé",
    "é\\b",
    "\\Ba",
    "^.$",
    "^[^]$",
    "^[]$",
    "^[\\d-]$",
    "^[\\w\\s]+$",
    "^[^\\W]$",
    "^(?!x)\\d$",
    "^(?=\\w)\\W?",
    "^(a)\\1$",
    "^(?<d>\\d)$",
    "^\\p{L}+$",
    "^\\P{L}$",
    "^\\u{1F600}$",
    "^\\ud83d\\ude00$",
    "^[\\ud83d\\ude00]$",
    "^\\cJ$",
    "^\\0$",
    "^[\\b]$",
    "^\\x{41}",
    "^(?!^[-+.]*$)[+-]?0*\\d*\\.?\\d*$",
    "^(?!^[-+.]*$)[+-]?0*(?:\\d{0,5}|(?=[\\d.]{1,18}0*$)\\d{0,5}\\.\\d{0,12}0*$)",
]


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("^abc$", "abc\n", False),  # Python: $ matches before a final newline
        ("^\\d+$", "\u0661\u0662", False),  # Python: \d is any Unicode digit
        ("^(?!x)\\d$", "\u0661", False),  # jsonschema-rs left \d Unicode when a lookaround was present
        ("^\\w+$", "é", False),  # Python: \w is Unicode
        ("\\bé", "é", False),  # Rust: \b is Unicode
        ("^\\s$", "\ufeff", True),  # Python: BOM is not \s
        ("^\\s$", "\u0085", False),  # Python and Rust: NEL is whitespace
        ("^.$", "\r", False),  # Python and Rust: . matches CR
        ("^.$", "😀", True),  # u flag: one code point
    ],
)
def test_known_disagreements_are_decided_as_ecma_262(pattern: str, text: str, expected: bool) -> None:
    assert search(pattern, text) is expected
    doc = {"components": {"schemas": {"S": {"type": "string", "pattern": pattern}}}}
    for engine in ("rs", "python"):
        compiled = SchemaEngine(doc, engine=engine).for_pointer("/components/schemas/S")
        assert compiled.is_valid(text) is expected, engine


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("(", "not an ECMA-262"),
        ("(?i)abc", "not an ECMA-262"),  # inline flags: Python and Rust syntax, not ECMA's
        ("\\Z", "not an ECMA-262"),
        ("a{,3}", "not an ECMA-262"),
        ("[[:alpha:]]", "not an ECMA-262"),
        ("a*+", "not an ECMA-262"),
        ("(?<n>a)\\k<n>", "named backreferences"),
        ("^\\ud83d$", "lone surrogate"),
    ],
)
def test_patterns_outside_ecma_262_or_the_engine_are_named(pattern: str, reason: str) -> None:
    problem = pattern_problem(pattern)
    assert problem is not None and reason in problem


def test_translation_spells_out_every_class() -> None:
    assert ecma_to_rust("^\\d$") == "^[\\x{30}-\\x{39}]$"
    assert ecma_to_rust("[\\D]") == "[\\x{0}-\\x{2F}\\x{3A}-\\x{10FFFF}]"  # no nested classes
    assert ecma_to_rust("a.b") == "a[^\\x{A}\\x{D}\\x{2028}-\\x{2029}]b"
    assert ecma_to_rust("\\u00e9\\/") == "\\x{E9}\\x{2F}"
    assert ecma_to_rust("plain-text_123") == "plain-text_123"
    with pytest.raises(PatternError):
        ecma_to_rust("(?P<n>x)")


def test_explanations_never_run_pythons_backtracking_re(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every keyword python-jsonschema would run ``re`` for goes through ``_dialect.search``."""
    import jsonschema._keywords
    import jsonschema._utils

    class NoRe:
        def __getattr__(self, name: str) -> Any:
            raise AssertionError(f"python-jsonschema called re.{name}")

    monkeypatch.setattr(jsonschema._keywords, "re", NoRe())
    monkeypatch.setattr(jsonschema._utils, "re", NoRe())
    schema = {
        "type": "object",
        "properties": {"s": {"pattern": "^\\d+$"}, "n": {"propertyNames": {"pattern": "^[a-z]+$"}}},
        "patternProperties": {"^x-": {"type": "integer"}},
        "additionalProperties": False,
        "allOf": [{"unevaluatedProperties": False, "patternProperties": {"^[a-z]$": True}}],
    }
    doc = {"components": {"schemas": {"S": schema}}}
    value = {"s": "12a", "x-1": "no", "n": {"A": 1}, "zz": 1}
    for engine in ("rs", "python"):
        compiled = SchemaEngine(doc, engine=engine).for_pointer("/components/schemas/S")
        errors = compiled.errors(value, "body")
        where = {e.location for e in errors}
        assert {"body.s", "body.x-1", "body.zz"} <= where, errors


def test_pattern_properties_and_additional_properties_share_the_dialect() -> None:
    schema = {"patternProperties": {"^\\d$": {"type": "integer"}}, "additionalProperties": False}
    doc = {"components": {"schemas": {"S": schema}}}
    for engine in ("rs", "python"):
        compiled = SchemaEngine(doc, engine=engine).for_pointer("/components/schemas/S")
        assert compiled.is_valid({"1": 1})
        assert not compiled.is_valid({"\u0661": 1})  # an Arabic-Indic digit is not \d: an unknown key
        assert [e.location for e in compiled.errors({"\u0661": 1}, "body")] == ["body.\u0661"]
        assert [e.location for e in compiled.errors({"1": "x"}, "body")] == ["body.1"]


_CATASTROPHIC = textwrap.dedent(
    """
    import json, sys
    from dynclient._validation import SchemaEngine
    doc = {"components": {"schemas": {
        "Evil": {"type": "string", "pattern": "^(a+)+$"},
        "Nested": {"type": "string", "pattern": "^(a|aa)+(?=!)$"},
    }}}
    for engine in ("rs", "python"):
        e = SchemaEngine(doc, engine=engine)
        for name, value in (("Evil", "a" * 5000 + "!"), ("Nested", "a" * 200 + "!")):
            errs = e.for_pointer("/components/schemas/" + name).errors(value, "body")
            assert len(errs) == 1, errs
            print(engine, name, errs[0].message[-60:])
    """
)


def test_a_catastrophic_pattern_is_explained_in_bounded_time() -> None:
    """``^(a+)+$`` against 5,000 a's and a '!' takes Python's ``re`` past any patience; here the
    explanation runs on the same engine as the verdict. A generous cap in a subprocess, never a
    tight timing."""
    proc = subprocess.run(
        [sys.executable, "-c", _CATASTROPHIC], capture_output=True, text=True, timeout=60, check=False, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.count("does not match") == 2
    assert proc.stdout.count("backtracking limit") == 2  # the lookahead case runs out of steps, and says so


@pytest.mark.parametrize(
    ("value", "divisor", "expected"),
    [
        (0.3, 0.1, True),  # python-jsonschema said False (float division)
        (0.7, 0.1, True),
        (1.13, 0.01, True),
        (0.35, 0.1, False),
        (0.30000000000000004, 0.1, False),
        (7.5, 2.5, True),
        (10**30, 3, False),
        (10**30 + 2, 3, True),
        (1e23, 7, False),  # decimal 10^23, not the binary float's value
        (1e300, 1e-300, True),
        (Decimal("0.3"), 0.1, True),
        (float("inf"), 1, False),
        (True, 1, True),  # not a number for JSON Schema
        ("3", 2, True),
    ],
)
def test_multiple_of_is_exact_on_decimal_numbers(value: Any, divisor: Any, expected: bool) -> None:
    assert is_multiple_of(value, divisor) is expected
    if isinstance(value, (bool, str, Decimal)) or value == float("inf"):
        return
    doc = {"components": {"schemas": {"S": {"multipleOf": divisor}}}}
    for engine in ("rs", "python"):
        compiled = SchemaEngine(doc, engine=engine).for_pointer("/components/schemas/S")
        assert compiled.is_valid(value) is expected, engine
        if not expected:
            assert compiled.errors(value, "body")[0].keyword == "multipleOf"


def test_a_documents_own_multiple_of_keyword_cannot_reach_the_engine() -> None:
    doc = {"components": {"schemas": {"S": {_dialect.MULTIPLE_OF_KEYWORD: 0, "type": "integer"}}}}
    compiled = SchemaEngine(doc, engine="rs").for_pointer("/components/schemas/S")
    assert compiled.is_valid(3)


def test_two_spellings_of_one_pattern_property_both_apply() -> None:
    """``\\d`` and ``[0-9]`` translate to the same expression; neither subschema may be lost."""
    schema = {"patternProperties": {"^\\d$": {"type": "integer"}, "^[0-9]$": {"minimum": 5}}}
    doc = {"components": {"schemas": {"S": schema}}}
    for engine in ("rs", "python"):
        compiled = SchemaEngine(doc, engine=engine).for_pointer("/components/schemas/S")
        assert compiled.is_valid({"1": 7})
        assert not compiled.is_valid({"1": 3}), engine
        assert not compiled.is_valid({"1": "x"}), engine
