"""The intermediate representation: plain frozen dataclasses built once from a spec.

The runtime client, the stub renderer, the CLI and the spec differ all read this,
so they can never disagree on a name, a parameter or a response.

Schemas stay JSON (``Mapping``) and are addressed by their JSON pointer in the
document, which is how validators are compiled and cached.

Every IR object is hashable, by its JSON pointer in the document (with its name or
status where a pointer alone could be shared by hand-built objects): consistent with the
value equality dataclasses give, and cheap, since the schemas an object holds are never
hashed. ``ApiSpec`` compares and hashes by identity. Reprs are one short line each
(``<Operation pets_get GET /v1/pets/{id}>``); the schemas stay out of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final, Literal

__all__ = [
    "NO_DEFAULT",
    "ApiSpec",
    "Operation",
    "Operations",
    "Pagination",
    "Parameter",
    "ParameterLocation",
    "RequestBody",
    "Response",
    "SchemaRef",
    "SecurityRequirement",
    "SecurityScheme",
    "Server",
    "Webhook",
]

ParameterLocation = Literal["path", "query", "header", "cookie"]


class _NoDefault:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NO_DEFAULT"

    def __bool__(self) -> bool:
        return False


#: Marks a parameter whose schema declares no default.
NO_DEFAULT: Final = _NoDefault()

#: The longest text a repr shows of one name, path or pointer (reprs stay one short line).
REPR_PART_LIMIT = 72


def _part(text: str, limit: int = REPR_PART_LIMIT) -> str:
    """``text`` for a repr: at most ``limit`` characters, a cut marked with ``...``."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True)
class SchemaRef:
    """A schema and where it lives: ``pointer`` is its JSON pointer in the document.

    ``resolved`` follows a top-level ``$ref`` chain; ``name`` is the component name
    when the schema is (or refers to) ``#/components/schemas/<name>``.
    """

    pointer: str
    raw: Mapping[str, Any]
    resolved: Mapping[str, Any]
    name: str | None = None

    @property
    def title(self) -> str | None:
        title = self.resolved.get("title")
        return title if isinstance(title, str) else self.name

    def __hash__(self) -> int:
        return hash((SchemaRef, self.pointer))

    def __repr__(self) -> str:
        if self.name is None:
            return f"<SchemaRef {_part(self.pointer, 100)}>"
        return f"<SchemaRef {_part(self.name, 40)} {_part(self.pointer, 60)}>"


@dataclass(frozen=True)
class Parameter:
    name: str
    location: ParameterLocation
    style: str
    explode: bool
    required: bool
    schema: SchemaRef
    default: Any = NO_DEFAULT
    description: str = ""
    deprecated: bool = False
    pointer: str = ""
    #: OpenAPI ``allowEmptyValue``: only then may a query parameter be sent empty (``?name=``)
    allow_empty_value: bool = False

    def __hash__(self) -> int:
        return hash((Parameter, self.pointer, self.location, self.name))

    def __repr__(self) -> str:
        return f"<Parameter {self.location} {_part(self.name)}{' required' if self.required else ''}>"


@dataclass(frozen=True)
class RequestBody:
    media_type: str
    schema: SchemaRef | None
    required: bool
    description: str = ""
    pointer: str = ""

    def __hash__(self) -> int:
        return hash((RequestBody, self.pointer, self.media_type))

    def __repr__(self) -> str:
        title = self.schema.title if self.schema is not None else None
        what = f" {_part(title)}" if title else ""
        return f"<RequestBody {_part(self.media_type)}{what}{' required' if self.required else ''}>"


@dataclass(frozen=True)
class Response:
    """One declared response. ``status`` is ``"200"``, ``"4XX"`` or ``"default"``."""

    status: str
    description: str
    media_type: str | None
    schema: SchemaRef | None
    pointer: str = ""

    @property
    def schema_title(self) -> str | None:
        return self.schema.title if self.schema is not None else None

    @property
    def is_error(self) -> bool:
        return self.status[:1] in ("4", "5")

    def __hash__(self) -> int:
        return hash((Response, self.pointer, self.status))

    def __repr__(self) -> str:
        parts = [_part(self.status), _part(self.media_type or "no content")]
        if self.schema_title:
            parts.append(_part(self.schema_title))
        return f"<Response {' '.join(parts)}>"


@dataclass(frozen=True)
class SecurityRequirement:
    """One alternative of an operation's ``security`` list: scheme name -> scopes."""

    schemes: tuple[tuple[str, tuple[str, ...]], ...]

    @property
    def scopes(self) -> tuple[str, ...]:
        return tuple(s for _, scopes in self.schemes for s in scopes)

    def __repr__(self) -> str:
        names = ", ".join(_part(name, 32) for name, _ in self.schemes[:4]) + (", ..." if len(self.schemes) > 4 else "")
        scopes = self.scopes
        shown = " ".join(_part(s, 32) for s in scopes[:4]) + (f" (+{len(scopes) - 4})" if len(scopes) > 4 else "")
        return f"<SecurityRequirement {names or '(none)'}{': ' + shown if shown else ''}>"


@dataclass(frozen=True)
class SecurityScheme:
    name: str
    type: str
    scheme: str | None = None
    bearer_format: str | None = None
    location: str | None = None  # for apiKey: header/query/cookie
    parameter_name: str | None = None  # for apiKey
    description: str = ""

    def __repr__(self) -> str:
        kind = f"{self.type} {self.scheme}" if self.scheme else self.type
        return f"<SecurityScheme {_part(self.name)} ({_part(kind, 32)})>"


@dataclass(frozen=True)
class Pagination:
    """Page/limit pagination read from ``x-polar-pagination`` / ``x-speakeasy-pagination``."""

    source: str
    page_parameter: str
    limit_parameter: str | None
    results_path: tuple[str, ...]
    num_pages_path: tuple[str, ...] | None
    item_schema: SchemaRef | None = None

    def __hash__(self) -> int:
        return hash((Pagination, self.source, self.page_parameter, self.results_path, self.item_schema))

    def __repr__(self) -> str:
        last = f", last page at $.{'.'.join(self.num_pages_path)}" if self.num_pages_path else ""
        items = _part("$." + ".".join(self.results_path), 40)
        return f"<Pagination by {_part(self.page_parameter, 32)}: items at {items}{_part(last, 50)}>"


@dataclass(frozen=True)
class Server:
    url: str
    description: str = ""
    id: str | None = None

    def matches(self, key: str) -> bool:
        """``key`` picks this server by its id, its description or its URL."""
        k = key.lower()
        return k in {
            (self.id or "").lower(),
            self.description.lower(),
            self.url.lower().rstrip("/"),
        } or (bool(self.description) and self.description.lower().split()[0] == k)

    def __repr__(self) -> str:
        label = self.id or (self.description.split()[0] if self.description.split() else "")
        return f"<Server {_part(label, 32) + ' ' if label else ''}{_part(self.url)}>"


@dataclass(frozen=True)
class Operation:
    """One callable operation. ``name`` is the operationId with non-identifier characters as ``_``."""

    name: str
    operation_id: str
    group: tuple[str, ...]
    method_name: str
    http_method: str
    path: str
    parameters: tuple[Parameter, ...]
    request_body: RequestBody | None
    responses: tuple[Response, ...]
    security: tuple[SecurityRequirement, ...]
    summary: str = ""
    description: str = ""
    deprecated: bool = False
    tags: tuple[str, ...] = ()
    pagination: Pagination | None = None
    pointer: str = ""

    def parameter(self, name: str) -> Parameter:
        for p in self.parameters:
            if p.name == name:
                return p
        raise KeyError(name)

    @property
    def success_responses(self) -> tuple[Response, ...]:
        return tuple(r for r in self.responses if r.status[:1] in ("2", "3"))

    @property
    def error_responses(self) -> tuple[Response, ...]:
        return tuple(r for r in self.responses if r.is_error)

    @property
    def scopes(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for req in self.security:
            for s in req.scopes:
                seen.setdefault(s)
        return tuple(seen)

    def __hash__(self) -> int:
        return hash((Operation, self.pointer, self.name))

    def __repr__(self) -> str:
        return f"<Operation {_part(self.name)} {self.http_method} {_part(self.path)}>"

    def response_for(self, status_code: int) -> Response | None:
        """The declared response for a status: exact code, then ``NXX``, then ``default``."""
        exact = str(status_code)
        for r in self.responses:
            if r.status == exact:
                return r
        for r in self.responses:
            if r.status.upper() == f"{exact[0]}XX":
                return r
        for r in self.responses:
            if r.status == "default":
                return r
        return None


@dataclass(frozen=True)
class Webhook:
    """One event the API sends (an entry of the document's ``webhooks``).

    ``name`` is the entry's key (``customer.state_changed``); ``event_type`` the value of the
    payload's ``type`` property that announces it (its ``const``; the name when the payload
    declares none); ``payload`` the request body's schema; ``data`` the schema of the
    payload's ``data`` property, when it declares one.
    """

    name: str
    event_type: str
    payload: SchemaRef
    data: SchemaRef | None = None
    media_type: str = "application/json"
    summary: str = ""
    description: str = ""
    pointer: str = ""

    def __hash__(self) -> int:
        return hash((Webhook, self.pointer, self.name))

    def __repr__(self) -> str:
        return f"<Webhook {_part(self.name)}>"


class Operations(Mapping[str, Operation]):
    """A client's ``operations``: every operation of its spec by name, read-only
    (``"pets_get" in ops``, ``ops["pets_get"]``, ``.keys()``, ``.values()``, ``len``).
    Iterating yields the names, in document order."""

    __slots__ = ("_by_name",)

    def __init__(self, operations: Iterable[Operation]) -> None:
        self._by_name: dict[str, Operation] = {op.name: op for op in operations}

    def __getitem__(self, name: str) -> Operation:
        return self._by_name[name]

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_name)

    def __len__(self) -> int:
        return len(self._by_name)

    def __repr__(self) -> str:
        names = list(self._by_name)
        shown = ", ".join(_part(n, 40) for n in names[:4])
        more = f", ... ({len(names) - 4} more)" if len(names) > 4 else ""
        return f"<Operations ({len(names)}): {shown}{more}>"


@dataclass(frozen=True, eq=False)
class ApiSpec:
    """A whole loaded spec: metadata, servers, operations, and the document they point into."""

    title: str
    version: str
    openapi: str
    servers: tuple[Server, ...]
    operations: tuple[Operation, ...]
    security_schemes: tuple[SecurityScheme, ...]
    document: Mapping[str, Any] = field(repr=False, compare=False)
    fingerprint: str = ""
    origin: str = ""
    #: the events the API sends (``webhooks``), in document order
    webhooks: tuple[Webhook, ...] = ()
    #: the operations by name (read-only): what ``client.operations`` is
    by_name: Operations = field(init=False, repr=False, compare=False)
    _by_event: Mapping[str, Webhook] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", Operations(self.operations))
        object.__setattr__(self, "_by_event", MappingProxyType({w.event_type: w for w in self.webhooks}))

    def __repr__(self) -> str:
        hooks = f", {len(self.webhooks)} webhooks" if self.webhooks else ""
        return f"<ApiSpec {_part(self.title)!r} {_part(self.version, 32)}: {len(self.operations)} operations{hooks}>"

    def webhook_for(self, event_type: str) -> Webhook | None:
        """The webhook whose payload announces ``event_type`` (``None``: the spec does not know it)."""
        return self._by_event.get(event_type)

    def __getitem__(self, name: str) -> Operation:
        return self.by_name[name]

    def __contains__(self, name: object) -> bool:
        return name in self.by_name

    def __iter__(self) -> Any:
        return iter(self.operations)

    def __len__(self) -> int:
        return len(self.operations)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(op.name for op in self.operations)

    @property
    def error_titles(self) -> tuple[str, ...]:
        """Schema titles of every error response, in first-seen order."""
        seen: dict[str, None] = {}
        for op in self.operations:
            for r in op.error_responses:
                if r.schema_title:
                    seen.setdefault(r.schema_title)
        return tuple(seen)
