"""Why an instance is invalid: python-jsonschema, explained and located.

Imported on first use by ``_validation`` (when the python engine compiles, or when
jsonschema-rs has said "invalid"), so a program whose calls all validate never pays
for importing python-jsonschema and referencing. OpenAPI's ``discriminator`` names
the branch that was meant; both engines share the format definitions of ``_formats``
and the dialect of ``_dialect``: every keyword that runs a regular expression
(``pattern``, ``patternProperties``, and ``additionalProperties``/``unevaluatedProperties``,
which consult ``patternProperties``) asks ``_dialect.search`` instead of Python's
backtracking ``re``, and ``multipleOf`` is ``_dialect.is_multiple_of``. So an explanation
costs what the verdict cost, and the two engines cannot disagree on what a pattern means.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, cast

import jsonschema
import jsonschema.exceptions
import jsonschema.validators
import referencing
import referencing.jsonschema
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError as _ValidationError

from ._dialect import is_multiple_of, pattern_failure, search
from ._errors import FieldError
from ._formats import FORMATS
from ._schema.keywords import IN_PLACE_LIST, UNIONS
from ._schema.unions import discriminator
from ._secrets import clip

__all__ = ["explaining_validator", "field_errors", "judged_errors", "python_registry", "reference_validator"]

_draft_one_of = Draft202012Validator.VALIDATORS["oneOf"]
_FORMAT_CHECKER = FormatChecker(formats=())


def _strings_only(check: Callable[[str], bool]) -> Callable[[object], bool]:
    """Formats constrain strings only (python-jsonschema also calls checkers for other types)."""
    return lambda value: not isinstance(value, str) or check(value)


for _name, _fn in FORMATS.items():
    _FORMAT_CHECKER.checks(_name)(cast(Any, _strings_only(_fn)))


def _discriminated_one_of(
    validator: Any, one_of: Any, instance: Any, schema: Mapping[str, Any]
) -> Iterator[_ValidationError]:
    """``oneOf``; when it fails and the schema has a discriminator, explain via the named branch.

    The verdict is exactly standard ``oneOf``'s; only the explanation changes.
    """
    errors = list(_draft_one_of(validator, one_of, instance, schema))
    if not errors:
        return
    disc = discriminator(schema)
    if disc is None or not isinstance(instance, dict):
        yield from errors
        return
    prop = disc.property
    if prop not in instance:
        yield _ValidationError(  # located at the object: the missing key is appended when reported
            f"{prop!r} is a required property (it selects the variant)",
            validator="required",
            validator_value=[prop],
        )
        return
    value = instance[prop]
    target = disc.target(value)
    if target is None:
        allowed = ", ".join(repr(k) for k in disc.mapping)
        yield _ValidationError(
            f"{value!r} is not a known {prop!r}; expected one of {allowed}",
            validator="discriminator",
            validator_value=schema["discriminator"],
            path=[prop],
        )
        return
    yield from validator.descend(instance, {"$ref": target})


# -- the shared dialect (``_dialect``) as python-jsonschema keywords -----------------------
# Same verdicts and messages as python-jsonschema's own keywords, with its ``re.search``
# replaced by ``_dialect.search`` and its float arithmetic by ``_dialect.is_multiple_of``.


def _pattern(validator: Any, pattern: str, instance: Any, schema: Mapping[str, Any]) -> Iterator[_ValidationError]:
    if validator.is_type(instance, "string") and not search(pattern, instance):
        yield _ValidationError(f"{_short(instance)} {pattern_failure(pattern, instance)}")


def _pattern_properties(
    validator: Any, patterns: Mapping[str, Any], instance: Any, schema: Mapping[str, Any]
) -> Iterator[_ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for key, value in instance.items():
            if search(pattern, key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def additional_keys(instance: Mapping[str, Any], schema: Any) -> list[str]:
    """Keys of ``instance`` that neither ``properties`` nor ``patternProperties`` of ``schema`` cover."""
    if not isinstance(schema, Mapping):
        return list(instance)
    properties = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    return [k for k in instance if k not in properties and not any(search(p, k) for p in patterns)]


def _additional_properties(
    validator: Any, additional: Any, instance: Any, schema: Mapping[str, Any]
) -> Iterator[_ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    extras = set(additional_keys(instance, schema))
    if validator.is_type(additional, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], additional, path=extra)
    elif not additional and extras:
        keys = sorted(extras, key=str)
        shown = ", ".join(repr(e) for e in keys)
        if "patternProperties" in schema:
            verb = "does" if len(extras) == 1 else "do"
            patterns = ", ".join(repr(p) for p in sorted(schema["patternProperties"]))
            yield _keyed(_ValidationError(f"{shown} {verb} not match any of the regexes: {patterns}"), keys)
        else:
            verb = "was" if len(extras) == 1 else "were"
            yield _keyed(_ValidationError(f"Additional properties are not allowed ({shown} {verb} unexpected)"), keys)


def _keyed(err: _ValidationError, keys: list[str]) -> _ValidationError:
    """``err`` carrying the offending keys (``_judged`` reports one error per key)."""
    err.dynclient_keys = keys  # type: ignore[attr-defined]
    return err


def _evaluated_keys(validator: Any, instance: Mapping[str, Any], schema: Any) -> list[str]:
    """The keys of ``instance`` that ``schema`` evaluates (for ``unevaluatedProperties``): a port
    of python-jsonschema's ``find_evaluated_property_keys_by_schema`` using ``_dialect.search``."""
    if validator.is_type(schema, "boolean") or not isinstance(schema, Mapping):
        return []
    keys: list[str] = []
    for ref_keyword in ("$ref", "$dynamicRef"):
        ref = schema.get(ref_keyword)
        if ref is not None:
            resolved = validator._resolver.lookup(ref)
            keys += _evaluated_keys(
                validator.evolve(schema=resolved.contents, _resolver=resolved.resolver), instance, resolved.contents
            )
    properties = schema.get("properties")
    if isinstance(properties, Mapping):
        keys += properties.keys() & instance.keys()
    for keyword in ("additionalProperties", "unevaluatedProperties"):
        subschema = schema.get(keyword)
        if subschema is not None:
            keys += [k for k, v in instance.items() if _no_errors(validator.descend(v, subschema))]
    if "patternProperties" in schema:
        keys += [k for k in instance for p in schema["patternProperties"] if search(p, k)]
    for prop, subschema in (schema.get("dependentSchemas") or {}).items():
        if prop in instance:
            keys += _evaluated_keys(validator, instance, subschema)
    for keyword in IN_PLACE_LIST:
        for subschema in schema.get(keyword, []):
            if _no_errors(validator.descend(instance, subschema)):
                keys += _evaluated_keys(validator, instance, subschema)
    if "if" in schema:
        if validator.evolve(schema=schema["if"]).is_valid(instance):
            keys += _evaluated_keys(validator, instance, schema["if"])
            if "then" in schema:
                keys += _evaluated_keys(validator, instance, schema["then"])
        elif "else" in schema:
            keys += _evaluated_keys(validator, instance, schema["else"])
    return keys


def _no_errors(errors: Iterator[_ValidationError]) -> bool:
    return next(errors, None) is None


def _unevaluated_properties(
    validator: Any, unevaluated: Any, instance: Any, schema: Mapping[str, Any]
) -> Iterator[_ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    evaluated = _evaluated_keys(validator, instance, schema)
    bad = [
        key
        for key in instance
        if key not in evaluated
        and not _no_errors(validator.descend(instance[key], unevaluated, path=key, schema_path=key))
    ]
    if bad:
        keys = sorted(bad, key=str)
        shown = ", ".join(repr(k) for k in keys)
        verb = "was" if len(bad) == 1 else "were"
        if unevaluated is False:
            yield _keyed(_ValidationError(f"Unevaluated properties are not allowed ({shown} {verb} unexpected)"), keys)
        else:
            message = f"Unevaluated properties are not valid under the given schema ({shown} {verb} unevaluated"
            yield _keyed(_ValidationError(message + " and invalid)"), keys)


def _multiple_of(validator: Any, divisor: Any, instance: Any, schema: Mapping[str, Any]) -> Iterator[_ValidationError]:
    if validator.is_type(instance, "number") and not is_multiple_of(instance, divisor):
        yield _ValidationError(f"{instance!r} is not a multiple of {divisor!r}")


_DIALECT_KEYWORDS = {
    "pattern": _pattern,
    "patternProperties": _pattern_properties,
    "additionalProperties": _additional_properties,
    "unevaluatedProperties": _unevaluated_properties,
    "multipleOf": _multiple_of,
}
#: Draft 2020-12 in dynclient's dialect: the reference the agreement tests compare against.
_DialectValidator = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator, _DIALECT_KEYWORDS
)
_ExplainingValidator = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
    _DialectValidator, {"oneOf": _discriminated_one_of}
)


def _short(value: Any, limit: int = 120) -> str:
    # scrubbed whole before the cut, and the cut never ends in a token's beginning (_secrets.clip)
    return clip(repr(value), limit)


def _message(err: _ValidationError) -> str:
    kw = err.validator
    if kw == "enum" and isinstance(err.validator_value, list):
        values = err.validator_value
        shown = ", ".join(_short(v, 40) for v in values[:8])
        more = f", ... ({len(values)} allowed values)" if len(values) > 8 else ""
        return f"{_short(err.instance)} is not one of {shown}{more}"
    if kw == "const":
        return f"{_short(err.instance)} is not {err.validator_value!r}"
    if kw == "type":
        return f"{_short(err.instance)} is not of type {err.validator_value!r}"
    if kw == "format":
        return f"{_short(err.instance)} is not a valid {err.validator_value!r}"
    return clip(str(err.message), 300)


def _root_type_failure(errs: list[_ValidationError], depth: int) -> bool:
    return any(e.validator == "type" and len(e.absolute_path) == depth for e in errs)


def _leaves(err: _ValidationError) -> list[_ValidationError]:
    """Descend into anyOf/oneOf failures to the errors of the branch that was meant."""
    if err.validator not in UNIONS or not err.context:
        return [err]
    depth = len(err.absolute_path)
    branches: dict[Any, list[_ValidationError]] = defaultdict(list)
    for e in err.context:
        branches[e.schema_path[0] if e.schema_path else None].append(e)
    candidates = {k: v for k, v in branches.items() if not _root_type_failure(v, depth)}
    if not candidates:
        types = [
            e.validator_value
            for v in branches.values()
            for e in v
            if e.validator == "type" and len(e.absolute_path) == depth
        ]
        flat = sorted({str(t) for ty in types for t in (ty if isinstance(ty, list) else [ty])})
        return [
            _ValidationError(
                f"{_short(err.instance)} is not of type {' or '.join(repr(t) for t in flat)}",
                validator="type",
                validator_value=flat,
                instance=err.instance,
                path=list(err.absolute_path),
            )
        ]

    def score(errs: list[_ValidationError]) -> tuple[int, int, int]:
        # A variant whose tag-like field (a direct ``const``) has another value is not the one
        # meant; next, one whose required keys are missing; then the fewest errors wins.
        tag_misses = sum(1 for e in errs if e.validator == "const" and len(e.absolute_path) == depth + 1)
        missing = sum(1 for e in errs if e.validator == "required" and len(e.absolute_path) == depth)
        return tag_misses, missing, len(errs)

    ranked = sorted(candidates.values(), key=score)
    best = ranked[0]
    if len(ranked) > 1 and score(ranked[1]) == score(best):
        return [err]
    return [leaf for e in best for leaf in _leaves(e)]


def _is_drift(err: _ValidationError, depth: int | None = None) -> bool:
    """Whether a leaf error is *additive drift*: the server knows a value or a field the spec
    does not yet (a string outside an ``enum``/``const``, an unknown discriminator value, a
    property where ``additionalProperties``/``unevaluatedProperties`` is false)."""
    kw = err.validator
    if kw in ("enum", "const"):
        return isinstance(err.instance, str)
    if kw == "discriminator":
        return True
    if kw in ("additionalProperties", "unevaluatedProperties"):
        return err.validator_value is False
    if kw in UNIONS and err.context:
        # an unknown variant of a union told apart by a tag-like const: every branch fails on
        # a string const/enum one level down (no discriminator keyword names it)
        here = len(err.absolute_path)
        branches: dict[Any, list[_ValidationError]] = defaultdict(list)
        for e in err.context:
            branches[e.schema_path[0] if e.schema_path else None].append(e)
        return all(
            any(
                e.validator in ("const", "enum") and isinstance(e.instance, str) and len(e.absolute_path) == here + 1
                for e in errs
            )
            for errs in branches.values()
        )
    return False


def _judged(errors: Iterable[_ValidationError], prefix: str) -> list[tuple[FieldError, bool]]:
    """Located errors, each with whether it is additive drift (see ``_is_drift``)."""
    out: list[tuple[FieldError, bool]] = []

    def add(path: list[Any], message: str, keyword: str, drift: bool) -> None:
        out.append((FieldError.at(path, message, keyword, prefix=prefix), drift))

    for top in errors:
        for err in _leaves(top):
            path = list(err.absolute_path)
            if err.validator == "required" and isinstance(err.validator_value, list):
                missing = [
                    k for k in err.validator_value if isinstance(err.instance, dict) and k not in err.instance
                ] or [None]
                for key in missing:
                    if key is None:
                        add(path, _message(err), "required", False)
                    else:
                        add([*path, key], "required field is missing", "required", False)
                continue
            if err.validator in ("additionalProperties", "unevaluatedProperties") and isinstance(err.instance, dict):
                extra: list[str | None] = list(getattr(err, "dynclient_keys", None) or []) or [None]
                for key in extra:
                    add(
                        path if key is None else [*path, key],
                        "unknown field (not in the schema)",
                        str(err.validator),
                        _is_drift(err),
                    )
                continue
            add(path, _message(err), str(err.validator), _is_drift(err))
    # one entry per location and message, in a stable order
    seen: dict[tuple[str, str], tuple[FieldError, bool]] = {}
    for fe, drift in out:
        seen.setdefault((fe.location, fe.message), (fe, drift))
    return sorted(seen.values(), key=lambda pair: pair[0].location)


def field_errors(errors: Iterable[_ValidationError], prefix: str) -> list[FieldError]:
    """Located, de-duplicated errors, in location order."""
    return [fe for fe, _drift in _judged(errors, prefix)]


def judged_errors(errors: Iterable[_ValidationError], prefix: str) -> list[tuple[FieldError, bool]]:
    """Like ``field_errors``, each error paired with whether it is additive drift."""
    return _judged(errors, prefix)


def python_registry(resources: Iterable[tuple[str, Mapping[str, Any]]]) -> referencing.Registry[Any]:
    """The documents, by URI, for python-jsonschema to resolve ``$ref`` against."""
    spec = referencing.jsonschema.DRAFT202012
    return referencing.Registry().with_resources(
        [(uri, referencing.Resource.from_contents(doc, default_specification=spec)) for uri, doc in resources]
    )


def explaining_validator(schema: Mapping[str, Any], registry: referencing.Registry[Any]) -> Any:
    """python-jsonschema for ``schema``, with the discriminator-aware ``oneOf``."""
    cls = cast(Any, _ExplainingValidator)
    return cls(dict(schema), registry=registry, format_checker=_FORMAT_CHECKER)


def reference_validator(schema: Mapping[str, Any], registry: referencing.Registry[Any]) -> Any:
    """python-jsonschema Draft 2020-12 in dynclient's dialect, without discriminator
    explanations, for agreement checks."""
    cls = cast(Any, _DialectValidator)
    return cls(dict(schema), registry=registry, format_checker=_FORMAT_CHECKER)
