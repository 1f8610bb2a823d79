"""JSON Schema 2020-12 validation: fast verdicts, precise messages.

Every schema is addressed by its JSON pointer in the spec document, which is
registered once under ``SPEC_URI``; validators are compiled lazily, once per
schema, and cached. The verdict comes from jsonschema-rs (hundreds of times
faster than python-jsonschema on a 100-customer page); only when it says
"invalid" does python-jsonschema walk the instance to explain why, with
OpenAPI's ``discriminator`` used to name the branch that was meant (``_explain``,
imported on first use: python-jsonschema costs ~30 ms of import time).
Both engines assert the same formats: those with an exact regular expression
(``_formats.PATTERNS``) reach jsonschema-rs as ``pattern`` keywords (see
``with_format_patterns``) and python-jsonschema as functions full-matching the
same expression; the others are the same Python functions (``_formats.FORMATS``).
jsonschema-rs also sees a discriminated ``oneOf`` whose branches provably exclude
each other as ``anyOf`` (``exclusive_one_of_as_any_of``): same verdicts, but it stops
at the matching branch. Both engines speak one dialect (``_dialect``): ``pattern`` and
``patternProperties`` are ECMA-262 run by one non-backtracking engine, ``multipleOf`` is
exact decimal arithmetic; jsonschema-rs's copy gets translated patterns and the
``multipleOf`` keyword of ``_dialect`` (``with_dialect``). The rewrites touch only the copy
jsonschema-rs compiles. Explanations never see data nested past ``_limits.MAX_DATA_DEPTH``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from ._dialect import MULTIPLE_OF_KEYWORD, PATTERN_OPTIONS, MultipleOfKeyword, PatternError, ecma_to_rust
from ._errors import FieldError, SpecError
from ._formats import FORMATS, PATTERNS
from ._limits import MAX_DATA_DEPTH, too_deep
from ._schema.depth import DepthBounded, depth_bounded
from ._schema.keywords import document_children
from ._schema.pointer import follow_refs, pointer_to_fragment
from ._schema.types import single_value
from ._schema.unions import discriminator

if TYPE_CHECKING:
    import referencing

try:  # the fast engine is a declared dependency; python-jsonschema remains the reference
    import jsonschema_rs
except ImportError:  # pragma: no cover - exercised only where the wheel is unavailable
    jsonschema_rs = None  # type: ignore[assignment]

__all__ = [
    "SPEC_URI",
    "Compiled",
    "Engine",
    "SchemaEngine",
    "exclusive_one_of_as_any_of",
    "with_dialect",
    "with_format_patterns",
]

SPEC_URI = "urn:dynclient:spec"
#: the depth-bounded copy of the document jsonschema-rs may also see (``SchemaEngine.bounded``)
BOUNDED_URI = "urn:dynclient:spec-depth-bounded"
_NOT_MADE = object()
Engine = Literal["auto", "rs", "python"]

_ANCHORED = {name: f"^(?:{regex})$" for name, regex in PATTERNS.items()}


_Fix = Callable[[dict[str, Any], "dict[str, Any] | None"], "dict[str, Any] | None"]


def _rewrite(node: Any, fix: _Fix) -> Any:
    """Copy-on-write walk of a schema: children first, then ``fix(original, copy_or_None)``
    on each schema object, which returns the replacement (or None for "keep").
    Unchanged subtrees are shared, not copied; data keywords (``const``, ``enum``, ...) and
    ``x-`` extensions are never entered.
    """
    if isinstance(node, list):
        items = [_rewrite(v, fix) for v in node]
        return node if all(a is b for a, b in zip(items, node, strict=True)) else items
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] | None = None
    for key, value, is_map in document_children(node):
        new: Any
        if is_map:
            new = {k: _rewrite(v, fix) for k, v in value.items()}
            if all(new[k] is v for k, v in value.items()):
                new = value
        else:
            new = _rewrite(value, fix)
        if new is not value:
            if out is None:
                out = dict(node)
            out[key] = new
    fixed = fix(node, out)
    if fixed is not None:
        return fixed
    return node if out is None else out


def with_format_patterns(node: Any, used: set[str] | None = None) -> Any:
    """``node`` with each ``format`` that has an exact expression turned into a ``pattern``.

    For jsonschema-rs only: a ``pattern`` runs in Rust, a custom format calls back into
    Python for every string. Both constrain strings only, so verdicts are unchanged
    (a format left in place, e.g. under a data key, is still checked by its function).
    Formats left as ``format`` are added to ``used``.
    """

    def fix(schema: dict[str, Any], out: dict[str, Any] | None) -> dict[str, Any] | None:
        fmt = schema.get("format")
        if not isinstance(fmt, str):
            return None
        regex = _ANCHORED.get(fmt)
        if regex is not None and "pattern" not in schema:
            out = dict(schema) if out is None else out
            del out["format"]
            out["pattern"] = regex
            return out
        if regex is not None and isinstance(schema.get("allOf", []), list):
            out = dict(schema) if out is None else out
            del out["format"]
            out["allOf"] = [*schema.get("allOf", []), {"pattern": regex}]
            return out
        if used is not None:
            used.add(fmt)
        return None

    return _rewrite(node, fix)


def _rust_pattern(pattern: str) -> str:
    try:
        return ecma_to_rust(pattern)
    except PatternError as exc:
        raise SpecError(f"pattern {pattern!r}: {exc}") from None


def with_dialect(node: Any, used: set[str] | None = None) -> Any:
    """``node`` in the dialect both engines share (``_dialect``), spelt for jsonschema-rs: each
    ``pattern`` and ``patternProperties`` key translated from ECMA-262, each ``multipleOf``
    replaced by ``MULTIPLE_OF_KEYWORD`` (whose use is recorded in ``used``). A document's own
    ``MULTIPLE_OF_KEYWORD`` keys are dropped. Unchanged subtrees are shared, not copied.
    """

    def fix(schema: dict[str, Any], out: dict[str, Any] | None) -> dict[str, Any] | None:
        pattern = schema.get("pattern")
        props = schema.get("patternProperties")
        touched = (
            (isinstance(pattern, str) and _rust_pattern(pattern) != pattern)
            or (isinstance(props, dict) and any(_rust_pattern(k) != k for k in props))
            or "multipleOf" in schema
            or MULTIPLE_OF_KEYWORD in schema
        )
        if not touched:
            return None
        out = dict(schema) if out is None else out
        if isinstance(pattern, str):
            out["pattern"] = _rust_pattern(pattern)
        if isinstance(props, dict):
            translated: dict[str, Any] = {}
            for key, sub in out["patternProperties"].items():
                rust = _rust_pattern(key)
                # two spellings of one expression ("\\d", "[0-9]") must both still apply
                translated[rust] = {"allOf": [translated[rust], sub]} if rust in translated else sub
            out["patternProperties"] = translated
        out.pop(MULTIPLE_OF_KEYWORD, None)
        if "multipleOf" in schema:
            out[MULTIPLE_OF_KEYWORD] = out.pop("multipleOf")
            if used is not None:
                used.add(MULTIPLE_OF_KEYWORD)
        return out

    return _rewrite(node, fix)


def _tag(schema: Any, root: Any, prop: str) -> tuple[bool, Any]:
    """``(True, value)`` when every instance valid against ``schema`` is an object whose
    ``prop`` equals ``value`` (type object, ``prop`` required, one value allowed on it:
    ``single_value``); local refs followed."""
    try:
        schema, _ = follow_refs(root, schema)
    except SpecError:
        return False, None
    if not isinstance(schema, dict):
        return False, None
    props, required = schema.get("properties"), schema.get("required")
    if schema.get("type") == "object" and isinstance(required, list) and prop in required and isinstance(props, dict):
        return single_value(props.get(prop))
    return False, None


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _exclusive(branches: list[Any], root: Any, prop: str) -> bool:
    """True when no instance can be valid against two of ``branches`` (distinct required consts)."""
    tags: list[Any] = []
    for branch in branches:
        ok, value = _tag(branch, root, prop)
        if not ok:
            return False
        if any(t == value or _canonical(t) == _canonical(value) for t in tags):
            return False
        tags.append(value)
    return len(tags) >= 2


def _uses_unevaluated(node: Any) -> bool:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "unevaluatedProperties" in item or "unevaluatedItems" in item:
                return True
            stack.extend(v for v in item.values() if isinstance(v, (dict, list)))
        elif isinstance(item, list):
            stack.extend(v for v in item if isinstance(v, (dict, list)))
    return False


def exclusive_one_of_as_any_of(node: Any, root: Any) -> Any:
    """``node`` with each discriminated ``oneOf`` whose branches provably exclude each other
    (distinct ``const`` on the required discriminator property) turned into ``anyOf``.

    For jsonschema-rs only: ``oneOf`` must try every branch to confirm exactly one
    matches; ``anyOf`` stops at the first, and when at most one can match the two agree.
    Documents using ``unevaluated*`` (whose annotations could tell them apart) are
    returned unchanged. Unchanged subtrees are shared, not copied.
    """
    if _uses_unevaluated(root):
        return node
    return _any_of_walk(node, root)


def _any_of_walk(node: Any, root: Any) -> Any:
    def fix(schema: dict[str, Any], out: dict[str, Any] | None) -> dict[str, Any] | None:
        branches = schema.get("oneOf")
        if not isinstance(branches, list) or "anyOf" in schema or "discriminator" not in schema:
            return None  # (most schemas: asked cheaply, the rewrite visits every one)
        disc = discriminator(schema)
        if disc is not None and _exclusive(branches, root, disc.property):
            out = dict(schema) if out is None else out
            out["anyOf"] = out.pop("oneOf")
            return out
        return None

    return _rewrite(node, fix)


class Compiled:
    """A compiled schema: ``is_valid`` (fast) and ``errors`` (explained, located)."""

    __slots__ = ("_engine", "_fast", "_lenient", "_slow", "_slow_factory", "schema")

    def __init__(
        self,
        schema: Mapping[str, Any],
        fast: Callable[[Any], bool] | None,
        slow_factory: Callable[[], Any],
        engine: SchemaEngine | None = None,
    ) -> None:
        self.schema = schema
        self._fast = fast
        self._slow: Any = None
        self._slow_factory = slow_factory
        self._engine = engine  # the engine that compiled it (``_drift`` compiles a lenient twin there)
        self._lenient: Any = None  # ``_drift``'s lenient twin, made on the first invalid value it judges

    def _python(self) -> Any:
        if self._slow is None:
            self._slow = self._slow_factory()
        return self._slow

    def is_valid(self, instance: Any) -> bool:
        if self._fast is not None:
            try:
                return self._fast(instance)
            except (ValueError, TypeError):  # a value JSON cannot hold (e.g. a UUID object)
                return False
        try:
            return bool(self._python().is_valid(instance))
        except RecursionError:  # callers bound depth first (``_limits``); never a raw error here
            return False

    def errors(self, instance: Any, prefix: str = "") -> list[FieldError]:
        """Located errors for ``instance`` (empty when valid)."""
        return [fe for fe, _drift in self.judged(instance, prefix)]

    def judged(self, instance: Any, prefix: str = "") -> list[tuple[FieldError, bool]]:
        """Like ``errors``, each error paired with whether it is additive drift (``_drift``)."""
        if self.is_valid(instance):
            return []
        deep = too_deep(instance, prefix)
        if deep is not None:  # python-jsonschema recurses: it never sees data past the limit
            return [(deep, False)]
        from ._explain import judged_errors

        try:
            found = judged_errors(self._python().iter_errors(instance), prefix)
        except RecursionError:  # a schema whose references nest too deeply to walk
            message = "does not match the schema (too deeply nested to explain)"
            found = [(FieldError.at((), message, prefix=prefix or "value"), False)]
        return found or [(FieldError.at((), "does not match the schema", prefix=prefix or "value"), False)]


class SchemaEngine:
    """Compiles and caches validators for the schemas of one document."""

    def __init__(
        self,
        document: Mapping[str, Any],
        *,
        engine: Engine = "auto",
        extra_resources: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        if engine == "rs" and jsonschema_rs is None:  # pragma: no cover
            raise SpecError("engine='rs' needs the jsonschema-rs package")
        self._document = document
        self._use_rs = engine in ("auto", "rs") and jsonschema_rs is not None
        self.engine: Engine = "rs" if self._use_rs else "python"
        self._extra = dict(extra_resources or {})
        self._rs_registry: Any = None
        self._rs_left: set[str] = set()
        self._py_registry: referencing.Registry[Any] | None = None
        self._cache: dict[str, Compiled] = {}
        self._lock = threading.Lock()
        self._rs_document: Any = None  # the document as jsonschema-rs sees it (the rewrites above)
        # (the depth-bounded copy, its registry), made on first use; None: no copy can be made
        self._bounded_source: Any = _NOT_MADE  # tuple[DepthBounded, Registry] | None once made
        self._bounded: dict[str, Callable[[Any], bool] | None] = {}

    # -- registries, built once on first use ---------------------------------------------
    def _python_registry(self) -> referencing.Registry[Any]:
        if self._py_registry is None:
            from ._explain import python_registry

            self._py_registry = python_registry([(SPEC_URI, self._document), *self._extra.items()])
        return self._py_registry

    def _rust_registry(self) -> Any:
        if self._rs_registry is None:
            assert jsonschema_rs is not None
            # asserted formats become patterns; formats we do not assert stay annotations,
            # as in python-jsonschema
            used: set[str] = set()
            resources: list[Any] = [
                (uri, exclusive_one_of_as_any_of(with_format_patterns(with_dialect(doc, used), used), doc))
                for uri, doc in [(SPEC_URI, self._document), *self._extra.items()]
            ]
            self._rs_registry = jsonschema_rs.Registry(resources)
            self._rs_left = used
            self._rs_document = resources[0][1]
        return self._rs_registry

    def _rs_format_options(self, left: set[str]) -> dict[str, Any]:
        """jsonschema-rs format options for a schema whose rewrite left ``left`` formats.

        When every asserted format became a pattern, format keywords left are annotations:
        no format validation at all (and no Python callbacks, whose mere presence makes
        jsonschema-rs ~40 % slower). Otherwise the Python functions, as a fallback.
        """
        left = (left | self._rs_left) - {MULTIPLE_OF_KEYWORD}
        if not left & FORMATS.keys():
            return {"validate_formats": False}
        formats: dict[str, Callable[[str], bool]] = {f: _always for f in left}
        formats.update(FORMATS)
        return {"formats": formats, "validate_formats": True}

    def _rs_dialect_options(self, left: set[str]) -> dict[str, Any]:
        """jsonschema-rs options of the shared dialect: the regex options, and the
        ``multipleOf`` keyword when the rewrite used it."""
        options: dict[str, Any] = {"pattern_options": PATTERN_OPTIONS}
        if MULTIPLE_OF_KEYWORD in left | self._rs_left:
            options["keywords"] = {MULTIPLE_OF_KEYWORD: MultipleOfKeyword}
        return options

    # -- compilation ---------------------------------------------------------------------
    def ref(self, pointer: str) -> dict[str, str]:
        """A schema that is just a reference to ``pointer`` in the document."""
        return {"$ref": SPEC_URI + pointer_to_fragment(pointer)}

    def for_pointer(self, pointer: str) -> Compiled:
        return self.compile(self.ref(pointer), key=pointer)

    def compile(self, schema: Mapping[str, Any], *, key: str | None = None) -> Compiled:
        """Compile ``schema`` (whose refs may point into the document); cached under ``key``."""
        if key is not None:
            hit = self._cache.get(key)
            if hit is not None:
                return hit
        fast = None
        if self._use_rs:
            assert jsonschema_rs is not None
            with self._lock:
                registry = self._rust_registry()
            left: set[str] = set()
            top = with_format_patterns(with_dialect(dict(schema), left), left)
            try:
                fast = jsonschema_rs.validator_for(
                    top,
                    registry=registry,
                    offline=True,
                    **self._rs_format_options(left),
                    **self._rs_dialect_options(left),
                ).is_valid
            except (jsonschema_rs.ValidationError, jsonschema_rs.ReferencingError, ValueError) as exc:
                raise SpecError(f"cannot compile schema: {str(exc).splitlines()[0]}", key or "") from None
        compiled = Compiled(schema, fast, lambda: self._python_validator(schema), self)
        if key is not None:
            compiled = self._cache.setdefault(key, compiled)
        return compiled

    def bounded(self, pointer: str) -> Callable[[Any], bool] | None:
        """A jsonschema-rs verdict on the schema at ``pointer`` that is True only for a value
        that is valid *and* nested at most ``MAX_DATA_DEPTH`` deep, in one walk (``_schema.depth``);
        False says "invalid, or maybe too deep": measure and validate the usual way. None when
        there is no such verdict (python engine, a document that cannot be bounded statically,
        a schema that does not bound its value). Made once per pointer."""
        if not self._use_rs:
            return None
        with self._lock:
            if pointer in self._bounded:
                return self._bounded[pointer]
            if self._bounded_source is _NOT_MADE:
                self._rust_registry()  # the document as jsonschema-rs sees it: the copy starts there
                copy = depth_bounded(self._rs_document, MAX_DATA_DEPTH)
                assert jsonschema_rs is not None
                self._bounded_source = (
                    None if copy is None else (copy, jsonschema_rs.Registry([(BOUNDED_URI, copy.document)]))
                )
            verdict: Callable[[Any], bool] | None = None
            source: tuple[DepthBounded, Any] | None = self._bounded_source
            if source is not None and source[0].bounds(pointer):
                assert jsonschema_rs is not None
                try:
                    verdict = jsonschema_rs.validator_for(
                        {"$ref": BOUNDED_URI + pointer_to_fragment(pointer)},
                        registry=source[1],
                        offline=True,
                        **self._rs_format_options(set()),
                        **self._rs_dialect_options(set()),
                    ).is_valid
                except (jsonschema_rs.ValidationError, jsonschema_rs.ReferencingError, ValueError):
                    verdict = None  # the usual way still explains what is wrong
            self._bounded[pointer] = verdict
            return verdict

    def variant_validator(
        self,
        name: str,
        make: Callable[[Mapping[str, Any]], list[tuple[str, Any]]],
        schema: Mapping[str, Any],
        **options: Any,
    ) -> Any:
        """A jsonschema-rs validator for ``schema`` against the document plus the resources
        ``make(document)`` returns, made once per ``name`` (``_drift`` adds a relaxed copy of
        the document under its own URI); the verdict rewrites apply to them too. ``options``
        go to ``jsonschema_rs.validator_for`` (e.g. ``keywords``). None without jsonschema-rs.
        """
        if not self._use_rs:
            return None
        assert jsonschema_rs is not None
        with self._lock:
            variants: dict[str, tuple[Any, set[str]]] = self.__dict__.setdefault("_variants", {})
            hit = variants.get(name)
            if hit is None:
                used: set[str] = set()
                docs = [(SPEC_URI, self._document), *self._extra.items(), *make(self._document)]
                registry = jsonschema_rs.Registry(
                    [(uri, exclusive_one_of_as_any_of(with_format_patterns(doc, used), doc)) for uri, doc in docs]
                )
                hit = variants[name] = (registry, used)
        registry, used = hit
        left = set(used)
        top = with_format_patterns(dict(schema), left)
        return jsonschema_rs.validator_for(
            top, registry=registry, offline=True, **self._rs_format_options(left), **options
        )

    def _python_validator(self, schema: Mapping[str, Any]) -> Any:
        from ._explain import explaining_validator

        return explaining_validator(schema, self._python_registry())

    def reference_validator(self, schema: Mapping[str, Any]) -> Any:
        """Plain python-jsonschema (no discriminator explanations), for agreement checks."""
        from ._explain import reference_validator

        return reference_validator(schema, self._python_registry())


def _always(_value: str) -> bool:
    return True
