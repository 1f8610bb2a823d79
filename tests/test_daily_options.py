"""Options as real, documented parameters; caller mistakes as ConfigurationError; ``paginate()``
failing at the call; cheap repeat detection in pagination (issue 13)."""

from __future__ import annotations

import inspect
import json
import pydoc
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from conftest import TOKEN

import dynclient
from dynclient import _limits
from dynclient._pagination import PageCursor, page_fingerprint

CLIENTS = [dynclient.Client, dynclient.AsyncClient]


def documented(doc: str) -> set[str]:
    """The option names a docstring documents: entries ``name`` or ``name, other`` at the
    start of a line, each followed by an indented description."""
    lines = inspect.cleandoc(doc).splitlines()
    names: set[str] = set()
    for line, following in zip(lines, [*lines[1:], ""], strict=True):
        if re.fullmatch(r"[a-z_]+(, [a-z_]+)*", line) and following.startswith("    "):
            names.update(line.split(", "))
    return names


@pytest.mark.parametrize("cls", CLIENTS)
def test_every_option_is_a_real_documented_parameter(cls: type[Any]) -> None:
    params = inspect.signature(cls).parameters
    assert not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    options = set(params)
    assert {"spec", "http_client", "timeout", "retry", "validate_responses", "max_response_bytes"} <= options
    assert len(options) == 20
    assert documented(cls.__doc__ or "") == options
    text = pydoc.plain(pydoc.render_doc(cls))  # what help(cls) prints
    assert "**options" not in text and "See the README" not in text
    assert f"httpx.{cls.__name__}`` used as it is" in text
    with_options = inspect.signature(cls.with_options).parameters
    assert not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in with_options.values())
    assert documented(cls.with_options.__doc__ or "") == set(with_options) - {"self"}


BAD_OPTIONS: list[tuple[dict[str, Any], str]] = [
    ({"spec": 3}, "spec must be"),
    ({"http_client": "http://x"}, "needs an httpx"),
    ({"tags": "customers"}, "tags must be a list"),
    ({"operations": "customers_get"}, "operations must be a list"),
    ({"operations": [1]}, "str names only"),
    ({"base_url": 3}, "base_url must be"),
    ({"base_url": "ftp://example.com"}, "absolute http"),
    ({"server": "staging"}, "unknown server"),
    ({"server": 7}, "out of range"),
    ({"server": 1.5}, "server must be"),
    ({"access_token": "bad token\n"}, "access token"),
    ({"token_env": 3}, "token_env must be"),
    ({"timeout": "30"}, "timeout must be"),
    ({"timeout": -1}, "timeout must be"),
    ({"deadline": 0}, "deadline must be"),
    ({"validate_responses": "lenient"}, "validate_responses must be"),
    ({"retry": 3}, "retry must be a dynclient.RetryPolicy"),
    ({"headers": [("X-A", "b")]}, "headers must be a mapping"),
    ({"headers": {"X-A": "b\r\nc"}}, "control character"),
    ({"api_version": 3}, "api_version must be"),
    ({"version_header": ""}, "version_header must be"),
    ({"before_request": lambda op, request: None}, r"before_request=\[hook\]"),
    ({"after_response": [3]}, "not callable"),
    ({"log_bodies": "yes"}, "log_bodies must be"),
    ({"engine": "fast"}, "engine must be"),
    ({"max_response_bytes": 0}, "max_response_bytes must be"),
]


@pytest.mark.parametrize("cls", CLIENTS)
@pytest.mark.parametrize(("options", "message"), BAD_OPTIONS, ids=[next(iter(o)) for o, _ in BAD_OPTIONS])
def test_every_bad_option_is_a_configuration_error(cls: type[Any], options: dict[str, Any], message: str) -> None:
    with pytest.raises(dynclient.ConfigurationError, match=message) as info:
        cls(**options)
    assert isinstance(info.value, ValueError) and isinstance(info.value, dynclient.DynclientError)
    assert "bad token" not in str(info.value)


BAD_WITH_OPTIONS: list[tuple[dict[str, Any], str]] = [
    ({"retry": "x"}, "retry must be"),
    ({"timeout": "x"}, "timeout must be"),
    ({"validate_responses": "x"}, "validate_responses must be"),
    ({"headers": {"X": 1}}, "must be a str"),
    ({"deadline": -1}, "deadline must be"),
    ({"max_response_bytes": -1}, "max_response_bytes must be"),
]


@pytest.mark.parametrize("cls", CLIENTS)
@pytest.mark.parametrize(("options", "message"), BAD_WITH_OPTIONS, ids=[next(iter(o)) for o, _ in BAD_WITH_OPTIONS])
def test_with_options_refuses_bad_options(cls: type[Any], options: dict[str, Any], message: str) -> None:
    with pytest.raises(dynclient.ConfigurationError, match=message):
        cls(access_token=TOKEN).with_options(**options)


def test_a_retry_policy_mistake_is_a_configuration_error() -> None:
    with pytest.raises(dynclient.ConfigurationError, match="attempts"):
        dynclient.RetryPolicy(attempts=0)
    with pytest.raises(dynclient.ConfigurationError, match="backoff"):
        dynclient.RetryPolicy(backoff=-1)


def test_the_options_given_are_the_options_used() -> None:
    hook = lambda op, request: None  # noqa: E731
    policy = dynclient.RetryPolicy(attempts=1)
    client = dynclient.Client(
        access_token=TOKEN,
        tags=iter(["customers"]),
        timeout=5,
        deadline=9,
        retry=policy,
        headers={"X-Trace": "1"},
        before_request=[hook],
        log_bodies=True,
        validate_responses="strict",
        max_response_bytes=1000,
    )
    assert (client.retry, client.deadline, client.max_response_bytes, client.validate_responses) == (
        policy,
        9.0,
        1000,
        "strict",
    )
    request = client.build_request("customers_get", id="1dbfc517-0bbf-4301-9ba8-555ca42b9737")
    assert request.headers["x-trace"] == "1" and request.extensions["timeout"]["read"] == 5
    internals: Any = client
    assert internals._before == (hook,) and internals._log_bodies is True
    assert dynclient.Client(access_token=TOKEN, retry=None).retry == dynclient.RetryPolicy()


def test_unknown_operation_and_server_are_configuration_errors() -> None:
    client = dynclient.Client(access_token=TOKEN)
    for mistake in (
        lambda: client.call("customers_fetch", id="x"),  # type: ignore[call-overload]
        lambda: client.build_request("customers_nope"),  # type: ignore[call-overload]
        lambda: dynclient.Client(server="moon"),
    ):
        with pytest.raises(dynclient.ConfigurationError) as info:
            mistake()
        assert isinstance(info.value, ValueError)
    with pytest.raises(dynclient.ConfigurationError, match="did you mean 'customers_get'"):
        client.invoke("customers_gett", id="x")


# -- paginate() fails at the call ------------------------------------------------------------------


def never_called(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"nothing may be sent: {request.url}")


@pytest.mark.parametrize("method", ["paginate", "pages"])
def test_paginating_an_operation_without_pagination_fails_at_the_call(method: str) -> None:
    client = dynclient.Client(access_token=TOKEN, http_client=httpx.Client(transport=httpx.MockTransport(never_called)))
    start: Callable[..., Any] = getattr(client, method)
    with pytest.raises(dynclient.ConfigurationError, match="customers_get is not paginated"):
        start("customers_get", id="1dbfc517-0bbf-4301-9ba8-555ca42b9737")  # no iteration at all
    with pytest.raises(dynclient.ConfigurationError, match="unknown operation 'customers_lst'"):
        start("customers_lst")
    with pytest.raises(dynclient.ConfigurationError, match="page must be an integer >= 1"):
        start("customers_list", page=0)
    with pytest.raises(dynclient.ConfigurationError, match="max_pages must be"):
        start("customers_list", max_pages=True)


@pytest.mark.parametrize("method", ["paginate", "pages"])
async def test_async_paginating_an_operation_without_pagination_fails_at_the_call(method: str) -> None:
    transport = httpx.MockTransport(never_called)
    client = dynclient.AsyncClient(access_token=TOKEN, http_client=httpx.AsyncClient(transport=transport))
    start: Callable[..., Any] = getattr(client, method)
    with pytest.raises(dynclient.ConfigurationError, match="customers_get is not paginated"):
        start("customers_get", id="1dbfc517-0bbf-4301-9ba8-555ca42b9737")  # not even an `async for`
    with pytest.raises(dynclient.ConfigurationError, match="unknown operation"):
        start("customers_lst")


# -- repeat detection: cheap, and still a guarantee ------------------------------------------------


def list_op() -> dynclient.Operation:
    return dynclient.load_spec()["customers_list"]


def listing(ids: list[Any], last: int = 99, **extra: Any) -> dict[str, Any]:
    return {"items": [{"id": i, **extra} for i in ids], "pagination": {"total_count": 999, "max_page": last}}


def test_a_page_repeating_the_same_items_is_caught_even_when_their_content_changed() -> None:
    cursor = PageCursor(list_op(), {})
    cursor.advance(listing(["a", "b"], modified_at="2026-01-01T00:00:00Z"))
    cursor.advance(listing(["c", "d"]))
    with pytest.raises(dynclient.PaginationError, match="page 3 repeats page 1"):
        cursor.advance(listing(["a", "b"], modified_at="2026-01-01T00:00:01Z"))  # a server stuck on page 1


def test_distinct_pages_are_never_mistaken_for_a_repeat() -> None:
    cursor = PageCursor(list_op(), {})
    pages: list[list[Any]] = [["a", "b"], ["b", "a"], ["a"], ["a", "b", "c"], [1, 2], ["1", "2"]]
    for page in pages:
        cursor.advance(listing(list(page)))
    assert not cursor.done and cursor.page == 7


def test_items_without_ids_are_compared_by_content() -> None:
    cursor = PageCursor(list_op(), {})
    cursor.advance({"items": [{"name": "x"}, 3], "pagination": {"max_page": 9}})
    cursor.advance({"items": [{"name": "y"}, 3], "pagination": {"max_page": 9}})
    with pytest.raises(dynclient.PaginationError, match="page 3 repeats page 1"):
        cursor.advance({"items": [{"name": "x"}, 3], "pagination": {"max_page": 9}})


def test_the_fingerprint_is_small_and_distinguishes_ids_from_their_text() -> None:
    ids = page_fingerprint([{"id": 1}, {"id": 2}])
    assert len(ids) == 32 and ids == page_fingerprint([{"id": 1, "name": "other"}, {"id": 2}])
    assert ids != page_fingerprint([{"id": "1"}, {"id": "2"}]) != page_fingerprint([{"id": 2}, {"id": 1}])
    assert page_fingerprint([{"id": True}]) != page_fingerprint([{"id": 1}])  # a bool is no id: by content
    assert page_fingerprint([{"id": "a"}, {"x": 1}]) != page_fingerprint([{"id": "a"}, {"x": 2}])
    assert page_fingerprint([{"id": 5}]) != page_fingerprint([{"id": 6}])
    assert page_fingerprint([{"id": "a\x00b"}]) != page_fingerprint([{"id": "a"}, {"id": "b"}])  # the separator
    assert page_fingerprint([{"id": "\ud800"}]) != page_fingerprint(
        [{"id": "\ud801"}]
    )  # lone surrogates: JSON allows them
    assert page_fingerprint([[1], {"id": 1}]) != page_fingerprint([[2], {"id": 1}])  # not all objects: by content


def nested(depth: int, shape: int) -> Any:
    """A value ``depth`` deep (``depth`` >= 1), mixing objects, arrays and shallow siblings."""
    value: Any = [] if shape % 2 else {}
    for level in range(depth - 1):
        if (level + shape) % 3 == 0:
            value = {"sibling": [1, 2], "inner": value, "n": level}
        elif (level + shape) % 3 == 1:
            value = [[], value, {"a": None}]
        else:
            value = [value]
    return value


@pytest.mark.parametrize("depth", [1, 2, 3, 62, 63, 64, 65, 66, 100, 900])
def test_the_fast_depth_check_agrees_with_the_reference_walk(depth: int) -> None:
    for shape in range(6):
        value = nested(depth, shape)
        parsed = json.loads(json.dumps(value))  # what a response is: exactly dicts and lists
        reference = _limits._exceeds(parsed, _limits.MAX_DATA_DEPTH, parsed=False)  # the Python walk
        assert reference == (depth > _limits.MAX_DATA_DEPTH)
        assert _limits._exceeds(parsed, _limits.MAX_DATA_DEPTH, parsed=True) == reference  # jsonschema-rs
    assert _limits._exceeds(nested(10, 0), 9, parsed=True) and not _limits._exceeds(nested(10, 0), 10, parsed=True)
