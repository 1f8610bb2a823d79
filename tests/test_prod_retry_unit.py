"""The sans-IO halves of retries and pagination, with a fake clock: no server, no sleeping."""

from __future__ import annotations

import email.utils
from typing import Any

import httpx
import pytest

import dynclient
from dynclient._pagination import PageCursor
from dynclient._retry import RetryState, retry_after_seconds

NOW = 1_800_000_000.0


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def state(policy: dynclient.RetryPolicy, method: str = "GET", clock: FakeClock | None = None) -> RetryState:
    return RetryState(policy, method, clock=clock or FakeClock(), rng=lambda: 0.5, wall_clock=lambda: NOW)


def response(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers=headers)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", 1.0),
        (" 120 ", 120.0),
        ("0", 0.0),
        ("1.5", 1.5),
        (email.utils.formatdate(NOW + 30, usegmt=True), 30.0),
        (email.utils.formatdate(NOW - 30, usegmt=True), 0.0),  # a date in the past: go now
        (email.utils.formatdate(NOW + 7).replace("+0000", "-0000"), 7.0),  # naive form, read as UTC
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
        ("soon", None),
        ("-5", None),
        ("²", None),  # str.isdigit() says yes; float() says no
        ("", None),
        (None, None),
    ],
)
def test_retry_after_values(value: str | None, expected: float | None) -> None:
    got = retry_after_seconds(value, NOW)
    assert got == (pytest.approx(expected) if expected is not None else None)


def test_retryable_statuses_and_attempt_count() -> None:
    s = state(dynclient.RetryPolicy(attempts=3, backoff=1.0, jitter=False))
    assert s.after_response(response(200)) is None
    assert s.after_response(response(500)) is None
    assert s.after_response(response(503)) == 1.0 and s.attempt == 2
    assert s.after_response(response(503)) == 2.0 and s.attempt == 3  # exponential
    assert s.after_response(response(503)) is None and s.attempt == 3  # attempts used up


def test_backoff_has_full_jitter_and_a_ceiling() -> None:
    draws = iter([0.0, 0.999, 0.5])
    s = RetryState(dynclient.RetryPolicy(attempts=9, backoff=4.0, max_backoff=5.0), "GET", rng=lambda: next(draws))
    assert s.after_response(response(502)) == 0.0
    assert s.after_response(response(502)) == pytest.approx(5.0 * 0.999)  # 8 s capped at 5
    assert s.after_response(response(502)) == pytest.approx(2.5)


def test_retry_after_is_honoured_then_capped() -> None:
    s = state(dynclient.RetryPolicy(attempts=5, max_retry_after=10.0, backoff=0.01))
    assert s.after_response(response(429, **{"Retry-After": "3"})) == 3.0
    assert s.after_response(response(429, **{"Retry-After": "3600"})) == 10.0
    date = email.utils.formatdate(NOW + 4, usegmt=True)
    assert s.after_response(response(503, **{"Retry-After": date})) == pytest.approx(4.0)
    assert s.after_response(response(503, **{"Retry-After": "later"})) == pytest.approx(0.01 * 8 * 0.5)


def test_max_elapsed_stops_retrying() -> None:
    clock = FakeClock()
    s = state(dynclient.RetryPolicy(attempts=10, backoff=1.0, jitter=False, max_elapsed=5.0), clock=clock)
    assert s.after_response(response(503)) == 1.0
    clock.now = 3.5
    assert s.after_response(response(503)) is None  # 3.5 + 2 would end past 5 s
    assert s.attempt == 2


@pytest.mark.parametrize("method", ["POST", "PATCH", "post"])
def test_non_idempotent_methods_are_not_retried_unless_opted_in(method: str) -> None:
    dropped = httpx.RemoteProtocolError("peer closed")
    assert state(dynclient.RetryPolicy(), method).after_response(response(503)) is None
    assert state(dynclient.RetryPolicy(), method).after_error(dropped) is None
    opted = dynclient.RetryPolicy(retry_non_idempotent=True)
    assert state(opted, method).after_response(response(503)) is not None
    assert state(opted, method).after_error(dropped) is not None


@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"])
def test_idempotent_methods_are_retried(method: str) -> None:
    assert state(dynclient.RetryPolicy(), method).after_error(httpx.ConnectError("refused")) is not None
    assert state(dynclient.RetryPolicy(), method).after_error(httpx.ReadTimeout("slow")) is not None


def test_errors_that_would_repeat_are_not_retried() -> None:
    assert state(dynclient.RetryPolicy()).after_error(httpx.DecodingError("bad gzip")) is None
    assert state(dynclient.RetryPolicy(retry_connection_errors=False)).after_error(httpx.ConnectError("x")) is None


def test_policy_none_and_custom_statuses() -> None:
    assert state(dynclient.RetryPolicy.none()).after_response(response(503)) is None
    custom = dynclient.RetryPolicy(statuses={500, 409})  # type: ignore[arg-type]
    assert custom.statuses == frozenset({500, 409})
    assert state(custom).after_response(response(409)) is not None
    assert state(custom).after_response(response(503)) is None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"attempts": 0},
        {"attempts": 1.5},
        {"attempts": True},
        {"backoff": -1},
        {"max_elapsed": float("inf")},
        {"max_retry_after": float("nan")},
    ],
)
def test_policy_rejects_nonsense(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        dynclient.RetryPolicy(**kwargs)


# -- PageCursor ----------------------------------------------------------------------------------


def list_op() -> dynclient.Operation:
    spec = dynclient.load_spec()
    return next(
        op for op in spec.operations if op.pagination is not None and not any(p.required for p in op.parameters)
    )


def page(items: list[Any], last: int) -> dict[str, Any]:
    return {"items": items, "pagination": {"total_count": 99, "max_page": last}}


def test_cursor_walks_to_max_page() -> None:
    cursor = PageCursor(list_op(), {"limit": 2})
    seen = []
    while not cursor.done:
        args = cursor.arguments()
        seen.append(args)
        cursor.advance(page([args["page"] * 10, args["page"] * 10 + 1], 3))
    assert seen == [{"limit": 2, "page": 1}, {"limit": 2, "page": 2}, {"limit": 2, "page": 3}]


def test_cursor_detects_a_repeat_of_any_earlier_page() -> None:
    cursor = PageCursor(list_op(), {})
    cursor.advance(page([1, 2], 9))
    cursor.advance(page([3, 4], 9))
    with pytest.raises(dynclient.PaginationError, match="page 3 repeats page 1"):
        cursor.advance(page([1, 2], 9))


def test_cursor_requires_a_list_of_results() -> None:
    with pytest.raises(dynclient.PaginationError, match=r"no list at \$\.items"):
        PageCursor(list_op(), {}).advance({"pagination": {"max_page": 1}})


@pytest.mark.parametrize(("args", "max_pages"), [({"page": 0}, None), ({"page": "2"}, None), ({}, 0)])
def test_cursor_rejects_bad_start(args: dict[str, Any], max_pages: int | None) -> None:
    with pytest.raises(dynclient.DynclientError):
        PageCursor(list_op(), args, max_pages)
