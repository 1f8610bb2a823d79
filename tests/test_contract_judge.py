"""``_drift.judge``: the fast verdict (a lenient jsonschema-rs twin) agrees with the reference.

The reference is python-jsonschema's explanation of every error (``_drift.reference``). A
seeded corpus of mutated responses (new strings, wrong types, nulls, missing and extra keys,
new kinds, one to three at a time) over the bundled spec, the same spec with
``additionalProperties: false`` everywhere, and a hand-made spec with the constructs the
lenient copy must not get wrong (``not``, ``if``/``then``/``else``, unions without a
discriminator, a discriminator without a mapping, non-string enums, ``unevaluatedProperties``)
must get the same classification from both: the same violations flag, and for drift-only
values the same drift locations.
"""

from __future__ import annotations

import copy
import random
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from payloads import customer, customer_page, customer_state

import dynclient
from dynclient._drift import DriftLedger, judge, reference, relax_document
from dynclient._operation import runtime_for

SEED = 20261203
MUTANTS_PER_PAYLOAD = 150


def response_compiled(spec: dynclient.ApiSpec, operation: str, engine: Any = "auto") -> Any:
    op = spec[operation]
    schema = next(r for r in op.responses if r.status.startswith("2")).schema
    assert schema is not None
    return runtime_for(spec, engine).engine.for_pointer(schema.pointer)


def closed_spec() -> dynclient.ApiSpec:
    """The bundled spec with additionalProperties: false on every object schema with properties."""
    doc = copy.deepcopy(dict(dynclient.load_spec().document))

    def close(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("properties"), dict) and "additionalProperties" not in node:
                node["additionalProperties"] = False
            for key, value in node.items():
                if key not in ("enum", "const", "examples", "example", "default"):
                    close(value)
        elif isinstance(node, list):
            for value in node:
                close(value)

    close(doc["components"])
    return dynclient.load_spec(doc)


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _leaves(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _leaves(v, (*path, i))
    return out


def _at(value: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        value = value[p]
    return value


def mutate(rng: random.Random, value: Any) -> Any:
    out = copy.deepcopy(value)
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        paths = [p for p in _leaves(out) if p]
        path = rng.choice(paths)
        parent, key = _at(out, path[:-1]), path[-1]
        kind = rng.choice(("new-string", "new-string", "new-kind", "int", "null", "delete", "extra", "list"))
        if kind == "new-string":
            parent[key] = f"zz_new_{rng.randrange(3)}"
        elif kind == "new-kind" and isinstance(parent, dict) and "type" in parent:
            parent["type"] = "robot"
        elif kind == "int":
            parent[key] = 12345
        elif kind == "null":
            parent[key] = None
        elif kind == "delete" and isinstance(parent, dict):
            del parent[key]
        elif kind == "extra":
            target = parent if isinstance(parent, dict) else out
            if isinstance(target, dict):
                target[f"zz_extra_{rng.randrange(2)}"] = rng.choice((1, "x", {"a": 1}))
        elif kind == "list":
            parent[key] = [parent[key]]
    return out


TRICKY_DOC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "tricky", "version": "2026-01"},
    "servers": [{"url": "https://tricky.example"}],
    "paths": {
        "/things": {
            "get": {
                "operationId": "things_get",
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}},
                    }
                },
            }
        }
    },
    "components": {
        "schemas": {
            "Thing": {
                "type": "object",
                "required": ["kind", "n", "pet", "level"],
                "properties": {
                    "kind": {"type": "string", "enum": ["a", "b"]},
                    "n": {},
                    "level": {"enum": [1, 2, 3, "max"]},
                    "flag": {"const": True},
                    "not_x": {"type": "string", "not": {"enum": ["x"]}},
                    "pet": {"$ref": "#/components/schemas/Pet"},
                    "shape": {"anyOf": [{"$ref": "#/components/schemas/Circle"}, {"$ref": "#/components/schemas/Box"}]},
                    "tail": {"type": "object", "properties": {"t": {"enum": ["u"]}}, "unevaluatedProperties": False},
                },
                "if": {"properties": {"kind": {"const": "a"}}},
                "then": {"properties": {"n": {"type": "integer"}}},
                "else": {"properties": {"n": {"type": "string"}}},
            },
            "Pet": {
                "oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
                "discriminator": {"propertyName": "pet_type"},
            },
            "Cat": {
                "type": "object",
                "required": ["pet_type", "lives"],
                "properties": {"pet_type": {"const": "Cat"}, "lives": {"type": "integer"}},
            },
            "Dog": {
                "type": "object",
                "required": ["pet_type", "bark"],
                "properties": {"pet_type": {"const": "Dog"}, "bark": {"enum": ["woof", "yap"]}},
            },
            "Circle": {
                "type": "object",
                "required": ["r"],
                "properties": {"r": {"type": "number"}, "unit": {"enum": ["cm", "in"]}},
            },
            "Box": {
                "type": "object",
                "required": ["w"],
                "properties": {"w": {"type": "number"}, "unit": {"enum": ["mm"]}},
            },
        }
    },
}

TRICKY_VALUE = {
    "kind": "a",
    "n": 3,
    "level": 2,
    "flag": True,
    "not_x": "y",
    "pet": {"pet_type": "Dog", "bark": "woof"},
    "shape": {"w": 2.0, "unit": "mm"},
    "tail": {"t": "u"},
}

CASES = [
    ("bundled", "customers_get", customer(0)),
    ("bundled", "customers_list", customer_page(6)),
    ("bundled", "customers_get_state", customer_state()),
    ("closed", "customers_get", customer(0)),
    ("closed", "customers_list", customer_page(4)),
    ("tricky", "things_get", TRICKY_VALUE),
]
_SPECS: dict[str, dynclient.ApiSpec] = {}


def spec_for(name: str) -> dynclient.ApiSpec:
    if name not in _SPECS:
        makers: dict[str, Callable[[], dynclient.ApiSpec]] = {
            "bundled": dynclient.load_spec,
            "closed": closed_spec,
            "tricky": lambda: dynclient.load_spec(copy.deepcopy(TRICKY_DOC)),
        }
        _SPECS[name] = makers[name]()
    return _SPECS[name]


def classify(verdict: Any) -> tuple[str, frozenset[str]]:
    if verdict.violations:
        return "violation", frozenset()
    if verdict.drift:
        return "drift", frozenset(e.location for e in verdict.drift)
    return "valid", frozenset()


@pytest.mark.parametrize(("spec_name", "operation", "value"), CASES, ids=[f"{s}-{o}" for s, o, _ in CASES])
def test_fast_judge_agrees_with_the_reference_on_mutated_responses(spec_name: str, operation: str, value: Any) -> None:
    compiled = response_compiled(spec_for(spec_name), operation)
    assert judge(compiled, value).valid
    rng = random.Random(f"{SEED}-{spec_name}-{operation}")
    seen: Counter[str] = Counter()
    for _ in range(MUTANTS_PER_PAYLOAD):
        mutant = mutate(rng, value)
        fast, slow = classify(judge(compiled, mutant)), classify(reference(compiled, mutant))
        assert fast == slow, mutant
        seen[fast[0]] += 1
    # the corpus exercises every outcome (so the agreement means something)
    assert seen["drift"] >= 10 and seen["violation"] >= 10, seen
    print(f"judge agreement {spec_name}/{operation}: {dict(seen)}")


def test_the_tricky_constructs_one_by_one() -> None:
    compiled = response_compiled(spec_for("tricky"), "things_get")

    def verdict(**changes: Any) -> tuple[str, frozenset[str]]:
        value = {**copy.deepcopy(TRICKY_VALUE), **changes}
        fast = classify(judge(compiled, value))
        assert fast == classify(reference(compiled, value))
        return fast

    # a new kind takes the else branch, whose own rule holds: drift only
    assert verdict(kind="c", n="text") == ("drift", frozenset({"body.kind"}))
    # a known kind breaking its branch's rule is a violation (relaxing ``if`` would hide it)
    assert verdict(kind="b", n=5)[0] == "violation"
    # ``not`` keeps its strict meaning
    assert verdict(not_x="x")[0] == "violation"
    # strings outside non-string enums/consts are drift, other types are not
    assert verdict(level="min") == ("drift", frozenset({"body.level"}))
    assert verdict(level=7)[0] == "violation"
    assert verdict(flag="maybe") == ("drift", frozenset({"body.flag"}))
    assert verdict(flag=False)[0] == "violation"
    # a discriminator without a mapping: branch names; an unknown pet is drift, a broken dog is not
    assert verdict(pet={"pet_type": "Parrot", "words": 3}) == ("drift", frozenset({"body.pet.pet_type"}))
    assert verdict(pet={"pet_type": "Dog", "bark": "howl"}) == ("drift", frozenset({"body.pet.bark"}))
    assert verdict(pet={"pet_type": "Dog", "lives": 9})[0] == "violation"
    # a union without a discriminator: the branch that fits takes the drift
    assert verdict(shape={"w": 1, "unit": "km"}) == ("drift", frozenset({"body.shape.unit"}))
    assert verdict(shape={"unit": "cm"})[0] == "violation"
    # unevaluatedProperties: false admits a new field as drift
    assert verdict(tail={"t": "u", "extra": 1}) == ("drift", frozenset({"body.tail.extra"}))


def test_known_drift_is_not_located_again_and_verdict_properties() -> None:
    compiled = response_compiled(spec_for("bundled"), "customers_list")
    page = customer_page(5)
    page["items"][2]["billing_address"]["country"] = "XK"
    first = judge(compiled, page)
    assert [e.location for e in first.drift] == ["body.items[2].billing_address.country"]
    assert first.keys == ("/components/schemas/Address/properties/country/enum",)
    assert first.drift[0].path == ("body", "items", 2, "billing_address", "country")
    assert first.drift[0].keyword == "enum"
    assert not first.valid and first.compatible
    again = judge(compiled, page, known=set(first.seen))
    assert again.drift == () and again.violations == () and again.seen == first.seen
    assert not again.valid and again.compatible
    assert judge(compiled, customer_page(2)).valid


def test_python_engine_judges_through_the_reference() -> None:
    spec = spec_for("bundled")
    compiled = response_compiled(spec, "customers_get", engine="python")
    robot = {**customer(0), "type": "robot"}
    verdict = judge(compiled, robot)
    assert [e.location for e in verdict.drift] == ["body.type"]
    assert verdict.keys == ("@body.type:discriminator",)


def test_a_place_met_in_a_branch_that_fails_is_not_reported() -> None:
    doc = copy.deepcopy(TRICKY_DOC)
    doc["components"]["schemas"]["Thing"] = {
        "anyOf": [
            {"type": "object", "properties": {"k": {"enum": ["a"]}, "m": {"type": "integer"}}},
            {"type": "object", "required": ["y"], "properties": {"j": {"enum": ["b"]}}},
        ]
    }
    compiled = response_compiled(dynclient.load_spec(doc), "things_get")
    value = {"k": "new", "m": "text", "j": "new too", "y": 1}  # only the second branch can hold it
    verdict = judge(compiled, value)
    assert [e.location for e in verdict.drift] == ["body.j"]
    assert len(verdict.seen) == 2  # the first branch's place was met, then the branch failed
    second = judge(compiled, value, known=set(verdict.keys))
    assert second.drift == () and second.seen == verdict.seen


def test_relaxing_leaves_the_document_alone() -> None:
    spec = dynclient.load_spec()
    before = copy.deepcopy(dict(spec.document))
    relaxed = relax_document(spec.document)
    assert dict(spec.document) == before
    assert relaxed != before


def test_the_ledger_reports_once_and_is_bounded() -> None:
    ledger = DriftLedger(limit=3)
    assert ledger.claim("op", "a") and not ledger.claim("op", "a")
    assert ledger.claim("other", "a")
    ledger.note("op", ["b", "c"])  # the third key fills it
    assert "b" in ledger.known("op") and "c" not in ledger.known("op")
    assert not ledger.claim("op", "d")
    assert ledger.once("x") is False  # full: nothing new is recorded, nothing new reported
    fresh = DriftLedger()
    assert fresh.once("x") and not fresh.once("x")
