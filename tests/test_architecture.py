"""The house's rules, read from the source with `ast`: layers only look down, no import cycles, and the core
never imports a GUI. Function-level imports count as much as top-level ones."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "napari_chronoviz"
# lower layers never import higher ones; the public face (__init__) loads names lazily and is not a layer
LAYERS = {
    "napari_chronoviz._times": 0,
    "napari_chronoviz._progress": 0,
    "napari_chronoviz._cache": 0,
    "napari_chronoviz.errors": 0,
    "napari_chronoviz.samples": 0,
    "napari_chronoviz.io": 1,
    "napari_chronoviz.testing": 1,
    "napari_chronoviz.timeline": 2,
    "napari_chronoviz.session": 2,
    "napari_chronoviz.sources": 2,
    "napari_chronoviz.scene_options": 2,
    "napari_chronoviz.annotation": 2,
    "napari_chronoviz.calibration": 2,
    "napari_chronoviz.kinematics": 2,
    "napari_chronoviz.sync": 2,
    "napari_chronoviz.overlays": 3,
    "napari_chronoviz.render": 4,
    "napari_chronoviz.napari": 5,
    "napari_chronoviz.cli": 5,
    "napari_chronoviz.demo": 5,
}
ADAPTER_LAYER = 5
GUI_PACKAGES = ("napari", "qtpy", "magicgui", "PyQt5", "PyQt6", "PySide2", "PySide6", "vispy")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking_block(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(path: Path) -> set[str]:
    """Absolute names of the modules `path` imports anywhere, outside `if TYPE_CHECKING:` blocks."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if _is_type_checking_block(node):
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            stem = node.module if node.level == 0 else ".".join(filter(None, (base, node.module)))
            found.add(stem)
            found.update(f"{stem}.{alias.name}" for alias in node.names)  # `from . import x` may name a module
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


MODULES = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
GRAPH = {
    name: {imported for imported in _imports(path) if imported in MODULES and imported != name}
    for name, path in MODULES.items()
}


def _layer(module: str) -> int | None:
    matches = [prefix for prefix in LAYERS if module == prefix or module.startswith(prefix + ".")]
    return LAYERS[max(matches, key=len)] if matches else None


def test_every_module_has_a_layer():
    unplaced = sorted(name for name in MODULES if name != "napari_chronoviz" and _layer(name) is None)
    assert not unplaced, f"place these modules in LAYERS: {unplaced}"


PLACED = sorted(name for name in MODULES if name != "napari_chronoviz" and _layer(name) is not None)


@pytest.mark.parametrize("module", PLACED)
def test_layers_only_look_down(module):
    upward = sorted(
        imported
        for imported in GRAPH[module]
        if imported != "napari_chronoviz" and (_layer(imported) or 0) > _layer(module)
    )
    assert not upward, f"{module} (layer {_layer(module)}) imports higher layers: {upward}"


@pytest.mark.parametrize("module", [name for name in PLACED if _layer(name) < ADAPTER_LAYER])
def test_the_core_imports_no_gui(module):
    gui = sorted(name for name in _imports(MODULES[module]) if name.split(".")[0] in GUI_PACKAGES)
    assert not gui, f"{module} is core code but imports {gui}"


def test_no_import_cycles():
    cycles, state = [], {}

    def walk(node: str, stack: list[str]) -> None:
        state[node] = "open"
        for target in sorted(GRAPH[node]):
            if state.get(target) == "open":
                cycles.append(stack[stack.index(target) :] + [target])
            elif target not in state:
                walk(target, stack + [target])
        state[node] = "done"

    for name in sorted(GRAPH):
        if name not in state:
            walk(name, [name])
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(cycle) for cycle in cycles)


def test_the_rules_can_fail(tmp_path):
    """The checker sees a relative upward import inside a function and a cycle through it."""
    source = tmp_path / "napari_chronoviz" / "io"
    source.mkdir(parents=True)
    (source / "thing.py").write_text("def f():\n    from ..render.export import export_scene\n")
    global PACKAGE
    real, PACKAGE = PACKAGE, tmp_path / "napari_chronoviz"
    try:
        assert "napari_chronoviz.render.export" in _imports(source / "thing.py")
    finally:
        PACKAGE = real
    assert _layer("napari_chronoviz.render.export") > _layer("napari_chronoviz.io.thing")
