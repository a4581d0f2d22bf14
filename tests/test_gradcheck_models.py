"""gradcheck on a hand-written NumPy MLP (softmax cross-entropy, a custom layer): six planted
backward bugs fail naming tensor and index, the correct backward passes, batched and looped
modes agree; batch detection, kinks from kink points, reading bands, float32 guidance."""

from __future__ import annotations

import re
import time
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verifier.errors import VerifierError
from verifier.gradcheck import (
    NumpyAdapter,
    band_counts,
    gradcheck,
    precision_guidance,
    reading_band,
    worst_elements,
)
from verifier.gradcheck.adapters import MAX_BATCH_BYTES, BatchedLoss, adapted_loss, supports_batch
from verifier.network.mlp import (
    MLP_BUGS,
    OFF_ENTRY,
    init_mlp,
    mlp_backward,
    mlp_data,
    mlp_loss,
    mlp_relu_inputs,
)
from verifier.policy import POLICY


@pytest.fixture(scope="module")
def mlp():
    params = init_mlp((16, 24, 12, 5), seed=0)
    x, y = mlp_data(32, 16, 5, seed=0)
    return params, x, y


def _loss(x, y):
    return lambda p: mlp_loss(p, x, y)


@pytest.fixture(scope="module")
def correct_checks(mlp):
    params, x, y = mlp
    grads = mlp_backward(params, x, y)
    kp = lambda p: mlp_relu_inputs(p, x)  # noqa: E731
    return (
        gradcheck(_loss(x, y), params, grads, batched=True, kink_points=kp),
        gradcheck(_loss(x, y), params, grads, batched=False, kink_points=kp),
    )


def test_the_correct_backward_passes_batched_and_looped(correct_checks):
    batched, looped = correct_checks
    assert batched.verdict == looped.verdict == "pass"
    assert batched.n_checked == batched.n_params == 797
    assert any(n.startswith("batched") for n in batched.notes)
    assert {t.method for t in looped.tensors} == {"full (loop)"}


def test_batched_and_looped_agree_to_1e_10(correct_checks):
    # The same perturbed parameters (the same representable steps) evaluated by the same
    # function, once with a leading axis of copies and once copy by copy: only the order of
    # floating-point operations can differ, so each loss differs by a few eps |L| (|L| ~ 1.7)
    # and each difference quotient by about eps |L| / h = 4e-12 at h = 1e-4: 1e-10 is 25x that.
    batched, looped = correct_checks
    for a, b in zip(batched.tensors, looped.tensors, strict=True):
        assert a.name == b.name
        assert np.max(np.abs(a.numeric - b.numeric)) <= 1e-10, a.name
        assert np.array_equal(a.status, b.status)


@pytest.mark.parametrize("bug", sorted(MLP_BUGS))
def test_every_planted_bug_fails_naming_tensor_and_index(mlp, bug):
    params, x, y = mlp
    good = mlp_backward(params, x, y)
    bad = mlp_backward(params, x, y, bug=bug)
    result = gradcheck(_loss(x, y), params, bad)
    assert result.verdict == "fail"
    named = set(result.failed)
    assert named & set(MLP_BUGS[bug].tensors), (bug, named)
    # every named tensor really is corrupted, and its worst index points at a corrupted entry
    for name in named:
        where = result[name].worst_index
        assert not np.array_equal(bad[name], good[name]), name
        assert not np.isclose(bad[name][where], good[name][where], rtol=1e-6, atol=0), name
    if bug == "w2_entry_off_by_0.1_percent":
        assert result.failed == ("W2",) and result["W2"].worst_index == OFF_ENTRY
        assert result["W2"].n_wrong == 1


def test_looped_mode_catches_the_small_bug_at_the_same_index(mlp):
    params, x, y = mlp
    bad = mlp_backward(params, x, y, bug="w2_entry_off_by_0.1_percent")
    result = gradcheck(_loss(x, y), params, bad, batched=False, mode="sample=300", seed=1)
    assert result.failed == ("W2",) and result["W2"].worst_index == OFF_ENTRY


def test_batch_support_is_detected(mlp):
    params, x, y = mlp
    assert supports_batch(_loss(x, y), params)
    one_copy = lambda p: float(np.sum(p["W1"] ** 2))  # noqa: E731  (sums over any batch axis)
    assert not supports_batch(one_copy, {"W1": params["W1"]})
    f, _ = adapted_loss(_loss(x, y), params)
    assert isinstance(f, BatchedLoss)
    f, _ = adapted_loss(one_copy, {"W1": params["W1"]})
    assert not isinstance(f, BatchedLoss)
    # the undetected loss still gets a correct check, by the loop
    w = params["W1"]
    assert gradcheck(one_copy, {"W1": w}, {"W1": 2 * w}).verdict == "pass"


def test_kinks_are_found_from_the_kink_points(mlp):
    params, x, y = mlp
    p = {k: v.copy() for k, v in params.items()}
    p["b1"][3] = -float(x[0] @ p["W1"][:, 3])  # sample 0 sits on unit 3's kink
    grads = mlp_backward(p, x, y)
    kp = lambda q: mlp_relu_inputs(q, x)  # noqa: E731
    result = gradcheck(_loss(x, y), p, grads, kink_points=kp)
    assert result.verdict == "pass"
    assert result["W1"].n_kinks >= 1 and result["b1"].n_kinks == 1
    kinked = result["b1"].indices[result["b1"].status == "kink"]
    assert kinked.tolist() == [[3]]
    looped = gradcheck(_loss(x, y), p, grads, kink_points=kp, batched=False)
    assert np.array_equal(looped["W1"].status, result["W1"].status)


def test_chunks_keep_the_batch_bounded(mlp, monkeypatch):
    params, x, y = mlp
    sizes = []
    loss = _loss(x, y)

    def spy(p):
        # bytes of the copies really made (the tensors not perturbed are broadcast views)
        sizes.append(sum(v.nbytes for v in p.values() if v.ndim and v.strides[0] != 0))
        return loss(p)

    monkeypatch.setattr("verifier.gradcheck.adapters.MAX_BATCH_BYTES", 64 * 1024)
    result = gradcheck(spy, params, mlp_backward(params, x, y), batched=True)
    assert result.verdict == "pass"
    assert max(sizes) <= 64 * 1024 < MAX_BATCH_BYTES
    # W1 (3 KB a copy, 768 copies) took 2.3 MB / 64 KB -> at least 36 calls
    assert len(sizes) >= 36


def test_reading_bands_and_worst_elements(mlp):
    params, x, y = mlp
    bad = mlp_backward(params, x, y, bug="w2_entry_off_by_0.1_percent")
    result = gradcheck(_loss(x, y), params, bad)
    counts = band_counts(result).set_index("tensor")
    assert counts.loc["W2", "wrong"] == 1 and counts.loc["W3", "wrong"] == 0
    assert int(counts.loc["W1"][["fine", "look closer", "wrong"]].sum()) == params["W1"].size
    worst = worst_elements(result, 3)
    first = worst[worst.tensor == "W2"].iloc[0]
    assert first["index"] == "(1, 2)" and first["band"] == "wrong"
    assert len(worst) == 3 * len(params)  # every tensor has at least 3 entries
    rule = POLICY["reading"]
    assert (rule.rtol, rule.atol) == (1e-7, 1e-4) and not rule.fails


@settings(max_examples=50, deadline=None)
@given(st.floats(min_value=1e-18, max_value=1e3, allow_nan=False))
def test_bands_split_at_the_policy_limits(err):
    band = reading_band(np.array([err]))[0]
    expect = "fine" if err < 1e-7 else ("wrong" if err > 1e-4 else "look closer")
    assert band == expect


def test_float32_parameters_get_guidance_and_never_pass(mlp):
    params, x, y = mlp
    p32 = {k: v.astype(np.float32) for k, v in params.items()}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = gradcheck(_loss(x.astype(np.float32), y), p32, mlp_backward(params, x, y), h=5e-3)
    assert result.verdict != "pass"
    assert "eps^(2/3)" in result.dtype_warning and "rtol ~ 0.001" in result.dtype_warning
    assert any("float32" in str(w.message) for w in caught)
    eps = np.finfo(np.float32).eps
    # the figure the guidance quotes is eps^(2/3), and the supported rtol is the policy's
    assert f"{eps ** (2 / 3):.2g}" in precision_guidance(np.float32)
    assert POLICY["float32"].rtol == 1e-3 > 10 * eps ** (2 / 3)
    assert precision_guidance(np.float64) is None


def test_bad_input_is_a_clear_error(mlp):
    params, x, y = mlp
    with pytest.raises(VerifierError, match="batched=True needs"):
        gradcheck(lambda: 0.0, {"w": np.zeros(2)}, {"w": np.zeros(2)}, batched=True)
    with pytest.raises(VerifierError, match="lacks flatten"):
        gradcheck(_loss(x, y), params, params, adapter=object())
    adapter = NumpyAdapter(lambda p: np.zeros(3), batched=True)
    with pytest.raises(VerifierError, match="returned 3 value"):
        gradcheck(lambda p: 0.0, {"w": np.zeros(2)}, {"w": np.zeros(2)}, adapter=adapter)


def test_the_loop_shows_progress_with_the_remaining_time(mlp, capsys):
    params, x, y = mlp
    small = {"b2": params["b2"]}

    def loss(p):
        time.sleep(0.01)  # slow enough for the bar to refresh (every 0.1 s)
        return mlp_loss({**params, **p}, x, y)

    grads = {"b2": mlp_backward(params, x, y)["b2"]}
    assert gradcheck(loss, small, grads, batched=False, progress=True).verdict == "pass"
    bar = capsys.readouterr().err
    # tqdm's "done/total [elapsed<remaining, rate]": the remaining time is estimated
    assert re.search(r"b2.*\b([1-9]|1[01])/12 \[\d\d:\d\d<\d\d:\d\d, ", bar), bar
    gradcheck(loss, small, grads, batched=False, progress=False)
    assert capsys.readouterr().err == ""


def test_the_package_imports_without_jax():
    import subprocess
    import sys

    code = (
        "import sys; import verifier, verifier.gradcheck, verifier.cli, verifier.report.gradcheck;"
        "from verifier.gradcheck import gradcheck; import numpy as np;"
        "w = np.ones(2); gradcheck(lambda p: np.sum(p['w'] ** 2, axis=-1), {'w': w}, {'w': 2 * w});"
        "assert 'jax' not in sys.modules, 'jax was imported'"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
