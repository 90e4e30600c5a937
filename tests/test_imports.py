"""The package's modules import each other in one direction: no import cycle between two modules.

Every import counts, also those inside functions (a lazy import only hides a circle); ``from .pkg import x``
is an edge to the package's ``__init__`` (and to ``pkg.x`` when that is a module), as Python runs the
``__init__`` first.  The edges come from the source text (ast), so the test needs no imports itself.
"""
from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, List, Set

ROOT = Path(__file__).resolve().parent.parent / "nncodegen"


def _modules(root: Path) -> Dict[str, Path]:
    """Dotted module name -> file (a package under its own name, for its __init__.py)."""
    mods = {}
    for p in root.rglob("*.py"):
        parts = list(p.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        mods[".".join(parts)] = p
    return mods


def import_edges(root: Path = ROOT) -> Dict[str, Set[str]]:
    """Module -> the package modules it imports (self-imports of a package's __init__ left out)."""
    mods = _modules(root)
    edges: Dict[str, Set[str]] = {m: set() for m in mods}
    for m, path in mods.items():
        package = m if path.name == "__init__.py" else m.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets: List[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                    src = ".".join(base + ([node.module] if node.module else []))
                else:
                    src = node.module or ""
                targets = [src] + [f"{src}.{a.name}" for a in node.names]
            edges[m].update(t for t in targets if t in mods and t != m)
    return edges


def import_cycles(edges: Dict[str, Set[str]]) -> List[List[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on_stack: Set[str] = set()
    found: List[List[str]] = []
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(edges[w]))))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    found.append(sorted(comp))
    return found


def test_no_import_cycles():
    edges = import_edges()
    assert len(edges) > 100 and sum(len(e) for e in edges.values()) > 300  # the whole package was read
    cycles = import_cycles(edges)
    assert not cycles, "import cycles between modules:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_the_checker_finds_a_cycle(tmp_path):
    """The checker itself: a package whose module imports its __init__, which imports the module back."""
    pkg = tmp_path / "nncodegen" / "fam"
    pkg.mkdir(parents=True)
    (tmp_path / "nncodegen" / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("from .a import f\n")
    (pkg / "a.py").write_text("def f():\n    from . import b\n")
    (pkg / "b.py").write_text("X = 1\n")
    (tmp_path / "nncodegen" / "c.py").write_text("from .fam import b\n")
    edges = import_edges(tmp_path / "nncodegen")
    assert edges["nncodegen.c"] == {"nncodegen.fam", "nncodegen.fam.b"}
    assert import_cycles(edges) == [["nncodegen.fam", "nncodegen.fam.a"]]
    (pkg / "a.py").write_text("def f():\n    from .b import X\n")
    assert import_cycles(import_edges(tmp_path / "nncodegen")) == []
