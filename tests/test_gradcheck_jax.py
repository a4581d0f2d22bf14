"""gradcheck on a JAX model whose custom layer has a ``custom_vjp`` backward: jax.grad through
the correct backward passes, a planted bug in the custom backward fails naming tensor and
index, ReLU kinks are labelled, the vmap path agrees with the NumPy MLP's numbers.

JAX is an optional extra: outside CI these tests skip without it; with
``VERIFIER_REQUIRE_JAX=1`` (set by ``.ci/run`` where the extra is installed) a missing JAX
fails them instead of skipping."""

from __future__ import annotations

import os

import numpy as np
import pytest

if os.environ.get("VERIFIER_REQUIRE_JAX"):
    import jax  # a missing extra is an error here, not a skip
else:
    jax = pytest.importorskip("jax")

from verifier.gradcheck import gradcheck  # noqa: E402
from verifier.gradcheck.jax_adapter import JaxAdapter, is_jax_tree  # noqa: E402
from verifier.network.mlp import (  # noqa: E402
    EPS_NORM,
    init_mlp,
    mlp_backward,
    mlp_data,
    mlp_loss,
    mlp_relu_inputs,
)

jax.config.update("jax_enable_x64", True)
jnp = jax.numpy
BUGGY_UNIT = 5


def _rmsnorm(planted: bool):
    """The custom layer ``y = g * a / sqrt(mean(a^2) + EPS)`` with a hand-written backward."""

    @jax.custom_vjp
    def rmsnorm(a, g):
        return g * a / jnp.sqrt(jnp.mean(a * a, axis=-1, keepdims=True) + EPS_NORM)

    def forward(a, g):
        r = jnp.sqrt(jnp.mean(a * a, axis=-1, keepdims=True) + EPS_NORM)
        return g * a / r, (a / r, r, g)

    def backward(saved, dy):
        n, r, g = saved
        gdy = g * dy
        da = (gdy - n * jnp.mean(gdy * n, axis=-1, keepdims=True)) / r
        dg = jnp.sum(dy * n, axis=0)
        if planted:  # the planted bug: one unit's gain gradient 0.1% too large
            dg = dg.at[BUGGY_UNIT].multiply(1.001)
        return da, dg

    rmsnorm.defvjp(forward, backward)
    return rmsnorm


def _jax_loss(x, y, planted=False):
    norm = _rmsnorm(planted)
    xs, ys = jnp.asarray(x), jnp.asarray(y)

    def loss(p):
        a1 = jax.nn.relu(xs @ p["W1"] + p["b1"])
        a2 = jnp.tanh(norm(a1, p["g"]) @ p["W2"] + p["b2"])
        z = a2 @ p["W3"] + p["b3"]
        return jnp.mean(
            jax.nn.logsumexp(z, axis=-1) - jnp.take_along_axis(z, ys[:, None], -1)[:, 0]
        )

    return loss


@pytest.fixture(scope="module")
def model():
    params = init_mlp((16, 24, 12, 5), seed=0)
    x, y = mlp_data(32, 16, 5, seed=0)
    return params, x, y


def _jparams(params):
    return {k: jnp.asarray(v) for k, v in params.items()}


def test_jax_grad_through_the_custom_vjp_passes(model):
    params, x, y = model
    jp = _jparams(params)
    assert is_jax_tree(jp) and jp["W1"].dtype == jnp.float64
    loss = _jax_loss(x, y)
    result = gradcheck(loss, jp, jax.grad(loss)(jp), kink_points=lambda p: x @ p["W1"] + p["b1"])
    assert result.verdict == "pass", result.summary()
    assert any("JaxAdapter" in n for n in result.notes)
    # the same numbers as the NumPy MLP's (one model, two frameworks): the losses agree to a
    # few eps, so the central differences agree to about eps |L| / h ~ 1e-11
    numpy_result = gradcheck(lambda p: mlp_loss(p, x, y), params, mlp_backward(params, x, y))
    assert sorted(t.name for t in result.tensors) == sorted(params)  # JAX sorts dict keys
    for a in result.tensors:
        b = numpy_result[a.name]
        assert np.max(np.abs(a.numeric - b.numeric)) <= 1e-9, a.name


def test_a_bug_in_the_custom_backward_is_caught_with_its_index(model):
    params, x, y = model
    jp = _jparams(params)
    loss = _jax_loss(x, y, planted=True)
    result = gradcheck(loss, jp, jax.grad(loss)(jp))
    assert result.verdict == "fail"
    assert result.failed == ("g",) and result["g"].worst_index == (BUGGY_UNIT,)
    assert result["g"].n_wrong == 1


def test_relu_kinks_are_labelled_as_for_the_network(model):
    params, x, y = model
    p = {k: v.copy() for k, v in params.items()}
    p["b1"][3] = -float(x[0] @ p["W1"][:, 3])  # sample 0 sits exactly on unit 3's kink
    jp = _jparams(p)
    loss = _jax_loss(x, y)
    result = gradcheck(loss, jp, jax.grad(loss)(jp), kink_points=lambda q: x @ q["W1"] + q["b1"])
    assert result.verdict == "pass"
    assert result["b1"].indices[result["b1"].status == "kink"].tolist() == [[3]]
    # the NumPy adapter finds the very same kinks
    numpy_result = gradcheck(
        lambda q: mlp_loss(q, x, y), p, mlp_backward(p, x, y),
        kink_points=lambda q: mlp_relu_inputs(q, x),
    )  # fmt: skip
    for a in result.tensors:
        assert np.array_equal(a.status == "kink", numpy_result[a.name].status == "kink"), a.name


def test_pytrees_are_named_by_path_and_checked():
    params = {"layers": [{"w": jnp.array([1.0, -2.0])}, {"w": jnp.array([[0.5]])}]}

    def loss(p):
        return jnp.sum(p["layers"][0]["w"] ** 3) + jnp.sum(jnp.sin(p["layers"][1]["w"]))

    result = gradcheck(loss, params, jax.grad(loss)(params), batched=True)
    assert [t.name for t in result.tensors] == ["layers.0.w", "layers.1.w"]
    assert result.verdict == "pass"
    adapter = JaxAdapter(loss)
    flat = adapter.flatten(params)
    back = adapter.unflatten(flat)
    assert jax.tree_util.tree_structure(back) == jax.tree_util.tree_structure(params)
