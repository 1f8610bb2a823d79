"""Drift or violation: how a value that fails its schema is judged (responses, webhook payloads).

Servers move ahead of their specs. A change is *additive drift* when the server knows
something the spec does not yet: a string outside an ``enum`` or ``const`` (a new value), a
discriminator value that names no known branch (a new kind of object, returned as it came),
a property where ``additionalProperties``/``unevaluatedProperties`` is ``false``. Everything
else (a wrong type, a missing required property, a bad format, ...) is a *violation*.

``judge`` is the one place that decides; the client's ``validate_responses="compatible"``
mode and webhook parsing both ask it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._errors import FieldError
from ._validation import Compiled

__all__ = ["Verdict", "judge"]


@dataclass(frozen=True)
class Verdict:
    """What is wrong with a value: additive ``drift`` and ``violations`` (both empty: valid)."""

    drift: tuple[FieldError, ...] = ()
    violations: tuple[FieldError, ...] = ()

    @property
    def valid(self) -> bool:
        return not self.drift and not self.violations


_VALID = Verdict()


def judge(compiled: Compiled, instance: Any, prefix: str = "body") -> Verdict:
    """The verdict on ``instance``: the fast engine's answer, explained only when invalid."""
    if compiled.is_valid(instance):
        return _VALID
    judged = compiled.judged(instance, prefix)
    return Verdict(
        drift=tuple(fe for fe, drift in judged if drift),
        violations=tuple(fe for fe, drift in judged if not drift),
    )
