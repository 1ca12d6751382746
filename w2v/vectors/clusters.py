"""Word clusters: k-means on unit vectors, and word2vec.c's ``-classes`` procedure.

NumPy only. Distances are computed a block of rows at a time as one matrix product
against all centroids, so 100k words x 300 dimensions with k = 1000 never holds more
than ``BLOCK`` x k scores.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from w2v.errors import ParameterError

BLOCK = 8192
METHODS = ("kmeans++", "word2vec")
WORD2VEC_ITERATIONS = 10  # word2vec.c's fixed number of k-means passes


def seed_sample(k: int) -> int:
    """How many points k-means++ seeding looks at (a uniform sample when there are more)."""
    return max(10_000, 20 * k)


@dataclass
class Clustering:
    labels: np.ndarray  # (V,) int64, the class of each row
    centroids: np.ndarray  # (k, d) float32
    inertia: float  # sum of squared distances of the rows to their centroids
    iterations: int  # assignment passes made
    converged: bool  # whether the last pass changed no label


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """The rows scaled to length 1 (zero rows stay zero), float32."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.sqrt(np.einsum("ij,ij->i", vectors, vectors, dtype=np.float64)).astype(np.float32)
    return vectors / np.where(norms > 0, norms, np.float32(1))[:, None]


def kmeans(points: np.ndarray, k: int, *, seed: int = 1, max_iterations: int = 20) -> Clustering:
    """Lloyd's k-means with k-means++ seeding, deterministic for a given seed.

    Seeding looks at a uniform sample of ``seed_sample(k)`` points when there are more.
    Stops when no label changes or after ``max_iterations`` assignment passes. A cluster
    left empty is given the point farthest from its centroid.
    """
    points = np.ascontiguousarray(points, dtype=np.float32)
    n = _check(points, k, max_iterations)
    rng = np.random.default_rng(seed)
    sq_norms = np.einsum("ij,ij->i", points, points, dtype=np.float64)
    # Seeding is k sequential passes: on a large input, seed from a uniform sample.
    sample = np.sort(rng.choice(n, seed_sample(k), replace=False)) if n > seed_sample(k) else slice(None)
    centroids = _kmeanspp(points[sample], sq_norms[sample], k, rng)
    labels = np.full(n, -1, dtype=np.int64)
    converged = False
    iterations = 0
    while iterations < max_iterations:
        new_labels, distances = _assign(points, sq_norms, centroids)
        iterations += 1
        if np.array_equal(new_labels, labels):
            converged = True
            break
        labels = new_labels
        centroids = _means(points, labels, k, distances)
    else:
        labels, distances = _assign(points, sq_norms, centroids)
    return Clustering(labels, centroids, float(distances.sum()), iterations, converged)


def word2vec_classes(vectors: np.ndarray, k: int, iterations: int = WORD2VEC_ITERATIONS) -> Clustering:
    """word2vec.c's ``-classes K``: row i starts in class i mod k; each pass takes the classes'
    mean vectors, normalises them, and moves every row to the class of highest dot product
    (with the raw, unnormalised rows, as the C tool does). No randomness.
    """
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n = _check(vectors, k, iterations, at_most_n=False)  # more classes than words: some stay empty
    labels = np.arange(n, dtype=np.int64) % k
    centroids = np.zeros((k, vectors.shape[1]), dtype=np.float32)
    for _ in range(iterations):
        sums = _sums(vectors, labels, k)
        norms = np.linalg.norm(sums, axis=1)
        centroids = (sums / np.where(norms > 0, norms, 1)[:, None]).astype(np.float32)
        empty = norms == 0  # the C tool's NaN centroid: never the closest
        new_labels = np.empty(n, dtype=np.int64)
        for start in range(0, n, BLOCK):
            scores = vectors[start:start + BLOCK] @ centroids.T
            scores[:, empty] = -np.inf
            new_labels[start:start + BLOCK] = np.argmax(scores, axis=1)
        changed = not np.array_equal(new_labels, labels)
        labels = new_labels
    units = unit_rows(vectors)
    inertia = float(np.square(units - unit_rows(centroids)[labels]).sum())
    return Clustering(labels, centroids, inertia, iterations, not changed)


def _check(points, k, iterations, at_most_n=True) -> int:
    if points.ndim != 2 or points.shape[0] < 1:
        raise ValueError(f"points must be a non-empty 2-D array, got shape {points.shape}")
    if k < 1 or (at_most_n and k > points.shape[0]):
        raise ParameterError(f"the number of classes must be between 1 and the number of words"
                             f" ({points.shape[0]}), got {k}")
    if iterations < 1:
        raise ParameterError(f"iterations must be at least 1, got {iterations}")
    return points.shape[0]


def _kmeanspp(points, sq_norms, k, rng) -> np.ndarray:
    """k-means++ seeding (Arthur & Vassilvitskii 2007): each new centre drawn with
    probability proportional to the squared distance to the nearest centre so far."""
    n = points.shape[0]
    sq_norms = sq_norms.astype(np.float32)
    chosen = [int(rng.integers(n))]
    closest = np.empty(n, dtype=np.float32)
    _sq_distances(points, sq_norms, points[chosen[0]], closest)
    scratch = np.empty(n, dtype=np.float32)
    cumulative = np.empty(n, dtype=np.float64)
    for _ in range(1, k):
        np.cumsum(closest, dtype=np.float64, out=cumulative)
        if cumulative[-1] > 0:
            i = int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right"))
            i = min(i, n - 1)
        else:  # fewer distinct points than k: any point not yet chosen
            i = int(np.setdiff1d(np.arange(n), chosen)[0])
        chosen.append(i)
        np.minimum(closest, _sq_distances(points, sq_norms, points[i], scratch), out=closest)
    return points[chosen].copy()


def _sq_distances(points, sq_norms, centre, out) -> np.ndarray:
    np.matmul(points, centre, out=out)
    out *= np.float32(-2)
    out += sq_norms
    out += np.float32(np.dot(centre, centre))
    return np.maximum(out, np.float32(0), out=out)


def _assign(points, sq_norms, centroids):
    """Nearest centroid of every row (lowest index on ties) and the squared distance to it."""
    n = points.shape[0]
    c_norms = np.einsum("ij,ij->i", centroids, centroids, dtype=np.float64).astype(np.float32)
    labels = np.empty(n, dtype=np.int64)
    distances = np.empty(n, dtype=np.float64)
    for start in range(0, n, BLOCK):
        block = points[start:start + BLOCK] @ centroids.T  # (b, k)
        block *= np.float32(-2)
        block += c_norms
        best = np.argmin(block, axis=1)
        labels[start:start + BLOCK] = best
        distances[start:start + BLOCK] = block[np.arange(len(best)), best]
    distances += sq_norms
    np.maximum(distances, 0.0, out=distances)
    return labels, distances


def _sums(points, labels, k) -> np.ndarray:
    sums = np.empty((k, points.shape[1]), dtype=np.float64)
    for j in range(points.shape[1]):
        sums[:, j] = np.bincount(labels, weights=points[:, j], minlength=k)
    return sums


def _means(points, labels, k, distances) -> np.ndarray:
    sizes = np.bincount(labels, minlength=k)
    centroids = (_sums(points, labels, k) / np.maximum(sizes, 1)[:, None]).astype(np.float32)
    empty = np.flatnonzero(sizes == 0)
    if len(empty):
        # Give each empty cluster one of the points farthest from their centroids.
        farthest = np.argsort(-distances, kind="stable")[:len(empty)]
        centroids[empty] = points[farthest]
    return centroids
