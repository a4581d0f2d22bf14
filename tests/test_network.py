"""TwoLayerNet: forward pass, backprop, structured perturbations, kinks, planted bugs."""

from __future__ import annotations

import numpy as np
import pytest

from verifier.errors import VerifierError
from verifier.network import BACKPROP_BUGS, TwoLayerNet, random_batch
from verifier.numeric.estimate import nditer_gradient


def _net_with_biases(sizes=(12, 7, 5), seed=3):
    """A small net with non-zero biases so that no unit is dead by construction."""
    net = TwoLayerNet(*sizes, seed=seed, weight_init_std=0.5)
    rng = np.random.default_rng(seed + 100)
    net.params["b0"][...] = rng.normal(0.0, 0.5, net.params["b0"].shape)
    net.params["b1"][...] = rng.normal(0.0, 0.5, net.params["b1"].shape)
    return net


def test_shapes_count_and_seeding():
    net = TwoLayerNet()
    assert {k: v.shape for k, v in net.params.items()} == {
        "W0": (784, 50),
        "b0": (50,),
        "W1": (50, 10),
        "b1": (10,),
    }
    assert all(v.dtype == np.float64 for v in net.params.values())
    assert net.n_params == 784 * 50 + 50 + 50 * 10 + 10 == 39760
    again, other = TwoLayerNet(seed=0), TwoLayerNet(seed=1)
    assert np.array_equal(net.params["W0"], again.params["W0"])
    assert not np.array_equal(net.params["W0"], other.params["W0"])


def test_random_batch_is_seeded_one_hot_in_unit_interval():
    x, t = random_batch(20, 6, 4, seed=5)
    x2, t2 = random_batch(20, 6, 4, seed=5)
    assert np.array_equal(x, x2) and np.array_equal(t, t2)
    assert x.min() >= 0.0 and x.max() < 1.0
    assert np.array_equal(t.sum(axis=1), np.ones(20))
    assert set(np.unique(t)) <= {0.0, 1.0}
    assert not np.array_equal(random_batch(20, 6, 4, seed=6)[0], x)


def test_loss_matches_naive_cross_entropy_and_integer_labels():
    net = _net_with_biases()
    x, t = random_batch(9, 12, 5, seed=1)
    w0, b0, w1, b1 = (net.params[k] for k in ("W0", "b0", "W1", "b1"))
    z = np.maximum(x @ w0 + b0, 0) @ w1 + b1
    y = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)  # naive softmax, independent formula
    naive = -np.mean(np.sum(t * np.log(y), axis=1))
    assert net.loss(x, t) == pytest.approx(naive, rel=1e-13)
    assert net.loss(x, t.argmax(axis=1)) == net.loss(x, t)
    assert np.allclose(net.predict(x), y, rtol=1e-13, atol=0)
    assert np.allclose(net.predict(x).sum(axis=1), 1.0)
    assert 0.0 <= net.accuracy(x, t) <= 1.0


def test_backprop_matches_central_differences():
    net = _net_with_biases()
    x, t = random_batch(9, 12, 5, seed=1)
    grads = net.gradient(x, t)
    for key, p in net.params.items():
        numeric = nditer_gradient(lambda: net.loss(x, t), p, 1e-5)
        assert np.allclose(numeric, grads[key], rtol=1e-6, atol=1e-9), key


def test_perturbed_equals_in_place_loop_for_every_tensor():
    net = _net_with_biases()
    x, t = random_batch(6, 12, 5, seed=2)
    f = net.loss_fn(x, t)
    h = 1e-3
    for key, p in net.params.items():
        fp, fm = f.perturbed(key, h)
        assert fp.shape == fm.shape == p.shape
        for index in np.ndindex(p.shape):
            tmp = p[index]
            p[index] = tmp + h
            plus = net.loss(x, t)
            p[index] = tmp - h
            minus = net.loss(x, t)
            p[index] = tmp
            assert abs(fp[index] - plus) < 1e-14, (key, index)
            assert abs(fm[index] - minus) < 1e-14, (key, index)


def _assert_shifted_equals_the_loop(net, x, t, p, d, values, key, bound=1e-14):
    """``values[index][k]`` is the loss with ``p[index]`` moved in place by ``d[index][k]``."""
    for index in np.ndindex(p.shape):
        for k in range(d.shape[-1]):
            tmp = p[index]
            p[index] = tmp + d[index][k]
            expected = net.loss(x, t)
            p[index] = tmp
            assert abs(values[index][k] - expected) < bound, (key, index, k)


def test_shifted_moves_each_element_by_each_displacement():
    net = _net_with_biases((5, 4, 3), seed=5)
    x, t = random_batch(4, 5, 3, seed=5)
    f = net.loss_fn(x, t)
    rng = np.random.default_rng(1)
    for key, p in net.params.items():
        d = rng.uniform(-1e-2, 1e-2, (*p.shape, 3))  # three offsets, different per element
        values = f.shifted(key, d)
        assert values.shape == d.shape
        # the structured sum moves v by d * x exactly where the loop rounds w + d first:
        # both agree to a few ulps of the loss (~2.3)
        _assert_shifted_equals_the_loop(net, x, t, p, d, values, key)
    with pytest.raises(VerifierError, match="expected"):
        f.shifted("b1", np.zeros(3))


def _third_derivative(net, x, t, key, index, direction=None, h=1e-3):
    """d^3 L / ds^3 from backprop gradients at s = -h, 0, h (second difference of dL/ds).

    Its error is about h^2 |L^(5)| / 12, far below the bounds tested against."""
    p = net.params[key]
    original = p.copy()
    move = np.zeros(p.shape)
    if direction is None:
        move[index] = 1.0
    else:
        move = direction
    slopes = []
    for s in (-h, 0.0, h):
        p[...] = original + s * move
        slopes.append(float(np.sum(net.gradient(x, t)[key] * move)))
    p[...] = original
    return (slopes[0] - 2 * slopes[1] + slopes[2]) / h**2


def test_third_derivative_bound_holds_away_from_kinks():
    net = _net_with_biases((6, 5, 4), seed=11)
    x, t = random_batch(7, 6, 4, seed=11)
    f = net.loss_fn(x, t)
    rng = np.random.default_rng(3)
    for key, p in net.params.items():
        bound = f.third_derivative_bound(key)
        assert bound.shape == p.shape
        kinks = f.kinks(key, 1e-3)
        ratios = []
        for index in np.ndindex(p.shape):
            if kinks[index]:
                continue
            d3 = _third_derivative(net, x, t, key, index)
            # the bound is a sup over all softmax states; the value here is below it
            assert abs(d3) <= bound[index] * (1 + 1e-6) + 1e-9, (key, index, d3, bound[index])
            ratios.append(abs(d3) / bound[index] if bound[index] else 0.0)
        assert max(ratios) > 0.01, key  # and not uselessly loose
        dirs = rng.standard_normal((3, *p.shape))
        dbound = f.third_derivative_bound(key, dirs)
        _, kink, _ = f.along(key, dirs, [1e-3, -1e-3])
        for i in np.flatnonzero(~kink):
            d3 = _third_derivative(net, x, t, key, None, dirs[i])
            assert abs(d3) <= dbound[i] * (1 + 1e-6) + 1e-9, (key, i)


def test_perturbed_handles_soft_labels_and_large_steps():
    # rows of t that do not sum to one and steps that flip many units
    net = _net_with_biases((5, 4, 3), seed=7)
    x, _ = random_batch(4, 5, 3, seed=7)
    t = np.random.default_rng(0).random((4, 3))
    f = net.loss_fn(x, t)
    for key, p in net.params.items():
        fp, _ = f.perturbed(key, 0.3)
        for index in np.ndindex(p.shape):
            tmp = p[index]
            p[index] = tmp + 0.3
            expected = net.loss(x, t)
            p[index] = tmp
            assert fp[index] == pytest.approx(expected, abs=1e-13), (key, index)


def test_kinks_are_where_a_relu_flips():
    net = TwoLayerNet(4, 3, 2, seed=0)
    x = np.array([[0.9, 0.0, 0.2, 0.5]])
    t = np.array([[1.0, 0.0]])
    h = 1e-4
    # place unit 1's pre-activation just above zero: v = 0.4 h
    v = x @ net.params["W0"] + net.params["b0"]
    net.params["b0"][1] -= v[0, 1] - 0.4 * h
    f = net.loss_fn(x, t)
    w0_kinks = f.kinks("W0", h)
    # |v| < h |x_i|: inputs 0 (0.9), 3 (0.5) flip; input 1 (0.0) and 2 (0.2 < 0.4) do not
    assert w0_kinks[:, 1].tolist() == [True, False, False, True]
    assert not w0_kinks[:, [0, 2]].any()
    assert f.kinks("b0", h).tolist() == [False, True, False]
    assert not f.kinks("W1", h).any() and not f.kinks("b1", h).any()
    # at a kink the central difference is not the derivative; elsewhere it is
    numeric = nditer_gradient(f, net.params["W0"], h)
    g = net.gradient(x, t)["W0"]
    assert abs(numeric[0, 1] - g[0, 1]) > 1e-3 * abs(g[0, 1])
    assert abs(numeric[2, 1] - g[2, 1]) <= 1e-8 * abs(g[2, 1])
    # a direction that moves unit 1 by more than 0.4 h flips it
    _, kink, _ = f.along("b0", np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]), [h, -h])
    assert kink.tolist() == [True, False]
    w0_dirs = np.zeros((2, 4, 3))
    w0_dirs[0, 0, 1] = 1.0  # moves v[0, 1] by 0.9 h: flips
    w0_dirs[1, 2, 1] = 1.0  # moves it by 0.2 h: does not
    assert f.along("W0", w0_dirs, [h, -h])[1].tolist() == [True, False]


def test_along_equals_moving_the_whole_tensor_in_place():
    net = _net_with_biases()
    x, t = random_batch(6, 12, 5, seed=4)
    f = net.loss_fn(x, t)
    rng = np.random.default_rng(0)
    for key, p in net.params.items():
        dirs = rng.standard_normal((3, *p.shape))
        values, _, third = f.along(key, dirs, [[1e-3, -1e-3]])
        assert np.array_equal(third, f.third_derivative_bound(key, dirs))  # same computation
        plus, minus = values[:, 0], values[:, 1]
        for i in range(3):
            original = p.copy()
            p += 1e-3 * dirs[i]
            expected_plus = net.loss(x, t)
            p[...] = original - 1e-3 * dirs[i]
            expected_minus = net.loss(x, t)
            p[...] = original
            assert plus[i] == pytest.approx(expected_plus, abs=1e-14), key
            assert minus[i] == pytest.approx(expected_minus, abs=1e-14), key


@pytest.mark.parametrize("name", sorted(BACKPROP_BUGS))
def test_each_planted_bug_changes_exactly_its_tensors(name):
    net = TwoLayerNet(seed=0)
    x, t = random_batch(10, seed=0)
    good = net.gradient(x, t)
    bad = net.gradient(x, t, bug=name)
    changed = tuple(k for k in good if not np.array_equal(good[k], bad[k]))
    assert changed == BACKPROP_BUGS[name].tensors
    assert all(bad[k].shape == good[k].shape for k in good)


def test_bad_inputs_raise_verifier_errors():
    net = TwoLayerNet(4, 3, 2)
    with pytest.raises(VerifierError, match=r"expected \(N, 4\)"):
        net.loss(np.ones((2, 5)), [0, 1])
    with pytest.raises(VerifierError, match="labels must lie in 0..1"):
        net.loss(np.ones((2, 4)), [0, 2])
    with pytest.raises(VerifierError, match=r"expected \(2, 2\)"):
        net.loss(np.ones((2, 4)), np.ones((2, 3)))
    with pytest.raises(VerifierError, match="NaN"):
        net.loss(np.full((1, 4), np.nan), [0])
    with pytest.raises(VerifierError, match="unknown backprop bug"):
        net.gradient(np.ones((1, 4)), [0], bug="nope")
    with pytest.raises(VerifierError, match="hidden_size"):
        TwoLayerNet(4, 0, 2)
    with pytest.raises(VerifierError, match="unknown parameter"):
        net.loss_fn(np.ones((1, 4)), [0]).perturbed("W2", 1e-4)


def test_the_w0_series_is_exact_to_round_off_up_to_its_limit():
    # Samples that stay active are summed as a cumulant series of order 4 (NetworkLoss
    # _series_w0); at its limit |s| spread(W1[j]) = 1e-3 the remainder ~ 1e-15 / 120 per sample
    # is below the loss's round-off (~2.3 eps = 5e-16), so it agrees with the in-place loop to
    # the same 1e-14 as the exact path.
    from verifier.network import loss as network_loss

    net = TwoLayerNet(5, 4, 3, seed=3, weight_init_std=1.0)  # spread(W1[j]) ~ 2
    x, t = random_batch(6, 5, 3, seed=3)
    f = net.loss_fn(x, t)
    w0 = net.params["W0"]
    spread = float(np.max(np.ptp(net.params["W1"], axis=1)))
    step = network_loss._SERIES_LIMIT / (spread * float(np.max(np.abs(x))))
    d = np.stack([np.full(w0.shape, step), np.full(w0.shape, -step)], axis=-1)
    values = f.shifted("W0", d)
    far = f.net._forward_checked(f.x, f.t).v > np.max(np.abs(x), axis=1)[:, None] * step
    assert far.any() and not far.all()  # both paths are exercised
    _assert_shifted_equals_the_loop(net, x, t, w0, d, values, "W0")
