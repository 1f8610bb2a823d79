"""The runtime's JSON Schema engines must agree on every verdict.

dynclient takes verdicts from jsonschema-rs (speed) and explanations from python-jsonschema
(messages, discriminator-aware). If the two ever disagreed, a call could be refused with no
explanation, or explained as wrong while passing. Three judges run over one corpus:
``engine="rs"`` (jsonschema-rs), ``engine="python"`` (dynclient's explaining validator), and
``SchemaEngine.reference_validator`` (plain python-jsonschema Draft 2020-12).

Corpus, for every schema the eleven operations use (each parameter, each request body, each
response): values generated from the schema (valid by construction), every single-fault
mutation of a full instance (invalid), and arbitrary JSON values (mostly invalid, with large
integers, floats and non-ASCII text).
"""

from __future__ import annotations

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
