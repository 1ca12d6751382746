"""The vocabulary of a cluster run: each shard counted by the streaming scanner, the counts merged.

Shards are merged in corpus order, so the merged words come in first-seen order
and the counts are the single-process scan's exactly (without pruning). With
``prune_at``, the merge applies word2vec.c's ReduceVocab rule whenever it holds
more words than that: drop the words counted ``min_reduce`` times or fewer,
then raise ``min_reduce`` (which starts at 1), as the scanner does within a shard.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass

import numpy as np

from w2v.cluster.sharding import Shard, ShardReader
from w2v.text.corpus import scan_corpus


@dataclass
class ShardCount:
    words: list
    counts: np.ndarray
    n_tokens: int
    n_bytes: int


def count_shard(shard: Shard, prune_at: int | None = None, workdir: str | None = None) -> ShardCount:
    """Count the words of one shard (the ids the scanner writes are deleted at once)."""
    with ShardReader(shard) as reader:
        scanned = scan_corpus(reader, workdir=workdir or tempfile.gettempdir(), max_vocab_size=prune_at)
    with scanned:
        return ShardCount(scanned.words, scanned.counts, scanned.n_tokens, scanned.n_bytes)


class CountMerger:
    """Adds shard counts one by one, in corpus order."""

    def __init__(self, prune_at: int | None = None):
        self.prune_at = prune_at
        self.counts: dict[str, int] = {}
        self.min_reduce = 0
        self.n_tokens = 0
        self.n_bytes = 0

    def add(self, part: ShardCount) -> None:
        counts = self.counts
        for word, count in zip(part.words, part.counts.tolist()):
            counts[word] = counts.get(word, 0) + count
        self.n_tokens += part.n_tokens
        self.n_bytes += part.n_bytes
        while self.prune_at is not None and len(counts) > self.prune_at:
            self.min_reduce += 1
            limit = self.min_reduce
            self.counts = counts = {word: n for word, n in counts.items() if n > limit}

    def result(self) -> tuple[list, np.ndarray]:
        return list(self.counts), np.fromiter(self.counts.values(), dtype=np.int64, count=len(self.counts))
