"""Reading a ``Retry-After`` header: one total function, no dependencies (``_errors`` and
``_retry`` both ask it)."""

from __future__ import annotations

import email.utils
import math
import re
import time
from datetime import UTC

__all__ = ["retry_after_seconds"]

_SECONDS = re.compile(r"^[0-9]+(\.[0-9]+)?$")
#: A longer Retry-After value is not read at all (an HTTP-date is 29 characters).
_MAX_RETRY_AFTER_CHARS = 64


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds a ``Retry-After`` value asks for (delta-seconds or HTTP-date), or None if unusable.

    ``now`` is the wall-clock time (``time.time()``) to measure a date against.
    Total over whatever a server sends: a negative, non-finite, overflowing or otherwise
    unreadable value is None (the caller falls back to its own backoff), never an exception.
    """
    if not isinstance(value, str) or len(value) > _MAX_RETRY_AFTER_CHARS:
        return None
    raw = value.strip()
    if _SECONDS.match(raw):
        seconds = float(raw)
        return seconds if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(raw)
        if when.tzinfo is None:  # "-0000" and obsolete forms: HTTP dates are always UTC
            when = when.replace(tzinfo=UTC)
        seconds = when.timestamp() - (time.time() if now is None else now)
    except (TypeError, ValueError, IndexError, OverflowError, OSError):
        return None  # e.g. "Sun, 06 Nov 99999999999999999999 08:49:37 GMT"
    return max(0.0, seconds) if math.isfinite(seconds) else None
