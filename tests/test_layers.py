"""Imports flow one way along the data path (design.md, lesson 5).

Each module of the package has a level; a module may import only modules of a
lower level.  Modules of one level are siblings and may not import each other.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "verifier"

# text -> expression -> derivative and estimates -> comparison -> tables -> reports -> CLI
LEVELS: dict[str, int] = {
    "_package": -1,  # the package object's class (verifier/__init__.py only)
    "i18n": -1,  # the message catalogs: every module may speak through them
    "errors": 0,
    "files": 1,
    "limits": 1,
    "collector": 1,  # the garbage collector around units (workers and serve use it)
    "points": 1,
    "compare": 1,
    "expr": 2,
    "workers": 2,  # the killable pool (uses limits); expr never needs it
    "symbolic": 3,
    "numeric": 3,  # siblings: the numeric side never imports the symbolic side (and back)
    "policy": 4,
    "reference": 5,
    "sweep_fit": 5,
    "policy_hessian": 5,  # the numeric Hessian's verdict (POLICY["hessian"])  # the sweep's error model and curve fit (no reference: a sibling)
    "sweep": 6,
    "sweep_kink": 6,  # a kink's one-sided estimates (a sibling of sweep)
    "network": 6,
    "sweep_api": 7,  # verifier.sweep(f, at=...): text, expression or a Python callable
    "gradcheck": 7,
    "homework": 7,
    "descent": 8,
    "suite": 8,  # siblings: descent and suite never import each other
    "report": 9,
    "pytest_plugin": 10,
    "cli": 10,
    "serve": 9.5,  # the web service: above report (it serves its MathML, SVG, CSV); cli starts it
    "__main__": 11,
}
#: the parser's grammar may reach about 600 lines (design.md); every other module 500
MAX_LINES = {"expr/parser.py": 600}


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE).with_suffix("")
    return rel.parts[0]


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "verifier" and len(parts) > 1:
                    found.add(parts[1])
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import: from . import x / from .x import y
                if node.module:
                    found.add(node.module.split(".")[0])
                else:
                    found.update(alias.name for alias in node.names)
            elif node.module and node.module.split(".")[0] == "verifier":
                parts = node.module.split(".")
                if len(parts) > 1:
                    found.add(parts[1])
                else:
                    found.update(alias.name for alias in node.names)
            # the module name itself may be the dynamic import target
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            parts = node.args[0].value.split(".")
            if parts[0] == "verifier" and len(parts) > 1:
                found.add(parts[1])
    return found


SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE)


def test_every_module_has_a_level() -> None:
    names = {_module_name(p) for p in SOURCES}
    missing = sorted(names - set(LEVELS))
    assert not missing, f"modules without a level in tests/test_layers.py: {missing}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_up_the_data_path(path: Path) -> None:
    me = _module_name(path)
    mine = LEVELS[me]
    bad = sorted(
        other
        for other in _imported_modules(path)
        if other != me and other in LEVELS and LEVELS[other] >= mine
    )
    assert not bad, f"verifier.{me} (level {mine}) imports {bad}, which are not above it"


def test_the_checker_catches_a_backwards_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from verifier.cli import main\nfrom . import report\n")
    assert _imported_modules(bad) == {"cli", "report"}


def test_init_only_reexports() -> None:
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    defined = [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("__")
    ]
    assert defined == [], f"verifier/__init__.py defines {defined}; it should only re-export"


def test_symbolic_and_numeric_never_import_each_other() -> None:
    # the numeric side is an independent check of the symbolic side (design.md)
    for side, other in (("symbolic", "numeric"), ("numeric", "symbolic")):
        for path in sorted((PACKAGE / side).rglob("*.py")):
            assert other not in _imported_modules(path), f"{path.name} ({side}) imports {other}"


def test_the_sibling_check_catches_numeric_importing_symbolic(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from verifier.symbolic.rules import differentiate\n")
    assert "symbolic" in _imported_modules(bad)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_is_over_500_lines(path: Path) -> None:
    rel = str(path.relative_to(PACKAGE))
    limit = MAX_LINES.get(rel, 500)
    n = len(path.read_text(encoding="utf-8").splitlines())
    assert n <= limit, f"verifier/{rel} has {n} lines (at most {limit}): split it by responsibility"
