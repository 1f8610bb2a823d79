"""Realistic, spec-valid payloads for the benchmark, built programmatically and deterministically.

* ``customer()``       one customer (metadata, billing address, tax id)
* ``customers_page()`` a 100-item ``customers_list`` page with pagination
* ``customer_state()`` a customer state with subscriptions, meters and benefit grants
* ``create_body()``    a ``customers_create`` request body

``check_payloads()`` proves them valid against the bundled spec with dynclient's
engine and parseable by the official SDK (so no contender is handed something it
would reject).
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

SEED = 20261125
ORG_ID = "1dbfc517-0bbf-4301-9ba8-555ca42b9737"
CUSTOMER_ID = "992fae2a-2a17-4b7a-8d9e-e287cf90131b"
PAGE_SIZE = 100

_COUNTRIES = ["US", "SE", "FR", "DE", "GB", "NL", "CA", "AU", "JP", "ES"]
_TAX = [("911144442", "us_ein"), ("FR61954506077", "eu_vat"), ("GB123456789", "gb_vat"), ("SE556677889901", "eu_vat")]
_CITIES = ["Stockholm", "Paris", "Berlin", "London", "Amsterdam", "Toronto", "Sydney", "Tokyo", "Madrid", "Austin"]
_FIRST = ["Ada", "Linus", "Grace", "Alan", "Barbara", "Ken", "Margaret", "Dennis", "Frances", "John"]
_LAST = ["Lovelace", "Torvalds", "Hopper", "Turing", "Liskov", "Thompson", "Hamilton", "Ritchie", "Allen", "Backus"]


def _uuid4(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _ts(rng: random.Random, base: datetime | None = None) -> str:
    base = base or datetime(2026, 1, 1, tzinfo=UTC)
    moment = base + timedelta(seconds=rng.randrange(0, 300 * 86400), microseconds=rng.randrange(0, 10**6))
    return moment.isoformat().replace("+00:00", "Z")


def _customer(rng: random.Random, i: int, *, customer_id: str | None = None) -> dict[str, Any]:
    first, last = _FIRST[i % 10], _LAST[(i // 10) % 10]
    team = i % 7 == 6
    country = _COUNTRIES[i % len(_COUNTRIES)]
    tax = _TAX[i % len(_TAX)]
    return {
        "id": customer_id or _uuid4(rng),
        "created_at": _ts(rng),
        "modified_at": _ts(rng) if i % 3 else None,
        "metadata": {"plan": ["free", "pro", "team"][i % 3], "seats": 1 + i % 25, "beta": i % 2 == 0, "ltv": 12.5 * i},
        "external_id": f"usr_{1000 + i}",
        "email": f"{first.lower()}.{last.lower()}{i}@example.com",
        "email_verified": i % 4 != 0,
        "type": "team" if team else "individual",
        "name": f"{first} {last}",
        "billing_name": f"{first} {last}" if i % 2 else None,
        "billing_address": {
            "line1": f"{10 + i} Main Street",
            "line2": None if i % 2 else f"Suite {i}",
            "postal_code": f"{10000 + i * 7}",
            "city": _CITIES[i % len(_CITIES)],
            "state": "TX" if country == "US" else None,
            "country": country,
        },
        "tax_id": list(tax),
        "locale": "en",
        "organization_id": ORG_ID,
        "default_payment_method_id": _uuid4(rng) if i % 2 else None,
        "deleted_at": None,
        "first_user_event_at": _ts(rng) if i % 5 else None,
        "avatar_url": f"https://avatars.example.com/{i}.png",
    }


def customer() -> dict[str, Any]:
    """A single customer, as ``customers_get`` returns it."""
    return _customer(random.Random(SEED), 1, customer_id=CUSTOMER_ID)


def customers_page(size: int = PAGE_SIZE) -> dict[str, Any]:
    """A ``customers_list`` page of ``size`` customers."""
    rng = random.Random(SEED + 1)
    return {
        "items": [_customer(rng, i) for i in range(size)],
        "pagination": {"total_count": 1234, "max_page": 13},
    }


#: pages of ``customers_pages()``: what ``bench.pagination`` walks
PAGES = 40


def customers_pages(pages: int = PAGES, size: int = PAGE_SIZE) -> list[dict[str, Any]]:
    """``pages`` distinct ``customers_list`` pages of ``size`` customers each (``max_page`` says
    ``pages``): a listing a client walks from page 1 to the last."""
    rng = random.Random(SEED + 2)
    return [
        {
            "items": [_customer(rng, n * size + i) for i in range(size)],
            "pagination": {"total_count": pages * size, "max_page": pages},
        }
        for n in range(pages)
    ]


def customer_state(subscriptions: int = 0) -> dict[str, Any]:
    """``customers_get_state``: the customer, 3 benefit grants, 2 meters and ``subscriptions`` subscriptions.

    The default has no active subscription: polar-sdk 1.0.2 cannot load any state that
    has one (its ``CustomerStateSubscription.status`` is typed with another schema's
    ``Status`` literal, ``'disabled' | 'granted'``, and it requires ``seats``/``units``,
    which the 2026-10 spec does not define), and every contender must parse the payload.
    """
    rng = random.Random(SEED + 2)
    state = _customer(rng, 1, customer_id=CUSTOMER_ID)
    state["type"] = "individual"
    state["active_subscriptions"] = [
        {
            "id": _uuid4(rng),
            "created_at": _ts(rng),
            "modified_at": _ts(rng),
            "custom_field_data": {"company_size": "11-50", "seats": 12},
            "metadata": {"source": "checkout"},
            "status": "active" if k == 0 else "trialing",
            "amount": 4900 + 100 * k,
            "currency": "usd",
            "recurring_interval": "month",
            "current_period_start": "2026-11-01T00:00:00Z",
            "current_period_end": "2026-12-01T00:00:00Z",
            "trial_start": None,
            "trial_end": None,
            "cancel_at_period_end": False,
            "canceled_at": None,
            "started_at": "2026-01-01T00:00:00Z",
            "ends_at": None,
            "product_id": _uuid4(rng),
            "discount_id": None,
            "meters": [
                {
                    "created_at": _ts(rng),
                    "modified_at": None,
                    "id": _uuid4(rng),
                    "consumed_units": 1234.5,
                    "credited_units": 1000,
                    "amount": 250,
                    "meter_id": _uuid4(rng),
                }
            ],
        }
        for k in range(subscriptions)
    ]
    state["granted_benefits"] = [
        {
            "id": _uuid4(rng),
            "created_at": _ts(rng),
            "modified_at": None,
            "granted_at": _ts(rng),
            "benefit_id": _uuid4(rng),
            "benefit_type": kind,
            "benefit_metadata": {"tier": k},
            "properties": props,
        }
        for k, (kind, props) in enumerate(
            [
                ("custom", {}),
                ("feature_flag", {}),
                ("license_keys", {"license_key_id": "lk_123", "display_key": "****-ABCD"}),
            ]
        )
    ]
    state["active_meters"] = [
        {
            "id": _uuid4(rng),
            "created_at": _ts(rng),
            "modified_at": _ts(rng),
            "meter_id": _uuid4(rng),
            "consumed_units": 42.0 + k,
            "credited_units": 100,
            "balance": 58.0 - k,
        }
        for k in range(2)
    ]
    return state


def create_body() -> dict[str, Any]:
    """A ``customers_create`` body (an individual with metadata and a billing address)."""
    return {
        "type": "individual",
        "email": "ada.lovelace@example.com",
        "external_id": "usr_1337",
        "name": "Ada Lovelace",
        "metadata": {"plan": "pro", "seats": 3},
        "billing_address": {"line1": "1 Main Street", "city": "Stockholm", "postal_code": "11122", "country": "SE"},
        "locale": "en",
    }


def check_payloads() -> None:
    """Raise AssertionError unless every payload is valid for dynclient and loads in the official SDK."""
    from dynclient import load_spec
    from dynclient._operation import runtime_for

    spec = load_spec()
    engine = runtime_for(spec).engine
    pointers = {
        "customers_get": customer(),
        "customers_list": customers_page(),
        "customers_get_state": customer_state(),
        "customers_get_state ": customer_state(subscriptions=2),
    }
    for name, payload in pointers.items():
        response = spec[name.strip()].response_for(200)
        assert response is not None and response.schema is not None, name
        compiled = engine.for_pointer(response.schema.pointer)
        errors = compiled.errors(payload, "body")
        assert not errors, f"{name} payload is not spec-valid: {errors[:3]}"
    body_schema = spec["customers_create"].request_body
    assert body_schema is not None and body_schema.schema is not None
    errors = engine.for_pointer(body_schema.schema.pointer).errors(create_body(), "body")
    assert not errors, f"create body is not spec-valid: {errors[:3]}"
    try:
        from polar.base import deserialize
        from polar.v2026_10.outputs import Customer, CustomerState, ListResourceCustomer
    except ImportError:  # the official SDK is a bench-only dependency
        return
    page = deserialize(customers_page(), ListResourceCustomer)
    assert len(page.items) == PAGE_SIZE
    assert deserialize(customer(), Customer).id == CUSTOMER_ID
    assert deserialize(customer_state(), CustomerState).id == CUSTOMER_ID
