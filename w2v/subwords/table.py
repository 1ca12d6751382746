"""The n-gram rows of a trained subword model, and the vector they compose for any word.

A model keeps only the buckets some vocabulary word uses: ``buckets`` is the sorted array of
those bucket ids and ``vectors[r]`` the row of ``buckets[r]``. (fastText's files keep all
``bucket`` rows, two million by default, most of them untrained noise; a dense table, where
``buckets`` is None and row == bucket, reads those.) A word outside the vocabulary gets the
average of its known n-grams' rows, as fastText's ``getWordVector`` does; a word none of whose
n-grams is known has no vector.
"""

from __future__ import annotations

import numpy as np

from w2v.subwords.ngrams import SubwordSpec, ngram_buckets


class SubwordTable:
    """N-gram rows for composing word vectors. NumPy only; ``vectors`` may be a read-only memmap."""

    def __init__(self, spec: SubwordSpec, vectors: np.ndarray, buckets: np.ndarray | None = None):
        vectors = np.asarray(vectors)
        if vectors.ndim != 2:
            raise ValueError(f"n-gram vectors must be a 2-D array, got shape {vectors.shape}")
        if buckets is None:
            if vectors.shape[0] != spec.bucket:
                raise ValueError(f"a dense n-gram table needs {spec.bucket} rows, got {vectors.shape[0]}")
        else:
            buckets = np.asarray(buckets, dtype=np.int64)
            if buckets.shape != (vectors.shape[0],):
                raise ValueError(f"{buckets.shape[0]} bucket ids for {vectors.shape[0]} n-gram rows")
        self.spec = spec
        self.vectors = vectors
        self.buckets = buckets

    def __repr__(self):
        return (f"<SubwordTable: {self.vectors.shape[0]} n-gram rows, n-grams {self.spec.minn}-{self.spec.maxn}, "
                f"{self.spec.bucket} buckets>")

    @property
    def dim(self) -> int:
        return self.vectors.shape[1]

    def rows(self, word: str) -> np.ndarray:
        """The rows of ``word``'s n-grams that the table holds (duplicates kept), in fastText's order."""
        wanted = np.asarray(ngram_buckets(word, self.spec), dtype=np.int64)
        if self.buckets is None:
            return wanted
        at = np.searchsorted(self.buckets, wanted)
        at = np.minimum(at, max(self.buckets.shape[0] - 1, 0))
        known = (self.buckets.shape[0] > 0) & (self.buckets[at] == wanted) if wanted.size else wanted.astype(bool)
        return at[known]

    def coverage(self, word: str) -> tuple[int, int]:
        """(how many of ``word``'s n-grams the table holds, how many it has)."""
        return int(self.rows(word).shape[0]), len(ngram_buckets(word, self.spec))

    def compose(self, word: str) -> np.ndarray | None:
        """The average of ``word``'s known n-gram rows (float32), or None when none is known."""
        rows = self.rows(word)
        if rows.shape[0] == 0:
            return None
        return self.vectors[rows].mean(axis=0, dtype=np.float64).astype(np.float32)
