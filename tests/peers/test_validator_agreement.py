"""The runtime's JSON Schema engines must agree on every verdict.

dynclient takes verdicts from jsonschema-rs (speed) and explanations from python-jsonschema
(messages, discriminator-aware). If the two ever disagreed, a call could be refused with no
explanation, or explained as wrong while passing. Three judges run over one corpus:
``engine="rs"`` (jsonschema-rs), ``engine="python"`` (dynclient's explaining validator), and
``SchemaEngine.reference_validator`` (python-jsonschema Draft 2020-12 in dynclient's dialect,
without the discriminator-aware explanations).

Corpus, for every schema the eleven operations use (each parameter, each request body, each
response): values generated from the schema (valid by construction), every single-fault
mutation of a full instance (invalid), and arbitrary JSON values (mostly invalid, with large
integers, floats and non-ASCII text). Then the dialect: every case where the engines used to
disagree (``$`` before a newline; digit, word, boundary, space classes and ``.`` outside ASCII;
``multipleOf`` on decimals) must get ECMA-262's / JSON Schema's verdict from all three judges, and
catastrophic patterns must be judged and explained in bounded time.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dynclient._validation import SchemaEngine

from ._mutate import Walker
from ._support import CORE_OPS, bundled_document, count, schema_strategy, spec

SUITE = "validators"
GENERATED_PER_SCHEMA = 25
ARBITRARY_PER_SCHEMA = 25

_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
    | st.sampled_from(
        [
            "",
            "individual",
            "team",
            "-created_at",
            "2024-01-01T00:00:00Z",
            "someone@example.com",
            "4f0c2a4e-9a3b-4c1d-8e2f-0123456789ab",
        ]
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


def _schemas() -> list[tuple[str, str, dict[str, Any]]]:
    """(label, pointer, raw schema) for every schema of the core operations, deduplicated."""
    out: dict[str, tuple[str, str, dict[str, Any]]] = {}
    for name in CORE_OPS:
        op = spec()[name]
        refs = [(f"{name} {p.location}.{p.name}", p.schema) for p in op.parameters]
        if op.request_body is not None and op.request_body.schema is not None:
            refs.append((f"{name} body", op.request_body.schema))
        refs += [(f"{name} {r.status}", r.schema) for r in op.responses if r.schema is not None]
        for label, ref in refs:
            out.setdefault(ref.pointer, (label, ref.pointer, dict(ref.raw)))
    return list(out.values())


SCHEMAS = _schemas()


@pytest.fixture(scope="module")
def judges() -> tuple[SchemaEngine, SchemaEngine]:
    doc = spec().document
    return SchemaEngine(doc, engine="rs"), SchemaEngine(doc, engine="python")


def _verdicts(judges: tuple[SchemaEngine, SchemaEngine], pointer: str, value: Any) -> tuple[bool, bool, bool]:
    rs, py = judges
    return (
        rs.for_pointer(pointer).is_valid(value),
        py.for_pointer(pointer).is_valid(value),
        bool(py.reference_validator(py.ref(pointer)).is_valid(value)),
    )


@pytest.mark.parametrize(("label", "pointer", "raw"), SCHEMAS, ids=[s[0] for s in SCHEMAS])
def test_engines_agree(
    judges: tuple[SchemaEngine, SchemaEngine], label: str, pointer: str, raw: dict[str, Any]
) -> None:
    assert judges[0].engine == "rs" and judges[1].engine == "python"
    disagreements: list[str] = []
    verdicts = {True: 0, False: 0}

    def judge(value: Any, expect: bool | None) -> None:
        v = _verdicts(judges, pointer, value)
        count(SUITE, "documents")
        verdicts[v[0]] += 1
        if len(set(v)) != 1 or (expect is not None and v[0] != expect):
            disagreements.append(f"rs={v[0]} python={v[1]} reference={v[2]} expected={expect}: {value!r}"[:400])

    @settings(
        max_examples=GENERATED_PER_SCHEMA,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(schema_strategy(raw))
    def generated(value: Any) -> None:
        judge(value, True)

    @settings(
        max_examples=ARBITRARY_PER_SCHEMA,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(_JSON)
    def arbitrary(value: Any) -> None:
        judge(value, None)

    generated()
    arbitrary()
    walker = Walker(bundled_document())
    for shape in walker.full(raw):
        judge(shape.value, True)
        for _label, mutated in walker.mutations(shape):
            judge(mutated, None)
    # edge values the two engines represent differently
    for edge in (2**64, -(2**63) - 1, 10**30, 1e308, 1.0, -0.0, "\u0000", "\ud7ff\ue000", "a" * 600):
        judge(edge, None)
    count(SUITE, "schemas")
    count(SUITE, "disagreements", len(disagreements))
    assert disagreements == [], disagreements[:5]
    assert verdicts[True] > 0 and verdicts[False] > 0


# -- the dialect: where the two engines used to disagree (issue 10, item 6) ------------------
# Both engines now read patterns as ECMA-262 with the u flag, run on one engine (see
# dynclient._dialect), and decide multipleOf on exact decimals. Each case: schema, value, and
# the verdict ECMA-262 / JSON Schema gives (tests/test_schema_dialect.py checks the regex
# verdicts against Node's ECMA-262 engine on a generated corpus).
DIALECT_CASES: list[tuple[str, dict[str, Any], Any, bool]] = [
    ("$ before a final newline", {"pattern": "^abc$"}, "abc\n", False),
    ("\\d on Arabic-Indic digits", {"pattern": "^\\d+$"}, "\u0661\u0662", False),
    ("\\d ASCII only, also next to a lookahead", {"pattern": "^(?!x)\\d$"}, "\u0661", False),
    ("\\d in Polar's decimal pattern", {"pattern": "^(?!^[-+.]*$)[+-]?0*\\d*\\.?\\d*$"}, "1\u0662.5", False),
    ("\\d in Polar's decimal pattern, ASCII", {"pattern": "^(?!^[-+.]*$)[+-]?0*\\d*\\.?\\d*$"}, "12.50", True),
    ("\\w on é", {"pattern": "^\\w+$"}, "caf\u00e9", False),
    ("\\b between ASCII word characters only", {"pattern": "\\b\u00e9"}, "\u00e9", False),
    ("\\s includes the BOM", {"pattern": "^\\s$"}, "\ufeff", True),
    ("\\s excludes NEL", {"pattern": "^\\s$"}, "\u0085", False),
    (". excludes CR", {"pattern": "^.$"}, "\r", False),
    (". is one code point", {"pattern": "^.$"}, "\U0001f600", True),
    (
        "patternProperties key with \\d",
        {"patternProperties": {"^\\d$": True}, "additionalProperties": False},
        {"\u0661": 1},
        False,
    ),
    ("multipleOf 0.1 with 0.3", {"multipleOf": 0.1}, 0.3, True),
    ("multipleOf 0.01 with 1.13", {"multipleOf": 0.01}, 1.13, True),
    ("multipleOf 0.1 with 0.35", {"multipleOf": 0.1}, 0.35, False),
    ("multipleOf 7 with 1e23 (decimal 10^23)", {"multipleOf": 7}, 1e23, False),
]


@pytest.mark.parametrize(("label", "schema", "value", "expected"), DIALECT_CASES, ids=[c[0] for c in DIALECT_CASES])
def test_engines_agree_on_the_dialect(label: str, schema: dict[str, Any], value: Any, expected: bool) -> None:
    doc = {"components": {"schemas": {"S": schema}}}
    rs, py = SchemaEngine(doc, engine="rs"), SchemaEngine(doc, engine="python")
    verdicts = _verdicts((rs, py), "/components/schemas/S", value)
    count(SUITE, "documents")
    count(SUITE, "disagreements", len(set(verdicts)) - 1)
    assert verdicts == (expected, expected, expected), label
    if not expected:  # the explanation names the value, from either engine
        for engine in (rs, py):
            assert engine.for_pointer("/components/schemas/S").errors(value, "body")


_BOUNDED = """
import sys, time
sys.path.insert(0, "tests")
import dynclient
from conftest import POLAR_CURRENT
from dynclient._operation import runtime_for
from dynclient._validation import SchemaEngine

doc = {"components": {"schemas": {"Evil": {"type": "string", "pattern": "^(a+)+$"}}}}
polar = dynclient.load_spec(POLAR_CURRENT, tags=["products"]).document
unit_amount = "/components/schemas/ProductPriceMeteredUnit/properties/unit_amount"
cases = [
    (doc, "/components/schemas/Evil", "a" * 50_000 + "!"),   # Python's re: past 30 s at 30 characters
    (polar, unit_amount, "0" * 2048 + "x"),                     # Python's re: ~20 s
]
for document, pointer, value in cases:
    for engine in ("rs", "python"):
        compiled = SchemaEngine(document, engine=engine).for_pointer(pointer)
        assert compiled.is_valid(value) is False
        errors = compiled.errors(value, "body")
        assert len(errors) == 1 and "does not match" in errors[0].message, errors
        print(engine, pointer.rsplit("/", 1)[-1], "explained")
"""


def test_pathological_patterns_are_judged_and_explained_in_bounded_time() -> None:
    """``^(a+)+$`` and Polar's ``unit_amount`` pattern on 2 KB: the verdict and the explanation
    both run on the non-backtracking engine. A generous cap in a subprocess (never a tight
    timing): the process must finish, which backtracking explanations did not in 30 s."""
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run(
        [sys.executable, "-c", _BOUNDED], cwd=root, capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.count("explained") == 4
    count(SUITE, "documents", 4)
