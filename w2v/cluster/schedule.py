"""When workers synchronise and which rows they exchange.

pWord2Vec's scheme (Ji et al., arXiv 1604.04661): sync often, but send only the
rows of the most frequent words (they take most updates and drift fastest), and
all rows every ``full_every`` syncs. Spark MLlib's scheme, kept to compare:
each worker trains a whole epoch on its shards, then the models are averaged.

A sync combines what each worker changed since the last sync. ``"sum"`` adds
the changes: the replicas then behave like Hogwild threads that see each other's
updates late, which is right for a rare word's row (one worker or two changed
it, a little) but overshoots a frequent word's row, which every worker moved a
long way in the same direction (measured: the loss of a small-vocabulary run
rises after a few epochs). ``"mean"`` averages them (model averaging, as
pWord2Vec and Spark do): stable, but a row that one worker changed moves by 1/N
of that change. ``"mixed"`` (the default) averages the hot rows' changes and adds
the others'.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from w2v.errors import ParameterError

COMBINE = ("mixed", "sum", "mean")


@dataclass(frozen=True)
class SyncSchedule:
    every_words: int | None = 1 << 18  # words each worker trains between two syncs; None: one epoch
    hot_rows: int = 4096  # rows of the most frequent words, sent at every sync
    full_every: int = 8  # every this many syncs, all rows are sent
    combine: str = "mixed"

    @classmethod
    def per_epoch(cls) -> "SyncSchedule":
        """Spark MLlib's: one sync of all rows at the end of each epoch, models averaged."""
        return cls(every_words=None, hot_rows=0, full_every=1, combine="mean")

    def validate(self) -> "SyncSchedule":
        if self.every_words is not None and self.every_words < 1:
            raise ParameterError(f"--sync-every must be at least 1 word, got {self.every_words}")
        if self.hot_rows < 0:
            raise ParameterError(f"--sync-hot-rows must be at least 0, got {self.hot_rows}")
        if self.full_every < 1:
            raise ParameterError(f"--sync-full-every must be at least 1, got {self.full_every}")
        if self.combine not in COMBINE:
            raise ParameterError(f"combine must be one of {', '.join(COMBINE)}, got {self.combine!r}")
        return self

    def is_full(self, sync_number: int) -> bool:
        """Sync ``sync_number`` (counted from 1) sends all rows."""
        return self.hot_rows == 0 or sync_number % self.full_every == 0

    def scales(self, senders: int) -> tuple[float, float]:
        """What each of ``senders`` workers multiplies its change by: (hot rows, other rows)."""
        share = 1.0 / max(senders, 1)
        return {"sum": (1.0, 1.0), "mean": (share, share), "mixed": (share, 1.0)}[self.combine]


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
