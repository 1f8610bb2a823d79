"""Formats defined by exact expressions: both engines agree, and agree with a calendar reference.

jsonschema-rs gets ``date``/``date-time``/``uuid``/``uuid4`` as ``pattern`` keywords
(fast: no call back into Python per string); python-jsonschema full-matches the same
expressions. These tests pin that the rewrite changes no verdict.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest

from dynclient._formats import FORMATS, PATTERNS
from dynclient._validation import SchemaEngine, exclusive_one_of_as_any_of, with_format_patterns

_ASCII_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _reference_date(value: str) -> bool:
    if _ASCII_DATE.fullmatch(value) is None:
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _engines(fmt: str) -> list[Any]:
    doc: dict[str, Any] = {"components": {"schemas": {"S": {"type": "string", "format": fmt}}}}
    return [SchemaEngine(doc, engine=e).for_pointer("/components/schemas/S") for e in ("rs", "python")]


CASES: dict[str, dict[str, bool]] = {
    "date-time": {
        "2026-01-31T23:59:59Z": True,
        "2026-01-31t23:59:59z": True,
        "2026-01-31 23:59:59+05:30": True,
        "2026-06-30T23:59:60.123456-23:59": True,
        "2024-02-29T00:00:00Z": True,
        "2000-02-29T00:00:00Z": True,
        "1900-02-29T00:00:00Z": False,
        "2023-02-29T00:00:00Z": False,
        "2026-04-31T00:00:00Z": False,
        "0000-01-01T00:00:00Z": False,
        "2026-13-01T00:00:00Z": False,
        "2026-01-01T24:00:00Z": False,
        "2026-01-01T00:60:00Z": False,
        "2026-01-01T00:00:61Z": False,
        "2026-01-01T00:00:00+24:00": False,
        "2026-01-01T00:00:00": False,
        "2026-01-01T00:00Z": False,
        "2026-01-01T00:00:00.Z": False,
        "2026-01-01T00:00:00Z\n": False,
        "\u0662\u0660\u0662\u0666-01-01T00:00:00Z": False,  # Arabic-Indic digits
        "": False,
    },
    "date": {
        "2026-01-31": True,
        "2024-02-29": True,
        "2100-02-29": False,
        "0001-01-01": True,
        "0000-12-31": False,
        "2026-00-10": False,
        "2026-1-10": False,
        "2026-01-31\n": False,
    },
    "uuid": {
        "992fae2a-2a17-1b7a-0d9e-e287cf90131b": True,
        "992FAE2A-2A17-4B7A-8D9E-E287CF90131B": True,
        "992fae2a2a174b7a8d9ee287cf90131b": False,
        "{992fae2a-2a17-4b7a-8d9e-e287cf90131b}": False,
        "992fae2a-2a17-4b7a-8d9e-e287cf90131b\n": False,
        "992fae2a-2a17-4b7a-8d9e-e287cf90131g": False,
    },
    "uuid4": {
        "992fae2a-2a17-4b7a-8d9e-e287cf90131b": True,
        "992fae2a-2a17-4b7a-Bd9e-e287cf90131b": True,
        "992fae2a-2a17-1b7a-8d9e-e287cf90131b": False,
        "992fae2a-2a17-4b7a-cd9e-e287cf90131b": False,
        "992fae2a-2a17-4b7a-8d9e-e287cf90131b\n": False,
    },
    "email": {
        "ada.lovelace@example.com": True,
        "ada@example.com\n": False,
        "ada@@example.com": False,
    },
}


@pytest.mark.parametrize("fmt", sorted(CASES))
def test_both_engines_match_the_truth_table(fmt: str) -> None:
    rs, py = _engines(fmt)
    for value, expected in CASES[fmt].items():
        assert FORMATS[fmt](value) is expected, (fmt, value)
        assert rs.is_valid(value) is expected, ("rs", fmt, value)
        assert py.is_valid(value) is expected, ("python", fmt, value)


def test_formats_constrain_strings_only() -> None:
    for fmt in PATTERNS:
        for engine in _engines(fmt):  # these schemas say type string: 12 fails on type
            assert engine.is_valid(12) is False
    doc = {"components": {"schemas": {"S": {"format": "date-time"}}}}
    for e in ("rs", "python"):
        compiled = SchemaEngine(doc, engine=e).for_pointer("/components/schemas/S")
        assert compiled.is_valid(12) and compiled.is_valid(None) and compiled.is_valid(["x"])
        assert not compiled.is_valid("yesterday")


def test_date_expression_is_the_gregorian_calendar() -> None:
    rs, py = _engines("date")
    samples: list[str] = []
    for start in (date(1, 1, 1), date(1896, 1, 1), date(1999, 12, 1), date(2096, 1, 1), date(9998, 12, 1)):
        day = start
        for _ in range(800 if start.year < 9000 else 395):
            samples.append(day.isoformat())
            day += timedelta(days=1)
    # and impossible days around every month end, in leap and common, century and 400-year years
    for year in (1, 4, 100, 1600, 1700, 1900, 2000, 2023, 2024, 2100, 2400, 9999):
        for month in range(0, 14):
            for d in (0, 28, 29, 30, 31, 32):
                samples.append(f"{year:04d}-{month:02d}-{d:02d}")
    pattern = re.compile(PATTERNS["date"])
    for value in samples:
        expected = _reference_date(value)
        assert (pattern.fullmatch(value) is not None) is expected, value
        assert FORMATS["date"](value) is expected, value
    assert all(rs.is_valid(v) is _reference_date(v) for v in samples[::7])
    assert all(py.is_valid(v) is _reference_date(v) for v in samples[::97])


def test_rewrite_touches_schemas_only_and_shares_unchanged_subtrees() -> None:
    untouched = {"type": "integer"}
    doc: dict[str, Any] = {
        "properties": {
            "id": {"type": "string", "format": "uuid4"},
            "examples": {"type": "string", "format": "date"},  # a property *named* examples: a schema
            "n": untouched,
            "mail": {"type": "string", "format": "email"},
            "count": {"type": "integer", "format": "int32"},  # annotation only: left as is
            "p": {"type": "string", "format": "uuid", "pattern": "^9"},
        },
        "const": {"format": "uuid"},
        "default": {"format": "date"},
        "examples": [{"format": "uuid4"}],
        "x-extra": {"format": "uuid"},
    }
    used: set[str] = set()
    out = with_format_patterns(doc, used)
    props = out["properties"]
    assert props["id"] == {"type": "string", "pattern": f"^(?:{PATTERNS['uuid4']})$"}
    assert props["examples"] == {"type": "string", "pattern": f"^(?:{PATTERNS['date']})$"}
    assert props["n"] is untouched
    assert props["mail"] == {"type": "string", "pattern": f"^(?:{PATTERNS['email']})$"}
    assert props["count"] == {"type": "integer", "format": "int32"}
    assert props["p"] == {"type": "string", "pattern": "^9", "allOf": [{"pattern": f"^(?:{PATTERNS['uuid']})$"}]}
    assert out["const"] is doc["const"] and out["default"] is doc["default"]
    assert out["examples"] is doc["examples"] and out["x-extra"] is doc["x-extra"]
    assert doc["properties"]["id"] == {"type": "string", "format": "uuid4"}  # the input is not modified
    assert used == {"int32"}
    plain = {"type": "object", "properties": {"a": {"type": "string"}}}
    assert with_format_patterns(plain) is plain


def test_email_limits_are_in_the_expression() -> None:
    rs, py = _engines("email")
    cases = {
        "a" * 64 + "@example.com": True,
        "a" * 65 + "@example.com": False,  # local part over 64
        "a@" + ".".join(["b" * 63] * 3) + "." + "c" * 60: True,  # 254 characters
        "a@" + ".".join(["b" * 63] * 3) + "." + "c" * 61: False,  # 255 characters
        ".ada@example.com": False,
        "ada.@example.com": False,
        "a..da@example.com": False,
        "a.d.a@example.com": True,
        "ada@example": False,
        "ada@-example.com": False,
    }
    for value, expected in cases.items():
        assert FORMATS["email"](value) is expected, value
        assert rs.is_valid(value) is expected, ("rs", value)
        assert py.is_valid(value) is expected, ("python", value)


def test_rs_engine_asserts_formats_without_python_callbacks() -> None:
    doc: dict[str, Any] = {"components": {"schemas": {"S": {"type": "string", "format": "email"}}}}
    engine = SchemaEngine(doc, engine="rs")
    assert not engine.for_pointer("/components/schemas/S").is_valid("not an address")
    assert engine._rs_format_options(set()) == {"validate_formats": False}
    # a format that could not become a pattern falls back to the Python functions
    options = engine._rs_format_options({"date-time"})
    assert options["validate_formats"] is True and options["formats"]["date-time"] is FORMATS["date-time"]


def test_rewritten_schema_keeps_existing_pattern_and_const_data() -> None:
    doc: dict[str, Any] = {
        "components": {
            "schemas": {
                "P": {"type": "string", "format": "uuid", "pattern": "^9"},
                "C": {"const": {"format": "uuid"}},
            }
        }
    }
    for e in ("rs", "python"):
        engine = SchemaEngine(doc, engine=e)
        p = engine.for_pointer("/components/schemas/P")
        assert p.is_valid("992fae2a-2a17-4b7a-8d9e-e287cf90131b")
        assert not p.is_valid("892fae2a-2a17-4b7a-8d9e-e287cf90131b")  # fails the pattern
        assert not p.is_valid("9-not-a-uuid")  # fails the format
        c = engine.for_pointer("/components/schemas/C")
        assert c.is_valid({"format": "uuid"}) and not c.is_valid({"pattern": "x"})


def _variants(second_tag: Any, *, required: bool = True, typed: bool = True) -> dict[str, Any]:
    def variant(tag: Any) -> dict[str, Any]:
        schema: dict[str, Any] = {"properties": {"kind": {"const": tag}, "n": {"type": "integer"}}}
        if typed:
            schema["type"] = "object"
        if required:
            schema["required"] = ["kind"]
        return schema

    return {
        "components": {
            "schemas": {
                "A": variant("a"),
                "B": variant(second_tag),
                "U": {
                    "oneOf": [{"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}],
                    "discriminator": {"propertyName": "kind"},
                },
            }
        }
    }


def test_exclusive_discriminated_one_of_becomes_any_of_for_rs_only() -> None:
    doc = _variants("b")
    out = exclusive_one_of_as_any_of(doc, doc)
    assert "anyOf" in out["components"]["schemas"]["U"] and "oneOf" not in out["components"]["schemas"]["U"]
    assert out["components"]["schemas"]["A"] is doc["components"]["schemas"]["A"]
    assert "oneOf" in doc["components"]["schemas"]["U"]  # the input is not modified
    for e in ("rs", "python"):
        u = SchemaEngine(doc, engine=e).for_pointer("/components/schemas/U")
        assert u.is_valid({"kind": "a", "n": 1}) and u.is_valid({"kind": "b"})
        assert not u.is_valid({"kind": "c"}) and not u.is_valid({"n": 1}) and not u.is_valid("a")
        assert not u.is_valid({"kind": "a", "n": "x"})


@pytest.mark.parametrize(
    ("doc", "overlap"),
    [
        (_variants("a"), {"kind": "a"}),  # same tag: matches both
        (_variants("b", required=False), {}),  # tag not required: {} matches both
        (_variants("b", typed=False), "text"),  # not typed object: a string matches both
    ],
)
def test_one_of_that_may_overlap_is_kept(doc: dict[str, Any], overlap: Any) -> None:
    u_schema = doc["components"]["schemas"]["U"]
    assert exclusive_one_of_as_any_of(doc, doc)["components"]["schemas"]["U"] is u_schema
    for e in ("rs", "python"):
        u = SchemaEngine(doc, engine=e).for_pointer("/components/schemas/U")
        assert not u.is_valid(overlap), e  # valid against both branches, so not oneOf-valid


def test_tags_equal_in_python_are_treated_as_overlapping() -> None:
    doc = _variants(True)
    doc["components"]["schemas"]["A"]["properties"]["kind"]["const"] = 1  # true == 1 in Python
    u_schema = doc["components"]["schemas"]["U"]
    assert exclusive_one_of_as_any_of(doc, doc)["components"]["schemas"]["U"] is u_schema


def test_documents_using_unevaluated_keywords_are_left_alone() -> None:
    doc = _variants("b")
    doc["components"]["schemas"]["A"]["unevaluatedProperties"] = False
    assert exclusive_one_of_as_any_of(doc, doc) is doc
