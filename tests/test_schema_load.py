"""Spec loading (issue 10, item 13): files are read with a byte cap, and every schema of the
document is checked once, at load, against JSON Schema 2020-12 (``dynclient._metaschema``).
"""

from __future__ import annotations

import copy
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import POLAR_CURRENT, POLAR_OLD
from test_hostile_specs import base, op

import dynclient
from dynclient import SpecError, _metaschema, load_spec
from dynclient._document import MAX_REFS, load_document

THING = "/components/schemas/Thing"
BODY_SCHEMA = "/paths/~1things~1{id}/get/responses/200/content/application~1json/schema"


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    _metaschema._CHECKED.clear()
    yield
    _metaschema._CHECKED.clear()


def with_thing(**prop: Any) -> dict[str, Any]:
    doc = base()
    doc["components"]["schemas"]["Thing"]["properties"]["x"] = prop
    return doc


def _webhook(doc: dict[str, Any]) -> None:
    doc["webhooks"] = {
        "thing.created": {
            "post": {
                "requestBody": {"content": {"application/json": {"schema": {"type": "objet"}}}},
                "responses": {"200": {"description": "ok"}},
            }
        }
    }


def _parameter(doc: dict[str, Any]) -> None:
    op(doc)["parameters"].append({"name": "q", "in": "query", "schema": {"type": "array", "items": {"minItems": "2"}}})


def _component_parameter(doc: dict[str, Any]) -> None:
    doc["components"]["parameters"] = {"P": {"name": "p", "in": "query", "schema": {"enum": "abc"}}}


def _response_header(doc: dict[str, Any]) -> None:
    op(doc)["responses"]["200"]["headers"] = {"X-Rate": {"schema": {"type": "integer", "maximum": "10"}}}


def _hidden_target(doc: dict[str, Any]) -> None:
    """A schema kept outside components, reached only through a $ref from a schema."""
    doc["x-schemas"] = {"Hidden": {"type": "string", "maxLength": -3}}
    doc["components"]["schemas"]["Thing"]["properties"]["h"] = {"$ref": "#/x-schemas/Hidden"}


def _parameter_kept_elsewhere(doc: dict[str, Any]) -> None:
    """A parameter object outside components, reached through the operation's $ref."""
    doc["x-params"] = {"P": {"name": "q", "in": "query", "schema": {"type": "strnig"}}}
    op(doc)["parameters"].append({"$ref": "#/x-params/P"})


def _inline_body(doc: dict[str, Any]) -> None:
    op(doc)["responses"]["200"]["content"]["application/json"]["schema"] = {"type": "object", "required": "id"}


CASES: list[tuple[str, Callable[[], dict[str, Any]], str, str | None]] = [
    ("type-typo", lambda: with_thing(type="strnig"), "invalid schema", f"{THING}/properties/x/type"),
    ("pattern-unbalanced", lambda: with_thing(pattern="("), "is not an ECMA-262", f"{THING}/properties/x/pattern"),
    ("pattern-inline-flag", lambda: with_thing(pattern="(?i)x"), "is not an ECMA-262", f"{THING}/properties/x/pattern"),
    (
        "pattern-engine-limit",
        lambda: with_thing(pattern="(?<n>x)\\k<n>"),
        "named backreferences",
        f"{THING}/properties/x/pattern",
    ),
    (
        "pattern-properties-key",
        lambda: with_thing(patternProperties={"[": {}}),
        "patternProperties key '['",
        f"{THING}/properties/x/patternProperties",
    ),
    ("min-length-negative", lambda: with_thing(minLength=-1), "invalid schema", f"{THING}/properties/x/minLength"),
    ("required-not-a-list", lambda: with_thing(required="id"), "invalid schema", f"{THING}/properties/x/required"),
    ("multiple-of-zero", lambda: with_thing(multipleOf=0), "invalid schema", f"{THING}/properties/x/multipleOf"),
    ("items-as-list", lambda: with_thing(items=[{"type": "string"}]), "invalid schema", f"{THING}/properties/x/items"),
    ("dynamic-ref", lambda: with_thing(items={"$dynamicRef": "#meta"}), "$dynamicRef is not supported", None),
    ("id", lambda: with_thing(**{"$id": "https://example.invalid/x"}), "$id is not supported", None),
    ("schema-draft-4", lambda: with_thing(**{"$schema": "http://json-schema.org/draft-04/schema#"}), "2020-12", None),
    ("webhook-schema", lambda: _mutated(_webhook), "invalid schema", None),
    ("parameter-schema", lambda: _mutated(_parameter), "invalid schema", None),
    ("component-parameter", lambda: _mutated(_component_parameter), "invalid schema", None),
    ("response-header", lambda: _mutated(_response_header), "invalid schema", None),
    (
        "ref-target-outside-components",
        lambda: _mutated(_hidden_target),
        "invalid schema",
        "/x-schemas/Hidden/maxLength",
    ),
    ("inline-response-schema", lambda: _mutated(_inline_body), "invalid schema", f"{BODY_SCHEMA}/required"),
    (
        "parameter-kept-elsewhere",
        lambda: _mutated(_parameter_kept_elsewhere),
        "invalid schema",
        "/x-params/P/schema/type",
    ),
]
_EXPECTED_POINTERS = {
    "dynamic-ref": f"{THING}/properties/x/items/$dynamicRef",
    "id": f"{THING}/properties/x/$id",
    "schema-draft-4": f"{THING}/properties/x/$schema",
    "webhook-schema": "/webhooks/thing.created/post/requestBody/content/application~1json/schema/type",
    "parameter-schema": "/paths/~1things~1{id}/get/parameters/1/schema/items/minItems",
    "component-parameter": "/components/parameters/P/schema/enum",
    "response-header": "/paths/~1things~1{id}/get/responses/200/headers/X-Rate/schema/maximum",
}


def _mutated(fn: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    doc = base()
    fn(doc)
    return doc


@pytest.mark.parametrize(("name", "make", "message", "pointer"), CASES, ids=[c[0] for c in CASES])
def test_an_invalid_schema_fails_at_load_with_its_pointer(
    name: str, make: Callable[[], dict[str, Any]], message: str, pointer: str | None
) -> None:
    with pytest.raises(SpecError) as info:
        load_spec(make())
    assert message in info.value.reason, info.value
    assert info.value.pointer == (pointer or _EXPECTED_POINTERS[name]), info.value


def test_every_case_is_valid_json_schema_once_the_fault_is_removed() -> None:
    """The control: the base document, and each kind of place, load when the schema is right."""
    load_spec(base())
    load_spec(with_thing(type="string", pattern="^\\d+$", minLength=0, multipleOf=0.5))
    doc = base()
    doc["x-schemas"] = {"Hidden": {"type": "string", "maxLength": 3}}
    doc["components"]["schemas"]["Thing"]["properties"]["h"] = {"$ref": "#/x-schemas/Hidden"}
    load_spec(doc)
    load_spec(with_thing(**{"$schema": "https://json-schema.org/draft/2020-12/schema"}))


def test_the_shipped_and_shared_specs_load() -> None:
    assert len(load_spec(dynclient.bundled_spec_path())) == 30
    assert len({o.path for o in load_spec(POLAR_CURRENT)}) == 127
    assert len(load_spec(POLAR_OLD)) > 150


def test_a_document_checked_once_is_not_checked_again(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = base()
    load_spec(doc)
    calls: list[Any] = []
    monkeypatch.setattr(_metaschema, "_meta_validator", lambda: calls.append(1))
    load_spec(copy.deepcopy(doc))  # same fingerprint: no validation at all
    assert calls == []


def test_a_schema_cycle_that_consumes_no_data_is_refused() -> None:
    doc = base()
    doc["components"]["schemas"]["A"] = {"allOf": [{"$ref": "#/components/schemas/B"}]}
    doc["components"]["schemas"]["B"] = {"anyOf": [{"type": "string"}, {"$ref": "#/components/schemas/A"}]}
    with pytest.raises(SpecError, match="in place without end: #/components/schemas/A -> #/components/schemas/B"):
        load_spec(doc)
    # recursion through a property consumes data: legal (Polar's filters do this)
    doc = base()
    doc["components"]["schemas"]["Thing"]["properties"]["child"] = {"allOf": [{"$ref": "#" + THING}]}
    load_spec(doc)


def test_a_long_in_place_chain_is_refused() -> None:
    def chain(links: int) -> dict[str, Any]:
        doc = base()
        schemas = doc["components"]["schemas"]
        for i in range(links):
            schemas[f"S{i}"] = {"allOf": [{"$ref": f"#/components/schemas/S{i + 1}"}]}
        schemas[f"S{links}"] = {"type": "integer"}
        return doc

    load_spec(chain(10))
    with pytest.raises(SpecError, match=f"the limit is {_metaschema.MAX_IN_PLACE}"):
        load_spec(chain(20))


def test_too_many_refs_are_refused() -> None:
    doc = base()
    props = doc["components"]["schemas"]["Thing"]["properties"]
    for i in range(MAX_REFS + 1):
        props[f"p{i}"] = {"$ref": "#" + THING}
    with pytest.raises(SpecError, match=f"exceed the limit of {MAX_REFS}"):
        load_spec(doc)


# -- the byte cap -----------------------------------------------------------------------
def test_dev_zero_stops_at_the_limit() -> None:
    started = time.monotonic()
    with pytest.raises(SpecError, match="exceeds the size limit of 1048576"):
        load_spec("/dev/zero", max_bytes=1 << 20)
    with pytest.raises(SpecError, match="exceeds the size limit"):
        load_spec("/dev/zero")  # the default cap: 32 MiB read, then refused
    assert time.monotonic() - started < 30  # it stops; the old stat() check read until MemoryError


def test_a_named_pipe_fed_without_end_stops_at_the_limit(tmp_path: Path) -> None:
    fifo = tmp_path / "spec.json"
    os.mkfifo(fifo)
    stop = threading.Event()

    def feed() -> None:
        with fifo.open("wb") as pipe:
            try:
                while not stop.is_set():
                    pipe.write(b" " * 65536)
            except BrokenPipeError:
                return

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        with pytest.raises(SpecError, match="exceeds the size limit of 4194304"):
            load_spec(fifo, max_bytes=4 << 20)
    finally:
        stop.set()
        writer.join(timeout=10)
    assert not writer.is_alive()


def test_a_file_at_the_limit_loads_and_one_byte_more_does_not(tmp_path: Path) -> None:
    import json

    text = json.dumps(base())
    path = tmp_path / "spec.json"
    path.write_text(text, encoding="utf-8")
    assert load_document(path, max_bytes=len(text)).data == base()
    with pytest.raises(SpecError, match="exceeds the size limit"):
        load_document(path, max_bytes=len(text) - 1)


def test_crlf_yaml_reads_as_text_mode_did(tmp_path: Path) -> None:
    """Universal newlines are kept, so fingerprints of existing YAML files do not change."""
    path = tmp_path / "spec.yaml"
    path.write_bytes(
        b"openapi: 3.1.0\r\ninfo:\r\n  title: t\r\n  version: '1'\r\n  description: |\r\n    a\r\n    b\r\npaths: {}\r\n"
    )
    assert load_document(path).data["info"]["description"] == "a\nb\n"
