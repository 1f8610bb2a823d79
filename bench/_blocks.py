"""The marked blocks of bench/RESULTS.md: each benchmark section rewrites its own block."""

from __future__ import annotations

from pathlib import Path

__all__ = ["write_marked"]


def write_marked(path: Path, name: str, heading: str, section: str) -> None:
    """Rewrite the block between ``<!-- name:begin -->`` and ``<!-- name:end -->`` of ``path``
    with ``section`` (appended under ``## heading`` the first time)."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    block = f"{begin}\n{section}{end}"
    text = path.read_text(encoding="utf-8") if path.is_file() else "# Benchmark results\n"
    if begin in text and end in text:
        head, _, rest = text.partition(begin)
        _, _, tail = rest.partition(end)
        path.write_text(head + block + tail, encoding="utf-8")
    else:
        path.write_text(text.rstrip("\n") + f"\n\n## {heading}\n\n" + block + "\n", encoding="utf-8")
