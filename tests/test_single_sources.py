"""One concept, one module (design.md): read every module's AST and find second copies.

* exact values: only ``numeric/evaluate.py`` evaluates with mpmath (imports it, calls
  ``evalf`` or ``lambdify(..., "mpmath")``);
* finite differences: only ``numeric/estimate.py`` (the one routine, and the seed's nditer
  loop kept there as its reference) and ``numeric/stencils.py`` (the formula of a row) form
  ``(f(x + h) - f(x - h)) / h``-style quotients;
* step grids: only ``numeric/stencils.py`` defines ``h_grid``;
* tolerances: only ``policy.py`` and ``compare.py`` define ``RTOL``/``ATOL``-like constants.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "verifier"
SOURCES = sorted(PACKAGE.rglob("*.py"))
EVALUATOR = {"numeric/evaluate.py"}
ESTIMATOR = {"numeric/estimate.py", "numeric/stencils.py"}
#: names that mean "a step" in a difference quotient's denominator
STEP_NAMES = {"h", "hh", "step", "dh", "delta", "eps_h"}


def _rel(path: Path) -> str:
    return str(path.relative_to(PACKAGE))


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def mpmath_evaluations(tree: ast.AST) -> list[int]:
    """Line numbers where a module imports mpmath or evaluates sympy numerically."""
    lines = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Import)
            and any(a.name.split(".")[0] == "mpmath" for a in node.names)
            or isinstance(node, ast.ImportFrom)
            and (node.module or "").split(".")[0] == "mpmath"
        ):
            lines.append(node.lineno)
        elif isinstance(node, ast.Call):
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name in ("evalf", "N") or name == "lambdify" and "mpmath" in ast.unparse(node):
                lines.append(node.lineno)
    return lines


def _mentions_step(node: ast.AST) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and sub.id in STEP_NAMES:
            return True
        if isinstance(sub, ast.Attribute) and sub.attr in STEP_NAMES:
            return True
    return False


def difference_quotients(tree: ast.AST) -> list[int]:
    """Line numbers of ``(a - b) / (... h ...)`` and ``f(x + h) - f(x - h)`` forms."""
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.BinOp):
            continue
        if (
            isinstance(node.op, ast.Div)
            and isinstance(node.left, ast.BinOp)
            and isinstance(node.left.op, ast.Sub)
            and _mentions_step(node.right)
        ) or (
            isinstance(node.op, ast.Sub)
            and isinstance(node.left, ast.Call)
            and isinstance(node.right, ast.Call)
            and any(_mentions_step(a) for a in node.left.args)
            and any(_mentions_step(a) for a in node.right.args)
        ):
            lines.append(node.lineno)
    return lines


@pytest.mark.parametrize("path", SOURCES, ids=_rel)
def test_only_the_evaluator_evaluates_with_mpmath(path: Path) -> None:
    if _rel(path) in EVALUATOR:
        return
    found = mpmath_evaluations(_tree(path))
    assert not found, (
        f"verifier/{_rel(path)} evaluates with mpmath itself at lines {found}: "
        "use verifier.numeric.evaluate (or verifier.reference for exact values)"
    )


@pytest.mark.parametrize("path", SOURCES, ids=_rel)
def test_only_the_estimator_forms_differences(path: Path) -> None:
    if _rel(path) in ESTIMATOR:
        return
    found = difference_quotients(_tree(path))
    assert not found, (
        f"verifier/{_rel(path)} forms a finite difference itself at lines {found}: "
        "use verifier.numeric.estimate.finite_difference"
    )


def test_one_step_grid_builder() -> None:
    owners = [
        _rel(p)
        for p in SOURCES
        for node in ast.walk(_tree(p))
        if isinstance(node, ast.FunctionDef) and node.name.lstrip("_") == "h_grid"
    ]
    assert owners == ["numeric/stencils.py"]


def test_the_detectors_catch_what_they_look_for() -> None:
    seed = ast.parse("g = (fxh2 - fxh1) / (2 * h)\nd = f(x + h) - f(x - h)\n")
    assert difference_quotients(seed) == [1, 2]
    assert difference_quotients(ast.parse("r = (a - b) / scale\n")) == []
    ev = ast.parse("import mpmath\nv = expr.evalf(30)\nf = sympy.lambdify(s, e, 'mpmath')\n")
    assert mpmath_evaluations(ev) == [1, 2, 3]


def test_the_seed_loop_is_kept_as_the_reference() -> None:
    tree = _tree(PACKAGE / "numeric" / "estimate.py")
    names = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    assert {"finite_difference", "nditer_gradient"} <= names
