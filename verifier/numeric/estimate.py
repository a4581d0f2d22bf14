"""THE finite-difference routine, and the estimates built on it.

Every finite difference of the package goes through :func:`finite_difference`: a stencil
(:mod:`verifier.numeric.stencils`, a row of offsets and weights) applied to a function that
can be evaluated with the studied coordinate displaced by ``o * h``.  Sweeps of sympy
functions (:func:`estimate_derivative`), gradients of callables (:func:`numeric_gradient`),
the network's structured perturbations, the homework grader's high-precision derivative and
the kink probe of the reference all call it, so a step is made representable, and a stencil
applied, in one place.

The seed lecture's loop (section 10) is kept here faithfully as :func:`nditer_gradient`: the
reference every faster gradient is tested against.

>>> from verifier.expr import symbol
>>> x = symbol("x")
>>> est = estimate_derivative(x**2 + 2*x + 1, [15.0], "central", h=[0.125])
>>> abs(float(est.value[0, 0]) - 32.0) < 1e-12  # exact for a quadratic, up to f's rounding
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy

from verifier.errors import VerifierError
from verifier.numeric.evaluate import CompiledFunction, compile_function
from verifier.numeric.stencils import Stencil, get_stencil
from verifier.points import points_array

__all__ = [
    "Estimate",
    "estimate_derivative",
    "finite_difference",
    "nditer_gradient",
    "numeric_gradient",
    "representable_step",
]


def representable_step(x: Any, h: Any) -> np.ndarray:
    """``(x + h) - x``: the step that ``x + h`` really moves by in float64.

    With it, ``x + h`` is exact and the estimate carries only the stencil's error and f's
    own rounding.  A step below the float spacing at ``x`` becomes 0 (``x + h == x``):
    such a measurement means nothing, and :func:`finite_difference` returns NaN for it.

    >>> 0 < float(representable_step(1.0, 0.1)) - 0.1 < 1e-16  # 1.1 is not 1 + 0.1 in binary
    True
    >>> float(representable_step(1e8, 1e-9))
    0.0
    """
    xa = np.asarray(x, dtype=np.float64)
    return (xa + np.asarray(h, dtype=np.float64)) - xa


def finite_difference(
    shifted: Callable[[np.ndarray], Any],
    stencil: str | Stencil,
    h: Any,
    *,
    x: Any = None,
) -> Any:
    """Apply ``stencil`` at steps ``h``: ``sum_k w_k f(x + o_k h) / h^n`` (n its derivative).

    ``shifted(d)`` returns f with the studied coordinate displaced by ``d``; ``d`` has the
    shape of ``h`` plus a last axis of the stencil's offsets (complex ``1j * o * h`` for the
    complex step), and the result has that shape (extra leading axes are allowed, e.g. one
    per network parameter).  For a mixed partial ``d`` has one more axis of length 2, the
    displacements of the two coordinates, and ``x`` (if given) is the pair.  With ``x`` given, real steps are first made representable at
    ``x`` (:func:`representable_step`) and steps that vanish (``x + h == x``) give NaN.
    ``h`` may be float64 or mpmath numbers (object arrays): the homework grader differentiates
    at 40 digits through the same routine.

    >>> import numpy as np
    >>> finite_difference(lambda d: (2.0 + d) ** 2, "central", np.array([0.5]), x=2.0)
    array([4.])
    >>> cs = finite_difference(lambda d: np.sin(1.0 + d), "complex_step", 1e-20)
    >>> bool(abs(float(cs) - np.cos(1.0)) < 1e-16)  # no cancellation: exact to the last bit or so
    True
    >>> finite_difference(lambda d: (2.0 + d) ** 3, "second_central", np.array([0.5]), x=2.0)
    array([12.])
    """
    st = get_stencil(stencil)
    real_float = not st.complex and (np.asarray(h).dtype != object)
    hh = np.asarray(h) if not real_float else np.asarray(h, dtype=np.float64)
    if x is not None and real_float:
        for xi in np.atleast_1d(np.asarray(x, dtype=np.float64)) if st.mixed else (x,):
            hh = representable_step(xi, hh)  # representable at both coordinates of a pair
    offsets = np.asarray(st.offsets, dtype=np.float64)
    d = hh[..., None, None] * offsets if st.mixed else hh[..., None] * offsets
    if st.complex:
        d = 1j * d
    values = shifted(d)
    with np.errstate(all="ignore"):
        est = st.apply(values, hh)
    if real_float:
        est = np.where(hh > 0, est, np.nan)
    return est


@dataclass(frozen=True, eq=False)
class Estimate:
    """Derivative estimates of one method: ``value[i, j]`` at ``point[i]`` with step ``h[i, j]``.

    ``h`` holds the steps actually used (representable at the point).
    """

    method: str
    variable: str
    point: np.ndarray
    h: np.ndarray
    value: np.ndarray

    def to_frame(self) -> Any:
        """Tidy rows: point, method, variable, h, estimate."""
        import pandas as pd

        n, nh = self.value.shape
        return pd.DataFrame(
            {
                "point": np.repeat(np.arange(n), nh),
                "method": self.method,
                "variable": self.variable,
                "h": self.h.ravel(),
                "estimate": self.value.ravel(),
            }
        )


def estimate_derivative(
    f: sympy.Expr | CompiledFunction,
    points: Any,
    method: str | Stencil = "central",
    h: Any = None,
    *,
    var: str | None = None,
    variables: Sequence[str] | None = None,
) -> Estimate:
    """Apply one stencil at every point and every step, in ONE call of the compiled function.

    ``h`` is a scalar, a 1-D grid (shared by all points) or an (n, nh) array;
    ``None`` uses the stencil's default step at each point.  Real stencils make
    each step representable first: ``h = (x + h) - x``, so ``x + h`` is exact and
    the only error left is the stencil's and f's.  Steps below the float spacing
    at x become 0 and give NaN.

    >>> from verifier.expr import symbol
    >>> x = symbol("x")
    >>> e = estimate_derivative(sympy.sin(x), [0.0, 1.0], "complex_step")
    >>> np.allclose(e.value[:, 0], [1.0, np.cos(1.0)], rtol=1e-15)
    True
    """
    cf = f if isinstance(f, CompiledFunction) else compile_function(f, variables)
    stencil = get_stencil(method)
    names = cf.variables
    if var is None:
        if len(names) != 1:
            raise VerifierError(
                f"say which variable to differentiate by: one of {', '.join(names)}"
            )
        var = names[0]
    if var not in names:
        raise VerifierError(f"{var!r} is not a variable of {cf.expr} ({', '.join(names)})")
    i = names.index(var)
    pts = points_array(points, names)
    n = pts.shape[0]
    xi = pts[:, i : i + 1]  # (n, 1)
    if h is None:
        hh = np.broadcast_to(stencil.default_h(xi), (n, 1)).astype(np.float64)
    else:
        ha = np.asarray(h, dtype=np.float64)
        if np.any(~np.isfinite(ha)) or np.any(ha <= 0):
            raise VerifierError("steps h must be positive finite numbers")
        if ha.ndim == 2:
            if ha.shape[0] != n:
                raise VerifierError(f"h has {ha.shape[0]} rows but there are {n} points")
            hh = ha
        else:
            hh = np.broadcast_to(ha.reshape(1, -1), (n, ha.size))
    if not stencil.complex:
        hh = representable_step(xi, hh)

    def shifted(d: np.ndarray) -> np.ndarray:
        shape = d.shape  # (n, nh, offsets)
        args = [
            xi[:, :, None] + d if j == i else np.broadcast_to(pts[:, j][:, None, None], shape)
            for j in range(len(names))
        ]
        return cf.evaluate(*args, complex=stencil.complex)

    est = np.asarray(finite_difference(shifted, stencil, hh), dtype=np.float64).reshape(hh.shape)
    return Estimate(stencil.name, var, pts, np.array(hh), est)


def numeric_gradient(
    f: Callable[[np.ndarray], Any] | sympy.Expr | CompiledFunction,
    x: Any,
    h: float = 1e-4,
    method: str = "vectorized",
    *,
    variables: Sequence[str] | None = None,
) -> np.ndarray:
    """Central-difference gradient of ``f`` at ``x``, two ways that give the same numbers.

    ``f`` is a sympy expression (its variables, or ``variables``, in order) or a
    callable mapping an array shaped like ``x`` to a scalar.  ``method="nditer"``
    runs the seed's loop (:func:`nditer_gradient`) element by element;
    ``"vectorized"`` stacks all 2n perturbed copies of x and evaluates them in one
    call, so a callable must broadcast over a leading axis (``f(P)`` with
    ``P.shape == (2n, *x.shape)`` returns shape ``(2n,)``).

    >>> from verifier.expr import symbol
    >>> f = symbol("x0") ** 2 + symbol("x1") ** 2
    >>> np.round(numeric_gradient(f, [1.0, 3.0], h=1e-5), 6).tolist()
    [2.0, 6.0]
    >>> g = lambda p: np.sum(p**2, axis=-1)
    >>> fast, seed = numeric_gradient(g, [1.0, 3.0]), numeric_gradient(g, [1.0, 3.0], method="nditer")
    >>> bool(np.allclose(fast, seed, rtol=1e-14, atol=0))  # same f values, same formula
    True
    """
    xa = np.array(x, dtype=np.float64)  # a copy: the caller's array is never touched
    if isinstance(f, (sympy.Expr, CompiledFunction)):
        cf = f if isinstance(f, CompiledFunction) else compile_function(f, variables)
        if xa.ndim != 1 or xa.size != len(cf.variables):
            raise VerifierError(
                f"x must be a vector of {len(cf.variables)} values ({', '.join(cf.variables)})"
            )

        def fn(p: np.ndarray) -> np.ndarray:
            return cf.evaluate(*np.moveaxis(np.asarray(p), -1, 0))

    elif callable(f):
        fn = f
    else:
        raise VerifierError(f"cannot differentiate an object of type {type(f).__name__}")
    if not (isinstance(h, (int, float)) and math.isfinite(h) and h > 0):
        raise VerifierError(f"h must be a positive number, not {h!r}")
    if method == "nditer":
        buf = xa.copy()
        return nditer_gradient(lambda: float(fn(buf)), buf, h)
    if method != "vectorized":
        raise VerifierError(f"unknown method {method!r}", hint="use 'vectorized' or 'nditer'")
    n = xa.size
    basis = np.eye(n, dtype=np.float64).reshape((n, *xa.shape))

    def shifted(d: np.ndarray) -> np.ndarray:
        # every element displaced by every offset at once: (n, offsets, *x.shape) points;
        # adding 0.0 leaves the other elements bit for bit unchanged, as the seed's loop does
        offs = np.moveaxis(d, -1, 0).reshape(-1)
        pts = xa + offs[:, None, None].reshape(-1, 1, *([1] * xa.ndim)) * basis
        with np.errstate(all="ignore"):
            vals = np.asarray(fn(pts.reshape(-1, *xa.shape)), dtype=np.float64)
        return vals.reshape(len(offs), n).T

    return finite_difference(shifted, "central", np.float64(h)).reshape(xa.shape)


def nditer_gradient(f: Callable[[], float], x: np.ndarray, h: float = 1e-4) -> np.ndarray:
    """The seed's numerical gradient: central differences, one element at a time.

    ``f`` takes no arguments and reads ``x`` in place (the seed's convention).
    Each element is set to ``x + h``, then ``x - h``, ``f`` is called for each,
    and the element is restored before moving on (the lecture's listing had
    ``it.iternext()`` outside the loop; here it is inside).  ``x`` is restored
    exactly even when ``f`` raises.

    >>> x = np.array([1.0, 3.0])
    >>> g = nditer_gradient(lambda: float(np.sum(x**2)), x, h=1e-5)
    >>> np.round(g, 6).tolist()
    [2.0, 6.0]
    """
    nd_coef = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        index = it.multi_index
        tmp = x[index]
        try:
            x[index] = tmp + h
            fxh2 = f()  # f(x + h)
            x[index] = tmp - h
            fxh1 = f()  # f(x - h)
        finally:
            x[index] = tmp
        nd_coef[index] = (fxh2 - fxh1) / (2 * h)
        it.iternext()
    return nd_coef
