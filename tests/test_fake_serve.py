"""``dynclient fake serve``: the same fake over real HTTP on 127.0.0.1, for curl and other
languages. The test starts it as a subprocess, talks raw HTTP/1.1 to it (as curl would) and
through dynclient, checks that state is shared, has openapi-core judge the raw answers, and
stops it with SIGTERM."""

from __future__ import annotations

import http.client
import json
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from conftest import ROOT
from peers._fake_oracle import fake_oracle, judge  # noqa: F401 - the fixture, used by pytestmark

import dynclient
from dynclient.testing import FakeAPI

pytestmark = pytest.mark.usefixtures("fake_oracle")  # the in-process answers; the subprocess's are judged below


class Served:
    def __init__(self, proc: subprocess.Popen[str], url: str) -> None:
        self.proc = proc
        self.url = url
        parsed = httpx.URL(url)
        self.conn = http.client.HTTPConnection(parsed.host, parsed.port, timeout=10)
        self.answers: list[tuple[httpx.Request, httpx.Response]] = []

    def send(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> httpx.Response:
        """One raw HTTP/1.1 exchange on a kept-alive connection, as curl would make it."""
        content = json.dumps(body).encode() if body is not None else None
        sent = {"content-type": "application/json"} if content else {}
        sent.update(headers or {})
        self.conn.request(method, path, body=content, headers=sent)
        raw = self.conn.getresponse()
        data = raw.read()
        request = httpx.Request(method, self.url + path, headers=sent, content=content or b"")
        response = httpx.Response(raw.status, headers=raw.getheaders(), content=data, request=request)
        self.answers.append((request, response))
        return response


@pytest.fixture
def served() -> Iterator[Served]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "dynclient", "fake", "serve", "--port", "0", "--seed", "1"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    assert proc.stdout is not None
    threading.Thread(target=lambda: lines.put(proc.stdout.readline() if proc.stdout else ""), daemon=True).start()
    try:
        first = lines.get(timeout=60)
    except queue.Empty:
        proc.kill()
        pytest.fail("dynclient fake serve printed nothing within 60 s")
    assert first.startswith("dynclient fake: Polar API 2026-10 (30 operations; resources: customers"), first
    url = first.rsplit(" on ", 1)[1].strip()
    assert url.startswith("http://127.0.0.1:")
    server = Served(proc, url)
    try:
        yield server
    finally:
        server.conn.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def test_serve_over_http_raw_and_through_dynclient(served: Served) -> None:
    created = served.send("POST", "/v1/customers/", {"email": "ada@example.com", "name": "Ada", "external_id": "u1"})
    assert created.status_code == 201 and created.headers["polar-version"] == "2026-10"
    ada = created.json()
    assert served.send("GET", f"/v1/customers/{ada['id']}").json() == ada
    listed = served.send("GET", "/v1/customers/?email=ada%40example.com&sorting=-created_at")
    assert [c["id"] for c in listed.json()["items"]] == [ada["id"]]
    dup = served.send("POST", "/v1/customers/", {"email": "ada@example.com"})
    assert dup.status_code == 422 and dup.json()["detail"][0]["loc"] == ["body", "email"]
    bad = served.send("POST", "/v1/customers/", {"email": "nope"})
    assert bad.status_code == 422 and bad.json()["error"] == "RequestValidationError"
    refused = served.send("GET", "/v1/customers/", headers={"Polar-Version": "2027-01"})
    assert refused.status_code == 404 and "polar-version" not in refused.headers

    # the same state through dynclient, then back through raw HTTP
    with dynclient.Client(base_url=served.url, access_token="t", validate_responses="strict") as client:
        assert client.customers.get_external(external_id="u1") == ada
        assert client.customers.update(id=ada["id"], body={"name": "Ada King"})["name"] == "Ada King"
        csv_text = client.customers.export()
        assert csv_text.splitlines()[1].startswith(ada["id"])
        with pytest.raises(client.errors.ResourceNotFound):
            client.customers.get(id="1dbfc517-0bbf-4301-9ba8-555ca42b9737")
    assert served.send("GET", "/v1/customers/external/u1/state").json()["name"] == "Ada King"
    deleted = served.send("DELETE", f"/v1/customers/{ada['id']}")
    assert deleted.status_code == 204 and deleted.content == b"" and deleted.headers["content-length"] == "0"
    gone = served.send("GET", f"/v1/customers/{ada['id']}")
    assert gone.status_code == 404 and gone.json() == {"error": "ResourceNotFound", "detail": "Not found"}

    spec = dynclient.load_spec()
    judged = [(req, resp) for req, resp in served.answers if resp.headers.get("polar-version")]
    assert len(judged) == len(served.answers) - 1  # all but the refused version
    assert [p for req, resp in judged if (p := judge(spec, req, resp)) is not None] == []

    served.proc.send_signal(signal.SIGTERM)
    assert served.proc.wait(timeout=20) == 0
    _, err = served.proc.communicate(timeout=10)
    assert "POST /v1/customers/ -> 201 (customers_create)" in err and "dynclient fake: stopped" in err


def test_fake_serve_in_process() -> None:
    fake = FakeAPI()
    with fake.serve() as server, dynclient.Client(base_url=server.url, access_token="t") as client:
        made = client.customers.create(body={"email": "ada@example.com"})
        assert fake.records("customers") == [made]
        assert httpx.get(f"{server.url}/v1/customers/{made['id']}").json() == made
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.url}/v1/customers/", timeout=2)
