"""Lower layers never import higher ones (docs/architecture.md draws the order).

Every module under src/spikeslim is parsed, not imported: `import`, `from ... import` (relative
ones resolved) and string literals that name a `spikeslim.<pkg>` module (the lazy imports of the
registries) are edges; an edge from a package to one later in `LAYERS` is a violation.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "spikeslim"

# Lowest first; a package may import itself and anything listed before it.
LAYERS = (
    "errors", "files", "safeio", "flags", "report", "progress",  # shared leaves (docs/architecture.md)
    "events", "datasets", "snn", "train", "prune", "latency", "condense", "export", "bench",
    "cli", "__main__",
)
_RANK = {name: rank for rank, name in enumerate(LAYERS)}
_MODULE_NAME = re.compile(r"spikeslim(\.[A-Za-z_]\w*)+")


def _module_parts(path: Path, root: Path) -> list[str]:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def _docstrings(tree: ast.Module) -> set[int]:
    """ids of the docstring constants (a docstring may start with a module name)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def imported_modules(path: Path, root: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) for every spikeslim module the file at `path` names."""
    tree = ast.parse(path.read_text(), filename=str(path))
    here = _module_parts(path, root)
    package = here if path.name == "__init__.py" else here[:-1]
    docstrings = _docstrings(tree)
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[: len(package) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            names += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            if _MODULE_NAME.fullmatch(node.value):
                names.append((node.lineno, node.value))
    return [(line, name) for line, name in names if name.split(".")[0] == "spikeslim"]


def layer_of(module: str) -> str | None:
    """The top-level package of a `spikeslim.<pkg>...` name (None for `spikeslim` itself)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] != "__version__" else None


def violations(root: Path = SRC) -> list[str]:
    """'file:line: package -> higher package (name)', once per import line and target package."""
    found: dict[tuple[str, int, str], str] = {}
    for path in sorted(root.rglob("*.py")):
        source = layer_of(".".join(_module_parts(path, root)))
        if source is None:
            continue
        where = path.relative_to(root.parent).as_posix()
        for line, name in imported_modules(path, root):
            target = layer_of(name)
            if target is None or target == source:
                continue
            if _RANK.get(target, len(LAYERS)) > _RANK.get(source, -1):
                found.setdefault((where, line, target), f"{where}:{line}: {source} -> {target} ({name})")
    return list(found.values())


def test_every_package_has_a_layer() -> None:
    packages = {p.stem if p.is_file() else p.name for p in SRC.iterdir()
                if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").is_file()}
    assert packages <= set(LAYERS), f"place these in LAYERS: {sorted(packages - set(LAYERS))}"


def test_no_package_imports_a_higher_one() -> None:
    found = violations()
    assert not found, "imports that run up the layers:\n" + "\n".join(found)


@pytest.mark.parametrize("source, expect", [
    ("from spikeslim.cli import main\n", "train -> cli (spikeslim.cli.main)"),
    ("import spikeslim.latency.rebin\n", "train -> latency (spikeslim.latency.rebin)"),
    ("from ..prune import base\n", "train -> prune (spikeslim.prune.base)"),
    ("MODULES = {'q': 'spikeslim.condense.setfile'}\n", "train -> condense (spikeslim.condense.setfile)"),
])
def test_an_upward_edge_is_named(tmp_path: Path, source: str, expect: str) -> None:
    root = tmp_path / "spikeslim"
    (root / "train").mkdir(parents=True)
    (root / "train" / "__init__.py").write_text('"""spikeslim.train: docstrings are no edge."""\n')
    (root / "train" / "bad.py").write_text(source)
    assert violations(root) == [f"spikeslim/train/bad.py:1: {expect}"]


def test_downward_and_same_package_edges_pass(tmp_path: Path) -> None:
    root = tmp_path / "spikeslim"
    (root / "train").mkdir(parents=True)
    (root / "train" / "ok.py").write_text(
        "from spikeslim.errors import SpikeslimError\nfrom . import loop\nimport spikeslim.snn.neurons\n"
        "from spikeslim import __version__\nNAME = 'spikeslim.train.loop'\n"
    )
    assert violations(root) == []
