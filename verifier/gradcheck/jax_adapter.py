"""The JAX adapter: check ``jax.grad`` (or a ``custom_vjp`` backward) against central differences.

Install with ``pip install verifier[jax]``.  JAX is imported only when a JAX loss is checked,
so the package works without it.  The loss is ``loss(params) -> scalar`` on any pytree of
arrays (dicts, lists, tuples); the tensors are named by their path in the tree (``W0``,
``layers.0.w``).  The perturbed copies of a tensor are evaluated by ``jax.jit(jax.vmap(...))``
in chunks (one compiled function over flat parameter vectors, batches padded to a power of
two, so a check compiles a few shapes), in float64:
creating the adapter turns on ``jax_enable_x64`` for the process (create the parameters
after that, or they are float32 and the check says what float32 can support).

``kink_points(params)`` (optional) returns the values whose sign change is a kink, e.g. the
ReLU pre-activations; an element whose ``+-h`` step changes one of their signs is labelled
``kink`` and left out, as :class:`~verifier.network.TwoLayerNet`'s kinks are.

Usage::

    import jax
    jax.config.update("jax_enable_x64", True)
    params = {"W": jnp.ones((3, 2)), "b": jnp.zeros(2)}
    result = gradcheck(loss, params, jax.grad(loss)(params))

This module implements :class:`verifier.gradcheck.adapters.ModelAdapter`; it is the example
to follow for another framework.

>>> is_jax_tree({"w": [1.0]})
False
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from verifier.errors import VerifierError
from verifier.gradcheck.adapters import MAX_BATCH_BYTES

__all__ = ["JaxAdapter", "is_jax_tree"]


def is_jax_tree(tree: Any) -> bool:
    """True when ``tree`` holds a JAX array (never imports JAX itself).

    >>> is_jax_tree(np.zeros(2))
    False
    """
    if "jax" not in sys.modules:
        return False
    import jax

    return any(isinstance(leaf, jax.Array) for leaf in jax.tree_util.tree_leaves(tree))


def _import_jax() -> Any:
    try:
        import jax
    except ImportError:
        raise VerifierError(
            "checking a JAX function needs JAX", hint="pip install 'verifier[jax]'"
        ) from None
    jax.config.update("jax_enable_x64", True)
    return jax


def _name(path: tuple[Any, ...]) -> str:
    parts = []
    for entry in path:
        for attr in ("key", "idx", "name"):
            if hasattr(entry, attr):
                parts.append(str(getattr(entry, attr)))
                break
        else:
            parts.append(str(entry))
    return ".".join(parts) or "params"


def _padded(count: int, limit: int) -> int:
    """Batches are padded to a power of two of at least 256 (few shapes, few compilations),
    but not beyond ``limit`` copies (the memory bound).

    >>> _padded(1, 10**6), _padded(300, 10**6), _padded(300, 400), _padded(300, 10)
    (256, 512, 400, 300)
    """
    size = max(256, 1 << max(0, (count - 1).bit_length()))
    return max(count, min(size, limit))


class JaxAdapter:
    """:class:`~verifier.gradcheck.adapters.ModelAdapter` for a JAX loss over a pytree.

    >>> import pytest; jax = pytest.importorskip("jax")
    >>> a = JaxAdapter(lambda p: (p["w"] ** 2).sum())
    >>> base = a.flatten({"w": jax.numpy.array([1.0, 2.0])})
    >>> a.evaluate_batch(base, "w", np.array([[1.0, 2.0], [3.0, 0.0]])).tolist()
    [5.0, 9.0]
    """

    batched = True

    def __init__(self, loss: Callable[[Any], Any], *, kink_points: Callable | None = None):
        self.jax = _import_jax()
        self.loss = loss
        self.kink_points = kink_points
        self._names: list[str] | None = None
        self._treedef: Any = None
        self._shapes: list[tuple[int, ...]] = []
        self._compiled: dict[str, Any] = {}
        if kink_points is None:
            self.kinks_batch = None  # type: ignore[method-assign]

    def flatten(self, tree: Any) -> dict[str, np.ndarray]:
        """Named NumPy copies of the leaves (the first call fixes the structure)."""
        flat, treedef = self.jax.tree_util.tree_flatten_with_path(tree)
        names = [_name(path) for path, _ in flat]
        if self._treedef is None:
            if not flat:
                raise VerifierError("params hold no arrays", hint="a pytree of jax arrays")
            if len(set(names)) != len(names):
                raise VerifierError(f"parameter names are not unique: {names}")
            self._names, self._treedef = names, treedef
            self._shapes = [tuple(np.shape(leaf)) for _, leaf in flat]
        elif treedef != self._treedef:
            raise VerifierError(
                "the gradients do not have the parameters' structure",
                hint=f"expected {self._treedef}, got {treedef}",
            )
        return {n: np.array(leaf, copy=True) for n, (_, leaf) in zip(names, flat, strict=True)}

    def unflatten(self, arrays: Mapping[str, np.ndarray]) -> Any:
        """The pytree with JAX arrays from named arrays."""
        assert self._names is not None, "flatten the parameters first"
        jnp = self.jax.numpy
        leaves = [jnp.asarray(arrays[n]) for n in self._names]
        return self.jax.tree_util.tree_unflatten(self._treedef, leaves)

    def _function(self, which: str) -> Any:
        """``jit(vmap(f))`` over flat parameter vectors: one function for every tensor."""
        if which in self._compiled:
            return self._compiled[which]
        jax, jnp = self.jax, self.jax.numpy
        assert self._names is not None
        bounds = np.cumsum([0] + [int(np.prod(s)) for s in self._shapes])
        shapes, treedef = self._shapes, self._treedef

        def tree(flat):
            leaves = [
                flat[bounds[i] : bounds[i + 1]].reshape(shape) for i, shape in enumerate(shapes)
            ]
            return jax.tree_util.tree_unflatten(treedef, leaves)

        if which == "loss":

            def one(flat, base):
                return jnp.reshape(self.loss(tree(flat)), ())

        else:
            kink_points = self.kink_points

            def signs(flat):
                got = jax.tree_util.tree_leaves(kink_points(tree(flat)))
                return jnp.concatenate([jnp.sign(jnp.ravel(g)) for g in got])

            def one(flat, base):
                return jnp.any(signs(flat) != signs(base))

        fn = jax.jit(jax.vmap(one, in_axes=(0, None)))
        self._compiled[which] = fn
        return fn

    def copy_bytes(self, key: str) -> int:
        """Bytes of one perturbed copy: the whole flat parameter vector."""
        return 8 * int(sum(int(np.prod(s)) for s in self._shapes))

    def _run(self, which: str, base: Mapping[str, np.ndarray], key: str, values: np.ndarray):
        assert self._names is not None
        count = values.shape[0]
        flat = np.concatenate(
            [np.asarray(base[n], dtype=np.float64).reshape(-1) for n in self._names]
        )
        size = _padded(count, MAX_BATCH_BYTES // self.copy_bytes(key))
        copies = np.repeat(flat[None, :], size, axis=0)
        i = self._names.index(key)
        lo = int(sum(int(np.prod(s)) for s in self._shapes[:i]))
        block = values.reshape(count, -1)
        copies[:count, lo : lo + block.shape[1]] = block
        copies[count:, lo : lo + block.shape[1]] = block[-1]
        return np.asarray(self._function(which)(copies, flat))[:count]

    def evaluate_batch(
        self, base: Mapping[str, np.ndarray], key: str, values: np.ndarray
    ) -> np.ndarray:
        """``B`` losses in one vectorised, compiled call."""
        return np.asarray(self._run("loss", base, key, values), dtype=np.float64)

    def kinks_batch(
        self, base: Mapping[str, np.ndarray], key: str, values: np.ndarray
    ) -> np.ndarray:
        """``B`` booleans: a kink point changes sign between ``base`` and ``values[b]``."""
        return np.asarray(self._run("kinks", base, key, values), dtype=bool)
