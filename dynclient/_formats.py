"""The string formats dynclient asserts, one function each, shared by every schema engine.

Both engines (jsonschema-rs for speed, python-jsonschema for messages) are handed
these same functions, so they can never disagree on a format. Formats not listed
here are annotations only, as JSON Schema 2020-12 specifies by default.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

__all__ = ["FORMATS"]

_DATE_TIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_UUID4 = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-4[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$"
)
# A practical address check: one @, a non-empty local part without spaces,
# a dotted domain of letters, digits and hyphens.
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)


def is_date_time(value: str) -> bool:
    """RFC 3339 date-time (seconds required, offset required)."""
    m = _DATE_TIME.match(value)
    if m is None:
        return False
    year, month, day, hour, minute, second = (int(m.group(i)) for i in range(1, 7))
    if hour > 23 or minute > 59 or second > 60:
        return False
    offset = m.group(8)
    if len(offset) == 6 and (int(offset[1:3]) > 23 or int(offset[4:6]) > 59):
        return False
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def is_date(value: str) -> bool:
    if _DATE.match(value) is None:
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def is_uuid(value: str) -> bool:
    return _UUID.match(value) is not None


def is_uuid4(value: str) -> bool:
    """A UUID whose version nibble is 4 and variant is RFC 4122."""
    return _UUID4.match(value) is not None


def is_email(value: str) -> bool:
    if len(value) > 254 or _EMAIL.match(value) is None:
        return False
    local = value.rsplit("@", 1)[0]
    return len(local) <= 64 and not local.startswith(".") and not local.endswith(".") and ".." not in local


FORMATS: dict[str, Callable[[str], bool]] = {
    "date-time": is_date_time,
    "date": is_date,
    "email": is_email,
    "uuid": is_uuid,
    "uuid4": is_uuid4,
}
