"""Which names from a spec may become Python names, and how: identifiers, type and error-class
names, client members, keyword parameters, TypedDict keys, HTTP header and cookie names. One
rule each, used by the runtime, the stub renderer, ``help()`` and the CLI alike.

**Identifiers and type names.** ``identifier`` turns every character that cannot be in an
identifier into ``_`` (operation names, groups, inline type names). ``type_name`` is the
Python name of a component schema or an error-response title: its identifier, with ``T`` in
front of a leading digit and ``_`` after a Python keyword or soft keyword or one of the module
names the stubs spell types with (``RESERVED``), so ``client.errors.<Name>`` and the stubs'
``<Name>`` are the same name, always usable.

**Client members.** Operation groups and group-less operations become attributes of the
client (``client.customers``), and deeper groups and methods attributes of an
``OperationGroup``. A spec name may never shadow what a client has of its own, public or
private: a spec must not be able to change how the client behaves (``validate_responses``,
``_log_bodies``, ``_owns_http``...) or break it (``__class__``). The rule:

* no name of a spec (group or method, at any depth) may start with ``_`` (private and
  special names belong to Python and to the client);
* no top-level name may be a member of ``Client`` or ``AsyncClient`` (their methods and
  properties, ``dir()``) or one of the attributes a client instance sets
  (``CLIENT_ATTRIBUTES``); the one exception are the methods of ``MERGEABLE_GROUPS``
  (``webhooks``): a top-level *group* of that name joins the method instead of hiding it
  (``client.webhooks(secret)`` still works, ``client.webhooks.<operation>()`` too).

A spec that breaks it is refused with a ``SpecError`` naming the operation, the name and
what it would shadow, both when a client is made and when stubs are rendered. (It is
refused rather than left off: a client whose surface silently differs from its spec's is
worse; rename the operationId, or load the spec without that operation, ``operations=``.)

**Keyword parameters.** A parameter whose name cannot be a Python keyword parameter in a
signature (``X-Trace``, ``page-size``, ``filter[name]``, a keyword, a name starting with
``__``, which type checkers read as positional-only, non-ASCII, which Python normalizes,
or a name the typed surface itself uses: ``self``, ``operation``, ``max_pages``) is still
a keyword argument at run time (``call(op, **{"page-size": 5})``); signatures (``help()``)
and stubs then type all of an operation's arguments as ``**arguments: Unpack[<op>_Arguments]``.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable, Set

from ._errors import SpecError
from ._ir import Operation

__all__ = [
    "CLIENT_ATTRIBUTES",
    "MERGEABLE_GROUPS",
    "RESERVED",
    "SIGNATURE_RESERVED",
    "check_member_names",
    "error_class_name",
    "identifier",
    "is_class_key",
    "is_http_token",
    "is_keyword_parameter",
    "is_python_name",
    "member_clash",
    "type_name",
]

#: The public attributes a client instance sets in ``__init__`` (its methods and properties
#: are found with ``dir()``); a test checks this against ``vars()`` of real clients.
CLIENT_ATTRIBUTES = frozenset(
    {
        "api_version",
        "base_url",
        "deadline",
        "errors",
        "max_response_bytes",
        "operations",
        "retry",
        "server",
        "spec",
        "validate_responses",
        "version_header",
        "with_raw_response",
    }
)

#: Client methods a top-level operation group of the same name joins instead of clashing with:
#: the group object is callable as the method (``client.webhooks(secret)``) and holds the
#: group's operations (``client.webhooks.list_webhook_endpoints()``): Polar's full spec has a
#: ``webhooks`` group, and ``dynclient.Webhooks`` is also reached as ``client.webhooks``.
MERGEABLE_GROUPS = frozenset({"webhooks"})

#: Names the typed surface uses beside the spec's parameters: ``self`` of the group methods,
#: the positional ``operation`` of ``call()``, ``max_pages`` of ``paginate()``.
SIGNATURE_RESERVED = frozenset({"self", "operation", "max_pages"})

#: Module names the stubs spell types with (``builtins.str``, ``_schemas.Pet``...): no
#: generated type, error class, key declared in class syntax, group or method may take them.
RESERVED = frozenset({"builtins", "collections", "typing", "httpx", "dynclient", "_schemas", "_APIError"})

# RFC 9110 token: header field names; RFC 6265 cookie names are tokens too
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_NON_IDENTIFIER = re.compile(r"[^0-9A-Za-z_]")


def identifier(text: str) -> str:
    """The naming rule: every character that cannot be in an identifier becomes ``_``."""
    return _NON_IDENTIFIER.sub("_", text)


def is_python_name(name: str) -> bool:
    """Whether ``name`` can be a Python attribute or variable name as is (not a keyword)."""
    return name.isidentifier() and not keyword.iskeyword(name)


def type_name(text: str) -> str:
    """The Python name of a component schema (or an error-response title): see the module docstring."""
    name = identifier(text)
    if not name or name[0].isdigit():
        name = "T" + name
    if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in RESERVED:
        name += "_"
    return name


def error_class_name(title: str) -> str:
    """The class of an error-response schema title (``client.errors.<name>``): ``type_name``."""
    return type_name(title)


def is_class_key(key: str) -> bool:
    """Whether a TypedDict's class syntax can declare ``key`` unchanged (else the functional form)."""
    return (
        key.isidentifier()
        and not keyword.iskeyword(key)
        and not (key.startswith("__") and not key.endswith("__"))  # would be name-mangled
        and key not in RESERVED
    )


def is_http_token(name: str) -> bool:
    """Whether ``name`` can be an HTTP header or cookie name (an RFC 9110 token)."""
    return _TOKEN.fullmatch(name) is not None


def is_keyword_parameter(name: str) -> bool:
    """Whether ``name`` can be a keyword-only parameter of a signature, as is."""
    return (
        name.isascii()
        and name.isidentifier()
        and not keyword.iskeyword(name)
        and not name.startswith("__")
        and name not in SIGNATURE_RESERVED
    )


def member_clash(name: str, top_level: bool, client_members: Set[str]) -> str | None:
    """Why ``name`` may not be a spec member (a group or method name), or None."""
    if name.startswith("_"):
        return "starts with '_' (private and special names belong to Python and to the client)"
    if top_level and name in client_members:
        return "would shadow the client's own attribute of that name"
    return None


def check_member_names(
    operations: Iterable[Operation], client_members: Set[str], mergeable: Set[str] = frozenset()
) -> None:
    """SpecError for the first operation whose group or method name breaks the rule.

    ``mergeable``: client methods a top-level *group* of the same name may join (the group
    object stays callable as the method: ``MERGEABLE_GROUPS``); a group-less operation of
    that name would replace the method and is refused like any other clash.
    """
    for op in operations:
        names = (*op.group, op.method_name)
        for depth, name in enumerate(names):
            merged = depth == 0 and bool(op.group) and name in mergeable
            reason = None if merged else member_clash(name, depth == 0, client_members)
            if reason is not None:
                raise SpecError(
                    f"operation {op.name!r} (operationId {op.operation_id!r}): the name {name!r} {reason}; "
                    "no spec name may shadow a client's attributes: rename the operationId, or load the spec "
                    "without this operation (operations=...)",
                    op.pointer,
                )
