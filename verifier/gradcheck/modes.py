"""The numeric side of each mode, every difference formed by :mod:`verifier.numeric.estimate`.

* ``full``: every element.  A loss that offers ``loss.shifted(key, d)`` (the network's
  :class:`~verifier.network.NetworkLoss`) evaluates all displaced copies from its
  structure; any other callable is displaced element by element in place.  Either way the
  stencil is applied by :func:`~verifier.numeric.estimate.finite_difference`, with the steps
  made representable (``h = (x + h) - x``).
* ``nditer``: :func:`~verifier.numeric.estimate.nditer_gradient`, the seed's loop, kept as
  the reference the others are tested against.
* ``sample=K``: ``K`` seeded entries, displaced in place.
* ``fast``: directional derivatives along seeded unit directions (``loss.along`` when
  offered, else moving the whole array in place).

These are the building blocks of :func:`verifier.gradcheck.gradcheck`, which validates
its input, restores the arrays and judges the results.

>>> w = np.array([1.0, 2.0])
>>> loss = lambda: float(np.sum(w**3))
>>> est, how = full_numeric(loss, "w", w, CENTRAL, 1e-5, False)
>>> how, bool(np.allclose(est, 3 * w**2, rtol=1e-9))
('full (loop)', True)
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from verifier.errors import VerifierError
from verifier.numeric.estimate import finite_difference, nditer_gradient
from verifier.numeric.stencils import STENCILS, Stencil

__all__ = ["directional", "elements_in_place", "full_numeric", "kink_mask", "nditer_numeric"]

_MAX_DIRECTION_DRAWS = 10
#: the stencil of every check (the seed's, and the ``nditer`` reference's)
CENTRAL: Stencil = STENCILS["central"]


def progress_bar(total: int, desc: str, progress: bool | None):
    """A tqdm bar on a terminal (or when asked), else None.

    >>> progress_bar(10, "W0", False) is None
    True
    """
    show = sys.stderr.isatty() if progress is None else bool(progress)
    if not show or total <= 0:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="param", leave=False, file=sys.stderr)


def structured(loss: Any, key: str, p: np.ndarray, name: str) -> Callable | None:
    """``loss.<name>`` when the loss reads this very array (else the generic path).

    >>> structured(lambda: 0.0, "w", np.zeros(2), "shifted") is None
    True
    """
    method = getattr(loss, name, None)
    if method is None:
        return None
    own = getattr(loss, "params", None)
    if isinstance(own, Mapping) and own.get(key) is not p:
        return None  # the loss's own array under this key is not the one being checked
    return method


def _reach(stencil: Stencil, h: float) -> float:
    """The largest displacement the stencil makes at step ``h``."""
    return float(h) * max(abs(o) for o in stencil.offsets)


def elements_in_place(
    loss: Callable[[], Any],
    p: np.ndarray,
    flat: np.ndarray,
    stencil: Stencil,
    h: float,
    progress: bool | None = None,
    desc: str = "",
) -> np.ndarray:
    """The stencil at the given flat indices, each element displaced in place and restored.

    >>> w = np.array([1.0, 2.0, 3.0])
    >>> est = elements_in_place(lambda: float(np.sum(w**2)), w, np.array([2]), CENTRAL, 1e-4)
    >>> bool(abs(est[0] - 6.0) < 1e-9), w.tolist()
    (True, [1.0, 2.0, 3.0])
    """
    bar = progress_bar(flat.size, desc, progress)
    # index tuples (any memory layout works); a 0-d array has the one index ()
    where = np.unravel_index(flat, p.shape) if p.ndim else ()
    indices = list(zip(*where, strict=True)) if p.ndim else [()] * flat.size

    def shifted(d: np.ndarray) -> np.ndarray:  # d: (len(flat), offsets)
        out = np.empty(d.shape)
        for k, index in enumerate(indices):
            tmp = p[index]
            try:
                for j in range(d.shape[1]):
                    p[index] = tmp + d[k, j]
                    out[k, j] = loss()
            finally:
                p[index] = tmp
            if bar is not None:
                bar.update(1)
        return out

    try:
        x = p[where] if p.ndim else p.reshape(1)[flat]
        return np.asarray(finite_difference(shifted, stencil, np.full(x.shape, h), x=x))
    finally:
        if bar is not None:
            bar.close()


def sampled_numeric(
    loss: Any, key: str, p: np.ndarray, flat: np.ndarray, stencil: Stencil, h: float, progress
) -> np.ndarray:
    """The stencil at the flat indices: ``loss.shifted_at`` when offered (a batched
    adapter), else each element displaced in place.

    >>> w = np.array([1.0, 2.0])
    >>> est = sampled_numeric(lambda: float(np.sum(w**2)), "w", w, np.array([1]), CENTRAL,
    ...                       1e-4, False)
    >>> bool(abs(est[0] - 4.0) < 1e-9)
    True
    """
    shifted_at = structured(loss, key, p, "shifted_at")
    if shifted_at is None:
        return elements_in_place(loss, p, flat, stencil, h, progress, key)
    x = p.reshape(-1)[flat]
    est = finite_difference(lambda d: shifted_at(key, flat, d), stencil, np.full(x.shape, h), x=x)
    return np.asarray(est, dtype=np.float64)


def full_numeric(
    loss: Any, key: str, p: np.ndarray, stencil: Stencil, h: float, progress: bool | None
) -> tuple[np.ndarray, str]:
    """Every element's estimate: structured when offered, else element by element in place."""
    shifted = structured(loss, key, p, "shifted")
    if shifted is not None:

        def values(d: np.ndarray) -> np.ndarray:
            out = np.asarray(shifted(key, d), dtype=np.float64)
            if out.shape != d.shape:
                raise VerifierError(
                    f"loss.shifted({key!r}) returned shape {out.shape}; expected {d.shape}"
                )
            return out

        est = finite_difference(values, stencil, np.full(p.shape, float(h)), x=p)
        return np.asarray(est, dtype=np.float64).reshape(p.shape), "full"
    flat = np.arange(p.size)
    return elements_in_place(loss, p, flat, stencil, h, progress, key).reshape(p.shape), (
        "full (loop)"
    )


def nditer_numeric(loss: Callable[[], Any], key: str, p: np.ndarray, h: float, progress):
    """The seed's loop (central differences at the nominal ``h``), with a progress bar.

    >>> w = np.array([1.0, 3.0])
    >>> np.round(nditer_numeric(lambda: float(np.sum(w**2)), "w", w, 1e-5, False), 6).tolist()
    [2.0, 6.0]
    """
    bar = progress_bar(p.size, key, progress)
    if bar is None:
        return nditer_gradient(loss, p, h)
    calls = [0]

    def counted() -> Any:
        value = loss()
        calls[0] += 1
        if calls[0] % 2 == 0:  # two loss calls per element
            bar.update(1)
        return value

    try:
        return nditer_gradient(counted, p, h)
    finally:
        bar.close()


def kink_mask(loss: Any, key: str, p: np.ndarray, stencil: Stencil, h: float) -> np.ndarray:
    """Elements whose displacement flips a ReLU (``loss.kinks`` when offered, else none).

    >>> kink_mask(lambda: 0.0, "w", np.zeros(3), CENTRAL, 1e-4).tolist()
    [False, False, False]
    """
    kinks = structured(loss, key, p, "kinks")
    if kinks is None:
        return np.zeros(p.shape, dtype=bool)
    mask = np.asarray(kinks(key, _reach(stencil, h)), dtype=bool)
    if mask.shape != p.shape:
        raise VerifierError(f"loss.kinks({key!r}) returned shape {mask.shape}; expected {p.shape}")
    return mask


def third_derivative_bound(
    loss: Any, key: str, p: np.ndarray, kink: np.ndarray, given: float | None
) -> float | None:
    """``max |d^3 L / ds^3|`` over the elements that are not kinks, or None when unknown.

    >>> third_derivative_bound(lambda: 0.0, "w", np.zeros(2), np.zeros(2, bool), None) is None
    True
    """
    if given is not None:
        return float(given)
    bound = structured(loss, key, p, "third_derivative_bound")
    if bound is None:
        return None
    values = np.broadcast_to(np.asarray(bound(key), dtype=np.float64), p.shape)[~kink]
    return float(np.max(values)) if values.size else 0.0


def unit_directions(rng: np.random.Generator, k: int, shape: tuple[int, ...]) -> np.ndarray:
    """``k`` seeded random directions of the given shape, each of unit norm.

    >>> v = unit_directions(np.random.default_rng(0), 2, (3, 4))
    >>> v.shape, np.round(np.sum(v.reshape(2, -1) ** 2, axis=1), 12).tolist()
    ((2, 3, 4), [1.0, 1.0])
    """
    v = rng.standard_normal((k, *shape))
    norms = np.sqrt(np.sum(v.reshape(k, -1) ** 2, axis=1))
    return v / np.where(norms > 0, norms, 1.0).reshape((k,) + (1,) * len(shape))


def directional(
    loss: Any,
    key: str,
    p: np.ndarray,
    g: np.ndarray,
    stencil: Stencil,
    h: float,
    rng: np.random.Generator,
    count: int,
    given_bound: float | None,
) -> tuple[np.ndarray, np.ndarray, int, float | None]:
    """Numeric and analytic derivatives along ``count`` seeded unit directions.

    Returns ``(numeric, analytic, kinked_draws, third_derivative_bound)``.  With
    ``loss.along``, a direction whose move flips a ReLU is redrawn; otherwise the array is
    moved in place, and the analytic side ``g . v`` is taken along the steps actually made
    (rounded), so only the gradient is judged.

    >>> w = np.array([1.0, 2.0])
    >>> num, ana, _, _ = directional(lambda: float(np.sum(w**2)), "w", w, 2 * w,
    ...                              CENTRAL, 1e-5, np.random.default_rng(0), 2, None)
    >>> bool(np.allclose(num, ana, rtol=1e-8))
    True
    """
    along = structured(loss, key, p, "along")
    hh = np.full(count, float(h))
    n_kinks = 0
    if along is not None:
        dirs = unit_directions(rng, count, p.shape)
        steps = hh[:, None] * np.asarray(stencil.offsets, dtype=np.float64)
        values, kink, third = (np.array(a) for a in along(key, dirs, steps))
        for _ in range(_MAX_DIRECTION_DRAWS):
            if not np.any(kink):
                break
            # a direction that crosses a ReLU kink says nothing: draw another in its place
            redo = np.flatnonzero(kink)
            n_kinks += redo.size
            dirs[redo] = unit_directions(rng, redo.size, p.shape)
            values[redo], kink[redo], third[redo] = along(key, dirs[redo], steps[redo])

        def shifted(d: np.ndarray) -> np.ndarray:
            assert d.shape == steps.shape  # the same steps: the losses are already known
            return values

        numeric = finite_difference(shifted, stencil, hh)
        analytic = np.array([float(np.sum(g * v)) for v in dirs])
        bound = given_bound if given_bound is not None else float(np.max(third))
        return np.asarray(numeric, dtype=np.float64), analytic, n_kinks, bound
    original = p.copy()
    dirs = unit_directions(rng, count, p.shape)
    moved = np.empty((count, len(stencil.offsets)))  # g . (step actually made)

    def shifted(d: np.ndarray) -> np.ndarray:
        out = np.empty(d.shape)
        try:
            for i in range(d.shape[0]):
                for j in range(d.shape[1]):
                    np.add(original, d[i, j] * dirs[i], out=p)
                    out[i, j] = loss()
                    moved[i, j] = float(np.sum(g * (p - original)))
        finally:
            np.copyto(p, original)
        return out

    numeric = finite_difference(shifted, stencil, hh)
    analytic = finite_difference(lambda d: moved, stencil, hh)  # linear: exactly g . v
    return (
        np.asarray(numeric, dtype=np.float64),
        np.asarray(analytic, dtype=np.float64),
        0,
        given_bound,
    )


def sample_indices(rng: np.random.Generator, size: int, k: int) -> np.ndarray:
    """``min(k, size)`` distinct seeded flat indices, sorted.

    >>> sample_indices(np.random.default_rng(0), 3, 5).tolist()
    [0, 1, 2]
    """
    return np.sort(rng.choice(size, size=min(k, size), replace=False))


def all_indices(shape: tuple[int, ...]) -> np.ndarray:
    """``(prod(shape), ndim)`` index rows in C order.

    >>> all_indices((2, 2)).tolist()
    [[0, 0], [0, 1], [1, 0], [1, 1]]
    """
    if not shape:
        return np.zeros((1, 0), dtype=np.intp)
    return np.stack(np.unravel_index(np.arange(math.prod(shape)), shape), axis=1)
