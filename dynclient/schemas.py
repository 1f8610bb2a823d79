"""The bundled spec's schema types, importable by name for annotations.

Their static types (TypedDicts and aliases) are in ``schemas.pyi``, rendered from the
spec; at run time each name is a placeholder class (a ``dict`` subclass), so
``from dynclient.schemas import X`` works in code that runs as well as in code that is
only checked. The names come from the same function that names the stub's types, so
the module and its stub export exactly the same list.
"""

from __future__ import annotations

import functools
from typing import Any


@functools.cache
def _names() -> tuple[str, ...]:
    from ._pytypes.analysis import schema_type_names
    from ._spec import load_spec

    return schema_type_names(load_spec())


def __getattr__(name: str) -> Any:
    if name == "__all__":
        return list(_names())
    if name in _names():
        placeholder = type(name, (dict,), {"__module__": __name__, "__doc__": "JSON object (see schemas.pyi)."})
        globals()[name] = placeholder
        return placeholder
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_names()))
