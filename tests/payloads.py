"""Spec-valid payloads for tests (test data may name Polar's schemas; the package source may not)."""

from __future__ import annotations

import uuid
from typing import Any

ORG_ID = "1dbfc517-0bbf-4301-9ba8-555ca42b9737"
CUSTOMER_ID = "992fae2a-2a17-4b7a-8d9e-e287cf90131b"


def uuid4_from(n: int) -> str:
    """A deterministic, valid version-4 UUID."""
    return str(uuid.UUID(int=(n * 0x9E3779B97F4A7C15) % (1 << 128), version=4))


def customer(n: int = 0, *, kind: str = "individual") -> dict[str, Any]:
    """A Customer (CustomerIndividual or CustomerTeam) with every required field."""
    return {
        "id": CUSTOMER_ID if n == 0 else uuid4_from(n),
        "created_at": "2026-01-02T03:04:05Z",
        "modified_at": None if n % 2 else "2026-02-03T04:05:06.123456+00:00",
        "metadata": {"plan": "pro", "seats": n, "vip": n % 3 == 0, "score": 1.5},
        "external_id": f"usr_{n}",
        "email": f"customer{n}@example.com",
        "email_verified": bool(n % 2),
        "type": kind,
        "name": f"Customer {n}",
        "billing_name": None,
        "billing_address": {
            "line1": f"{n} Main St",
            "line2": None,
            "postal_code": "10001",
            "city": "New York",
            "state": "US-NY",
            "country": "US",
        },
        "tax_id": ["911144442", "us_ein"] if n % 2 == 0 else None,
        "locale": "en",
        "organization_id": ORG_ID,
        "default_payment_method_id": None,
        "deleted_at": None,
        "first_user_event_at": None,
        "avatar_url": "https://www.gravatar.com/avatar/xxx?d=404",
    }


def customer_page(items: int = 100, *, page: int = 1, max_page: int = 1, start: int = 0) -> dict[str, Any]:
    return {
        "items": [customer(start + i, kind="team" if (start + i) % 5 == 4 else "individual") for i in range(items)],
        "pagination": {"total_count": items * max_page, "max_page": max_page},
    }


def customer_state(kind: str = "individual") -> dict[str, Any]:
    state = customer(0, kind=kind)
    state.update(
        active_subscriptions=[
            {
                "id": uuid4_from(101),
                "created_at": "2026-01-01T00:00:00Z",
                "modified_at": None,
                "custom_field_data": {},
                "metadata": {},
                "status": "active",
                "amount": 1000,
                "currency": "usd",
                "recurring_interval": "month",
                "current_period_start": "2026-01-01T00:00:00Z",
                "current_period_end": "2026-02-01T00:00:00Z",
                "trial_start": None,
                "trial_end": None,
                "cancel_at_period_end": False,
                "canceled_at": None,
                "started_at": "2026-01-01T00:00:00Z",
                "ends_at": None,
                "product_id": uuid4_from(102),
                "discount_id": None,
                "meters": [],
            }
        ],
        granted_benefits=[],
        active_meters=[],
    )
    return state


NOT_FOUND = {"error": "ResourceNotFound", "detail": "Customer not found."}
UNPROCESSABLE = {
    "detail": [{"loc": ["body", "email"], "msg": "value is not a valid email address", "type": "value_error"}]
}
EXPORT_CSV = "id,email,name\n992fae2a-2a17-4b7a-8d9e-e287cf90131b,customer0@example.com,Customer 0\n"
