"""Where OpenAPI 3.1 keeps things: the operations of a path item, the parameters of a path
template, and every place a schema stands.

A document's schemas live under ``components/schemas`` and inside parameters, headers,
request bodies, responses, callbacks, path items and webhooks, each of which may itself be
a ``$ref`` to a reusable object anywhere in the document. ``schema_locations`` is the one
walk that knows those places (the load-time schema check asks it).
"""

from __future__ import annotations

import re
from typing import Any

from .._errors import SpecError
from .pointer import follow_refs, pointer_join

__all__ = ["HTTP_METHODS", "path_template", "schema_locations", "template_names"]

#: The operations a Path Item Object may hold, in the order OpenAPI lists them.
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_TEMPLATE = re.compile(r"{([^{}]+)}")


def template_names(path: str) -> list[str]:
    """The parameter names of a path template, in order (``/a/{id}/b/{x}`` -> ``["id", "x"]``)."""
    return _TEMPLATE.findall(path)


def path_template(path: str) -> tuple[list[tuple[str, str]], str]:
    """A path template split once: ``[(literal, name), ...]`` and the literal tail
    (``/a/{id}/b`` -> ``([("/a/", "id")], "/b")``)."""
    pieces: list[tuple[str, str]] = []
    pos = 0
    for m in _TEMPLATE.finditer(path):
        pieces.append((path[pos : m.start()], m.group(1)))
        pos = m.end()
    return pieces, path[pos:]


_Found = list[tuple[str, Any]]  # (pointer, schema)


class _Finder:
    """Walks the OpenAPI objects that hold schemas, following their ``$ref``s (a parameter,
    response, path item ... may be kept anywhere in the document), each object once."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.found: dict[str, Any] = {}
        self.seen: set[str] = set()

    def _enter(self, node: Any, pointer: str) -> tuple[Any, str] | None:
        """The object itself, or the end of its chain of local ``$ref``s; None when already walked."""
        try:
            node, pointer = follow_refs(self.data, node, pointer)
        except SpecError:  # a remote ref: refused where the document is loaded
            return None
        if pointer in self.seen or not isinstance(node, dict):
            return None
        self.seen.add(pointer)
        return node, pointer

    def schema(self, node: Any, pointer: str) -> None:
        self.found.setdefault(pointer, node)

    def content(self, content: Any, pointer: str) -> None:
        if isinstance(content, dict):
            for media, obj in content.items():
                if isinstance(obj, dict) and "schema" in obj:
                    self.schema(obj["schema"], pointer_join(pointer, media, "schema"))

    def parameter(self, node: Any, pointer: str) -> None:
        """A Parameter or Header object: ``schema`` or ``content``."""
        entered = self._enter(node, pointer)
        if entered is None:
            return
        node, pointer = entered
        if "schema" in node:
            self.schema(node["schema"], pointer_join(pointer, "schema"))
        if "content" in node:
            self.content(node["content"], pointer_join(pointer, "content"))

    def named(self, nodes: Any, pointer: str, each: Any) -> None:
        if isinstance(nodes, dict):
            for name, node in nodes.items():
                each(node, pointer_join(pointer, name))

    def parameters(self, nodes: Any, pointer: str) -> None:
        if isinstance(nodes, list):
            for i, node in enumerate(nodes):
                self.parameter(node, pointer_join(pointer, i))

    def body_or_response(self, node: Any, pointer: str) -> None:
        entered = self._enter(node, pointer)
        if entered is None:
            return
        node, pointer = entered
        if "content" in node:
            self.content(node["content"], pointer_join(pointer, "content"))
        if "headers" in node:
            self.named(node["headers"], pointer_join(pointer, "headers"), self.parameter)

    def operation(self, node: Any, pointer: str) -> None:
        if not isinstance(node, dict):
            return
        if "parameters" in node:
            self.parameters(node["parameters"], pointer_join(pointer, "parameters"))
        if "requestBody" in node:
            self.body_or_response(node["requestBody"], pointer_join(pointer, "requestBody"))
        if "responses" in node:
            self.named(node["responses"], pointer_join(pointer, "responses"), self.body_or_response)
        if "callbacks" in node:
            self.named(node["callbacks"], pointer_join(pointer, "callbacks"), self.callback)

    def callback(self, node: Any, pointer: str) -> None:
        entered = self._enter(node, pointer)
        if entered is not None:
            self.named(entered[0], entered[1], self.path_item)

    def path_item(self, node: Any, pointer: str) -> None:
        entered = self._enter(node, pointer)
        if entered is None:
            return
        node, pointer = entered
        if "parameters" in node:
            self.parameters(node["parameters"], pointer_join(pointer, "parameters"))
        for method in HTTP_METHODS:
            if method in node:
                self.operation(node[method], pointer_join(pointer, method))


def schema_locations(data: dict[str, Any]) -> list[tuple[str, Any]]:
    """``(pointer, schema)`` for the schemas at the places OpenAPI 3.1 defines, in document
    order; parameters, headers, bodies, responses, callbacks and path items are followed
    through their ``$ref``s (schemas' own ``$ref``s are not followed here)."""
    finder = _Finder(data)
    components = data.get("components")
    if isinstance(components, dict):
        schemas = components.get("schemas")
        if isinstance(schemas, dict):
            for name, node in schemas.items():
                finder.schema(node, pointer_join("/components/schemas", name))
        finder.named(components.get("parameters"), "/components/parameters", finder.parameter)
        finder.named(components.get("headers"), "/components/headers", finder.parameter)
        finder.named(components.get("requestBodies"), "/components/requestBodies", finder.body_or_response)
        finder.named(components.get("responses"), "/components/responses", finder.body_or_response)
        finder.named(components.get("pathItems"), "/components/pathItems", finder.path_item)
        finder.named(components.get("callbacks"), "/components/callbacks", finder.callback)
    finder.named(data.get("paths"), "/paths", finder.path_item)
    finder.named(data.get("webhooks"), "/webhooks", finder.path_item)
    return list(finder.found.items())
