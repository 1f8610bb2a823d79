"""Stoplight Prism for the demo and the peer tests: a compatible spec copy, and a managed server.

Prism 5.16 (pinned in ``package.json``) mishandles a few things in Polar's spec. Rather
than hand-edit anything, :func:`compat_document` derives a copy in code from the bundled
spec and records every change it made (:class:`Change`). The changes, and why:

``uuid4-format``
    Prism's validator and both its example generators do not know the ``uuid4`` format.
    It then accepts any string as an id and generates ``"string"`` (static mode) or lorem
    ipsum (dynamic mode) for ids, which the real spec rejects. The copy says ``uuid``;
    Prism's generators make random (version 4) UUIDs for it.
``prefixItems``
    Prism's dynamic generator (json-schema-faker 0.5.9) does not know 2020-12 ``prefixItems``
    and fails every response containing ``tax_id`` with HTTP 500 ("missing items"). The
    copy uses the older tuple form ``items: [A, B]``, which the generator understands, with
    ``additionalItems: false``; min/maxItems stay.
``single-array-query``
    Prism parses ``?sorting=-created_at`` (one value of an exploded ``form`` array) as a
    string, not a one-element array, and rejects it against ``anyOf: [array, null]``. The
    copy adds the item schema as a further ``anyOf`` branch of such query parameters.

:class:`PrismServer` starts ``prism mock`` on a free 127.0.0.1 port, waits until it answers
HTTP (hard timeout), restarts it if it died, and stops the whole process group.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

import dynclient

__all__ = ["Change", "PrismError", "PrismServer", "compat_document", "prism_bin", "write_compat_spec"]

ROOT = Path(__file__).resolve().parent.parent
PRISM_VERSION = "5.16.0"
START_TIMEOUT = 90.0
STOP_TIMEOUT = 10.0
#: what ``uuid4`` means (dynclient._formats.is_uuid4): version nibble 4, RFC 4122 variant
UUID4_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-4[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$"


class PrismError(RuntimeError):
    """Prism is missing, did not start in time, or died."""


@dataclass(frozen=True)
class Change:
    """One difference between the bundled spec and Prism's copy."""

    kind: str
    pointer: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind} at {self.pointer}: {self.detail}"


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _rewrite_schemas(node: Any, pointer: str, changes: list[Change]) -> None:
    """Formats and ``prefixItems``, everywhere (in place)."""
    if isinstance(node, dict):
        if node.get("format") == "uuid4":
            node["format"] = "uuid"
            node["pattern"] = UUID4_PATTERN
            changes.append(Change("uuid4-format", pointer, "format uuid4 -> uuid + version-4 pattern"))
        if "prefixItems" in node and isinstance(node["prefixItems"], list):
            node["items"] = node.pop("prefixItems")
            node["additionalItems"] = False
            changes.append(Change("prefixItems", pointer, "prefixItems -> items: [...] (tuple form)"))
        for key, value in node.items():
            _rewrite_schemas(value, f"{pointer}/{_escape(str(key))}", changes)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _rewrite_schemas(value, f"{pointer}/{i}", changes)


def _widen_array_query(doc: dict[str, Any], changes: list[Change]) -> None:
    """Let a lone value stand for a one-element exploded array query parameter."""
    for path, item in doc.get("paths", {}).items():
        for method, op in item.items():
            if not isinstance(op, dict):
                continue
            for i, param in enumerate(op.get("parameters", [])):
                if param.get("in") != "query" or param.get("style", "form") != "form":
                    continue
                if not param.get("explode", True):
                    continue
                schema = param.get("schema", {})
                branches = schema.get("anyOf")
                if not isinstance(branches, list):
                    continue
                arrays = [b for b in branches if isinstance(b, dict) and b.get("type") == "array"]
                scalars = [b for b in branches if isinstance(b, dict) and b.get("type") not in ("array", "null")]
                if len(arrays) == 1 and not scalars and isinstance(arrays[0].get("items"), dict):
                    branches.insert(1, copy.deepcopy(arrays[0]["items"]))
                    pointer = f"/paths/{_escape(path)}/{method}/parameters/{i}/schema/anyOf"
                    changes.append(
                        Change("single-array-query", pointer, f"{param['name']}: item schema added as an anyOf branch")
                    )


def compat_document(document: Mapping[str, Any]) -> tuple[dict[str, Any], list[Change]]:
    """Prism's copy of ``document`` and the list of every change made (the input is untouched)."""
    doc: dict[str, Any] = copy.deepcopy(dict(document))
    changes: list[Change] = []
    _rewrite_schemas(doc, "", changes)
    _widen_array_query(doc, changes)
    info = doc.setdefault("info", {})
    info["x-dynclient-prism-compat"] = sorted({c.kind for c in changes})
    return doc, changes


def write_compat_spec(directory: Path, source: Path | None = None) -> tuple[Path, list[Change]]:
    """Write Prism's copy of ``source`` (default: the bundled spec) into ``directory``."""
    src = source or dynclient.bundled_spec_path()
    doc, changes = compat_document(json.loads(src.read_text(encoding="utf-8")))
    out = directory / f"{src.stem}.prism-compat.json"
    out.write_text(json.dumps(doc, indent=1, ensure_ascii=False), encoding="utf-8")
    return out, changes


def prism_bin() -> Path:
    """The pinned Prism CLI in ``node_modules`` (checked against ``PRISM_VERSION``)."""
    pkg = ROOT / "node_modules" / "@stoplight" / "prism-cli"
    entry = pkg / "dist" / "index.js"
    if not entry.is_file():
        raise PrismError("Prism is not installed; run `bash scripts/setup.sh` (npm ci)")
    version = json.loads((pkg / "package.json").read_text(encoding="utf-8")).get("version")
    if version != PRISM_VERSION:
        raise PrismError(f"expected @stoplight/prism-cli {PRISM_VERSION}, found {version}")
    return entry


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: SIGTERM Prism if the Python process that started it dies (even by SIGKILL)."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrismServer:
    """``prism mock`` on 127.0.0.1; a context manager. ``restarts`` counts revivals."""

    def __init__(
        self,
        spec: Path,
        *,
        dynamic: bool = False,
        seed: str | None = "dynclient",
        log_dir: Path | None = None,
        start_timeout: float = START_TIMEOUT,
    ) -> None:
        self.spec = spec
        self.dynamic = dynamic
        self.seed = seed
        self.start_timeout = start_timeout
        self._log_dir = log_dir or Path(tempfile.gettempdir())
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: Any = None
        self.port = 0
        self.restarts = 0
        self.log_path: Path | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> PrismServer:
        if self.alive():
            return self
        node = os.environ.get("NODE", "node")
        entry = prism_bin()
        last: Exception | None = None
        for _attempt in range(3):  # a port taken between probe and bind: try another
            self.port = free_port()
            cmd = [node, str(entry), "mock", "-h", "127.0.0.1", "-p", str(self.port), "-v", "warn"]
            if self.dynamic:
                cmd.append("-d")
                if self.seed is not None:
                    cmd += ["--seed", self.seed]
            cmd.append(str(self.spec))
            self.log_path = self._log_dir / f"prism-{'dynamic' if self.dynamic else 'static'}-{self.port}.log"
            self._log = self.log_path.open("wb")
            self._proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                cwd=ROOT,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,  # noqa: PLW1509
            )
            try:
                self._wait_ready()
                return self
            except PrismError as exc:
                last = exc
                self.stop()
        raise PrismError(f"Prism did not start: {last}")

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise PrismError(
                    f"Prism exited early (code {self._proc.returncode if self._proc else '?'}): {self.log_tail()}"
                )
            try:
                httpx.get(f"{self.base_url}/__dynclient_ready__", timeout=2.0)
                return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise PrismError(f"Prism did not answer within {self.start_timeout:.0f}s: {self.log_tail()}")

    def ensure(self) -> PrismServer:
        """Start it again (on a new port) if it died."""
        if not self.alive():
            if self._proc is not None:
                self.restarts += 1
            self.stop()
            self.start()
        return self

    def log_tail(self, lines: int = 15) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=STOP_TIMEOUT)
            else:  # the leader is gone; make sure no child of its group lingers
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> PrismServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def running(*, dynamic: bool = False, seed: str | None = "dynclient") -> Iterator[tuple[PrismServer, list[Change]]]:
    """A compat spec in a temp directory and Prism serving it; both gone afterwards."""
    with tempfile.TemporaryDirectory(prefix="dynclient-prism-") as tmp:
        spec, changes = write_compat_spec(Path(tmp))
        with PrismServer(spec, dynamic=dynamic, seed=seed, log_dir=Path(tmp)) as server:
            yield server, changes
