"""gradcheck: nditer == full on the seed's network, planted bugs fail (or are inconclusive,
never pass) at every h, kinks, restoring."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from verifier.errors import VerifierError
from verifier.gradcheck import (
    DEFAULT_RTOL,
    DEFAULT_TAU,
    gradcheck,
    gradcheck_network,
    parameter_gradients,
    parse_mode,
)
from verifier.network import BACKPROP_BUGS, TwoLayerNet, random_batch
from verifier.numeric.estimate import nditer_gradient


def _bits(params):
    return {k: v.tobytes() for k, v in params.items()}


@pytest.fixture(scope="module")
def seed_net_checks():
    """nditer and full on the whole 784-50-10 net at N = 1, 10, 100 (the costly part: ~30 s)."""
    out = {}
    # The seed's loop makes 80,000 small matrix products; BLAS threads only slow those down
    # on a busy 2-core machine (the same as OPENBLAS_NUM_THREADS=1 at start-up).
    with threadpool_limits(limits=1):
        _run_seed_net_checks(out)
    return out


def _run_seed_net_checks(out):
    for n in (1, 10, 100):
        net = TwoLayerNet(seed=0)
        x, t = random_batch(n, seed=0)
        loss, grads = net.loss_fn(x, t), net.gradient(x, t)
        out[n] = (
            gradcheck(loss, net.params, grads, mode="nditer"),
            gradcheck(loss, net.params, grads, mode="full"),
        )


@pytest.mark.parametrize("n", [1, 10, 100])
def test_full_equals_nditer_on_every_element(seed_net_checks, n):
    reference, fast = seed_net_checks[n]
    for ref, got in zip(reference.tensors, fast.tensors, strict=True):
        assert ref.name == got.name and ref.n_checked == got.n_checked
        assert got.method == "full" and ref.method == "nditer"
        # the same central differences from different evaluations: the round-off of each is
        # about eps |L| / h = 5e-12 (|L| ~ 2.3, h = 1e-4), so they agree to 1e-10
        assert np.max(np.abs(ref.numeric - got.numeric)) <= 1e-10, ref.name
        assert np.array_equal(ref.status, got.status)


@pytest.mark.parametrize("n", [1, 10, 100])
def test_correct_backprop_passes_with_kinks_labelled(seed_net_checks, n):
    for result in seed_net_checks[n]:
        assert result.verdict == "pass" and result.passed, result.summary()
        assert all(t.n_inconclusive == 0 for t in result.tensors)
        assert result.n_checked == result.n_params == 39760
        kink = np.concatenate([t.status == "kink" for t in result.tensors])
        assert int(kink.sum()) == result.n_kinks
    full = seed_net_checks[n][1]
    if n == 1:
        assert full.n_kinks == 0
    else:
        # kinks exist at N = 10, 100 and matter: judged like the rest, some would fail
        assert full.n_kinks > 0 and "smaller h" in full.summary()
        kink_errors = full["W0"].scaled_rel_error[full["W0"].status == "kink"]
        assert kink_errors.max() > DEFAULT_RTOL
        assert full["W1"].n_kinks == full["b1"].n_kinks == 0


def _planted_error(bad, good, tau=DEFAULT_TAU):
    """Oracle: the relative size of the planted error, element-wise, from the correct gradient."""
    scale = np.maximum(np.maximum(np.abs(bad), np.abs(good)), tau * np.max(np.abs(good)))
    return np.abs(bad - good) / scale


@pytest.mark.parametrize("n", [10, 100])
@pytest.mark.parametrize("bug", sorted(BACKPROP_BUGS))
def test_every_planted_bug_fails_naming_tensor_and_index(bug, n):
    net = TwoLayerNet(seed=0)
    x, t = random_batch(n, seed=0)
    good, bad = net.gradient(x, t), net.gradient(x, t, bug=bug)
    result = gradcheck(net.loss_fn(x, t), net.params, bad)
    assert not result.passed and result.verdict == "fail"
    assert result.failed == BACKPROP_BUGS[bug].tensors
    for name in result.failed:
        check = result[name]
        planted = _planted_error(bad[name], good[name])
        assert check.worst_index is not None
        assert planted[check.worst_index] >= 0.99 * planted.max(), (name, check.worst_index)
        assert check.worst_analytic == bad[name][check.worst_index]
        assert check.worst_numeric == pytest.approx(good[name][check.worst_index], rel=1e-4)
        assert f"{name}: FAIL" in result.summary()
    if bug == "dw0_entry_doubled":
        assert result["W0"].worst_index == (392, 25) and result["W0"].n_wrong == 1


def test_db1_off_by_a_tenth_of_a_percent_passes_torch_criterion_but_not_ours():
    net = TwoLayerNet(seed=0)
    x, t = random_batch(100, seed=0)
    bad = net.gradient(x, t, bug="db1_off_by_0.1_percent")
    numeric = parameter_gradients(net.loss_fn(x, t), net.params)["b1"]
    # torch.autograd.gradcheck's test: |a - n| <= atol + rtol |n| with atol 1e-5, rtol 1e-3
    assert np.all(np.abs(bad["b1"] - numeric) <= 1e-5 + 1e-3 * np.abs(numeric))
    result = gradcheck(net.loss_fn(x, t), net.params, bad)
    assert result.failed == ("b1",)
    assert result["b1"].max_rel_error == pytest.approx(1e-3, rel=0.01)


@pytest.mark.parametrize("bug", sorted(BACKPROP_BUGS))
def test_fast_mode_catches_each_bug_and_names_entries(bug):
    net = TwoLayerNet(seed=0)
    x, t = random_batch(10, seed=0)
    loss = net.loss_fn(x, t)
    good = gradcheck(loss, net.params, net.gradient(x, t), mode="fast")
    assert good.passed and good.n_checked == 8
    assert all(c.worst_index is None for c in good.tensors)
    result = gradcheck(loss, net.params, net.gradient(x, t, bug=bug), mode="fast")
    assert result.failed == BACKPROP_BUGS[bug].tensors
    full = gradcheck(loss, net.params, net.gradient(x, t, bug=bug), mode="full")
    for name in result.failed:
        assert result[name].method == "fast -> full"
        assert result[name].worst_index == full[name].worst_index


def test_sample_mode_checks_k_seeded_entries():
    net = TwoLayerNet(20, 8, 6, seed=1)
    x, t = random_batch(10, 20, 6, seed=1)
    loss, grads = net.loss_fn(x, t), net.gradient(x, t)
    a = gradcheck(loss, net.params, grads, mode="sample=5", seed=3)
    b = gradcheck(loss, net.params, grads, mode="sample=5", seed=3)
    c = gradcheck(loss, net.params, grads, mode="sample=5", seed=4)
    assert a.passed
    assert [t.n_checked for t in a.tensors] == [5, 5, 5, 5]
    assert all(
        np.array_equal(p.indices, q.indices) for p, q in zip(a.tensors, b.tensors, strict=True)
    )
    assert not all(
        np.array_equal(p.indices, q.indices) for p, q in zip(a.tensors, c.tensors, strict=True)
    )
    everything = gradcheck(loss, net.params, grads, mode="sample=1000")
    assert everything["W0"].n_checked == 160 and everything["b1"].n_checked == 6
    bad = net.gradient(x, t, bug="w1_grad_transposed")
    assert gradcheck(loss, net.params, bad, mode="sample=48").failed == ("W1",)


def test_plain_callable_falls_back_to_the_loop():
    net = TwoLayerNet(6, 4, 3, seed=2)
    x, t = random_batch(5, 6, 3, seed=2)
    grads = net.gradient(x, t)
    result = gradcheck(lambda: net.loss(x, t), net.params, grads, mode="full")
    assert result.passed and result["W0"].method == "full (loop)"
    expected = nditer_gradient(lambda: net.loss(x, t), net.params["W0"], 1e-4).reshape(-1)
    # the same loss values; the loop divides by the nominal 2h, the estimator by the step
    # actually made (w + h) - w, which differs from h by at most ulp(w) ~ 1e-18: 1e-13 relative
    gap = np.abs(result["W0"].numeric - expected)
    assert np.all(gap <= 1e-12 * np.max(np.abs(expected))), gap.max()
    # the structured path is used only for the loss's own arrays
    copies = {k: v.copy() for k, v in net.params.items()}
    res = gradcheck(net.loss_fn(x, t), copies, grads)
    assert res["W0"].method == "full (loop)" and not res.passed  # the loss ignores the copies


def test_a_users_own_model():
    rng = np.random.default_rng(0)
    a, y = rng.normal(size=(30, 3)), rng.normal(size=30)
    params = {"w": rng.normal(size=3), "c": np.array([0.5])}

    def loss():
        r = a @ params["w"] + params["c"][0] - y
        return float(np.mean(r**2))

    def grads(scale_c=1.0):
        r = a @ params["w"] + params["c"][0] - y
        return {"w": 2 * a.T @ r / 30, "c": np.array([2 * r.mean() * scale_c])}

    for mode in ("full", "nditer", "fast", "sample=2"):
        assert gradcheck(loss, params, grads(), mode=mode).passed, mode
        wrong = gradcheck(loss, params, grads(0.5), mode=mode)
        assert wrong.failed == ("c",), mode


@pytest.mark.parametrize("mode", ["full", "nditer", "fast", "sample=3"])
def test_arrays_restored_exactly_even_when_the_loss_raises(mode):
    # values where (w + h) - h != w in floating point
    params = {"w": np.array([0.1, 1 / 3, -2.7, 1e-20]), "v": np.array([[3.3, -0.7]])}
    before = _bits(params)
    calls = [0]

    def loss():
        calls[0] += 1
        if calls[0] == 4:
            params["w"][0] = 123.0  # a loss that scribbles on its input, then fails
            raise RuntimeError("boom")
        return float(np.sum(params["w"] ** 2) + np.sum(params["v"] ** 3))

    with pytest.raises(RuntimeError, match="boom"):
        gradcheck(loss, params, {"w": 2 * params["w"], "v": 3 * params["v"] ** 2}, mode=mode)
    assert _bits(params) == before
    calls[0] = -(10**9)  # no more failures
    gradcheck(loss, params, {"w": 2 * params["w"], "v": 3 * params["v"] ** 2}, mode=mode)
    assert _bits(params) == before


def test_float32_parameters_warn_and_cannot_pass():
    w = np.linspace(0.5, 2.0, 5).astype(np.float32)
    with pytest.warns(UserWarning, match="not float64"):
        result = gradcheck(
            lambda: float(np.sum(w.astype(np.float64) ** 3)), {"w": w}, {"w": 3.0 * w**2}
        )
    assert result.dtype_warning and "float32" in result.dtype_warning
    assert not result.passed
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        w64 = w.astype(np.float64)
        assert gradcheck(lambda: float(np.sum(w64**3)), {"w": w64}, {"w": 3.0 * w64**2}).passed


def test_frames_summary_and_html():
    result = gradcheck_network((10, 6, 4), batch=8, seed=0, bug="db1_off_by_0.1_percent")
    frame = result.to_frame()
    assert list(frame["tensor"]) == ["W0", "b0", "W1", "b1"]
    assert list(frame["passed"]) == [True, True, True, False]
    assert {"checked", "kinks", "max_abs_error", "max_rel_error", "max_scaled_rel_error"} <= set(
        frame.columns
    )
    elements = result.to_frame(elements=True)
    assert len(elements) == result.n_checked == 10 * 6 + 6 + 6 * 4 + 4
    assert set(elements["status"]) <= {"ok", "wrong", "kink"}
    assert (elements.loc[elements["tensor"] == "b1", "status"] == "wrong").any()
    text = result.summary()
    assert text.endswith("verdict: FAIL (b1)") and "b1: FAIL" in text
    assert "<table" in result._repr_html_()
    fast = gradcheck_network((10, 6, 4), batch=8, seed=0, mode="fast").to_frame(elements=True)
    assert list(fast["index"][:2]) == ["direction 0", "direction 1"]


def test_progress_bar_only_when_asked_or_on_a_terminal(capsys):
    net = TwoLayerNet(5, 3, 2, seed=0)
    x, t = random_batch(3, 5, 2, seed=0)
    gradcheck(lambda: net.loss(x, t), net.params, net.gradient(x, t), mode="nditer", progress=True)
    assert "W0" in capsys.readouterr().err
    gradcheck(lambda: net.loss(x, t), net.params, net.gradient(x, t), mode="nditer")
    assert capsys.readouterr().err == ""  # pytest's stderr is not a terminal


def test_bad_input_is_reported_plainly():
    w = np.array([1.0, 2.0])
    f = lambda: float(np.sum(w**2))  # noqa: E731
    with pytest.raises(VerifierError, match="no gradient given for parameter 'w'"):
        gradcheck(f, {"w": w}, {})
    with pytest.raises(VerifierError, match=r"gradient 'w' has shape \(3,\)"):
        gradcheck(f, {"w": w}, {"w": np.ones(3)})
    with pytest.raises(VerifierError, match="unknown parameter"):
        gradcheck(f, {"w": w}, {"w": 2 * w, "u": w})
    with pytest.raises(VerifierError, match="dtype int"):
        gradcheck(f, {"w": np.array([1, 2])}, {"w": 2 * w})
    with pytest.raises(VerifierError, match="not a numpy array"):
        gradcheck(f, {"w": [1.0, 2.0]}, {"w": 2 * w})
    with pytest.raises(VerifierError, match="unknown gradcheck mode"):
        gradcheck(f, {"w": w}, {"w": 2 * w}, mode="sample=0")
    with pytest.raises(VerifierError, match="h must be"):
        gradcheck(f, {"w": w}, {"w": 2 * w}, h=0)
    with pytest.raises(VerifierError, match="not a real number"):
        gradcheck(lambda: w, {"w": w}, {"w": 2 * w})
    with pytest.raises(VerifierError, match="loss is nan"):
        gradcheck(lambda: float("nan"), {"w": w}, {"w": 2 * w})
    assert parse_mode(" Sample=7 ") == ("sample", 7)


def test_following_the_kink_hint_checks_the_kinked_elements():
    net = TwoLayerNet(seed=0)
    x, t = random_batch(100, seed=0)
    loss, grads = net.loss_fn(x, t), net.gradient(x, t)
    coarse = gradcheck(loss, net.params, grads, h=1e-4)
    fine = gradcheck(loss, net.params, grads, h=1e-5)
    assert coarse.n_kinks > 0 and "--h 1e-05" in coarse.kink_hint
    assert fine.n_kinks < coarse.n_kinks and fine.verdict != "fail"
    was_kink = coarse["W0"].status == "kink"
    reached = fine["W0"].status[was_kink & (fine["W0"].status != "kink")]
    # the formerly kinked entries are checked now: right, or (the smallest, where the round-off
    # bound 2 eps |L| / h ~ 1e-10 exceeds rtol x the floor 2e-11) inconclusive, never wrong
    assert set(reached) <= {"ok", "inconclusive"}
    assert np.mean(reached == "ok") > 0.9


# ----------------------------------------------------------------------------- small h
@pytest.mark.parametrize("h", [1e-11, 1e-13, 1e-17])
@pytest.mark.parametrize("bug", sorted(BACKPROP_BUGS))
def test_planted_bugs_never_pass_at_small_h(bug, h):
    # issue 9: the old floor 64 eps |L| / h grew without bound and passed every planted bug
    # at h = 1e-17.  Now a step whose error bound exceeds rtol x the entry is inconclusive.
    result = gradcheck_network(batch=10, seed=0, h=h, bug=bug)
    assert result.verdict in ("fail", "inconclusive"), result.summary()
    assert not result.passed
    assert "verdict: PASS" not in result.summary()
    if result.verdict == "inconclusive":
        assert "cannot be resolved" in result.reason
        assert "round-off" in result.reason or "x + h == x" in result.reason
    else:
        assert set(result.failed) <= set(BACKPROP_BUGS[bug].tensors)


@pytest.mark.parametrize("h", [1e-11, 1e-13, 1e-17])
def test_correct_backprop_is_inconclusive_not_failed_at_small_h(h):
    result = gradcheck_network(batch=10, seed=0, h=h)
    assert result.verdict == "inconclusive" and result.failed == ()
    # the policy's bound 2 (eps |L| / h + h^2 M3 / 6) is all round-off here (|L| ~ 2.3,
    # M3 < 0.1: the truncation part is below 1e-23): 1e-4 at h = 1e-11
    assert result.atol == pytest.approx(2 * np.finfo(float).eps * result.loss_value / h, rel=1e-6)


def test_x_plus_h_equal_to_x_is_inconclusive_with_the_reason():
    w = np.array([1e8, -3e8])
    result = gradcheck(lambda: float(np.sum(w**2)), {"w": w}, {"w": 2 * w}, h=1e-9)
    assert result.verdict == "inconclusive"
    assert "x + h == x" in result.reason
    assert np.all(result["w"].status == "inconclusive")


def test_truncation_bound_turns_a_false_failure_into_inconclusive():
    # f = sum w^3: the central difference errs by exactly h^2 f''' / 6 = h^2 = 1e-4 at
    # h = 1e-2, relative 3.3e-5 at w = 1 (above rtol 1e-5), 3.7e-6 at w = 3; the bound
    # 2 h^2 = 2e-4 exceeds rtol x 3 but not rtol x 27
    w = np.array([1.0, 3.0])

    def loss():
        return float(np.sum(w**3))

    unbounded = gradcheck(loss, {"w": w}, {"w": 3 * w**2}, h=1e-2)
    assert unbounded.verdict == "fail" and "no bound on its third derivative" in unbounded.notes[0]
    bounded = gradcheck(loss, {"w": w}, {"w": 3 * w**2}, h=1e-2, deriv_bound=6.0)
    assert bounded.verdict == "inconclusive" and "smaller h" in bounded.reason
    assert bounded["w"].status.tolist() == ["inconclusive", "ok"]
    assert not bounded.notes
    # a planted 0.1% error is beyond the bound: still caught at this h
    planted = gradcheck(loss, {"w": w}, {"w": 3 * w**2 * 1.001}, h=1e-2, deriv_bound=6.0)
    assert planted.verdict == "fail"
    # and at a sensible h the correct gradient passes
    assert gradcheck(loss, {"w": w}, {"w": 3 * w**2}, h=1e-5, deriv_bound=6.0).verdict == "pass"


@pytest.mark.parametrize("n", [1, 10, 100])
def test_fast_and_sample_modes_pass_correct_backprop(n):
    net = TwoLayerNet(seed=0)
    x, t = random_batch(n, seed=0)
    loss, grads = net.loss_fn(x, t), net.gradient(x, t)
    for mode in ("fast", "sample=30"):
        result = gradcheck(loss, net.params, grads, mode=mode)
        assert result.verdict == "pass", (mode, result.summary())


def test_inconclusive_summary_and_frames():
    result = gradcheck_network((10, 6, 4), batch=8, seed=0, h=1e-17)
    assert result.verdict == "inconclusive" and result.inconclusive == ("W0", "b0", "W1", "b1")
    assert result.summary().splitlines()[-1].startswith("verdict: INCONCLUSIVE (W0: ")
    frame = result.to_frame()
    assert list(frame["verdict"]) == ["inconclusive"] * 4 and not frame["passed"].any()
    elements = result.to_frame(elements=True)
    assert set(elements["status"]) == {"inconclusive"}


@pytest.mark.parametrize("mode", ["full", "nditer", "fast", "sample=2"])
def test_scalar_and_non_contiguous_parameters(mode):
    s = np.array(2.0)  # a 0-d parameter
    base = np.arange(1.0, 13.0).reshape(3, 4)
    w = base[:, ::2]  # a strided view: perturbed in place, the loss reads base

    def loss():
        return float(s**3 + np.sum(base[:, ::2] ** 2))

    good = {"s": 3 * s**2, "w": 2 * w}
    assert gradcheck(loss, {"s": s, "w": w}, good, mode=mode).verdict == "pass"
    bad = gradcheck(loss, {"s": s, "w": w}, {"s": 3 * s**2 * 1.001, "w": 2 * w}, mode=mode)
    assert bad.failed == ("s",)
