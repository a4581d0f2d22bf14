"""Gradient checks for any model: the adapter protocol, the NumPy adapter, batched perturbations.

A *functional* loss takes its parameters as an argument, ``loss(params) -> float``, instead
of reading arrays in place.  :func:`verifier.gradcheck.gradcheck` accepts one, through an
adapter: a small object that knows how to move between the framework's parameters and named
float NumPy arrays, and how to evaluate the loss at many perturbed copies at once.

The protocol (:class:`ModelAdapter`) has three methods; a fourth is optional:

``flatten(tree) -> dict[str, np.ndarray]``
    the framework's parameters (or gradients: the same structure) as named NumPy arrays,
    copies, one per tensor (the names label the tensors in the result: ``"W0"``,
    ``"['dense']['w']"``...).
``unflatten(arrays) -> tree``
    the inverse: named arrays back to the framework's structure.
``evaluate_batch(base, key, values) -> np.ndarray``
    the loss at ``B`` parameter settings equal to ``base`` except tensor ``key``, which
    takes each of ``values[b]`` (``values`` has shape ``(B, *base[key].shape)``); returns
    ``B`` float64 losses.  This is where a framework vectorises (``jax.vmap``; a NumPy loss
    that accepts a leading batch axis; a torch ``vmap``...).
``kinks_batch(base, key, values) -> np.ndarray`` (optional)
    ``B`` booleans: whether the setting ``values[b]`` lies across a kink from ``base``
    (a ReLU pre-activation changes sign).  Such elements are labelled ``kink`` and left
    out of the verdict, as for :class:`~verifier.network.TwoLayerNet`.

To plug in another framework, write those methods and pass ``adapter=YourAdapter(loss)``
to ``gradcheck``; :class:`NumpyAdapter` (below) and
:class:`verifier.gradcheck.jax_adapter.JaxAdapter` are the two worked examples.

Every finite difference is still formed by :func:`verifier.numeric.estimate.finite_difference`
(the adapter only evaluates losses) and judged by the one policy row (``gradient``).  The
perturbed copies are built a chunk of elements at a time: about :data:`TARGET_BATCH_BYTES`,
at least :data:`MIN_BATCH_COPIES` copies, never above :data:`MAX_BATCH_BYTES`.

>>> import numpy as np
>>> loss = lambda p: np.sum(p["w"] ** 3, axis=-1)     # works on one copy or a batch of them
>>> adapter = NumpyAdapter(loss, batched=True)
>>> base = adapter.flatten({"w": np.array([1.0, 2.0])})
>>> adapter.evaluate_batch(base, "w", np.array([[1.0, 2.0], [0.0, 1.0]])).tolist()
[9.0, 1.0]
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any, Protocol, runtime_checkable

import numpy as np

from verifier.errors import VerifierError
from verifier.gradcheck.modes import progress_bar

__all__ = [
    "MAX_BATCH_BYTES",
    "AdaptedLoss",
    "BatchedLoss",
    "ModelAdapter",
    "NumpyAdapter",
    "adapted_loss",
    "is_functional",
    "supports_batch",
]

#: the largest batch of perturbed copies built at once (bytes of float64): memory stays bounded
#: whatever the tensor's size
MAX_BATCH_BYTES = 32 * 2**20
#: the batch aimed at: the loss's intermediates grow with the copies too, and batches of a few
#: MB stay in cache (measured: the 64-64-32-10 MLP checks 1.8x faster than with 32 MB batches)
TARGET_BATCH_BYTES = 4 * 2**20
#: but at least this many copies per call (within MAX_BATCH_BYTES), to amortise the call
MIN_BATCH_COPIES = 64


@runtime_checkable
class ModelAdapter(Protocol):
    """What ``gradcheck`` needs from a framework (see the module docstring)."""

    def flatten(self, tree: Any) -> dict[str, np.ndarray]:
        """Named NumPy arrays (copies), one per parameter tensor."""
        ...

    def unflatten(self, arrays: Mapping[str, np.ndarray]) -> Any:
        """The framework's structure from named arrays."""
        ...

    def evaluate_batch(
        self, base: Mapping[str, np.ndarray], key: str, values: np.ndarray
    ) -> np.ndarray:
        """``B`` losses: ``base`` with tensor ``key`` set to each ``values[b]``."""
        ...


def is_functional(loss: Any) -> bool:
    """True when ``loss`` takes the parameters as its one argument (``loss(params)``).

    >>> is_functional(lambda p: 0.0), is_functional(lambda: 0.0)
    (True, False)
    """
    try:
        sig = inspect.signature(loss)
    except (TypeError, ValueError):
        return False
    try:
        sig.bind()
    except TypeError:
        try:
            sig.bind(None)
        except TypeError:
            return False
        return True
    return False


def _scalars(value: Any, count: int, what: str) -> np.ndarray:
    out = np.asarray(value, dtype=np.float64).reshape(-1)
    if out.size != count:
        raise VerifierError(
            f"{what} returned {out.size} value(s), expected {count}",
            hint="a batched loss returns one loss per copy along the leading axis",
        )
    return out


def supports_batch(loss: Callable[[Any], Any], base: Mapping[str, np.ndarray]) -> bool:
    """Whether ``loss`` accepts a leading axis of parameter copies: a batch of two copies
    (``base`` and ``base`` moved by 1e-3 of its scale) against two single calls.

    The two must agree as evaluations of one function do: to a few hundred units of
    round-off of the loss (``256 eps max(1, |L|)``).

    >>> base = {"w": np.array([1.0, 2.0])}
    >>> supports_batch(lambda p: np.sum(p["w"] ** 2, axis=-1), base)
    True
    >>> supports_batch(lambda p: float(np.sum(p["w"] ** 2)), base)
    False
    """
    moved = {k: v + 1e-3 * (1.0 + np.abs(v)) for k, v in base.items()}
    batch = {k: np.stack([base[k], moved[k]]) for k in base}
    try:
        with np.errstate(all="ignore"):
            got = np.asarray(loss(batch), dtype=np.float64)
    except Exception:  # a loss written for one copy may fail on a batch in any way
        return False
    if got.shape not in ((2,), (2, 1)):
        return False
    single = np.array([float(np.asarray(loss(dict(base)))), float(np.asarray(loss(moved)))])
    slack = 256 * np.finfo(np.float64).eps * max(1.0, float(np.max(np.abs(single))))
    return bool(np.all(np.abs(got.reshape(2) - single) <= slack))


class NumpyAdapter:
    """The adapter for a NumPy loss ``loss(params: dict[str, ndarray]) -> float``.

    With ``batched=True`` the loss is called once per batch with every tensor carrying a
    leading axis of copies (the tensors not perturbed are broadcast views, no memory) and
    must return one loss per copy; with ``batched=False`` it is called once per copy.
    ``kink_points(params) -> array`` (optional) gives the values whose sign change is a kink
    (e.g. the ReLU pre-activations); it is called the same way, batched or not.

    >>> a = NumpyAdapter(lambda p: float(p["b"].sum()), batched=False)
    >>> a.evaluate_batch({"b": np.zeros(2)}, "b", np.ones((3, 2))).tolist()
    [2.0, 2.0, 2.0]
    """

    def __init__(
        self,
        loss: Callable[[Any], Any],
        *,
        batched: bool,
        kink_points: Callable[[Any], Any] | None = None,
    ) -> None:
        self.loss = loss
        self.batched = bool(batched)
        self.kink_points = kink_points
        if kink_points is None:
            self.kinks_batch = None  # type: ignore[method-assign]

    def flatten(self, tree: Any) -> dict[str, np.ndarray]:
        """Copies of the arrays of a dict (float dtypes kept: a float32 check is reported)."""
        if not isinstance(tree, Mapping) or not tree:
            raise VerifierError(
                "params must be a non-empty dict of numpy arrays",
                hint="e.g. gradcheck(loss, {'W': W, 'b': b}, {'W': dW, 'b': db})",
            )
        out = {}
        for key, value in tree.items():
            arr = np.array(value, copy=True)
            if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
                raise VerifierError(f"{key!r} has non-numeric dtype {arr.dtype}")
            out[str(key)] = arr
        return out

    def unflatten(self, arrays: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The dict itself."""
        return dict(arrays)

    def _call(self, fn: Callable[[Any], Any], base, key, values) -> np.ndarray:
        count = values.shape[0]
        if self.batched:
            batch = {k: np.broadcast_to(v, (count, *v.shape)) for k, v in base.items()}
            batch[key] = values
            return np.asarray(fn(batch))
        out = []
        for b in range(count):
            arrays = dict(base)
            arrays[key] = values[b]
            out.append(np.asarray(fn(arrays)))
        return np.stack(out)

    def evaluate_batch(
        self, base: Mapping[str, np.ndarray], key: str, values: np.ndarray
    ) -> np.ndarray:
        """``B`` losses (one call when batched, else ``B`` calls)."""
        got = self._call(self.loss, base, key, values)
        return _scalars(got, values.shape[0], "the loss")

    def kinks_batch(
        self, base: Mapping[str, np.ndarray], key: str, values: np.ndarray
    ) -> np.ndarray:
        """``B`` booleans: some kink point changes sign between ``base`` and ``values[b]``."""
        assert self.kink_points is not None
        here = np.sign(np.asarray(self.kink_points(dict(base)), dtype=np.float64))
        there = np.sign(np.asarray(self._call(self.kink_points, base, key, values), np.float64))
        there = there.reshape(values.shape[0], -1)
        return np.any(there != here.reshape(1, -1), axis=1)


class AdaptedLoss:
    """A no-argument loss over working copies (``params``) evaluated through an adapter.

    Every mode of ``gradcheck`` can move ``params`` in place and call it; the element loops
    show a progress bar with the remaining time.  :class:`BatchedLoss` adds the vectorised
    perturbations.
    """

    def __init__(self, adapter: Any, params: dict[str, np.ndarray], progress=None) -> None:
        self.adapter = adapter
        self.params = params
        self.progress = progress
        self._kinks = getattr(adapter, "kinks_batch", None)
        if self._kinks is None:
            self.kinks = None  # type: ignore[method-assign]

    def __call__(self) -> float:
        key = next(iter(self.params))
        return float(self.adapter.evaluate_batch(self.params, key, self.params[key][None])[0])

    def _chunk(self, key: str, offsets: int) -> int:
        """Elements per batch: ``offsets`` copies each, at most MAX_BATCH_BYTES in all (a copy
        is the tensor, or what the adapter's ``copy_bytes(key)`` says it builds)."""
        sized = getattr(self.adapter, "copy_bytes", None)
        per_copy = sized(key) if sized is not None else max(1, self.params[key].size) * 8
        copies = max(TARGET_BATCH_BYTES // per_copy, MIN_BATCH_COPIES)
        return max(1, min(copies, MAX_BATCH_BYTES // per_copy) // offsets)

    def _copies(self, p: np.ndarray, flat: np.ndarray, d: np.ndarray) -> np.ndarray:
        """``(len(flat) * m, *shape)``: ``p`` with element ``flat[k]`` moved by ``d[k, j]``."""
        k, m = d.shape
        copies = np.repeat(p.reshape(1, -1), k * m, axis=0)
        rows = np.arange(k * m)
        copies[rows, np.repeat(flat, m)] += d.reshape(-1).astype(copies.dtype)
        return copies.reshape(k * m, *p.shape)

    def kinks(self, key: str, reach: float) -> np.ndarray:
        """Elements whose ``+-reach`` move crosses a kink (the adapter's ``kinks_batch``)."""
        p = self.params[key]
        flat = np.arange(p.size)
        d = np.stack([np.full(p.size, reach), np.full(p.size, -reach)], axis=1)
        out = self._over_chunks(key, flat, d, self._kinks, bool, "kinks")
        return np.any(out, axis=1).reshape(p.shape)

    def _over_chunks(self, key, flat, d, fn, dtype, what) -> np.ndarray:
        p = self.params[key]
        m = d.shape[1]
        step = self._chunk(key, m)
        out = np.empty(d.shape, dtype=dtype)
        bar = progress_bar(flat.size, f"{key} ({what})", self.progress)
        try:
            for lo in range(0, flat.size, step):
                hi = min(lo + step, flat.size)
                copies = self._copies(p, flat[lo:hi], d[lo:hi])
                got = np.asarray(fn(self.params, key, copies))
                out[lo:hi] = got.reshape(hi - lo, m)
                if bar is not None:
                    bar.update(hi - lo)
        finally:
            if bar is not None:
                bar.close()
        return out


class BatchedLoss(AdaptedLoss):
    """An :class:`AdaptedLoss` whose adapter evaluates many copies per call: it offers
    ``shifted`` and ``shifted_at``, the perturbations the ``full`` and ``sample`` modes use.
    """

    def shifted(self, key: str, d: np.ndarray) -> np.ndarray:
        """Losses with each element of ``params[key]`` moved by ``d[..., j]``."""
        p = self.params[key]
        flat_d = np.asarray(d, dtype=np.float64).reshape(p.size, -1)
        return self.shifted_at(key, np.arange(p.size), flat_d).reshape(np.shape(d))

    def shifted_at(self, key: str, flat: np.ndarray, d: np.ndarray) -> np.ndarray:
        """Losses with element ``flat[k]`` of ``params[key]`` moved by ``d[k, j]``."""
        fn = self.adapter.evaluate_batch
        return self._over_chunks(key, np.asarray(flat), np.asarray(d), fn, np.float64, "loss")


def adapted_loss(
    loss: Any,
    params: Any,
    *,
    adapter: Any = None,
    batched: bool | None = None,
    kink_points: Callable[[Any], Any] | None = None,
    progress: bool | None = None,
) -> tuple[AdaptedLoss, Any]:
    """The no-argument loss and the adapter for a functional loss (or a given adapter).

    ``batched=None`` detects batch support (:func:`supports_batch`, NumPy) or asks the
    adapter (its ``batched`` attribute).

    >>> w = np.array([1.0, 2.0])
    >>> f, a = adapted_loss(lambda p: np.sum(p["w"] ** 2, axis=-1), {"w": w})
    >>> type(f).__name__, f()
    ('BatchedLoss', 5.0)
    """
    if adapter is None:
        from verifier.gradcheck.jax_adapter import is_jax_tree

        if is_jax_tree(params):
            from verifier.gradcheck.jax_adapter import JaxAdapter

            adapter = JaxAdapter(loss, kink_points=kink_points)
        else:
            base = NumpyAdapter(loss, batched=False).flatten(params)
            if batched is None:
                batched = supports_batch(loss, base)
            adapter = NumpyAdapter(loss, batched=batched, kink_points=kink_points)
    elif not isinstance(adapter, ModelAdapter):
        raise VerifierError(
            f"adapter {type(adapter).__name__} lacks flatten/unflatten/evaluate_batch",
            hint="see verifier.gradcheck.adapters.ModelAdapter",
        )
    work = adapter.flatten(params)
    if batched is None:
        batched = bool(getattr(adapter, "batched", True))
    cls = BatchedLoss if batched else AdaptedLoss
    return cls(adapter, work, progress), adapter
