"""Imports go one way: no cycle between levkit's modules, no private name borrowed.

An AST walk over ``levkit/`` builds the module graph from every ``import`` statement,
**including those inside function bodies** (a lazy import hides a cycle from Python, not
from the reader); imports under ``if TYPE_CHECKING:`` are left out (they never run).
Importing ``a.b.c`` from outside the package ``a.b`` also runs ``a/b/__init__.py``, so
it counts as an edge to that package too.

Private names stay at home:

- ``from x import _y`` (or ``x._y`` on an imported module ``x``) only inside ``x``
  itself;
- a private module (``levkit/model/_ladder.py``) only from inside its own package
  (``levkit.model.*``); ``levkit/_numeric.py`` is private to ``levkit``, so any module
  may use it.

What is shared is made public (or moved) instead.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "levkit"


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    line: int
    lazy: bool  # inside a function body


def discover(package: Path, root: Path) -> dict[str, Path]:
    """``{module name: path}`` of every module under ``package`` (names from ``root``)."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _is_private(part: str) -> bool:
    return part.startswith("_") and not part.startswith("__")


def _type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import node outside ``if TYPE_CHECKING:`` blocks, with whether it sits in
    a function body."""

    def walk(node: ast.AST, lazy: bool) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking(child.test):
                for other in child.orelse:  # the ``else:`` branch does run
                    yield from walk(other, lazy)
                continue
            if isinstance(child, ast.Import | ast.ImportFrom):
                yield child, lazy
            inner = lazy or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            yield from walk(child, inner)

    yield from walk(tree, False)


class Module:
    """One module's imports, resolved against the set of levkit modules."""

    def __init__(self, name: str, path: Path, known: dict[str, Path], root: Path) -> None:
        self.name, self.path, self.known, self.root = name, path, known, root
        self.is_package = path.name == "__init__.py"
        self.package = name if self.is_package else name.rpartition(".")[0]
        self.tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        self.edges: list[Edge] = []
        self.private: list[str] = []
        self.aliases: dict[str, str] = {}  # local name -> levkit module it names
        for node, lazy in _imports(self.tree):
            self._read(node, lazy)
        self._private_attributes()

    def _absolute(self, node: ast.ImportFrom) -> str:
        if not node.level:
            return node.module or ""
        base = self.package.split(".")
        base = base[: len(base) - (node.level - 1)]
        return ".".join(base + ([node.module] if node.module else []))

    def _owner(self, dotted: str) -> str | None:
        """The deepest levkit module that ``dotted`` names or lies in."""
        while dotted and dotted not in self.known:
            dotted = dotted.rpartition(".")[0]
        return dotted or None

    def _edge(self, target: str, line: int, lazy: bool) -> None:
        parts = target.split(".")
        for i in range(1, len(parts) + 1):
            prefix = ".".join(parts[:i])
            ancestor = self.name == prefix or self.name.startswith(prefix + ".")
            if prefix in self.known and prefix != self.name and (i == len(parts) or not ancestor):
                self.edges.append(Edge(self.name, prefix, line, lazy))
        self._private_module(target, line)

    def _private_module(self, target: str, line: int) -> None:
        parts = target.split(".")
        for i, part in enumerate(parts):
            if _is_private(part):
                home = ".".join(parts[:i])  # the package the private module belongs to
                if not (self.package == home or self.package.startswith(home + ".")):
                    self.private.append(
                        f"{self.where(line)} imports the private module {target} "
                        f"from outside {home}"
                    )
                return

    def where(self, line: int) -> str:
        return f"{self.path.relative_to(self.root)}:{line}"

    def _read(self, node: ast.Import | ast.ImportFrom, lazy: bool) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                owner = self._owner(alias.name)
                if owner is None:
                    continue
                self._edge(owner, node.lineno, lazy)
                if alias.asname and owner == alias.name:
                    self.aliases[alias.asname] = owner
            return
        source = self._absolute(node)
        if self._owner(source) is None:
            return
        for alias in node.names:
            full = f"{source}.{alias.name}"
            if full in self.known:  # a module: ``from levkit import model``
                self._edge(full, node.lineno, lazy)
                self.aliases[alias.asname or alias.name] = full
            else:
                owner = self._owner(source)
                assert owner is not None
                self._edge(owner, node.lineno, lazy)
                if _is_private(alias.name) and owner != self.name:
                    self.private.append(
                        f"{self.where(node.lineno)} imports the private name "
                        f"{alias.name} from {source}"
                    )

    def _private_attributes(self) -> None:
        """``mod._name`` where ``mod`` is an imported levkit module other than this one."""
        for node in ast.walk(self.tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and _is_private(node.attr)
            ):
                module = self.aliases.get(node.value.id)
                if module is not None and module != self.name:
                    self.private.append(
                        f"{self.where(node.lineno)} reads the private name {module}.{node.attr}"
                    )


def graph(package: Path = PACKAGE, root: Path = ROOT) -> dict[str, Module]:
    known = discover(package, root)
    return {name: Module(name, path, known, root) for name, path in known.items()}


def cycles(modules: dict[str, Module]) -> list[list[Edge]]:
    """One shortest cycle (as its edges) per strongly connected group of modules."""
    out: dict[str, list[Edge]] = {}
    for name in modules:
        out.setdefault(name, [])
    for m in modules.values():
        for e in m.edges:
            out[m.name].append(e)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    groups: list[list[str]] = []

    def connect(v: str) -> None:  # Tarjan, iterative enough for levkit's depth
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for e in out[v]:
            w = e.target
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(out):
        if v not in index:
            connect(v)
    found = []
    for group in groups:
        members = set(group)
        start = group[0]
        paths: dict[str, list[Edge]] = {start: []}
        queue = [start]
        cycle: list[Edge] | None = None
        while queue and cycle is None:  # breadth first: the shortest way back to start
            v = queue.pop(0)
            for e in out[v]:
                if e.target == start:
                    cycle = [*paths[v], e]
                    break
                if e.target in members and e.target not in paths:
                    paths[e.target] = [*paths[v], e]
                    queue.append(e.target)
        assert cycle is not None
        found.append(cycle)
    return found


def describe(cycle: list[Edge], modules: dict[str, Module]) -> str:
    steps = [
        f"{e.source} -> {e.target} ({modules[e.source].where(e.line)}"
        f"{', in a function' if e.lazy else ''})"
        for e in cycle
    ]
    return "\n  ".join(steps)


@pytest.fixture(scope="module")
def modules() -> dict[str, Module]:
    return graph()


def test_no_import_cycle_counting_function_bodies(modules):
    found = cycles(modules)
    assert not found, f"{len(found)} import cycle(s):\n  " + "\n\n  ".join(
        describe(c, modules) for c in found
    )


def test_no_private_name_imported_from_another_module(modules):
    found = [p for m in modules.values() for p in m.private]
    assert not found, f"{len(found)} private import(s):\n  " + "\n  ".join(found)


# -- the checks themselves, on a small package written for the purpose -------------------


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "levkit"


def _fake_graph(tmp_path: Path, files: dict[str, str]) -> dict[str, Module]:
    return graph(_write(tmp_path, files), tmp_path)


def test_a_lazy_import_still_makes_a_cycle(tmp_path):
    modules = _fake_graph(
        tmp_path,
        {
            "levkit/__init__.py": "",
            "levkit/a.py": "from .b import g\n",
            "levkit/b.py": "def g():\n    from .a import f\n    return f\n",
            "levkit/c.py": "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from .a import f\n",
            "levkit/d.py": "from . import c\n",
        },
    )
    found = cycles(modules)
    assert len(found) == 1
    text = describe(found[0], modules)
    assert "levkit.a -> levkit.b" in text and "levkit.b -> levkit.a" in text
    assert "in a function" in text


def test_importing_a_submodule_runs_its_package(tmp_path):
    # levkit.x imports levkit.pkg.leaf; levkit/pkg/__init__.py imports levkit.x: a cycle,
    # although no module imports the other's own file both ways.
    modules = _fake_graph(
        tmp_path,
        {
            "levkit/__init__.py": "",
            "levkit/x.py": "from .pkg.leaf import y\n",
            "levkit/pkg/__init__.py": "from ..x import *\n",
            "levkit/pkg/leaf.py": "from . import sibling\ny = 1\n",
            "levkit/pkg/sibling.py": "",
        },
    )
    groups = {frozenset(e.source for e in c) for c in cycles(modules)}
    assert groups == {frozenset({"levkit.x", "levkit.pkg"})}


def test_private_names_and_modules_are_named(tmp_path):
    modules = _fake_graph(
        tmp_path,
        {
            "levkit/__init__.py": "",
            "levkit/_top.py": "",
            "levkit/m/__init__.py": "from ._inner import helper\n",
            "levkit/m/_inner.py": "def helper(): ...\ndef _hidden(): ...\n",
            "levkit/m/user.py": "from ._inner import _hidden\n",
            "levkit/n.py": "from .m._inner import helper\nfrom . import _top\n",
            "levkit/o.py": "from . import n\n\ndef f():\n    return n._secret\n",
        },
    )
    found = "\n".join(p for m in modules.values() for p in m.private)
    assert "levkit/m/user.py:1 imports the private name _hidden from levkit.m._inner" in found
    assert "levkit/n.py:1 imports the private module levkit.m._inner from outside levkit.m" in found
    assert "levkit/o.py:4 reads the private name levkit.n._secret" in found
    assert "_top" not in found  # private to levkit: every levkit module may use it
    assert "levkit/m/__init__.py" not in found  # its own package's private module
