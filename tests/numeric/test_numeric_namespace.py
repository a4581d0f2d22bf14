"""lambdify's numpy names, filled without numpy's lazy submodules: the same objects sympy binds."""

from __future__ import annotations

import importlib
import subprocess
import sys
import types

import numpy as np
import sympy

from verifier.expr import parse
from verifier.numeric.evaluate import compile_function
from verifier.numeric.namespace import numpy_namespace


def test_every_name_is_bound_to_what_sympys_own_import_binds():
    lam = importlib.import_module("sympy.utilities.lambdify")
    lam._import("numpy", reload=True)  # sympy's own: import numpy; from numpy import *; ...
    theirs = dict(lam.MODULES["numpy"][0])
    ours = numpy_namespace()
    assert all(ours[name] is theirs[name] for name in ours)
    # numpy's submodules not loaded yet (none, once something here has loaded them)
    left_out = set(theirs) - set(ours)
    assert all(isinstance(theirs[name], types.ModuleType) for name in left_out)


def test_a_first_compile_does_not_load_numpys_lazy_submodules():
    code = (
        "import sys; from verifier.expr import parse; "
        "from verifier.numeric.evaluate import compile_function; "
        "f = compile_function(parse('x^3 e^x + abs(x) + asin(x/2)', ['x']), ['x']); "
        "print(f(1.0), sorted(m for m in ('numpy.f2py', 'numpy.testing') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    value, loaded = done.stdout.split(" ", 1)
    assert loaded.strip() == "[]"
    assert abs(float(value) - (np.e + 1 + np.arcsin(0.5))) < 1e-12  # a few ulps of ~4.2


def test_compiled_functions_agree_with_sympys_numpy_printer_and_namespace():
    x = sympy.Symbol("x")
    texts = ["x^3 e^x", "abs(x - 1) + sign(x)", "sqrt(x^2 + 1) / cosh(x)", "atan(x) ln(x + 3)"]
    grid = np.linspace(-2.0, 2.0, 41)
    for text in texts:
        expr = parse(text, ["x"])
        ours = compile_function(expr, ["x"])
        theirs = sympy.lambdify(x, expr.subs({s: x for s in expr.free_symbols}), "numpy")
        with np.errstate(all="ignore"):
            a, b = np.asarray(ours(grid), float), np.asarray(theirs(grid), float)
        assert np.array_equal(a, b, equal_nan=True)  # the same code on the same numpy calls
