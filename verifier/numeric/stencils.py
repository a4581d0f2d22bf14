"""Finite-difference stencils as data: offsets, weights, order and error model.

A stencil estimates ``f'(x)`` as ``sum_k w_k f(x + o_k h) / h`` (the n-th derivative,
``derivative = n``, as ``sum_k w_k f(x + o_k h) / h^n``; the mixed partial's offsets are
points ``(o_x, o_y)`` of the plane).  For the complex
step the perturbation is imaginary, ``x + i o_k h``, and the estimate is the
imaginary part of that sum: no two nearly equal numbers are subtracted, so
round-off does not grow as ``h`` shrinks.

The error model of every row is the same two-term formula::

    error(h) ~= C h^p  +  A / h^n  +  B / h^(n-1)
    C = truncation_factor * |f^(k)(x)|          (k = truncation_derivative)
    A = eps * |f(x)|  * sum |w|                 (cancellation; 0 for complex step)
    B = eps * |f'(x)| * sum |w * o|             (rounding of f near x)

Minimising it gives the theoretical best step ``h* = (n A / (p C))^(1/(p+n))`` (B, smaller
by a factor h |f'| / |f|, left out) and best error ``error(h*)``: ``eps^(1/3)`` for the
central first difference, ``eps^(1/4)`` for the central second difference, whose round-off
grows like ``eps / h^2``.  For the complex step (``A = 0``) ``h*`` is the step below which
truncation is smaller than round-off.  Adding a stencil is one row of :data:`STENCILS`.

>>> s = STENCILS["central"]
>>> s.order, s.offsets, s.weights
(2, (-1.0, 1.0), (-0.5, 0.5))
>>> f = lambda x: x**2 + 2*x + 1
>>> abs(s.apply([f(15.0 + o * 0.125) for o in s.offsets], 0.125) - 32.0) < 1e-12  # f's rounding
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import sympy

__all__ = [
    "EPS",
    "NON_SMOOTH",
    "STENCILS",
    "Stencil",
    "complex_step_safe",
    "get_stencil",
    "stencils_for",
    "h_grid",
    "non_smooth_heads",
]

#: float64 machine epsilon: the relative error of one correctly rounded operation is <= EPS / 2;
#: a library function evaluation is typically within one or two ulps, so EPS (not EPS / 2) is used.
EPS = float(np.finfo(np.float64).eps)


@dataclass(frozen=True)
class Stencil:
    """One finite-difference method as data.

    ``estimate = sum(w * f(x + o*h)) / h**derivative`` (real stencils) or
    ``Im(sum(w * f(x + 1j*o*h))) / h`` (``complex=True``).
    Truncation error ``truncation_factor * |f^(truncation_derivative)(x)| * h**order``
    (for the mixed partial ``|f_xxxy + f_xyyy|`` stands for the derivative).
    ``offsets`` are numbers, or ``(o_x, o_y)`` pairs for a mixed partial (``mixed=True``).

    >>> STENCILS["forward"].model_error(1e-8, f_abs=1.0, fprime_abs=1.0, deriv_abs=1.0) < 1e-7
    True
    """

    name: str
    offsets: tuple[float, ...]
    weights: tuple[float, ...]
    order: int
    complex: bool
    truncation_derivative: int
    truncation_factor: float
    default_step: float
    formula: str
    derivative: int = 1
    mixed: bool = False

    def __post_init__(self) -> None:
        if len(self.offsets) != len(self.weights):
            raise ValueError(f"stencil {self.name!r}: offsets and weights differ in length")

    @property
    def label(self) -> str:
        """What the row estimates: ``f'``, ``f''``, ... or ``f_xy``.

        >>> STENCILS["second_central"].label, STENCILS["mixed_central"].label
        ("f''", 'f_xy')
        """
        return "f_xy" if self.mixed else "f" + "'" * self.derivative

    # -- the error model ---------------------------------------------------------------
    @property
    def weight_sum(self) -> float:
        """``sum |w|``: how many multiples of one evaluation's round-off reach the numerator."""
        return float(sum(abs(w) for w in self.weights))

    @property
    def moment_sum(self) -> float:
        """``sum |w o|``: round-off of ``f(x + o h)`` growing with ``f'`` (a pair: ``max |o_i|``)."""
        size = [max(map(abs, o)) if self.mixed else abs(o) for o in self.offsets]
        return float(sum(abs(w) * o for w, o in zip(self.weights, size, strict=True)))

    def _coefficients(
        self, f_abs: float, fprime_abs: float, deriv_abs: float, eps: float
    ) -> tuple[float, float, float]:
        c = self.truncation_factor * abs(deriv_abs)
        # the complex step never subtracts f values: no A/h term
        a = 0.0 if self.complex else eps * abs(f_abs) * self.weight_sum
        b = eps * abs(fprime_abs) * self.moment_sum
        return c, a, b

    def truncation_error(self, h: float | np.ndarray, deriv_abs: float) -> float | np.ndarray:
        """``C h^p`` with ``C = truncation_factor * |f^(k)(x)|``.

        >>> STENCILS["central"].truncation_error(0.1, deriv_abs=6.0)  # x^3: |f'''| = 6
        0.010000000000000002
        """
        return _scalar(self.truncation_factor * abs(deriv_abs) * _power(h, self.order))

    def roundoff_error(
        self, h: float | np.ndarray, f_abs: float, fprime_abs: float, eps: float = EPS
    ) -> float | np.ndarray:
        """``A / h^n + B / h^(n-1)``: the round-off part of the model.

        >>> STENCILS["complex_step"].roundoff_error(1e-10, f_abs=5.0, fprime_abs=1.0) == EPS
        True
        >>> STENCILS["second_central"].roundoff_error(1e-4, f_abs=1.0, fprime_abs=0.0) / EPS
        400000000.0
        """
        _, a, b = self._coefficients(f_abs, fprime_abs, 0.0, eps)
        hh = np.asarray(h, dtype=float)
        n = self.derivative
        return _scalar(a / hh**n + b / hh ** (n - 1) if a else b / hh ** (n - 1) + 0.0 * hh)

    def model_error(
        self,
        h: float | np.ndarray,
        *,
        f_abs: float,
        fprime_abs: float,
        deriv_abs: float,
        eps: float = EPS,
    ) -> float | np.ndarray:
        """Truncation plus round-off at step ``h``.

        >>> round(STENCILS["forward"].model_error(0.1, f_abs=0, fprime_abs=0, deriv_abs=2.0), 12)
        0.1
        """
        return _scalar(
            self.truncation_error(h, deriv_abs) + self.roundoff_error(h, f_abs, fprime_abs, eps)
        )

    def best_h(
        self, *, f_abs: float, fprime_abs: float, deriv_abs: float, eps: float = EPS
    ) -> float:
        """The step minimising the model (``inf`` when the truncation term vanishes).

        >>> h = STENCILS["central"].best_h(f_abs=1.0, fprime_abs=1.0, deriv_abs=1.0)
        >>> round(h / (3 * EPS) ** (1 / 3), 12)
        1.0
        >>> h2 = STENCILS["second_central"].best_h(f_abs=1.0, fprime_abs=1.0, deriv_abs=1.0)
        >>> round(h2 / (48 * EPS) ** (1 / 4), 12)  # (n A / (p C))^(1/(p+n)): eps^(1/4)
        1.0
        """
        c, a, b = self._coefficients(f_abs, fprime_abs, deriv_abs, eps)
        p, n = self.order, self.derivative
        if c == 0.0:
            return math.inf  # the stencil is exact here: the larger the step, the better
        if a > 0.0:
            return (n * a / (p * c)) ** (1.0 / (p + n))
        if b > 0.0:
            return (b / c) ** (1.0 / p)  # below this, truncation is under the round-off floor
        return 0.0

    def best_error(
        self, *, f_abs: float, fprime_abs: float, deriv_abs: float, eps: float = EPS
    ) -> float:
        """The model's error at :meth:`best_h`.

        >>> e = STENCILS["forward"].best_error(f_abs=1.0, fprime_abs=0.0, deriv_abs=1.0)
        >>> round(e / (2 * (EPS) ** 0.5), 12)
        1.0
        """
        h = self.best_h(f_abs=f_abs, fprime_abs=fprime_abs, deriv_abs=deriv_abs, eps=eps)
        c, a, b = self._coefficients(f_abs, fprime_abs, deriv_abs, eps)
        if math.isinf(h):
            return b if self.derivative == 1 else 0.0
        if h == 0.0:
            return 0.0
        n = self.derivative
        return float(c * h**self.order + a / h**n + b / h ** (n - 1))

    def default_h(self, x: float | np.ndarray) -> float | np.ndarray:
        """The rule-of-thumb step a user without the answer would take: ``step * max(1, |x|)``.

        >>> STENCILS["forward"].default_h(100.0) == 100 * EPS**0.5
        True
        """
        return _scalar(self.default_step * np.maximum(1.0, np.abs(x)))

    # -- applying it -------------------------------------------------------------------
    def apply(self, values: Sequence[float] | np.ndarray, h: float | np.ndarray) -> np.ndarray:
        """Combine ``f`` values at the offsets (last axis) into the estimate.

        Only :func:`verifier.numeric.estimate.finite_difference` calls this: it evaluates f
        at the offsets and makes steps representable first.  Object arrays (mpmath numbers)
        are combined at their own precision.

        >>> STENCILS["forward"].apply([1.0, 1.5], 0.5)
        1.0
        """
        v = np.asarray(values)
        w = np.asarray(self.weights, dtype=object if v.dtype == object else np.float64)
        if self.complex:
            # Im(sum w f) / h: only the imaginary parts, so nothing cancels
            out = np.tensordot(v.imag, w, axes=([-1], [0])) / _power(h, self.derivative)
        else:
            out = np.tensordot(v, w, axes=([-1], [0])) / _power(h, self.derivative)
        return _scalar(out)


def _power(h: float | np.ndarray, n: int) -> float | np.ndarray:
    # h**1 is h and h**2 one rounding on every numpy (its fast paths); np.power(h, 1) is not h
    # under numpy 1.26's AVX-512 power (a forward difference of |x - 1| at 1 gave 1 + 2.2e-16)
    return (np.asarray(h) if isinstance(h, list | tuple) else h) ** n


def _scalar(value):
    """Plain float for 0-d float results (readable reprs); arrays and mpmath numbers unchanged."""
    if np.ndim(value):
        return value
    if isinstance(value, np.ndarray) and value.dtype == object:
        return value.item()
    return value if type(value).__module__.startswith("mpmath") else float(value)


def h_grid(h_max: float = 1e-1, h_min: float = 1e-15, per_decade: float = 2) -> np.ndarray:
    """THE step grid: ``h_max`` down to ``h_min``, ``per_decade`` log-spaced steps per decade.

    >>> g = h_grid()
    >>> len(g), float(g[0]), float(g[-1])
    (29, 0.1, 1e-15)
    """
    from verifier.errors import VerifierError

    if not (0 < h_min <= h_max) or not math.isfinite(h_max):
        raise VerifierError(
            f"need 0 < h-min <= h-max, got h-min={h_min:g}, h-max={h_max:g}",
            hint="e.g. --h-min 1e-15 --h-max 1e-1",
        )
    if not (0 < per_decade <= 100):
        raise VerifierError(f"per-decade must be in (0, 100], got {per_decade:g}")
    hi, lo = math.log10(h_max), math.log10(h_min)
    n = int(round((hi - lo) * per_decade)) + 1
    if n > 2000:
        raise VerifierError(f"{n} steps is too many", hint="lower --per-decade")
    if n == 1:
        return np.array([h_max], dtype=np.float64)
    # 10**e by the C library, not numpy's power: numpy 1.26 with AVX-512 gave 0.09999999999999999
    # for 10**-1, so the same grid differed by machine; the ends are the bounds as given
    grid = np.array([10.0 ** float(e) for e in np.linspace(hi, lo, n)], dtype=np.float64)
    grid[0], grid[-1] = h_max, h_min
    return grid


def get_stencil(name: str | Stencil) -> Stencil:
    """Look a stencil up by name (``five-point`` and ``five_point`` both work).

    >>> get_stencil("five-point").order, get_stencil("second-central").derivative
    (4, 2)
    """
    if isinstance(name, Stencil):
        return name
    key = str(name).strip().lower().replace("-", "_").replace(" ", "_")
    key = {"fivepoint": "five_point", "complex": "complex_step", "cs": "complex_step"}.get(key, key)
    try:
        return STENCILS[key]
    except KeyError:
        from verifier.errors import VerifierError

        raise VerifierError(
            f"unknown method {name!r}",
            hint="choose from " + ", ".join(STENCILS),
        ) from None


# The table.  Truncation constants from Taylor expansion:
#   forward  (f(x+h) - f(x)) / h          = f' + f''/2 h + ...
#   backward (f(x) - f(x-h)) / h          = f' - f''/2 h + ...
#   central  (f(x+h) - f(x-h)) / 2h       = f' + f'''/6 h^2 + ...
#   five     (f(x-2h) - 8f(x-h) + 8f(x+h) - f(x+2h)) / 12h = f' - f^(5)/30 h^4 + ...
#   complex  Im f(x + ih) / h             = f' - f'''/6 h^2 + ...
#   second_central  (f(x-h) - 2f(x) + f(x+h)) / h^2               = f'' + f^(4)/12 h^2 + ...
#   second_five     (-f(x-2h) + 16f(x-h) - 30f(x) + 16f(x+h) - f(x+2h)) / 12h^2
#                                                                 = f'' - f^(6)/90 h^4 + ...
#   second_forward  (f(x) - 2f(x+h) + f(x+2h)) / h^2              = f'' + f^(3) h + ...
#   second_backward (f(x-2h) - 2f(x-h) + f(x)) / h^2              = f'' - f^(3) h + ...
#   third_central   (-f(x-2h) + 2f(x-h) - 2f(x+h) + f(x+2h)) / 2h^3 = f^(3) + f^(5)/4 h^2 + ...
#   mixed_central   (f(x+h,y+h) - f(x+h,y-h) - f(x-h,y+h) + f(x-h,y-h)) / 4h^2
#                                                   = f_xy + (f_xxxy + f_xyyy)/6 h^2 + ...
# default steps: eps^(1/(p+n)) balances C h^p with eps/h^n when C ~ |f| ~ 1; the complex step has
# no cancellation, so any tiny step works (1e-20 keeps truncation far below eps for any sane f).
STENCILS: dict[str, Stencil] = {
    s.name: s
    for s in (
        Stencil(
            name="forward",
            offsets=(0.0, 1.0),
            weights=(-1.0, 1.0),
            order=1,
            complex=False,
            truncation_derivative=2,
            truncation_factor=1 / 2,
            default_step=EPS ** (1 / 2),
            formula="(f(x+h) - f(x)) / h",
        ),
        Stencil(
            name="backward",
            offsets=(-1.0, 0.0),
            weights=(-1.0, 1.0),
            order=1,
            complex=False,
            truncation_derivative=2,
            truncation_factor=1 / 2,
            default_step=EPS ** (1 / 2),
            formula="(f(x) - f(x-h)) / h",
        ),
        Stencil(
            name="central",
            offsets=(-1.0, 1.0),
            weights=(-0.5, 0.5),
            order=2,
            complex=False,
            truncation_derivative=3,
            truncation_factor=1 / 6,
            default_step=EPS ** (1 / 3),
            formula="(f(x+h) - f(x-h)) / (2h)",
        ),
        Stencil(
            name="five_point",
            offsets=(-2.0, -1.0, 1.0, 2.0),
            weights=(1 / 12, -8 / 12, 8 / 12, -1 / 12),
            order=4,
            complex=False,
            truncation_derivative=5,
            truncation_factor=1 / 30,
            default_step=EPS ** (1 / 5),
            formula="(f(x-2h) - 8f(x-h) + 8f(x+h) - f(x+2h)) / (12h)",
        ),
        Stencil(
            name="complex_step",
            offsets=(1.0,),
            weights=(1.0,),
            order=2,
            complex=True,
            truncation_derivative=3,
            truncation_factor=1 / 6,
            default_step=1e-20,
            formula="Im f(x + ih) / h",
        ),
        Stencil(
            name="second_central",
            offsets=(-1.0, 0.0, 1.0),
            weights=(1.0, -2.0, 1.0),
            order=2,
            complex=False,
            truncation_derivative=4,
            truncation_factor=1 / 12,
            default_step=EPS ** (1 / 4),
            formula="(f(x-h) - 2f(x) + f(x+h)) / h^2",
            derivative=2,
        ),
        Stencil(
            name="second_five_point",
            offsets=(-2.0, -1.0, 0.0, 1.0, 2.0),
            weights=(-1 / 12, 16 / 12, -30 / 12, 16 / 12, -1 / 12),
            order=4,
            complex=False,
            truncation_derivative=6,
            truncation_factor=1 / 90,
            default_step=EPS ** (1 / 6),
            formula="(-f(x-2h) + 16f(x-h) - 30f(x) + 16f(x+h) - f(x+2h)) / (12h^2)",
            derivative=2,
        ),
        Stencil(
            name="second_forward",
            offsets=(0.0, 1.0, 2.0),
            weights=(1.0, -2.0, 1.0),
            order=1,
            complex=False,
            truncation_derivative=3,
            truncation_factor=1.0,
            default_step=EPS ** (1 / 3),
            formula="(f(x) - 2f(x+h) + f(x+2h)) / h^2",
            derivative=2,
        ),
        Stencil(
            name="second_backward",
            offsets=(-2.0, -1.0, 0.0),
            weights=(1.0, -2.0, 1.0),
            order=1,
            complex=False,
            truncation_derivative=3,
            truncation_factor=1.0,
            default_step=EPS ** (1 / 3),
            formula="(f(x-2h) - 2f(x-h) + f(x)) / h^2",
            derivative=2,
        ),
        Stencil(
            name="third_central",
            offsets=(-2.0, -1.0, 1.0, 2.0),
            weights=(-0.5, 1.0, -1.0, 0.5),
            order=2,
            complex=False,
            truncation_derivative=5,
            truncation_factor=1 / 4,
            default_step=EPS ** (1 / 5),
            formula="(f(x+2h) - 2f(x+h) + 2f(x-h) - f(x-2h)) / (2h^3)",
            derivative=3,
        ),
        Stencil(
            name="mixed_central",
            offsets=((1.0, 1.0), (1.0, -1.0), (-1.0, 1.0), (-1.0, -1.0)),
            weights=(0.25, -0.25, -0.25, 0.25),
            order=2,
            complex=False,
            truncation_derivative=4,
            truncation_factor=1 / 6,
            default_step=EPS ** (1 / 4),
            formula="(f(x+h,y+h) - f(x+h,y-h) - f(x-h,y+h) + f(x-h,y-h)) / (4h^2)",
            derivative=2,
            mixed=True,
        ),
    )
}


def stencils_for(order: int) -> tuple[str, ...]:
    """The names of the one-variable rows that estimate the ``order``-th derivative.

    >>> stencils_for(2)
    ('second_central', 'second_five_point', 'second_forward', 'second_backward')
    >>> stencils_for(3), stencils_for(4)
    (('third_central',), ())
    """
    return tuple(n for n, s in STENCILS.items() if s.derivative == order and not s.mixed)


# ----------------------------------------------------------------------------- where a row applies

#: Heads that can make a real function non-differentiable (a kink or a jump) at some point.
NON_SMOOTH: tuple[type, ...] = (
    *(sympy.Abs, sympy.sign, sympy.floor, sympy.ceiling, sympy.frac, sympy.Mod),
    *(sympy.Max, sympy.Min, sympy.arg, sympy.Heaviside, sympy.DiracDelta, sympy.Piecewise),
)
#: Heads that are not complex-analytic: through them ``Im f(x + ih) / h`` is not ``f'(x)``.
_NOT_ANALYTIC: tuple[type, ...] = (*NON_SMOOTH, sympy.conjugate, sympy.re, sympy.im)


def complex_step_safe(expr: sympy.Expr) -> tuple[bool, str]:
    """Whether the complex step ``Im f(x + ih) / h`` is valid for ``expr``, and why (not).

    It needs every operation to be complex-analytic; ``|x|``, ``sign``, ``floor``,
    ``Max``, conjugation and friends are not, and would give a wrong answer silently.

    >>> from verifier.expr import symbol
    >>> x = symbol("x")
    >>> complex_step_safe(sympy.exp(sympy.sin(x)))[0]
    True
    >>> ok, reason = complex_step_safe(sympy.Abs(x) + x)
    >>> ok, reason[:34]
    (False, 'contains Abs (|u| is not complex-a')
    """
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, sympy.logic.boolalg.Boolean) and not isinstance(node, sympy.Symbol):
            return False, f"contains a condition {node}: not complex-analytic"
        if isinstance(node, _NOT_ANALYTIC):
            name = type(node).__name__ + (
                " (|u| is not complex-analytic)" if node.func is sympy.Abs else ""
            )
            return False, f"contains {name} in {node}: Im f(x + ih)/h would not be f'(x)"
    return True, "every operation is complex-analytic"


def non_smooth_heads(expr: sympy.Basic) -> list[str]:
    """Names of the heads in ``expr`` that can make it non-differentiable somewhere.

    >>> from verifier.expr import symbol
    >>> non_smooth_heads(sympy.Abs(symbol("x")) + 1)
    ['Abs']
    """
    return sorted(
        {type(n).__name__ for n in sympy.preorder_traversal(expr) if isinstance(n, NON_SMOOTH)}
    )
