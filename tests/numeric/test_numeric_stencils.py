"""Stencils as data: weights, orders and the error model."""

from __future__ import annotations

import math

import numpy as np
import pytest

from verifier.errors import VerifierError
from verifier.numeric.stencils import EPS, STENCILS, Stencil, get_stencil


def test_table_has_the_five_methods_with_their_orders():
    first = {k: s for k, s in STENCILS.items() if s.derivative == 1}
    assert list(first) == ["forward", "backward", "central", "five_point", "complex_step"]
    assert {k: s.order for k, s in first.items()} == {
        "forward": 1,
        "backward": 1,
        "central": 2,
        "five_point": 4,
        "complex_step": 2,
    }
    assert [s.name for s in STENCILS.values() if s.complex] == ["complex_step"]


@pytest.mark.parametrize("name", ["forward", "backward", "central", "five_point"])
def test_weights_are_consistent_moment_conditions(name):
    # sum w = 0 (constants vanish), sum w*o = 1 (the first derivative), and the moments
    # below the order vanish: that is what "order p" means
    s = STENCILS[name]
    o, w = np.array(s.offsets), np.array(s.weights)
    assert abs(w.sum()) < 1e-15
    assert abs((w * o).sum() - 1) < 1e-15
    for k in range(2, s.order + 1):
        assert abs((w * o**k).sum()) < 1e-14, k
    assert abs((w * o ** (s.order + 1)).sum()) > 1e-3  # and the next one does not


@pytest.mark.parametrize("name", ["forward", "backward", "central", "five_point"])
def test_truncation_factor_matches_taylor(name):
    # leading error = (sum w o^(p+1)) / (p+1)! * f^(p+1) h^p
    s = STENCILS[name]
    o, w = np.array(s.offsets), np.array(s.weights)
    k = s.order + 1
    assert s.truncation_derivative == k
    assert math.isclose(abs((w * o**k).sum()) / math.factorial(k), s.truncation_factor)


def test_apply_reproduces_seed_example_with_binary_step():
    f = lambda x: x**2 + 2 * x + 1  # noqa: E731
    h = 0.125
    got = {
        n: s.apply([f(15.0 + o * h) for o in s.offsets], h)
        for n, s in STENCILS.items()
        if not s.complex and s.derivative == 1
    }
    want = {"forward": 32.125, "backward": 31.875, "central": 32.0, "five_point": 32.0}
    # The stencils are exact for a quadratic and h = 1/8 is exact in binary, so only f's own
    # rounding is left: at most eps * |f| * sum|w| / h = 2.2e-16 * 256 * 1.5 * 8 ~ 7e-13
    # (five-point's weights 1/12, 8/12 are not exact in binary; numpy 2.4 sums them in a
    # different order than 1.26 did, which is why the value was 32.000000000000085 there).
    assert got.keys() == want.keys()
    for name, value in want.items():
        assert abs(got[name] - value) <= 1e-12, name


def test_complex_step_apply_takes_imaginary_part():
    s = STENCILS["complex_step"]
    h = 1e-20
    assert s.apply([np.sin(1.0 + 1j * h)], h) == np.cos(1.0)


def test_best_h_minimises_the_model():
    s = STENCILS["central"]
    kw = dict(f_abs=2.0, fprime_abs=1.0, deriv_abs=3.0)
    h_star = s.best_h(**kw)
    grid = np.logspace(-10, -2, 4001)
    numeric = grid[np.argmin(s.model_error(grid, **kw))]
    assert math.isclose(h_star, numeric, rel_tol=0.01)
    assert math.isclose(s.best_error(**kw), s.model_error(h_star, **kw))


def test_classic_best_steps():
    # with |f| = |f^(k)| = 1 the optimum is (eps sum|w| / (p C))^(1/(p+1))
    fw = STENCILS["forward"].best_h(f_abs=1.0, fprime_abs=0.0, deriv_abs=1.0)
    assert math.isclose(fw, (2 * EPS / 0.5) ** 0.5)
    c = STENCILS["central"].best_h(f_abs=1.0, fprime_abs=0.0, deriv_abs=1.0)
    assert math.isclose(c, (EPS / (2 / 6)) ** (1 / 3))
    assert 1e-4 < STENCILS["five_point"].best_h(f_abs=1.0, fprime_abs=0.0, deriv_abs=1.0) < 1e-2


def test_complex_step_model_has_no_cancellation():
    s = STENCILS["complex_step"]
    # round-off does not grow as h shrinks
    assert s.roundoff_error(1e-30, f_abs=1e6, fprime_abs=2.0) == 2 * EPS
    assert s.best_error(f_abs=1e6, fprime_abs=2.0, deriv_abs=1.0) == pytest.approx(4 * EPS)


def test_exact_stencil_has_infinite_best_h():
    s = STENCILS["central"]
    assert s.best_h(f_abs=1.0, fprime_abs=1.0, deriv_abs=0.0) == math.inf
    assert s.best_error(f_abs=1.0, fprime_abs=1.0, deriv_abs=0.0) == EPS


def test_default_steps():
    assert STENCILS["forward"].default_h(4.0) == 4 * EPS**0.5
    assert STENCILS["central"].default_h(0.5) == EPS ** (1 / 3)
    assert STENCILS["five_point"].default_h(-10.0) == 10 * EPS**0.2
    assert STENCILS["complex_step"].default_h(1.0) == 1e-20


def test_lookup_and_bad_rows():
    assert get_stencil("five-point") is STENCILS["five_point"]
    assert get_stencil(STENCILS["central"]) is STENCILS["central"]
    with pytest.raises(VerifierError, match="unknown method"):
        get_stencil("sideways")
    with pytest.raises(ValueError):
        Stencil("bad", (0.0,), (1.0, 2.0), 1, False, 2, 0.5, 1e-8, "")
