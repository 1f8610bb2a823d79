"""Malformed or hostile spec documents: each fails at load with a SpecError naming the problem
(and its JSON pointer where there is one). None hangs (a SIGALRM guard), none executes code
(a YAML tag that would create a file must not), none fetches anything (sockets are blocked).
"""

from __future__ import annotations

import copy
import json
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import POLAR_CURRENT

from dynclient import Client, SpecError, load_spec


def base() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "servers": [{"url": "https://example.invalid"}],
        "paths": {
            "/things/{id}": {
                "get": {
                    "operationId": "things:get",
                    "tags": ["things"],
                    "security": [{"tok": []}],
                    "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
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
            "schemas": {"Thing": {"type": "object", "properties": {"id": {"type": "string"}}}},
            "securitySchemes": {"tok": {"type": "http", "scheme": "bearer"}},
        },
    }


def op(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["paths"]["/things/{id}"]["get"]  # type: ignore[no-any-return]


@dataclass
class Case:
    id: str
    make: Callable[[Path], Any]  # tmp_path -> source
    message: str  # a substring of the SpecError's reason
    pointer: str | None = None  # the exact pointer, when the problem has one
    kwargs: dict[str, Any] = field(default_factory=dict)


def text_file(name: str, text: str) -> Callable[[Path], Any]:
    def make(tmp: Path) -> Path:
        path = tmp / name
        path.write_text(text, encoding="utf-8")
        return path

    return make


def mutated(fn: Callable[[dict[str, Any]], None]) -> Callable[[Path], Any]:
    def make(_tmp: Path) -> dict[str, Any]:
        doc = base()
        fn(doc)
        return doc

    return make


def _alias_cycle(doc: dict[str, Any]) -> None:
    doc["components"]["schemas"]["A"] = {"$ref": "#/components/schemas/B"}
    doc["components"]["schemas"]["B"] = {"$ref": "#/components/schemas/A"}
    doc["components"]["schemas"]["Thing"]["properties"]["a"] = {"$ref": "#/components/schemas/A"}


def _self_alias(doc: dict[str, Any]) -> None:
    doc["components"]["schemas"]["Thing"] = {"$ref": "#/components/schemas/Thing"}


def _long_chain(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    for i in range(20000):  # a 20,000-link alias chain that ends nowhere: linear work, no hang
        schemas[f"S{i}"] = {"$ref": f"#/components/schemas/S{i + 1}"}


def _dup_ids(doc: dict[str, Any]) -> None:
    doc["paths"]["/other"] = {"get": {"operationId": "things:get", "responses": {"204": {"description": "x"}}}}


def _colliding_ids(doc: dict[str, Any]) -> None:
    doc["paths"]["/other"] = {"get": {"operationId": "things_get", "responses": {"204": {"description": "x"}}}}


def _deep(doc: dict[str, Any]) -> None:
    node: dict[str, Any] = {"type": "string"}
    for _ in range(100):
        node = {"type": "array", "items": node}
    doc["components"]["schemas"]["Deep"] = node


def _param(**changes: Any) -> Callable[[dict[str, Any]], None]:
    def fn(doc: dict[str, Any]) -> None:
        op(doc)["parameters"].append({"name": "q", "in": "query", "schema": {"type": "array"}, **changes})

    return fn


def _path_style(doc: dict[str, Any]) -> None:
    op(doc)["parameters"][0]["style"] = "matrix"


def _unknown_scheme(doc: dict[str, Any]) -> None:
    op(doc)["security"] = [{"api_key": []}]


def _bad_mapping(doc: dict[str, Any]) -> None:
    doc["components"]["schemas"]["Thing"]["discriminator"] = {
        "propertyName": "type",
        "mapping": {"x": "#/components/schemas/Nowhere"},
    }


def _template_mismatch(doc: dict[str, Any]) -> None:
    op(doc)["parameters"][0]["name"] = "thing_id"


BILLION_LAUGHS = """openapi: 3.1.0
info: {title: t, version: '1'}
paths: {}
x-a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
x-b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
x-c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
x-d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
x-e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
x-f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
x-g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
x-h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
x-i: [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


def _yaml_code(marker_name: str, tag: str) -> Callable[[Path], Any]:
    def make(tmp: Path) -> Path:
        marker = tmp / marker_name
        path = tmp / "evil.yaml"
        path.write_text(
            f"openapi: 3.1.0\ninfo: {{title: t, version: '1'}}\npaths: {{}}\nx-evil: {tag} [\"touch {marker}\"]\n",
            encoding="utf-8",
        )
        return path

    return make


CASES = [
    Case("broken-json", text_file("a.json", '{"openapi": "3.1.0", "paths": {'), "invalid JSON"),
    Case("broken-yaml", text_file("a.yaml", "openapi: 3.1.0\npaths:\n  /a: [\n    b: c\n"), "invalid or unsafe YAML"),
    Case("yaml-python-object-apply", _yaml_code("pwned1", "!!python/object/apply:os.system"), "python/object/apply"),
    Case("yaml-python-object-new", _yaml_code("pwned2", "!!python/object/new:subprocess.Popen"), "python/object/new"),
    Case("yaml-python-name", text_file("a.yaml", "openapi: 3.1.0\nx: !!python/name:os.system ''\n"), "python/name"),
    Case("yaml-billion-laughs", text_file("a.yaml", BILLION_LAUGHS), "YAML alias *a"),
    Case(
        "yaml-binary",
        text_file("a.yaml", "openapi: 3.1.0\ninfo: {title: t}\nx: !!binary aGVsbG8=\n"),
        "cannot appear",
        "/x",
    ),
    Case("not-openapi-3", mutated(lambda d: d.update(openapi="2.0")), "not an OpenAPI 3.x document", "/openapi"),
    Case("top-level-list", text_file("a.json", "[1, 2, 3]"), "must be an object, not list"),
    Case("paths-not-object", mutated(lambda d: d.update(paths=[1])), "paths must be an object", "/paths"),
    Case(
        "ref-to-nowhere",
        mutated(
            lambda d: op(d)["responses"]["200"]["content"]["application/json"]["schema"].update(
                {"$ref": "#/components/schemas/Nope"}
            )
        ),
        "$ref to nowhere: #/components/schemas/Nope",
        "/paths/~1things~1{id}/get/responses/200/content/application~1json/schema",
    ),
    Case("alias-cycle-a-b-a", mutated(_alias_cycle), "$ref cycle with no schema between"),
    Case("alias-cycle-self", mutated(_self_alias), "$ref cycle with no schema between"),
    Case("alias-chain-20000-to-nowhere", mutated(_long_chain), "$ref to nowhere: #/components/schemas/S20000"),
    Case(
        "remote-ref-url",
        mutated(lambda d: d["components"]["schemas"].update(X={"$ref": "http://127.0.0.1:9/evil.json#/X"})),
        "remote $ref",
        "/components/schemas/X",
    ),
    Case(
        "remote-ref-file",
        mutated(lambda d: d["components"]["schemas"].update(X={"$ref": "../../etc/passwd#/X"})),
        "remote $ref",
        "/components/schemas/X",
    ),
    Case(
        "remote-ref-allowed-but-unsupported",
        mutated(lambda d: d["components"]["schemas"].update(X={"$ref": "other.json#/X"})),
        "not supported yet",
        "/components/schemas/X",
        {"allow_remote_refs": True},
    ),
    Case(
        "non-string-ref",
        mutated(lambda d: d["components"]["schemas"].update(X={"$ref": 5})),
        "$ref must be a string",
        "/components/schemas/X/$ref",
    ),
    Case(
        "duplicate-operation-id",
        mutated(_dup_ids),
        "duplicate operation name 'things_get'",
        "/paths/~1other/get/operationId",
    ),
    Case("colliding-operation-ids", mutated(_colliding_ids), "duplicate operation name 'things_get'"),
    Case(
        "keyword-operation-id",
        mutated(lambda d: op(d).update(operationId="things:class")),
        "cannot be a Python name",
        "/paths/~1things~1{id}/get/operationId",
    ),
    Case(
        "file-over-size-limit",
        text_file("big.json", json.dumps(base()) + " " * 5000),
        "exceeds the size limit of 4096",
        None,
        {"max_bytes": 4096},
    ),
    Case(
        "mapping-over-size-limit",
        mutated(lambda d: d["info"].update(description="x" * 5000)),
        "exceeds the size limit of 4096",
        None,
        {"max_bytes": 4096},
    ),
    Case("nested-deeper-than-limit", mutated(_deep), "nests deeper than the limit of 64"),
    Case("nested-past-the-parser", text_file("deep.json", "[" * 200_000 + "]" * 200_000), "nests too deeply"),
    Case(
        "unsupported-path-style",
        mutated(_path_style),
        "style 'matrix' is not supported in path",
        "/paths/~1things~1{id}/get/parameters/0/style",
    ),
    Case(
        "unsupported-query-style",
        mutated(_param(style="pipeDelimited")),
        "style 'pipeDelimited' is not supported",
        "/paths/~1things~1{id}/get/parameters/1/style",
    ),
    Case(
        "form-without-explode",
        mutated(_param(explode=False)),
        "comma-joined) is not supported",
        "/paths/~1things~1{id}/get/parameters/1/explode",
    ),
    Case("unsupported-location", mutated(_param(**{"in": "body"})), "unsupported location 'body'"),
    Case(
        "unknown-security-scheme",
        mutated(_unknown_scheme),
        "scheme 'api_key'",
        "/paths/~1things~1{id}/get/security/0/api_key",
    ),
    Case(
        "discriminator-to-nowhere",
        mutated(_bad_mapping),
        "$ref to nowhere",
        "/components/schemas/Thing/discriminator/mapping/x",
    ),
    Case("path-template-mismatch", mutated(_template_mismatch), "path '/things/{id}' and its parameters disagree"),
    Case(
        "operation-not-object",
        mutated(lambda d: d["paths"]["/things/{id}"].update(get="nope")),
        "operation must be an object",
        "/paths/~1things~1{id}/get",
    ),
    Case(
        "tags-not-list",
        mutated(lambda d: op(d).update(tags=5)),
        "tags must be a list",
        "/paths/~1things~1{id}/get/tags",
    ),
    Case("info-not-object", mutated(lambda d: d.update(info="x")), "info must be an object", "/info"),
    Case("not-json-values", lambda _tmp: {**base(), "x": {1, 2}}, "not a JSON document"),
    # schemas are checked against JSON Schema 2020-12 at load (issue 10, item 13)
    Case(
        "schema-type-typo",
        mutated(lambda d: d["components"]["schemas"]["Thing"].update(type="strnig")),
        "invalid schema",
        "/components/schemas/Thing/type",
    ),
    Case(
        "schema-pattern-not-a-regex",
        mutated(lambda d: d["components"]["schemas"]["Thing"]["properties"]["id"].update(pattern="(")),
        "is not an ECMA-262 regular expression",
        "/components/schemas/Thing/properties/id/pattern",
    ),
    Case(
        "schema-min-length-negative",
        mutated(lambda d: d["components"]["schemas"]["Thing"]["properties"]["id"].update(minLength=-1)),
        "invalid schema",
        "/components/schemas/Thing/properties/id/minLength",
    ),
    Case(
        "schema-required-not-a-list",
        mutated(lambda d: d["components"]["schemas"]["Thing"].update(required="id")),
        "invalid schema",
        "/components/schemas/Thing/required",
    ),
    Case(
        "schema-dynamic-ref",
        mutated(lambda d: d["components"]["schemas"]["Thing"].update({"$dynamicRef": "#meta"})),
        "$dynamicRef is not supported",
        "/components/schemas/Thing/$dynamicRef",
    ),
    Case(
        "schema-cycle-in-place",
        mutated(lambda d: d["components"]["schemas"]["Thing"].update(allOf=[{"$ref": "#/components/schemas/Thing"}])),
        "in place without end",
        "/components/schemas/Thing",
    ),
    Case("dev-zero", lambda _tmp: Path("/dev/zero"), "exceeds the size limit of 4096", None, {"max_bytes": 4096}),
]


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Any attempt to open a socket is recorded and refused."""
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise OSError("network use in a hostile-spec test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield attempts
    assert attempts == [], "a spec load tried to use the network"


@pytest.fixture
def deadline() -> Iterator[None]:
    """Fail (instead of hanging) if one load takes more than 20 s."""

    def expire(*_: Any) -> None:
        raise AssertionError("spec load did not finish in 20 s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(20)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_spec_fails_at_load(case: Case, tmp_path: Path, deadline: None) -> None:
    source = case.make(tmp_path)
    with pytest.raises(SpecError) as info:
        load_spec(source, **case.kwargs)
    err = info.value
    assert case.message in err.reason, err
    if case.pointer is not None:
        assert err.pointer == case.pointer, err
    # a pointer is named when there is one; a whole-document problem has no "(at /)" tail
    assert (f"(at {err.pointer})" in str(err)) if err.pointer else ("(at " not in str(err))
    assert err.__traceback__ is not None
    # the same document also fails through the Client constructor (not a traceback from deep inside)
    if not case.kwargs:
        with pytest.raises(SpecError):
            Client(case.make(tmp_path), access_token="t")
    assert not any(p.name.startswith("pwned") for p in tmp_path.iterdir()), "a YAML tag executed code"


def test_the_case_list_is_at_least_twenty_distinct_problems() -> None:
    assert len({c.id for c in CASES}) == len(CASES) >= 20


def test_a_valid_base_document_loads() -> None:
    spec = load_spec(base())
    assert spec.names == ("things_get",)


def test_recursive_schemas_stay_legal(deadline: None) -> None:
    """Polar's `Filter` refers to itself through `clauses`: a recursive schema, not an alias cycle."""
    spec = load_spec(POLAR_CURRENT, tags=["meters"])
    assert "meters_quantities" in spec
    filt = spec.document["components"]["schemas"]["Filter"]
    assert {"$ref": "#/components/schemas/Filter"} in filt["properties"]["clauses"]["items"]["anyOf"]
    doc = base()
    doc["components"]["schemas"]["Thing"]["properties"]["child"] = {"$ref": "#/components/schemas/Thing"}
    assert load_spec(doc).names == ("things_get",)


def test_yaml_with_integer_status_codes_and_dates_loads(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(
        """openapi: 3.1.0
info: {title: t, version: 2026-10-01}
paths:
  /ping:
    get:
      operationId: ping
      responses:
        200:
          description: ok
          content:
            application/json:
              schema: {type: string, example: 2026-01-01}
""",
        encoding="utf-8",
    )
    spec = load_spec(path)
    assert spec.version == "2026-10-01"
    assert spec["ping"].responses[0].status == "200"
    assert len(spec.fingerprint) == 64


def test_copy_of_a_mapping_is_private() -> None:
    doc = base()
    spec = load_spec(doc)
    doc["paths"].clear()
    assert spec.names == ("things_get",)
    assert spec.fingerprint == load_spec(copy.deepcopy(base())).fingerprint


def test_url_is_fetched_only_when_passed_explicitly(monkeypatch: pytest.MonkeyPatch) -> None:
    """A URL passed by the caller is fetched with httpx (from a local server); sockets work again here."""
    monkeypatch.undo()  # lift the no_network guard for this test: it serves on 127.0.0.1
    body = json.dumps(base()).encode()
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            hits.append(self.path)
            if self.path != "/spec.json":
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        spec = load_spec(f"{url}/spec.json")
        assert spec.names == ("things_get",) and spec.origin == f"{url}/spec.json"
        assert spec.fingerprint == load_spec(base()).fingerprint
        with pytest.raises(SpecError, match="cannot fetch spec"):
            load_spec(f"{url}/missing.json")
        with pytest.raises(SpecError, match="size limit"):
            load_spec(f"{url}/spec.json", max_bytes=100)
        assert hits == ["/spec.json", "/missing.json", "/spec.json"]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
