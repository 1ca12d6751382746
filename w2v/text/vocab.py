"""The vocabulary: counted words, pruned and sorted, and the arrays derived from the counts.

Derived arrays follow word2vec.c's formulas: subsampling keep-probabilities, the
unigram^0.75 noise distribution (as a Walker alias table instead of word2vec.c's
10^8-entry table), and the Huffman codes for hierarchical softmax.
NumPy and stdlib only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from w2v.errors import CorpusError, ParameterError

SENTENCE_END = "</s>"  # word2vec.c's line-end token; never a vocabulary word here


@dataclass
class Vocab:
    words: list[str]
    counts: np.ndarray  # int64, sorted by decreasing count

    def __len__(self) -> int:
        return len(self.words)

    @property
    def total(self) -> int:
        """Number of corpus tokens that are vocabulary words (word2vec.c's train_words)."""
        return int(self.counts.sum())

    # -- building -----------------------------------------------------------------------------

    @classmethod
    def from_counts(cls, words, counts, min_count: int = 5, max_vocab: int | None = None):
        """Keep words seen at least ``min_count`` times, the ``max_vocab`` most frequent of them,
        sorted by decreasing count (ties keep first-seen order, so results are deterministic).

        Returns the vocabulary and, for each input position, its index in it (or -1).
        A word listed twice (a scanner may prune a word and meet it again) is merged.
        """
        counts = np.asarray(counts, dtype=np.int64)
        merged: dict[str, int] = {}
        first_index = np.full(len(words), -1, dtype=np.int64)
        for position, word in enumerate(words):
            slot = merged.setdefault(word, len(merged))
            first_index[position] = slot
        merged_counts = np.zeros(len(merged), dtype=np.int64)
        np.add.at(merged_counts, first_index, counts)
        merged_words = list(merged)

        kept = np.flatnonzero(merged_counts >= min_count)
        order = kept[np.argsort(-merged_counts[kept], kind="stable")]
        if max_vocab is not None:
            order = order[:max_vocab]
        final_of_merged = np.full(len(merged_words), -1, dtype=np.int32)
        final_of_merged[order] = np.arange(len(order), dtype=np.int32)
        vocab = cls([merged_words[i] for i in order], merged_counts[order].copy())
        return vocab, final_of_merged[first_index]

    def index_of(self, words) -> np.ndarray:
        """For each word in ``words``, its index in this vocabulary or -1."""
        lookup = {word: i for i, word in enumerate(self.words)}
        return np.array([lookup.get(word, -1) for word in words], dtype=np.int32)

    # -- word2vec.c's vocabulary file: one "word count" line per word -------------------------

    def save(self, path: str) -> None:
        """Write 'word count' lines atomically ("-" is stdout; a device or FIFO is written in place)."""
        from w2v.vectors.formats import write_lines

        write_lines(path, (f"{word} {count}" for word, count in zip(self.words, self.counts.tolist())),
                    "vocabulary")

    @classmethod
    def load(cls, path: str) -> "Vocab":
        try:
            with open(path, "rb") as handle:
                raw = handle.read()
        except FileNotFoundError:
            raise CorpusError(f"vocabulary file not found: {path!r}") from None
        except IsADirectoryError:
            raise CorpusError(f"vocabulary file is a directory: {path!r}") from None
        except OSError as error:
            raise CorpusError(f"cannot read vocabulary file {path!r}: {error.strerror}") from None
        words, counts = [], []
        for number, line in enumerate(raw.decode("utf-8", "replace").splitlines(), start=1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) != 2 or not fields[1].isdigit():
                raise CorpusError(f"{path!r} line {number}: expected 'word count', got {line[:60]!r}")
            if fields[0] == SENTENCE_END:
                continue
            words.append(fields[0])
            counts.append(int(fields[1]))
        if not words:
            raise CorpusError(f"vocabulary file is empty: {path!r}")
        counts = np.array(counts, dtype=np.int64)
        order = np.argsort(-counts, kind="stable")
        return cls([words[i] for i in order], counts[order])

    # -- arrays for the training kernels -------------------------------------------------------

    def keep_probabilities(self, sample: float) -> np.ndarray:
        """word2vec.c's subsampling: a word with count f is kept with probability
        (sqrt(f / (sample * total)) + 1) * (sample * total) / f, capped at 1."""
        if sample <= 0:
            return np.ones(len(self), dtype=np.float32)
        threshold = sample * self.total
        counts = self.counts.astype(np.float64)
        keep = (np.sqrt(counts / threshold) + 1.0) * threshold / counts
        return np.minimum(keep, 1.0).astype(np.float32)

    def noise_distribution(self, power: float = 0.75) -> np.ndarray:
        weights = self.counts.astype(np.float64) ** power
        return weights / weights.sum()

    def alias_table(self, power: float = 0.75) -> tuple[np.ndarray, np.ndarray]:
        """Walker's alias table for the unigram^power distribution.

        Drawing is O(1) with two V-sized arrays that fit in cache: bucket i is chosen
        uniformly, then it is i with probability prob[i], else alias[i].
        word2vec.c's 10^8-entry table costs 400 MB and a cache miss per draw instead.
        """
        return alias_table(self.noise_distribution(power))

    def huffman(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return huffman_codes(self.counts)


def alias_table(probabilities: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = len(probabilities)
    scaled = np.asarray(probabilities, dtype=np.float64) * n
    prob = np.ones(n, dtype=np.float64)
    alias = np.arange(n, dtype=np.int32)
    small = [i for i in range(n) if scaled[i] < 1.0]
    large = [i for i in range(n) if scaled[i] >= 1.0]
    while small and large:
        s, g = small.pop(), large.pop()
        prob[s] = scaled[s]
        alias[s] = g
        scaled[g] -= 1.0 - scaled[s]
        (small if scaled[g] < 1.0 else large).append(g)
    # Whatever is left is 1 up to rounding.
    return prob.astype(np.float32), alias


def huffman_codes(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """word2vec.c's CreateBinaryTree for counts sorted in decreasing order.

    Returns (codes, points, offsets): word w's code bits are codes[offsets[w]:offsets[w+1]]
    (root first) and points[...] the matching inner-node rows of the output matrix
    (0 .. V-2, the root being V-2).
    """
    n = len(counts)
    if n < 2:
        raise ParameterError("hierarchical softmax needs at least 2 vocabulary words")
    count = np.concatenate([np.asarray(counts, dtype=np.int64), np.full(n, 10**15, dtype=np.int64)]).tolist()
    parent = [0] * (2 * n)
    binary = [0] * (2 * n)
    pos1, pos2 = n - 1, n
    for a in range(n - 1):
        picked = []
        for _ in range(2):
            if pos1 >= 0 and count[pos1] < count[pos2]:
                picked.append(pos1)
                pos1 -= 1
            else:
                picked.append(pos2)
                pos2 += 1
        min1, min2 = picked
        count[n + a] = count[min1] + count[min2]
        parent[min1] = n + a
        parent[min2] = n + a
        binary[min2] = 1
    root = 2 * n - 2
    codes_per_word, points_per_word = [], []
    for word in range(n):
        code, point = [], []
        node = word
        while node != root:
            code.append(binary[node])
            node = parent[node]
            point.append(node - n)
        codes_per_word.append(code[::-1])
        points_per_word.append(point[::-1])
    lengths = np.array([len(c) for c in codes_per_word], dtype=np.int64)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    codes = np.fromiter((bit for c in codes_per_word for bit in c), dtype=np.uint8, count=int(offsets[-1]))
    points = np.fromiter((p for ps in points_per_word for p in ps), dtype=np.int32, count=int(offsets[-1]))
    return codes, points, offsets

