"""Media types: which ones are JSON, which body encodings are supported, which one to pick.

A media type is JSON when its essence (type/subtype, parameters dropped, case ignored) is
``application/json`` or ends in ``+json`` (RFC 6839's structured syntax suffix).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["FORM_MEDIA", "is_json", "is_supported_body", "media_essence", "pick_media"]

#: The one non-JSON request body media type supported (flat objects, form-encoded).
FORM_MEDIA = "application/x-www-form-urlencoded"


def media_essence(media_type: str) -> str:
    """``Application/JSON; charset=utf-8`` -> ``application/json``."""
    return media_type.split(";", 1)[0].strip().lower()


def is_json(media_type: str | None) -> bool:
    """Whether a body of ``media_type`` is JSON (``None``: no body, not JSON)."""
    if not media_type:
        return False
    essence = media_essence(media_type)
    return essence == "application/json" or essence.endswith("+json")


def is_supported_body(media_type: str) -> bool:
    """Whether a request body of ``media_type`` can be sent: JSON, or a flat form."""
    return is_json(media_type) or media_essence(media_type) == FORM_MEDIA


def pick_media(content: Any) -> tuple[str | None, Any]:
    """The media type to use from a content map (JSON preferred, else the first) and its object."""
    if not isinstance(content, Mapping) or not content:
        return None, None
    for media in content:
        if is_json(media):
            return media, content[media]
    media = next(iter(content))
    return media, content[media]
