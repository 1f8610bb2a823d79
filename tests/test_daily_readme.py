"""Every Python block of the README type-checks with ``mypy --strict`` and pyright strict (issue 13).

How blocks are checked (the conventions a README writer follows):

- Each fenced block whose info string is ``python`` is a module of its own.
- An HTML comment on the line right above the fence changes that (invisible on the rendered page):
  ``<!-- typecheck: continue -->``: the block continues the previous Python block of the same file
  (they are checked as one module, in order);
  ``<!-- typecheck: preamble`` ... ``-->``: the lines in between are hidden code put before the
  block (imports, a client, a ``customer_id``: what the prose assumes). Both may be given, each in
  its own comment, in any order, right above the fence.
- A block with ``await``, ``async with`` or ``async for`` at its top level runs inside an
  ``async def`` (after its preamble), as it would in a program.
- Examples may show a value without using it: pyright's ``reportUnusedVariable`` and
  ``reportUnusedExpression`` are off; every other strict check is on.
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import ROOT
from test_stubs import run_mypy, run_pyright

SOURCES = [ROOT / "README.md"]
HEADER = "# pyright: strict, reportUnusedVariable=false, reportUnusedExpression=false\n"
_FENCE = re.compile(r"^```python[ \t]*$")
_MARK = re.compile(r"<!--\s*typecheck:\s*(continue|preamble)\b(.*?)-->", re.S)


@dataclass
class Module:
    """One module to check: its text, and where each of its lines came from (for messages)."""

    name: str
    lines: list[str] = field(default_factory=list)
    origin: list[str] = field(default_factory=list)

    def add(self, lines: list[str], where: str, first: int | None) -> None:
        self.lines += lines
        self.origin += [where if first is None else f"{where}:{first + i}" for i in range(len(lines))]


def _marks(lines: list[str], fence: int) -> tuple[bool, list[str]]:
    """(continue?, preamble lines) from the comments right above the fence at ``fence``."""
    above: list[str] = []
    i = fence - 1
    while i >= 0 and lines[i].rstrip().endswith("-->"):  # comments stacked right above the fence
        start = i
        while start >= 0 and "<!--" not in lines[start]:
            start -= 1
        above = lines[start : i + 1] + above
        i = start - 1
    cont, preamble = False, []
    for kind, body in _MARK.findall("\n".join(above)):
        if kind == "continue":
            cont = True
        else:
            preamble += textwrap.dedent(body).strip("\n").splitlines()
    return cont, preamble


def _is_async(code: str) -> bool:
    """Whether ``code`` awaits outside any function of its own (``await``, ``async with/for``)."""
    pending: list[ast.AST] = [ast.parse(code)]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Await | ast.AsyncWith | ast.AsyncFor | ast.AsyncFunctionDef):
            if not isinstance(node, ast.AsyncFunctionDef):
                return True
            continue
        if not isinstance(node, ast.FunctionDef | ast.Lambda | ast.ClassDef):
            pending.extend(ast.iter_child_nodes(node))
    return False


def modules(path: Path, rel: str | None = None) -> list[Module]:
    """The modules the Python blocks of ``path`` make, following the conventions above
    (``rel``: the name messages give the file; default: its path in the checkout)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    rel = rel or path.relative_to(ROOT).as_posix()
    out: list[Module] = []
    i = 0
    while i < len(lines):
        if not _FENCE.match(lines[i]):
            i += 1
            continue
        end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
        block = lines[i + 1 : end]
        cont, preamble = _marks(lines, i)
        if not cont or not out:
            out.append(Module(f"{re.sub(r'[^0-9A-Za-z]', '_', rel)}_{i + 1}"))
        module = out[-1]
        module.add(preamble, f"{rel} (preamble above line {i + 1})", None)
        if _is_async("\n".join(block)):
            module.add([f"async def readme_block_{i + 1}() -> None:"], f"{rel} (async wrapper)", None)
            module.add(["    " + line if line else line for line in block], rel, i + 2)
        else:
            module.add(block, rel, i + 2)
        i = end + 1
    return out


def write(modules_: list[Module], folder: Path) -> list[Path]:
    files = []
    for module in modules_:
        target = folder / f"{module.name}.py"
        target.write_text(HEADER + "\n".join(module.lines) + "\n", encoding="utf-8")
        files.append(target)
    return files


def located(found: dict[str, set[int]], modules_: list[Module]) -> list[str]:
    """``README.md:42`` for each reported line (the header is line 1 of each file)."""
    by_name = {f"{m.name}.py": m for m in modules_}
    return sorted(f"{by_name[name].origin[n - 2]}" for name, lines in found.items() for n in lines)


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Module], list[Path], Path]:
    folder = tmp_path_factory.mktemp("readme-blocks")
    every = [m for source in SOURCES for m in modules(source)]
    return every, write(every, folder), folder


def test_the_readme_has_python_blocks_to_check(checked: tuple[list[Module], list[Path], Path]) -> None:
    every, _, _ = checked
    readme = [m for m in every if m.name.startswith("README_md_")]
    assert len(readme) >= 2  # the quick start and the async example at least
    assert any("dynclient.Client(" in "\n".join(m.lines) for m in readme)


def test_readme_blocks_pass_mypy_strict(checked: tuple[list[Module], list[Path], Path]) -> None:
    every, files, folder = checked
    assert located(run_mypy(files, ROOT, folder / ".mypy-cache"), every) == []


def test_readme_blocks_pass_pyright_strict(checked: tuple[list[Module], list[Path], Path]) -> None:
    every, files, _ = checked
    assert located(run_pyright(files, ROOT), every) == []


# -- the conventions themselves, on a README made up here -------------------------------------------

SAMPLE = """# Sample

```python
import dynclient

client = dynclient.Client()
```

Prose in between.

<!-- typecheck: continue -->
```python
page = client.customers.list(limit=10)
for c in page["items"]:
    print(c["email"])  # wrong for pyright: a team's email is optional
```

<!-- typecheck: preamble
import dynclient
customer_id: str = "992fae2a-2a17-4b7a-8d9e-e287cf90131b"
-->
```python
async with dynclient.AsyncClient() as client:
    customer = await client.customers.get(id=customer_id)
    print(customer.get("email"))
```

```text
not python: never checked
```
"""


def test_the_conventions_join_wrap_and_locate(tmp_path: Path) -> None:
    sample = tmp_path / "SAMPLE.md"
    sample.write_text(SAMPLE, encoding="utf-8")
    made = modules(sample, "SAMPLE.md")
    assert [len(m.lines) for m in made] == [3 + 3, 2 + 1 + 3]
    assert made[0].lines[3] == "page = client.customers.list(limit=10)"  # continued
    assert made[1].lines[:3] == [
        "import dynclient",
        'customer_id: str = "992fae2a-2a17-4b7a-8d9e-e287cf90131b"',
        "async def readme_block_22() -> None:",  # named after the fence's line
    ]
    files = write(made, tmp_path)
    assert located(run_pyright(files, ROOT), made) == ["SAMPLE.md:15"]
    assert located(run_mypy(files, ROOT, tmp_path / ".mypy-cache"), made) == []  # mypy allows it
