"""The names ``sympy.lambdify(..., modules="numpy")`` resolves, without numpy's lazy submodules.

sympy builds that namespace once per process with ``from numpy import *``.  numpy 2 lists
its lazily loaded submodules in ``__all__`` (``f2py``, ``testing``, ``ctypeslib``, ...), so the
star import loads them all: ~0.14 s at the first compile of every process, paid again by each
worker of ``verifier run --jobs`` and ``verifier grade --jobs``.  :func:`prepare_lambdify`
fills sympy's table with the same names, bound to the same objects, minus those submodules
(code that lambdify generates names functions and constants, never a submodule).

>>> namespace = numpy_namespace()
>>> import numpy
>>> namespace["sin"] is numpy.sin and namespace["Heaviside"] is numpy.heaviside
True
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["numpy_namespace", "prepare_lambdify"]


def numpy_namespace() -> dict[str, Any]:
    """What sympy's ``import numpy; from numpy import *; from numpy.linalg import *`` (then its
    translations, then ``Abs``) gives, but the submodules numpy has not loaded yet.

    >>> namespace = numpy_namespace()
    >>> namespace["Abs"] is abs, namespace["numpy"].__name__
    (True, 'numpy')
    """
    import numpy
    import numpy.linalg

    lam = importlib.import_module("sympy.utilities.lambdify")
    _namespace, default, translations, _commands = lam.MODULES["numpy"]
    out: dict[str, Any] = {**default, "numpy": numpy}
    out.update((name, getattr(numpy, name)) for name in numpy.__all__ if name in vars(numpy))
    out.update((name, getattr(numpy.linalg, name)) for name in numpy.linalg.__all__)
    for sympy_name, numpy_name in translations.items():
        out[sympy_name] = out[numpy_name]
    out.setdefault("Abs", abs)
    return out


def prepare_lambdify() -> None:
    """Fill sympy's ``"numpy"`` namespace with :func:`numpy_namespace` unless it is built.

    >>> prepare_lambdify()
    """
    lam = importlib.import_module("sympy.utilities.lambdify")
    namespace, default, _translations, _commands = lam.MODULES["numpy"]
    if namespace == default:  # sympy's own test for "not built yet"
        namespace.update(numpy_namespace())
