"""The import rule of DESIGN.md: core and forms never load the UI toolkit; core never loads forms;
and no module of core, forms or tui imports itself round a circle."""

import ast
import subprocess
import sys
from pathlib import Path

import networkx as nx

from tests.conftest import ROOT


def _loaded_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys; print(' '.join(sys.modules))"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(out.split())


def _all_modules(package: str) -> list[str]:
    return [
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for path in sorted((ROOT / package).rglob("*.py"))
    ]


def test_core_and_forms_never_load_textual():
    imports = "\n".join(f"import {m}" for m in _all_modules("core") + _all_modules("forms"))
    loaded = _loaded_after(imports)
    assert not {m for m in loaded if m == "textual" or m.startswith("textual.")}
    assert not {m for m in loaded if m == "tui" or m.startswith("tui.")}


def test_core_never_loads_forms():
    imports = "\n".join(f"import {m}" for m in _all_modules("core"))
    loaded = _loaded_after(imports)
    assert "forms" not in loaded


def _module_name(root: Path, path: Path) -> str:
    return ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")


def _type_checking_only(tree: ast.Module) -> set[int]:
    """The nodes under `if TYPE_CHECKING:`, which never run and so cannot close a circle."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(inner) for child in node.body for inner in ast.walk(child))
    return skipped


def _imports(name: str, path: Path, modules: set[str]):
    """Every module of `modules` that `name` imports, at the top or inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _type_checking_only(tree)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            for alias in node.names:  # `from core.runtime import registry` imports a module
                yield f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base


def import_graph(root: Path, packages: tuple[str, ...]) -> nx.DiGraph:
    files = {_module_name(root, path): path for package in packages for path in sorted((root / package).rglob("*.py"))}
    graph = nx.DiGraph()
    graph.add_nodes_from(files)
    for name, path in files.items():
        graph.add_edges_from((name, target) for target in _imports(name, path, set(files)) if target in files)
    graph.remove_edges_from(nx.selfloop_edges(graph))
    return graph


def import_cycles(graph: nx.DiGraph) -> list[list[str]]:
    return [sorted(group) for group in nx.strongly_connected_components(graph) if len(group) > 1]


def test_no_import_cycles():
    assert import_cycles(import_graph(ROOT, ("core", "forms", "tui"))) == []


def test_a_cycle_through_a_function_level_import_is_found(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "a.py").write_text("from pkg import b\n")
    (tmp_path / "pkg" / "b.py").write_text("def later():\n    from .a import x\n")
    (tmp_path / "pkg" / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.a\nimport pkg.b\n"
    )
    assert import_cycles(import_graph(tmp_path, ("pkg",))) == [["pkg.a", "pkg.b"]]
