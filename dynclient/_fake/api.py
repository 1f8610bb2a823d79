"""``FakeAPI``: the spec's API, in process, with state (see docs/testing.md)."""

from __future__ import annotations

import copy
import csv
import functools
import io
import math
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, cast
from urllib.parse import urlsplit

import httpx

from .._client import DEFAULT_VERSION_HEADER
from .._errors import ConfigurationError, redact_headers
from .._ir import ApiSpec, Operation, Response
from .._operation import runtime_for
from .._schema.media import is_json
from .._serialize import scalar
from .._spec import SpecSource, load_spec
from .decode import Decoded, OperationDecoder, Router
from .generate import Clock, Generator
from .infer import Binding, ListPlan, Model, Resource, infer, json_schema, success
from .records import Records
from .respond import FakeError, Responder, reason
from .store import Store, Table

if TYPE_CHECKING:
    # the typed clients of the package's stubs (dynclient/__init__.pyi), not the untyped runtime
    # classes: a user's type checker then knows every operation of what client() returns
    import dynclient
    from dynclient import AsyncClient, Client

    from .server import FakeServer

__all__ = ["FAKE_BASE_URL", "FAKE_TOKEN", "Call", "FakeAPI", "Source"]

#: the base URL of clients made by ``FakeAPI.client()``: a reserved name that never resolves
FAKE_BASE_URL = "http://fake.dynclient.invalid"
#: the token those clients send (so that a real token in the environment is never picked up)
FAKE_TOKEN = "fake-token"
#: ``query``-like parameters read as free-text search when they name no property
DEFAULT_SEARCH_PARAMS = ("query", "q", "search")
#: properties set to the clock's time on every update, when the resource has them
DEFAULT_TOUCH_FIELDS = ("modified_at", "updated_at", "modifiedAt", "updatedAt")
_DATED = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")

Source = Literal["fake", "injected", "protocol"]


@dataclass(frozen=True)
class Call:
    """One request the fake answered.

    ``operation`` is the operation name (``None`` when no route matched); ``arguments`` the
    call as a dynclient caller writes it (path, query and header parameters decoded per
    their style, ``body``); ``source`` says where the answer came from: ``"fake"`` (the
    spec-driven behaviour, validated against the spec), ``"injected"`` (``inject()``) or
    ``"protocol"`` (an answer the spec cannot declare: unknown route, method not allowed,
    refused API version, an undeclared 404/422). ``request`` is a copy with credentials
    redacted; ``response`` the answer as sent.
    """

    operation: str | None
    arguments: dict[str, Any]
    status: int
    source: Source
    method: str = field(repr=False)
    url: str = field(repr=False)
    _sent: tuple[dict[str, str], bytes] = field(repr=False, compare=False)
    _answered: tuple[list[tuple[str, str]], bytes] = field(repr=False, compare=False)

    @functools.cached_property
    def request(self) -> httpx.Request:
        """The request as received, credentials redacted (built on first access)."""
        headers, content = self._sent
        return httpx.Request(self.method, self.url, headers=headers, content=content)

    @functools.cached_property
    def response(self) -> httpx.Response:
        """The answer as sent (built on first access)."""
        headers, content = self._answered
        return httpx.Response(self.status, headers=headers, content=content, request=self.request)

    @property
    def body(self) -> Any:
        """The answer's body: parsed JSON, text, or ``None`` when empty."""
        if not self.response.content:
            return None
        if is_json(self.response.headers.get("content-type")):
            import json

            return json.loads(self.response.content)
        return self.response.text


@dataclass
class _Injection:
    status: int | None
    times: int
    headers: dict[str, str]
    body: Any
    delay: float


class FakeAPI:
    """A stateful fake of a spec's API: every operation, its behaviour inferred from the spec.

    ``spec``: like ``Client`` (``None`` for the bundled spec). ``seed`` and ``clock`` make
    generated values deterministic (``clock`` returns a ``datetime``; default: a logical clock
    from 2026-01-01T00:00:00Z, one second per request). ``unique_fields``: more unique
    properties (``"email"`` or ``"<resource>.email"``), beyond the key, alternate keys and
    properties whose description says they must be unique (``infer_unique=False`` turns that
    reading off). ``api_versions``: the versions accepted in ``version_header``; the first
    is answered when none is sent (default: the spec's dated ``info.version``; ``()``: no
    version handling). ``search_params``: query parameters read as free-text search.
    ``touch_fields``: properties set to the time of each update.
    """

    def __init__(
        self,
        spec: SpecSource | None = None,
        *,
        seed: int | str = 0,
        unique_fields: Iterable[str] = (),
        clock: Clock | None = None,
        api_versions: Sequence[str] | None = None,
        version_header: str = DEFAULT_VERSION_HEADER,
        search_params: Iterable[str] = DEFAULT_SEARCH_PARAMS,
        touch_fields: Iterable[str] = DEFAULT_TOUCH_FIELDS,
        infer_unique: bool = True,
    ) -> None:
        self.spec: ApiSpec = load_spec(spec)
        self.seed = seed
        runtime = runtime_for(self.spec)
        self._engine = runtime.engine
        doc = self.spec.document
        self._model: Model = infer(
            self.spec, unique_fields=unique_fields, infer_unique=infer_unique, search_params=search_params
        )
        if api_versions is None:
            api_versions = (self.spec.version,) if _DATED.match(self.spec.version) else ()
        elif isinstance(api_versions, str):
            api_versions = (api_versions,)
        self.api_versions: tuple[str, ...] = tuple(api_versions)
        self.version_header = version_header
        self._gen = Generator(doc, seed=seed, clock=clock)
        self._records = Records(doc, self._gen, self._accepts, tuple(touch_fields))
        self._respond = Responder(self._engine)
        prefix = urlsplit(self.spec.servers[0].url).path.rstrip("/") if self.spec.servers else ""
        #: the path of the spec's first server (``""`` for ``https://api.example.com``): routes are below it
        self.base_path = prefix
        self.base_url = FAKE_BASE_URL + prefix
        self._router = Router(self.spec, prefix)
        self._decoders: dict[str, OperationDecoder] = {}
        self._store = Store()
        for res in self._model.resources.values():
            self._store.add(res.name, res.key, res.unique)
        self._injections: dict[str, list[_Injection]] = {}
        self._lock = threading.RLock()
        self.calls: list[Call] = []

    # -- what was inferred ------------------------------------------------------------------
    @property
    def resources(self) -> Mapping[str, Resource]:
        """The inferred resources by name (the collection path's last segment, e.g. ``customers``)."""
        return self._model.resources

    def binding(self, operation: str) -> Binding:
        """How ``operation`` is served (its role: create, list, get, update, delete, view, export, generic)."""
        return self._model.bindings[self._op(operation).name]

    def describe(self) -> str:
        """One line per resource and the operations serving it: what the fake inferred."""
        lines = [f"{self.spec.title} {self.spec.version}: {len(self.spec.operations)} operations"]
        for res in self._model.resources.values():
            bound = [self._model.bindings[n] for n in res.operations]
            roles = ", ".join(f"{b.role} {b.op.name}" for b in bound if b.role != "generic")
            keys = ", ".join([k for k in [res.key, *res.alternate_keys] if k])
            lines.append(
                f"  {res.name} ({res.path}; key {keys or '-'}; unique {', '.join(res.unique) or '-'}): {roles}"
            )
            below = sum(b.role == "generic" for b in bound)
            if below:
                lines.append(f"    + {below} operation(s) below its records: generated answers, 404 without the record")
        generic = [b for b in self._model.bindings.values() if b.role == "generic" and b.resource is None]
        lines.append(f"  generated answers (no state): {len(generic)} other operation(s)")
        return "\n".join(lines)

    # -- wiring -----------------------------------------------------------------------------
    def transport(self) -> httpx.BaseTransport:
        """An httpx transport answering from this fake (``httpx.Client(transport=...)``)."""
        return _Transport(self)

    def async_transport(self) -> httpx.AsyncBaseTransport:
        """The same for ``httpx.AsyncClient``."""
        return _AsyncTransport(self)

    def client(self, **options: Any) -> Client:
        """A ``dynclient.Client`` for this fake's spec, wired to it (``options`` as for ``Client``)."""
        from .. import _client

        self._no_http_client(options)
        options.setdefault("access_token", FAKE_TOKEN)
        options.setdefault("base_url", self.base_url)
        made = _client.Client(self.spec, http_client=httpx.Client(transport=self.transport()), **options)
        made._owns_http = True  # the httpx client was made here: closing the client closes it
        return cast("dynclient.Client", made)

    def async_client(self, **options: Any) -> AsyncClient:
        """A ``dynclient.AsyncClient`` for this fake's spec, wired to it."""
        from .. import _client

        self._no_http_client(options)
        options.setdefault("access_token", FAKE_TOKEN)
        options.setdefault("base_url", self.base_url)
        http = httpx.AsyncClient(transport=self.async_transport())
        made = _client.AsyncClient(self.spec, http_client=http, **options)
        made._owns_http = True
        return cast("dynclient.AsyncClient", made)

    @staticmethod
    def _no_http_client(options: Mapping[str, Any]) -> None:
        if "http_client" in options:
            raise ConfigurationError(
                "client() makes its own httpx client; for your own, use transport()/async_transport() "
                "(httpx.Client(transport=fake.transport())) and pass it to dynclient.Client"
            )

    def serve(self, port: int = 0, *, log: Callable[[str], None] | None = None) -> FakeServer:
        """This fake over real HTTP on 127.0.0.1 (started; ``port=0`` picks a free port).
        Use as a context manager, or call ``stop()``."""
        from .server import FakeServer

        return FakeServer(self, port=port, log=log).start()

    # -- state --------------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget every record, call and injection; restart the seeded generator and the clock."""
        with self._lock:
            self._store.clear()
            self.calls.clear()
            self._injections.clear()
            self._gen.reset()

    def seed_resource(self, resource: str, fields: Mapping[str, Any] | None = None, /, **more: Any) -> dict[str, Any]:
        """Put one record in place and return it as the API shows it.

        ``fields`` (and keyword arguments) are the record's properties as the resource schema
        names them, server-set ones included (``id``, ``created_at``, ``email_verified``);
        missing required ones are generated. Properties only a view shows (the arrays of a
        state view, say) may be given too. The result must be valid against the spec
        (``ConfigurationError`` naming each problem otherwise), and unique properties unique.
        """
        res = self._resource(resource)
        data = {**(fields or {}), **more}
        with self._lock:
            self._gen.tick()
            table = self._store[res.name]
            record = self._records.build(res, data, seeded=True)
            self._fresh_key(res, table, record, given=data)
            view = self._records.project(res.tag, res.variants, record)
            problems = self._engine.for_pointer(res.schema.pointer).errors(view, res.name)
            for b in self._model.bindings.values():
                if b.role == "view" and b.resource is res and b.view is not None:
                    schema = json_schema(b.op)
                    if schema is not None:
                        shown = self._records.project(b.view[0], b.view[1], record)
                        problems += self._engine.for_pointer(schema.pointer).errors(shown, b.op.name)
            if problems:
                lines = "\n".join(f"  - {p}" for p in problems[:20])
                raise ConfigurationError(f"seeded {res.name} record does not match the spec:\n{lines}")
            clash = table.conflict(record)
            if clash is not None:
                raise ConfigurationError(f"seeded {res.name} record: {clash}={record[clash]!r} is already taken")
            table.insert(record)
            return copy.deepcopy(view)

    def records(self, resource: str) -> list[dict[str, Any]]:
        """The records of ``resource`` as the API shows them, in insertion order."""
        res = self._resource(resource)
        with self._lock:
            return [copy.deepcopy(self._records.project(res.tag, res.variants, r)) for r in self._store[res.name]]

    def inject(
        self,
        operation: str,
        *,
        status: int | None,
        times: int = 1,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
        delay: float = 0.0,
    ) -> None:
        """Answer the next ``times`` calls of ``operation`` with ``status`` instead, after
        ``delay`` seconds (``status=None``: only the delay, then the normal answer).

        The body is ``body`` as given (JSON, or text/bytes as they are: not validated, so a
        test can send drift); by default the operation's declared schema for ``status``
        generated (``detail`` as the reason phrase), else ``{"detail": <reason>}`` for an
        error status. An injected answer changes no state. Injections queue per operation.
        """
        op = self._op(operation)
        if status is not None and not 100 <= status <= 599:
            raise ConfigurationError(f"status must be an HTTP status (100-599), not {status!r}")
        if times < 1 or delay < 0:
            raise ConfigurationError("times must be >= 1 and delay >= 0")
        with self._lock:
            self._injections.setdefault(op.name, []).append(
                _Injection(status, times, dict(headers or {}), copy.deepcopy(body), float(delay))
            )

    # -- serving ------------------------------------------------------------------------------
    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one request (synchronously, sleeping for an injected delay)."""
        request.read()
        response, delay = self._dispatch(request)
        if delay:
            time.sleep(delay)
        return response

    def _dispatch(self, request: httpx.Request) -> tuple[httpx.Response, float]:
        try:
            return self._dispatch_locked(request)
        except FakeError:
            raise
        except Exception as exc:  # a bug in the fake: named as such, never a raw library error
            raise FakeError(
                f"the fake failed on {request.method} {request.url.raw_path.decode('ascii', 'replace')}: "
                f"{type(exc).__name__}: {exc} (a bug in the fake, not in the code under test)"
            ) from exc

    def _dispatch_locked(self, request: httpx.Request) -> tuple[httpx.Response, float]:
        with self._lock:
            self._gen.tick()
            raw_path = request.url.raw_path.split(b"?", 1)[0].decode("ascii", "replace")
            op, found = self._router.match(request.method, raw_path)
            sent = request.headers.get(self.version_header)
            echo: dict[str, str] = {}
            if self.api_versions:
                if sent is None:
                    echo = {self.version_header: self.api_versions[0]}
                elif sent in self.api_versions:
                    echo = {self.version_header: sent}
                else:  # the live server: an unsupported version is a 404 without the echo
                    refused = self._respond.json(None, 404, {"detail": "Not Found"}, {})
                    return self._record(None if op is None else op.name, {}, "protocol", request, refused), 0.0
            moved = None if op is not None or found else self._router.redirect(request.method, raw_path)
            if moved is not None:
                query = request.url.query.decode("ascii", "replace")
                where = {**echo, "location": moved + (f"?{query}" if query else "")}
                answer = httpx.Response(307, headers=where)
                return self._record(None, {}, "protocol", request, answer), 0.0
            if op is None:
                status = 405 if found else 404
                headers = {**echo, **({"allow": ", ".join(found)} if found else {})}
                answer = self._respond.json(None, status, {"detail": reason(status).title()}, headers)
                return self._record(None, {}, "protocol", request, answer), 0.0
            assert isinstance(found, dict)
            decoded = self._decoder(op).decode(found, request)
            delay = 0.0
            queue = self._injections.get(op.name)
            if queue:
                injection = queue[0]
                injection.times -= 1
                if injection.times <= 0:
                    queue.pop(0)
                delay = injection.delay
                if injection.status is not None:
                    answer = self._injected(op, injection, echo)
                    return self._record(op.name, decoded.arguments, "injected", request, answer), delay
            answer, source = self._answer(op, decoded, echo)
            return self._record(op.name, decoded.arguments, source, request, answer), delay

    def _record(
        self,
        operation: str | None,
        arguments: dict[str, Any],
        source: Source,
        request: httpx.Request,
        answer: httpx.Response,
    ) -> httpx.Response:
        sent = (redact_headers(request.headers), request.content)
        answered = (answer.headers.multi_items(), answer.content)
        call = Call(operation, arguments, answer.status_code, source, request.method, str(request.url), sent, answered)
        self.calls.append(call)
        return answer

    def _answer(self, op: Operation, decoded: Decoded, echo: dict[str, str]) -> tuple[httpx.Response, Source]:
        if decoded.errors:
            return self._unprocessable(op, decoded.errors, echo)
        b = self._model.bindings[op.name]
        args = decoded.arguments
        res = b.resource
        if b.role == "create" and res is not None:
            return self._create(b, res, args, echo)
        if b.role == "list" and res is not None and b.plan is not None:
            rows = self._query(res, b.plan, args)
            return self._respond.json(op, b.status, self._page(b, res, rows, args), echo), "fake"
        if b.role == "export" and res is not None and b.plan is not None:
            return self._respond.text(op, b.status, self._csv(res, self._query(res, b.plan, args)), echo), "fake"
        found: tuple[int, dict[str, Any]] | None = None
        if res is not None and b.key is not None:
            found = self._store[res.name].find(b.key.property, args.get(b.key.param))
            if found is None:
                return self._not_found(op, echo)
        if found is not None and res is not None:
            row, record = found
            if b.role == "get":
                return self._respond.json(op, b.status, self._show(res, record), echo), "fake"
            if b.role == "view" and b.view is not None:
                return self._respond.json(op, b.status, self._records.project(*b.view, record), echo), "fake"
            if b.role == "update":
                return self._update(b, res, row, record, args, echo)
            if b.role == "delete":
                self._store[res.name].remove(row)
                if success(op) is not None and json_schema(op) is not None:
                    return self._respond.json(op, b.status, self._show(res, record), echo), "fake"
                return self._respond.empty(op, b.status, echo), "fake"
        return self._generated(b, echo)

    # -- roles --------------------------------------------------------------------------------
    def _show(self, res: Resource, record: dict[str, Any]) -> dict[str, Any]:
        return self._records.project(res.tag, res.variants, record)

    def _create(
        self, b: Binding, res: Resource, args: Mapping[str, Any], echo: dict[str, str]
    ) -> tuple[httpx.Response, Source]:
        body = args.get("body")
        data = body if isinstance(body, Mapping) else {}
        if b.op.request_body is not None and b.op.request_body.schema is not None:
            data = self._records.with_defaults(b.op.request_body.schema, data)
        table = self._store[res.name]
        record = self._records.build(res, data)
        self._fresh_key(res, table, record, given=data)
        clash = table.conflict(record)
        if clash is not None:
            return self._duplicate(b.op, clash, record[clash], echo)
        table.insert(record)
        return self._respond.json(b.op, b.status, self._show(res, record), echo), "fake"

    def _update(
        self,
        b: Binding,
        res: Resource,
        row: int,
        record: dict[str, Any],
        args: Mapping[str, Any],
        echo: dict[str, str],
    ) -> tuple[httpx.Response, Source]:
        body = args.get("body")
        table = self._store[res.name]
        new = self._records.update(res, record, body if isinstance(body, Mapping) else {})
        clash = table.conflict(new, ignore=row)
        if clash is not None:
            return self._duplicate(b.op, clash, new[clash], echo)
        table.replace(row, new)
        return self._respond.json(b.op, b.status, self._show(res, new), echo), "fake"

    def _query(self, res: Resource, plan: ListPlan, args: Mapping[str, Any]) -> list[dict[str, Any]]:
        rows = list(self._store[res.name])
        for param, prop in plan.filters:
            wanted = args.get(param)
            if wanted is not None:
                rows = [r for r in rows if _matches(r.get(prop), wanted)]
        for param, fields in plan.search:
            text = args.get(param)
            if isinstance(text, str) and text and fields:
                needle = text.casefold()
                rows = [r for r in rows if any(needle in str(r.get(f) or "").casefold() for f in fields)]
        keys = args.get(plan.sort) if plan.sort is not None else None
        if keys is None:
            keys = list(plan.sort_default)
        for key in reversed(keys if isinstance(keys, list) else [keys]):
            prop = str(key).lstrip("-")
            rows.sort(key=lambda r, p=prop: _sort_key(r.get(p)), reverse=str(key).startswith("-"))  # type: ignore[misc]
        return rows

    def _page(self, b: Binding, res: Resource | None, rows: list[dict[str, Any]], args: Mapping[str, Any]) -> Any:
        plan = b.plan or ListPlan()
        page = args.get(plan.page, plan.page_default) if plan.page else plan.page_default
        limit = args.get(plan.limit, plan.limit_default) if plan.limit else plan.limit_default
        page = page if isinstance(page, int) and page > 0 else 1
        limit = limit if isinstance(limit, int) and limit > 0 else plan.limit_default
        chosen = rows[(page - 1) * limit : page * limit]
        items = [self._show(res, r) for r in chosen] if res is not None else []
        schema = json_schema(b.op)
        body = self._gen.value(schema.raw if schema is not None else {})
        if not isinstance(body, dict):
            return body
        _put(body, plan.results, items)
        if plan.num_pages:
            _put(body, plan.num_pages, math.ceil(len(rows) / limit))
            holder = _get(body, plan.num_pages[:-1])
            if isinstance(holder, dict):
                for name, value in holder.items():
                    if name != plan.num_pages[-1] and isinstance(value, int) and not isinstance(value, bool):
                        holder[name] = len(rows)
        return body

    def _csv(self, res: Resource, rows: list[dict[str, Any]]) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(res.columns)
        for record in rows:
            shown = self._show(res, record)
            writer.writerow(["" if shown.get(c) is None else scalar(shown.get(c)) for c in res.columns])
        return out.getvalue()

    def _generated(self, b: Binding, echo: dict[str, str]) -> tuple[httpx.Response, Source]:
        op = b.op
        declared = success(op)
        if declared is None:
            return self._respond.json(None, 200, {}, echo), "protocol"
        if op.pagination is not None and json_schema(op) is not None:
            return self._respond.json(op, b.status, self._page(b, None, [], {}), echo), "fake"
        return self._generated_for(op, declared, b.status, echo), "fake"

    def _generated_for(self, op: Operation, declared: Response, status: int, headers: dict[str, str]) -> httpx.Response:
        """A generated body for a declared response (a few variants tried until one is valid)."""
        if declared.schema is None:
            return self._respond.empty(op, status, headers)
        if declared.media_type is not None and not is_json(declared.media_type):
            text = self._gen.value(declared.schema.raw)
            return self._respond.text(op, status, text if isinstance(text, str) else "", headers)
        validator = self._respond.validator(declared)
        value: Any = None
        for attempt in range(8):
            value = self._gen.value(declared.schema.raw, variant=attempt)
            if validator is None or validator.is_valid(value):
                break
        return self._respond.json(op, status, value, headers)

    # -- errors -------------------------------------------------------------------------------
    def _error_body(self, op: Operation, status: int) -> tuple[Any, bool]:
        declared = op.response_for(status)
        if declared is not None and declared.schema is not None and declared.is_error:
            return self._gen.value(declared.schema.raw, text=reason(status)), True
        return {"detail": reason(status)}, False

    def _not_found(self, op: Operation, echo: dict[str, str]) -> tuple[httpx.Response, Source]:
        body, declared = self._error_body(op, 404)
        return self._respond.json(op, 404, body, echo, check=declared), "fake" if declared else "protocol"

    def _unprocessable(
        self, op: Operation, detail: list[dict[str, Any]], echo: dict[str, str]
    ) -> tuple[httpx.Response, Source]:
        body = {"error": "RequestValidationError", "detail": detail}
        declared = op.response_for(422)
        ok = declared is not None and declared.schema is not None
        return self._respond.json(op, 422, body, echo, check=ok), "fake" if ok else "protocol"

    def _duplicate(self, op: Operation, prop: str, value: Any, echo: dict[str, str]) -> tuple[httpx.Response, Source]:
        words = prop.replace("_", " ")
        entry = {
            "type": "value_error",
            "loc": ["body", prop],
            "msg": f"A record with this {words} already exists.",
            "input": value,
        }
        return self._unprocessable(op, [entry], echo)

    def _injected(self, op: Operation, injection: _Injection, echo: dict[str, str]) -> httpx.Response:
        status = injection.status
        assert status is not None
        headers = {**echo, **injection.headers}
        if injection.body is not None:
            if isinstance(injection.body, (bytes, str)):
                return httpx.Response(status, headers=headers, content=injection.body)
            return self._respond.json(None, status, injection.body, headers)
        declared = op.response_for(status)
        if declared is not None and declared.schema is None:
            return httpx.Response(status, headers=headers)
        if status < 400 and declared is not None:
            return self._generated_for(op, declared, status, headers)
        body, ok = self._error_body(op, status)
        return self._respond.json(op, status, body, headers, check=ok)

    # -- helpers ------------------------------------------------------------------------------
    def _accepts(self, pointer: str, value: Any) -> bool:
        return self._engine.for_pointer(pointer).is_valid(value)

    def _decoder(self, op: Operation) -> OperationDecoder:
        hit = self._decoders.get(op.name)
        if hit is None:
            hit = self._decoders.setdefault(op.name, OperationDecoder(self.spec, op, self._engine))
        return hit

    def _op(self, operation: str) -> Operation:
        if operation not in self.spec:
            import difflib

            hint = difflib.get_close_matches(operation, self.spec.names, n=1)
            raise ConfigurationError(
                f"unknown operation {operation!r}" + (f"; did you mean {hint[0]!r}?" if hint else "")
            )
        return self.spec[operation]

    def _resource(self, name: str) -> Resource:
        for res in self._model.resources.values():
            if name in (res.name, res.path, res.path.rstrip("/")):
                return res
        known = ", ".join(self._model.resources) or "none"
        raise ConfigurationError(f"unknown resource {name!r}; this spec's resources: {known}")

    def _fresh_key(self, res: Resource, table: Table, record: dict[str, Any], given: Mapping[str, Any]) -> None:
        """A generated value of a unique property (a key or a slug that is not a UUID) gets a
        suffix until no other record has it; values the caller gave are left to the check."""
        for prop in res.unique:
            value = record.get(prop)
            if prop in given or not isinstance(value, str):
                continue
            n = 2
            while table.find(prop, record[prop]) is not None:
                record[prop] = f"{value}-{n}"
                n += 1

    def __repr__(self) -> str:
        return (
            f"FakeAPI(spec={self.spec.title!r} {self.spec.version!r}, resources={list(self._model.resources)}, "
            f"calls={len(self.calls)})"
        )


def _matches(actual: Any, wanted: Any) -> bool:
    """A filter value against a stored one: lists mean any of, objects match key by key."""
    if wanted is None:
        return True
    if isinstance(wanted, Mapping):
        return isinstance(actual, Mapping) and all(_matches(actual.get(k), v) for k, v in wanted.items())
    if isinstance(wanted, list):
        return any(_matches(actual, w) for w in wanted)
    if actual == wanted and type(actual) is type(wanted):
        return True
    if isinstance(actual, (dict, list)) or actual is None:
        return False
    return scalar(actual) == scalar(wanted)


def _sort_key(value: Any) -> tuple[int, int, Any]:
    """Nulls last ascending (first descending); numbers, then text, then anything else."""
    if value is None:
        return (1, 0, 0)
    if isinstance(value, (int, float)):
        return (0, 0, value)
    if isinstance(value, str):
        return (0, 1, value)
    return (0, 2, repr(value))


def _put(body: dict[str, Any], path: Sequence[str], value: Any) -> None:
    target: Any = body
    for part in path[:-1]:
        if not isinstance(target, dict):
            return
        target = target.setdefault(part, {})
    if isinstance(target, dict) and path:
        target[path[-1]] = value


def _get(body: Any, path: Sequence[str]) -> Any:
    for part in path:
        if not isinstance(body, dict):
            return None
        body = body.get(part)
    return body


class _Transport(httpx.BaseTransport):
    def __init__(self, fake: FakeAPI) -> None:
        self._fake = fake

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._fake.handle(request)


class _AsyncTransport(httpx.AsyncBaseTransport):
    def __init__(self, fake: FakeAPI) -> None:
        self._fake = fake

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        response, delay = self._fake._dispatch(request)
        if delay:
            import asyncio

            await asyncio.sleep(delay)
        return response
