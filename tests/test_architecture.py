"""The architecture as tests: layers import downwards only, plugins use public hooks only.

Every import statement counts: at the top of a module, inside functions and
under ``TYPE_CHECKING``. Deprecated old paths (:mod:`ganaug._deprecated`)
resolve by name at first use; they are checked to resolve, not as imports.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import warnings
from pathlib import Path

import pytest

import ganaug
from ganaug import _deprecated

ROOT = Path(ganaug.__file__).parent
PLUGINS = ROOT.parent / "plugins"
EXAMPLE = ROOT.parent / "examples" / "ganaug-lsgan" / "ganaug_lsgan.py"

# README's "Architecture", foundations first: a module imports only its own layer and the layers before it
LAYERS = [
    ("foundations", ["ganaug._version", "ganaug._deprecated", "ganaug.errors", "ganaug.limits",
                     "ganaug.paths", "ganaug.devices"]),
    ("file format", ["ganaug.fileformat"]),
    ("data", ["ganaug.data"]),
    ("options", ["ganaug.options"]),
    ("losses and metrics", ["ganaug.losses", "ganaug.metrics"]),
    ("network blocks", ["ganaug.nn"]),
    ("backend contract", ["ganaug.backend"]),
    ("registry", ["ganaug.registry"]),
    ("training", ["ganaug.training"]),
    ("refinements", ["ganaug.refinements"]),
    ("plugin face", ["ganaug.plugin"]),
    ("sampler", ["ganaug.modelfile", "ganaug.sampler"]),
    ("baselines", ["ganaug.baselines"]),
    ("evaluation", ["ganaug.evaluation"]),
    ("command line", ["ganaug.cli"]),
    ("conformance kit", ["ganaug.testing"]),
    ("public API", ["ganaug"]),
]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def layer_of(module: str) -> int:
    best = None
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                if best is None or len(prefix) > best[1]:
                    best = (index, len(prefix))
    assert best is not None, f"{module} is in no layer of this test (add it to LAYERS and the README)"
    return best[0]


def imports_of(module: str) -> set[str]:
    """The ganaug modules that ``module`` imports, from every import statement in it."""
    tree = ast.parse(MODULES[module].read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == "ganaug"}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "ganaug":
            for alias in node.names:  # `from ganaug.data import tabular` imports a module
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in MODULES else node.module)
    return found - {module}


GRAPH = {module: imports_of(module) for module in MODULES}


def test_every_module_is_in_a_layer():
    for module in MODULES:
        layer_of(module)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_module_imports_only_its_layer_and_the_layers_before_it(module):
    upward = [(target, LAYERS[layer_of(target)][0]) for target in sorted(GRAPH[module])
              if layer_of(target) > layer_of(module)]
    assert not upward, f"{module} ({LAYERS[layer_of(module)][0]}) imports a later layer: {upward}"


def test_no_import_cycle():
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for target in sorted(GRAPH[module]):
            if state.get(target) == 1:
                cycle = path[path.index(target):] + [target]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target)
        path.pop()
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module)


def type_checking_imports(module: str) -> set[str]:
    """The ganaug modules ``module`` imports inside ``if TYPE_CHECKING:`` blocks."""
    found = set()
    for node in ast.walk(ast.parse(MODULES[module].read_text())):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                if isinstance(inner, ast.ImportFrom) and (inner.module or "").split(".")[0] == "ganaug":
                    found |= {f"{inner.module}.{a.name}" if f"{inner.module}.{a.name}" in MODULES
                              else inner.module for a in inner.names}
                elif isinstance(inner, ast.Import):
                    found |= {a.name for a in inner.names if a.name.split(".")[0] == "ganaug"}
    return found - {module}


def reaches(start: str, goal: str) -> bool:
    seen, todo = set(), [start]
    while todo:
        current = todo.pop()
        if current == goal:
            return True
        if current not in seen:
            seen.add(current)
            todo.extend(GRAPH.get(current, ()))
    return False


@pytest.mark.parametrize("module", sorted(MODULES))
def test_type_checking_imports_are_imports_the_module_could_make_at_run_time(module):
    # an import hidden under TYPE_CHECKING is still a dependency: it may not point up the layers, nor at a
    # module that imports this one (the cycle it would be at run time)
    for target in sorted(type_checking_imports(module)):
        assert layer_of(target) <= layer_of(module), f"{module} imports {target} (a later layer) for types"
        assert not reaches(target, module), f"{module} imports {target} for types, which imports it back"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_imports_its_own_package_through_its_init(module):
    # `from ganaug.cli import tasks` inside ganaug/cli runs the package's __init__, which may be half-done;
    # a module names the sibling module itself (`import ganaug.cli.tasks as tasks`)
    parts = module.split(".")
    own_packages = {".".join(parts[:i]) for i in range(1, len(parts))}
    if MODULES[module].name == "__init__.py":
        own_packages.discard(module)
    for node in ast.walk(ast.parse(MODULES[module].read_text())):
        if isinstance(node, ast.ImportFrom) and node.module in own_packages:
            raise AssertionError(f"{module} line {node.lineno}: `from {node.module} import ...` goes through "
                                 f"its own package's __init__; import the module that defines the names")


MAX_CLASS_LINES, MAX_MODULE_LINES = 350, 450  # docstrings and comments included


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_class_or_module_is_too_big_to_read_in_one_sitting(module):
    source = MODULES[module].read_text()
    lines = len(source.splitlines())
    assert lines <= MAX_MODULE_LINES, f"{module} has {lines} lines; split it by job"
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ClassDef):
            size = node.end_lineno - node.lineno + 1 + len(node.decorator_list)
            assert size <= MAX_CLASS_LINES, f"{module}.{node.name} has {size} lines; split it by job"


def test_core_never_imports_builtin_plugins():
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not any(n.split(".")[0] == "ganaug_plugins" for n in names), module


def test_each_module_docstring_opens_with_its_job():
    for module, path in MODULES.items():
        doc = ast.get_docstring(ast.parse(path.read_text()))
        assert doc and len(doc.splitlines()[0]) > 20, f"{module} needs a docstring that says its one job"


# ---- plugins use public hooks only ------------------------------------------------------------
def plugin_modules() -> list[tuple[str, Path]]:
    modules = [(f"ganaug_plugins.{p.stem}", p) for p in sorted(PLUGINS.glob("*.py")) if p.stem != "__init__"]
    return modules + [("ganaug_lsgan", EXAMPLE)]


def ganaug_bases(cls: type) -> list[type]:
    return [base for base in cls.__mro__[1:] if base.__module__.split(".")[0] == "ganaug"]


@pytest.mark.parametrize("name, path", plugin_modules(), ids=lambda v: v if isinstance(v, str) else "")
def test_plugins_neither_override_nor_call_private_names_of_ganaug(name, path, monkeypatch):
    if name == "ganaug_lsgan":
        monkeypatch.syspath_prepend(str(path.parent))
    module = importlib.import_module(name)
    own = [c for _, c in inspect.getmembers(module, inspect.isclass) if c.__module__ == module.__name__]
    defined_here = {attr for c in own for attr in vars(c)}
    private_of_core = {attr for c in own for base in ganaug_bases(c) for attr in vars(base)
                       if attr.startswith("_") and not attr.startswith("__")}
    overridden = sorted(defined_here & private_of_core)
    assert not overridden, f"{name} overrides private methods of ganaug classes: {overridden}"
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "ganaug":
            private = [a.name for a in node.names if a.name.startswith("_")]
            assert not private, f"{name} imports private names of {node.module}: {private}"
        if isinstance(node, ast.Attribute) and node.attr in private_of_core - defined_here:
            raise AssertionError(f"{name} line {node.lineno} uses {node.attr}, private to ganaug")


@pytest.mark.parametrize("name, path", plugin_modules(), ids=lambda v: v if isinstance(v, str) else "")
def test_plugins_import_ganaug_through_the_plugin_face_only(name, path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "ganaug":
            assert node.module == "ganaug.plugin", f"{name} line {node.lineno} imports from {node.module}"
        if isinstance(node, ast.Import):
            assert not [a.name for a in node.names if a.name.split(".")[0] == "ganaug"], name


@pytest.mark.parametrize("name, path", plugin_modules(), ids=lambda v: v if isinstance(v, str) else "")
def test_plugins_neither_override_fit_nor_count_rows_to_tell_loading_from_fitting(name, path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            methods = {f.name for f in node.body if isinstance(f, ast.FunctionDef)}
            assert "fit" not in methods, f"{name}.{node.name} overrides fit: use setup / train / on_fit_end"
        if isinstance(node, ast.FunctionDef) and node.name == "build":
            counted = [n for n in ast.walk(node)
                       if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "len"]
            assert not counted, f"{name} line {node.lineno}: build counts something; it sees shapes only"


# ---- deprecated old paths -------------------------------------------------------------------
OLD_NAMES = [(module, name) for module, names in _deprecated.OLD_MODULES.items() for name in names]
IMPORTABLE = [importlib.import_module(n) for n in sorted(MODULES) if not n.endswith("__main__")]
MOVED_NAMES = [(m.__name__, name) for m in IMPORTABLE
               for name in getattr(getattr(m, "__getattr__", None), "targets", {})]


@pytest.mark.parametrize("module, name", OLD_NAMES + MOVED_NAMES, ids=lambda v: v)
def test_old_paths_still_resolve_with_a_deprecation_warning(module, name):
    with pytest.warns(DeprecationWarning, match="moved to|no longer used"):
        value = getattr(importlib.import_module(module), name)
    assert value is not None


def test_old_module_paths_import_as_modules():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        import ganaug.adversarial  # noqa: F401  (importing the module itself does not warn)
    with pytest.warns(DeprecationWarning, match="ganaug.training.loop"):
        from ganaug.adversarial import AdversarialBackend
    from ganaug.training import AdversarialBackend as current

    assert AdversarialBackend is current
