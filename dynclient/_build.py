"""Building the IR from a checked document: names, groups, parameters, responses, pagination.

Anything the runtime cannot represent faithfully is a SpecError naming its JSON pointer;
nothing is dropped or renamed silently.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, cast

from ._document import Document
from ._errors import SpecError
from ._ir import (
    NO_DEFAULT,
    ApiSpec,
    Operation,
    Pagination,
    Parameter,
    ParameterLocation,
    RequestBody,
    Response,
    SchemaRef,
    SecurityRequirement,
    SecurityScheme,
    Server,
    Webhook,
)
from ._names import identifier, is_http_token, is_python_name
from ._schema.media import FORM_MEDIA, is_json, is_supported_body, pick_media
from ._schema.openapi import HTTP_METHODS, template_names
from ._schema.pointer import component_name, follow_refs, pointer_join, ref_pointer, resolve_pointer
from ._schema.types import single_value

__all__ = ["RESERVED_ARGUMENTS", "build_spec"]

#: Keyword arguments of ``call()`` that are not spec parameters.
RESERVED_ARGUMENTS = frozenset({"body"})

# Supported (location, style) pairs and the style each location defaults to.
_DEFAULT_STYLE = {"path": "simple", "query": "form", "header": "simple", "cookie": "form"}
_SUPPORTED_STYLES = {
    "path": {"simple"},
    "query": {"form", "deepObject"},
    "header": {"simple"},
    "cookie": {"form"},
}
#: Headers a header parameter may not set: OpenAPI ignores Accept, Content-Type and
#: Authorization parameters; the others are HTTP's own or the client's (Cookie is built from
#: cookie parameters). Refused at load rather than ignored: nothing is dropped silently.
_CONTROLLED_HEADERS = frozenset(
    {
        "accept",
        "authorization",
        "connection",
        "content-length",
        "content-type",
        "cookie",
        "host",
        "keep-alive",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)


def _schema_ref(doc: Mapping[str, Any], pointer: str, raw: Any) -> SchemaRef:
    if not isinstance(raw, Mapping):
        if raw is True or raw is False:
            return SchemaRef(pointer=pointer, raw={}, resolved={} if raw else {"not": {}})
        raise SpecError("schema must be an object", pointer)
    resolved: Mapping[str, Any] = raw
    name: str | None = None
    seen: set[str] = set()
    while isinstance(resolved.get("$ref"), str) and len(resolved) == 1:
        ref = cast(str, resolved["$ref"])
        if not ref.startswith("#") or ref in seen:
            break
        seen.add(ref)
        target_pointer = ref_pointer(ref) or ""
        if name is None:
            name = component_name(target_pointer)
        target = resolve_pointer(doc, target_pointer, at=pointer)
        if not isinstance(target, Mapping):
            break
        resolved = target
    return SchemaRef(pointer=pointer, raw=raw, resolved=resolved, name=name)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _parameter(doc: Mapping[str, Any], raw: Any, pointer: str) -> Parameter:
    node, pointer = follow_refs(doc, raw, pointer)
    if not isinstance(node, Mapping):
        raise SpecError("parameter must be an object", pointer)
    name, location = node.get("name"), node.get("in")
    if not isinstance(name, str) or not name:
        raise SpecError("parameter without a name", pointer)
    if location not in _DEFAULT_STYLE:
        raise SpecError(f"parameter {name!r} has unsupported location {location!r}", pointer)
    loc = cast(ParameterLocation, location)
    if loc in ("header", "cookie") and not is_http_token(name):
        raise SpecError(
            f"{loc} parameter name {name!r} is not an HTTP token (letters, digits and !#$%&'*+-.^_`|~ only)", pointer
        )
    if loc == "header" and name.lower() in _CONTROLLED_HEADERS:
        raise SpecError(
            f"header parameter {name!r} names a header that HTTP or the client itself controls "
            f"({', '.join(sorted(_CONTROLLED_HEADERS))})",
            pointer,
        )
    style = node.get("style", _DEFAULT_STYLE[loc])
    if style not in _SUPPORTED_STYLES[loc]:
        raise SpecError(
            f"parameter {name!r}: style {style!r} is not supported in {loc} "
            f"(supported: {', '.join(sorted(_SUPPORTED_STYLES[loc]))})",
            pointer_join(pointer, "style"),
        )
    explode = node.get("explode", style == "form")
    if not isinstance(explode, bool):
        raise SpecError(f"parameter {name!r}: explode must be a boolean", pointer)
    if style == "form" and loc == "query" and explode is False:
        raise SpecError(
            f"parameter {name!r}: form style without explode (comma-joined) is not supported",
            pointer_join(pointer, "explode"),
        )
    if "content" in node and "schema" not in node:
        raise SpecError(f"parameter {name!r}: content-encoded parameters are not supported", pointer)
    if "schema" not in node:
        raise SpecError(f"parameter {name!r} has no schema", pointer)
    schema = _schema_ref(doc, pointer_join(pointer, "schema"), node["schema"])
    required = bool(node.get("required", False))
    if loc == "path" and not required:
        raise SpecError(f"path parameter {name!r} must be required", pointer)
    default = schema.raw.get("default", schema.resolved.get("default", NO_DEFAULT))
    return Parameter(
        name=name,
        location=loc,
        style=style,
        explode=explode,
        required=required,
        schema=schema,
        default=default,
        description=_text(node.get("description")),
        deprecated=bool(node.get("deprecated", False)),
        allow_empty_value=node.get("allowEmptyValue") is True,
        pointer=pointer,
    )


def _request_body(doc: Mapping[str, Any], raw: Any, pointer: str) -> RequestBody | None:
    if raw is None:
        return None
    node, pointer = follow_refs(doc, raw, pointer)
    if not isinstance(node, Mapping):
        raise SpecError("requestBody must be an object", pointer)
    media, media_obj = pick_media(node.get("content"))
    if media is None:
        raise SpecError("requestBody has no content", pointer)
    if not is_supported_body(media):
        raise SpecError(
            f"request body media type {media!r} is not supported (JSON and {FORM_MEDIA} only)",
            pointer_join(pointer, "content", media),
        )
    schema = None
    if isinstance(media_obj, Mapping) and "schema" in media_obj:
        schema = _schema_ref(doc, pointer_join(pointer, "content", media, "schema"), media_obj["schema"])
    return RequestBody(
        media_type=media,
        schema=schema,
        required=bool(node.get("required", False)),
        description=_text(node.get("description")),
        pointer=pointer,
    )


def _responses(doc: Mapping[str, Any], raw: Any, pointer: str) -> tuple[Response, ...]:
    if not isinstance(raw, Mapping):
        raise SpecError("responses must be an object", pointer)
    out = []
    for status, value in raw.items():
        status = str(status)
        if not (status == "default" or re.fullmatch(r"[1-5](\d\d|XX)", status.upper())):
            raise SpecError(f"invalid response status {status!r}", pointer_join(pointer, status))
        node, rpointer = follow_refs(doc, value, pointer_join(pointer, status))
        if not isinstance(node, Mapping):
            raise SpecError("response must be an object", rpointer)
        media, media_obj = pick_media(node.get("content"))
        schema = None
        if media is not None and isinstance(media_obj, Mapping) and "schema" in media_obj:
            schema = _schema_ref(doc, pointer_join(rpointer, "content", media, "schema"), media_obj["schema"])
        out.append(
            Response(
                status=status.upper() if status != "default" else status,
                description=_text(node.get("description")),
                media_type=media,
                schema=schema,
                pointer=rpointer,
            )
        )
    return tuple(out)


def _security(doc: Mapping[str, Any], raw: Any, pointer: str) -> tuple[SecurityRequirement, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise SpecError("security must be a list", pointer)
    declared = (doc.get("components") or {}).get("securitySchemes") or {}
    reqs = []
    for i, alt in enumerate(raw):
        if not isinstance(alt, Mapping):
            raise SpecError("security requirement must be an object", pointer_join(pointer, i))
        for scheme in alt:
            if scheme not in declared:
                raise SpecError(
                    f"security requirement names scheme {scheme!r}, which components.securitySchemes lacks",
                    pointer_join(pointer, i, scheme),
                )
        reqs.append(
            SecurityRequirement(schemes=tuple((str(k), tuple(str(s) for s in (v or ()))) for k, v in alt.items()))
        )
    return tuple(reqs)


def _json_path(expr: Any, pointer: str) -> tuple[str, ...]:
    if not isinstance(expr, str) or not expr.startswith("$."):
        raise SpecError(f"unsupported pagination path {expr!r} (expected $.a.b)", pointer)
    return tuple(expr[2:].split("."))


def _pagination(
    doc: Mapping[str, Any],
    op: Mapping[str, Any],
    params: tuple[Parameter, ...],
    responses: tuple[Response, ...],
    pointer: str,
) -> Pagination | None:
    """Page/limit pagination: Speakeasy's extension says where, Polar's gives the item schema
    (without it, the item schema is found in the page's schema, along the results path)."""
    speakeasy = op.get("x-speakeasy-pagination")
    polar = op.get("x-polar-pagination")
    if speakeasy is None and polar is None:
        return None
    names = {p.name for p in params}
    page = limit = None
    results: tuple[str, ...] = ("items",)
    num_pages: tuple[str, ...] | None = None
    source = "x-speakeasy-pagination" if speakeasy is not None else "x-polar-pagination"
    if isinstance(speakeasy, Mapping):
        sp = pointer_join(pointer, "x-speakeasy-pagination")
        if speakeasy.get("type") != "offsetLimit":
            raise SpecError(f"pagination type {speakeasy.get('type')!r} is not supported", sp)
        for item in speakeasy.get("inputs", ()):
            if isinstance(item, Mapping) and item.get("type") == "page":
                page = item.get("name")
            elif isinstance(item, Mapping) and item.get("type") == "limit":
                limit = item.get("name")
        outputs = speakeasy.get("outputs", {})
        results = _json_path(outputs.get("results", "$.items"), sp)
        if "numPages" in outputs:
            num_pages = _json_path(outputs["numPages"], sp)
    if isinstance(polar, Mapping):
        pp = pointer_join(pointer, "x-polar-pagination")
        if polar.get("type") != "page_limit":
            raise SpecError(f"pagination type {polar.get('type')!r} is not supported", pp)
        page = page or "page"
        limit = limit or "limit"
        if num_pages is None:
            num_pages = ("pagination", "max_page")
    if not isinstance(page, str) or page not in names:
        raise SpecError(f"pagination names page parameter {page!r}, which the operation lacks", pointer)
    if limit is not None and limit not in names:
        limit = None
    item_schema = None
    if isinstance(polar, Mapping) and "item_schema" in polar:
        item_schema = _schema_ref(doc, pointer_join(pointer, "x-polar-pagination", "item_schema"), polar["item_schema"])
    if item_schema is None:
        item_schema = _page_items(doc, responses, results)
    return Pagination(
        source=source,
        page_parameter=page,
        limit_parameter=limit if isinstance(limit, str) else None,
        results_path=results,
        num_pages_path=num_pages,
        item_schema=item_schema,
    )


def _page_items(doc: Mapping[str, Any], responses: tuple[Response, ...], results: tuple[str, ...]) -> SchemaRef | None:
    """The ``items`` schema at ``results`` (property names) in the first JSON success response
    that has one, ``$ref``s followed on the way."""
    for r in responses:
        if r.status[:1] not in ("2", "3") or r.schema is None or not is_json(r.media_type):
            continue
        node, pointer = follow_refs(doc, r.schema.raw, r.schema.pointer)
        for segment in results:
            props = node.get("properties") if isinstance(node, Mapping) else None
            if not isinstance(props, Mapping) or segment not in props:
                break
            node, pointer = follow_refs(doc, props[segment], pointer_join(pointer, "properties", segment))
        else:
            if isinstance(node, Mapping) and isinstance(node.get("items"), Mapping):
                return _schema_ref(doc, pointer_join(pointer, "items"), node["items"])
    return None


def _operation(
    doc: Mapping[str, Any],
    path: str,
    method: str,
    op: Any,
    shared_params: list[Any],
    pointer: str,
) -> Operation:
    if not isinstance(op, Mapping):
        raise SpecError("operation must be an object", pointer)
    op_id = op.get("operationId")
    if op_id is None:
        op_id = f"{method}_{path}"
    if not isinstance(op_id, str) or not op_id.strip():
        raise SpecError("operationId must be a non-empty string", pointer_join(pointer, "operationId"))
    segments = [identifier(s) for s in re.split(r"[:.]", op_id) if s]
    name = identifier(op_id)
    for seg in segments:
        if not is_python_name(seg):
            raise SpecError(
                f"operationId {op_id!r}: segment {seg!r} cannot be a Python name",
                pointer_join(pointer, "operationId"),
            )
    # Path-level parameters apply unless the operation overrides the same (name, in).
    merged: dict[tuple[str, str], Parameter] = {}
    for i, raw in enumerate(shared_params):
        p = _parameter(doc, raw, pointer_join(pointer.rsplit("/", 1)[0], "parameters", i))
        merged[(p.name, p.location)] = p
    for i, raw in enumerate(op.get("parameters", ()) or ()):
        p = _parameter(doc, raw, pointer_join(pointer, "parameters", i))
        merged[(p.name, p.location)] = p
    params = tuple(merged.values())
    seen_names: dict[str, Parameter] = {}
    for p in params:
        if p.name in RESERVED_ARGUMENTS:
            raise SpecError(f"{name}: parameter {p.name!r} clashes with the request-body keyword", p.pointer)
        if p.name in seen_names:
            raise SpecError(
                f"{name}: parameter name {p.name!r} is used in both {seen_names[p.name].location} "
                f"and {p.location}; keyword arguments would be ambiguous",
                p.pointer,
            )
        seen_names[p.name] = p
    names_in_path = set(template_names(path))
    path_params = {p.name for p in params if p.location == "path"}
    if names_in_path != path_params:
        missing = sorted(names_in_path - path_params)
        extra = sorted(path_params - names_in_path)
        detail = "; ".join(
            part
            for part in (
                f"template names {missing} have no path parameter" if missing else "",
                f"path parameters {extra} are not in the template" if extra else "",
            )
            if part
        )
        raise SpecError(f"{name}: path {path!r} and its parameters disagree: {detail}", pointer)
    responses = _responses(doc, op.get("responses", {}), pointer_join(pointer, "responses"))
    return Operation(
        name=name,
        operation_id=op_id,
        group=tuple(segments[:-1]),
        method_name=segments[-1],
        http_method=method.upper(),
        path=path,
        parameters=params,
        request_body=_request_body(doc, op.get("requestBody"), pointer_join(pointer, "requestBody")),
        responses=responses,
        security=_security(
            doc,
            op.get("security", doc.get("security")),
            pointer_join(pointer, "security") if "security" in op else "/security",
        ),
        summary=_text(op.get("summary")),
        description=_text(op.get("description")),
        deprecated=bool(op.get("deprecated", False)),
        tags=tuple(str(t) for t in op.get("tags", ()) or ()),
        pagination=_pagination(doc, op, params, responses, pointer),
        pointer=pointer,
    )


def _webhook(doc: Mapping[str, Any], name: str, raw: Any, pointer: str) -> Webhook:
    """One ``webhooks`` entry: its operation (``post``, else the first declared), JSON payload
    schema, the ``type`` const the payload carries and the schema of its ``data``."""
    item, pointer = follow_refs(doc, raw, pointer)
    if not isinstance(item, Mapping):
        raise SpecError(f"webhook {name!r} must be a path item object", pointer)
    methods = [m for m in HTTP_METHODS if m in item]
    if not methods:
        raise SpecError(f"webhook {name!r} declares no operation", pointer)
    method = "post" if "post" in item else methods[0]
    opointer = pointer_join(pointer, method)
    op = item[method]
    if not isinstance(op, Mapping):
        raise SpecError(f"webhook {name!r}: operation must be an object", opointer)
    body = _request_body(doc, op.get("requestBody"), pointer_join(opointer, "requestBody"))
    if body is None or body.schema is None:
        raise SpecError(f"webhook {name!r} declares no payload schema (requestBody)", opointer)
    if not is_json(body.media_type):
        raise SpecError(f"webhook {name!r}: payload media type {body.media_type!r} is not JSON", body.pointer)
    payload, ppointer = follow_refs(doc, body.schema.raw, body.schema.pointer)
    props = payload.get("properties") if isinstance(payload, Mapping) else None
    event_type, data = name, None
    if isinstance(props, Mapping):
        if "type" in props:
            tag, _ = follow_refs(doc, props["type"], pointer_join(ppointer, "properties", "type"))
            single, value = single_value(tag)
            if single and isinstance(value, str):
                event_type = value
        if "data" in props:
            data = _schema_ref(doc, pointer_join(ppointer, "properties", "data"), props["data"])
    return Webhook(
        name=name,
        event_type=event_type,
        payload=body.schema,
        data=data,
        media_type=body.media_type,
        summary=_text(op.get("summary")),
        description=_text(op.get("description")),
        pointer=opointer,
    )


def _webhooks(doc: Mapping[str, Any], prefixes: tuple[str, ...] | None) -> tuple[Webhook, ...]:
    """The document's ``webhooks`` (those whose name starts with one of ``prefixes``, when
    given); two entries announcing one event type are a SpecError."""
    out: list[Webhook] = []
    seen: dict[str, Webhook] = {}
    for name, raw in (doc.get("webhooks") or {}).items():
        if prefixes is not None and not str(name).startswith(prefixes):
            continue
        pointer = pointer_join("/webhooks", name)
        try:
            hook = _webhook(doc, str(name), raw, pointer)
        except (TypeError, AttributeError, ValueError, KeyError) as exc:
            raise SpecError(f"malformed webhook: {type(exc).__name__}: {exc}", pointer) from None
        if hook.event_type in seen:
            raise SpecError(
                f"webhooks {seen[hook.event_type].name!r} and {hook.name!r} both announce event type "
                f"{hook.event_type!r}",
                hook.pointer,
            )
        seen[hook.event_type] = hook
        out.append(hook)
    return tuple(out)


def _servers(doc: Mapping[str, Any]) -> tuple[Server, ...]:
    raw = doc.get("servers") or [{"url": "/"}]
    if not isinstance(raw, list):
        raise SpecError("servers must be a list", "/servers")
    out = []
    for i, s in enumerate(raw):
        if not isinstance(s, Mapping) or not isinstance(s.get("url"), str):
            raise SpecError("server needs a url", pointer_join("/servers", i))
        sid = s.get("x-speakeasy-server-id")
        server_id = sid if isinstance(sid, str) else None
        out.append(Server(url=s["url"], description=_text(s.get("description")), id=server_id))
    return tuple(out)


def _security_schemes(doc: Mapping[str, Any]) -> tuple[SecurityScheme, ...]:
    raw = (doc.get("components") or {}).get("securitySchemes") or {}
    out = []
    for name, node in raw.items():
        node, _ = follow_refs(doc, node, pointer_join("/components/securitySchemes", name))
        if not isinstance(node, Mapping):
            raise SpecError("security scheme must be an object", pointer_join("/components/securitySchemes", name))
        out.append(
            SecurityScheme(
                name=name,
                type=_text(node.get("type")),
                scheme=node.get("scheme"),
                bearer_format=node.get("bearerFormat"),
                location=node.get("in"),
                parameter_name=node.get("name"),
                description=_text(node.get("description")),
            )
        )
    return tuple(out)


def build_spec(
    document: Document,
    *,
    tags: frozenset[str] | None = None,
    operations: frozenset[str] | None = None,
    webhook_prefixes: tuple[str, ...] | None = None,
) -> ApiSpec:
    """The IR for ``document``; ``tags`` / ``operations`` keep only matching operations.

    ``webhook_prefixes`` keeps the webhooks whose name starts with one of them; by default all
    of them, or none in a view filtered by ``tags``/``operations`` (webhooks carry no tags).
    """
    if webhook_prefixes is None and (tags is not None or operations is not None):
        webhook_prefixes = ()
    doc = document.data
    ops: list[Operation] = []
    by_name: dict[str, Operation] = {}
    for path, item in (doc.get("paths") or {}).items():
        ipointer = pointer_join("/paths", path)
        if not isinstance(path, str) or not path.startswith("/"):
            # glued onto the base URL, ".evil.example/x" or "{host}/x" would choose the host
            raise SpecError(f"path {path!r} must start with '/'", ipointer)
        item, ipointer = follow_refs(doc, item, ipointer)
        if not isinstance(item, Mapping):
            raise SpecError("path item must be an object", ipointer)
        shared = item.get("parameters", []) or []
        for method in HTTP_METHODS:
            if method not in item:
                continue
            raw_op = item[method]
            opointer = pointer_join(ipointer, method)
            if not isinstance(raw_op, Mapping):
                raise SpecError("operation must be an object", opointer)
            op_tags = raw_op.get("tags", []) or []
            if not isinstance(op_tags, list) or not all(isinstance(t, str) for t in op_tags):
                raise SpecError("tags must be a list of strings", pointer_join(opointer, "tags"))
            if tags is not None and not (set(op_tags) & tags):
                continue
            if not isinstance(raw_op.get("parameters", []) or [], list) or not isinstance(shared, list):
                raise SpecError("parameters must be a list", pointer_join(opointer, "parameters"))
            try:
                op = _operation(doc, path, method, raw_op, shared, opointer)
            except (TypeError, AttributeError, ValueError, KeyError) as exc:
                # a shape this builder does not expect: still a SpecError naming the operation
                raise SpecError(f"malformed operation: {type(exc).__name__}: {exc}", opointer) from None
            if operations is not None and op.name not in operations and op.operation_id not in operations:
                continue
            if op.name in by_name:
                raise SpecError(
                    f"duplicate operation name {op.name!r} (operationIds "
                    f"{by_name[op.name].operation_id!r} and {op.operation_id!r})",
                    pointer_join(opointer, "operationId"),
                )
            by_name[op.name] = op
            ops.append(op)
    if operations is not None:
        unknown = sorted(operations - {o.name for o in ops} - {o.operation_id for o in ops})
        if unknown:
            raise SpecError(f"operations not in the spec: {', '.join(unknown)}")
    _check_groups(ops)
    info = doc.get("info") or {}
    if not isinstance(info, Mapping):
        raise SpecError("info must be an object", "/info")
    return ApiSpec(
        title=_text(info.get("title")),
        version=str(info.get("version", "")),
        openapi=str(doc.get("openapi", "")),
        servers=_servers(doc),
        operations=tuple(ops),
        security_schemes=_security_schemes(doc),
        document=doc,
        fingerprint=document.fingerprint,
        origin=document.origin,
        webhooks=_webhooks(doc, webhook_prefixes),
    )


def _check_groups(ops: list[Operation]) -> None:
    """A group name and a method name may not share a place (``a.b`` op and ``a.b.c`` op)."""
    methods = {(*op.group, op.method_name): op for op in ops}
    for op in ops:
        for i in range(1, len(op.group) + 1):
            prefix = op.group[:i]
            if prefix in methods:
                other = methods[prefix]
                raise SpecError(
                    f"operation {other.name!r} and group {'.'.join(prefix)!r} of {op.name!r} would share one attribute",
                    other.pointer,
                )
