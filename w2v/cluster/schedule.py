"""When workers synchronise and which rows they exchange.

pWord2Vec's scheme (Ji et al., arXiv 1604.04661): sync often, but send only the
rows of the most frequent words (they take most updates and drift fastest), and
all rows every ``full_every`` syncs. Spark MLlib's scheme, kept to compare:
each worker trains a whole epoch on its shards, then the models are averaged.

A sync combines what each worker changed since the last sync. ``"mean"`` (the
default) averages the changes, and every worker steps at N times the learning
rate (the linear scaling rule of large-batch SGD). That is what one process
would do with the same words, on both kinds of row. A rare word's row, which
one worker moved a little, moves by that worker's change: N times the step,
divided by N. A frequent word's row, which every worker moved most of the way
to where its contexts pull it, moves there once. Averaging at the plain learning
rate (pWord2Vec, Spark) moves every row by 1/N of what one process would, and
adding the changes overshoots on the frequent rows and diverges from 4 workers
on (both measured in benchmarks/RESULTS_cluster.md). ``"sum"`` adds the changes
at the plain rate, to compare.

Frequent words step slower (``saturation``). A word that occurs k times in a
worker's round is taken a fraction lambda = k / saturation of the way to where
its contexts pull it (all the way from ``saturation`` occurrences on). One process
training the N workers' rounds would take it 1 - (1 - lambda)^N of the way; a
worker stepping at s x alpha takes it s x lambda of the way. So its row steps at
s = (1 - (1 - lambda)^N) / lambda times alpha, between 1 and N: N for a rare word
(as above), less for a frequent one, whose N x alpha steps in a long round
overshoot. On text8 (benchmarks/RESULTS_cluster.md) this kept 8 workers' skip-gram
at one process's accuracy on rounds 4 times as long, and changed nothing at 2 and
4 workers. ``saturation`` 0 steps every row at N x alpha.

How often to sync: the replicas must not drift apart further than averaging
can mend. Each steps at up to N x alpha, so in a round of W words it moves as one
process does in N x W words, with N times the step noise. What kept text8's
accuracy was W about 2^20 / N^2 words a worker for CBOW (4 workers at 131,072
lost nothing; 8 workers lost 3.9 points at 65,536 and 1.5 at 16,384), and 2^21 / N
for skip-gram with the frequent words slowed (2 million words a round in all: 8
workers held at 262,144 and lost about a point at 524,288; without the slowing,
2^22 / N^2: 8 workers held at 65,536 and lost 1.2 points at 131,072).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from w2v.errors import ParameterError

COMBINE = ("mean", "sum")
AUTO_WORDS = 1 << 20  # with --sync-every auto, a CBOW worker trains AUTO_WORDS / N^2 words between syncs
AUTO_WORDS_SKIPGRAM = 1 << 21  # and a skip-gram worker this / N, with the frequent words slowed
AUTO_WORDS_SKIPGRAM_UNSLOWED = 1 << 22  # or this / N^2 without
MIN_ROUND_WORDS = 1 << 14  # but never fewer: a sync costs round trips
SATURATION = 500.0  # occurrences in a worker's round that take a row all the way (text8, 2 to 8 workers)


@dataclass(frozen=True)
class SyncSchedule:
    every_words: int | str | None = "auto"  # words each worker trains between two syncs; None: one epoch
    hot_rows: int = 4096  # rows of the most frequent words, sent at every sync
    full_every: int = 8  # every this many syncs, all rows are sent
    combine: str = "mean"
    scale_alpha: bool = True  # with "mean": workers step at N x the learning rate
    saturation: float = SATURATION  # with that: frequent words step slower (module notes); 0: all at N x

    @classmethod
    def per_epoch(cls) -> "SyncSchedule":
        """Spark MLlib's: one sync of all rows at the end of each epoch, models averaged."""
        return cls(every_words=None, hot_rows=0, full_every=1, combine="mean", scale_alpha=False)

    def validate(self) -> "SyncSchedule":
        every = self.every_words
        if not (every is None or every == "auto" or (isinstance(every, int) and every >= 1)):
            raise ParameterError(f"--sync-every must be a number of words (at least 1) or auto, got {every}")
        if self.hot_rows < 0:
            raise ParameterError(f"--sync-hot-rows must be at least 0, got {self.hot_rows}")
        if self.full_every < 1:
            raise ParameterError(f"--sync-full-every must be at least 1, got {self.full_every}")
        if not self.saturation >= 0:
            raise ParameterError(f"--sync-saturation must be at least 0, got {self.saturation}")
        if self.combine not in COMBINE:
            raise ParameterError(f"combine must be one of {', '.join(COMBINE)}, got {self.combine!r}")
        return self

    def round_words(self, n_workers: int, skipgram: bool = False) -> int | None:
        """Words each of ``n_workers`` trains between two syncs (None: to the end of the epoch)."""
        if self.every_words != "auto":
            return self.every_words
        n = max(n_workers, 1)
        if not skipgram:
            words = AUTO_WORDS // n ** 2
        elif self.slows_frequent_words(n):
            words = AUTO_WORDS_SKIPGRAM // n
        else:
            words = AUTO_WORDS_SKIPGRAM_UNSLOWED // n ** 2
        return max(MIN_ROUND_WORDS, words)

    def alpha_scale(self, n_workers: int) -> float:
        """What the workers multiply the learning rate by."""
        return float(n_workers) if self.combine == "mean" and self.scale_alpha else 1.0

    def slows_frequent_words(self, n_workers: int) -> bool:
        """Whether the workers step frequent words' rows slower than N x alpha (``row_scales``)."""
        return self.saturation > 0 and self.alpha_scale(n_workers) > 1

    def row_scales(self, counts: np.ndarray, n_workers: int, round_words: int) -> np.ndarray | None:
        """What each word's rows step at, times alpha, on a worker whose rounds are ``round_words``
        long (float32, one a word of ``counts``); None when every row steps at ``alpha_scale``."""
        if not self.slows_frequent_words(n_workers):
            return None
        n = self.alpha_scale(n_workers)
        counts = np.asarray(counts, dtype=np.float64)
        share = np.minimum(1.0, round_words * counts / max(counts.sum(), 1.0) / self.saturation)  # lambda
        # (1 - (1 - lambda)^N) / lambda, which is N where lambda is 0
        scales = np.where(share > 0, -np.expm1(n * np.log1p(-np.minimum(share, 1 - 1e-12))) / np.maximum(share, 1e-300), n)
        return np.clip(scales, 1.0, n).astype(np.float32)

    def is_full(self, sync_number: int) -> bool:
        """Sync ``sync_number`` (counted from 1) sends all rows."""
        return self.hot_rows == 0 or sync_number % self.full_every == 0

    def change_scale(self, senders: int) -> float:
        """What each of ``senders`` workers multiplies its change by before the changes are added."""
        return 1.0 / max(senders, 1) if self.combine == "mean" else 1.0


def rows_to_send(n_rows: int, hot_rows: int, full: bool, from_end: bool = False) -> slice:
    """The rows of one weight matrix a sync sends: all, or the ``hot_rows`` most frequent words' rows
    (the first rows: the vocabulary is sorted by count; for the Huffman tree's inner nodes, the last:
    the root and the nodes near it are on the paths of the frequent words)."""
    if full or hot_rows >= n_rows:
        return slice(0, n_rows)
    return slice(n_rows - hot_rows, n_rows) if from_end else slice(0, hot_rows)


def chunk_bounds(n_rows: int, chunks: int) -> np.ndarray:
    """Row boundaries of ``chunks`` near-equal contiguous chunks (``chunks + 1`` numbers)."""
    return (np.arange(chunks + 1, dtype=np.int64) * n_rows) // max(chunks, 1)
