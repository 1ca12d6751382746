"""The training examples of a sentence: skip-gram's (centre, context) pairs and CBOW's (context, centre).

What ``w2v pairs`` prints, computed the way training picks them (w2v.training.kernels), in plain
Python and NumPy: tokens as training reads them, words outside a model's vocabulary
dropped, word2vec.c's subsampling formula, sentences cut every MAX_SENTENCE_LENGTH kept
words, and the random window shrink (a position looks ``window - r`` words each side, r
drawn uniformly in [0, window)). Random draws come from word2vec.c's 64-bit LCG with the
kernels' use of its bits, seeded as training seeds its first thread. A training run also
draws noise words from the same stream, so its draws are not these ones: the rules are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import numpy as np

from w2v.training.params import MAX_SENTENCE_LENGTH

MASK64 = (1 << 64) - 1
# word2vec.c's ReadWord separators (w2v.text.corpus); '\r' is deleted, '\n' ends a sentence.
_SEPARATORS = re.compile(rb"[ \t\n\v\f\0]+")


def tokenize(line: bytes) -> list[str]:
    """One line's tokens as training reads them (invalid UTF-8 becomes U+FFFD)."""
    line = line.replace(b"\r", b"")
    return [token.decode("utf-8", "replace") for token in _SEPARATORS.split(line) if token]


class TrainingRandom:
    """The kernels' random stream: word2vec.c's LCG; uniform draws use its high 32 bits."""

    def __init__(self, seed: int):
        # As w2v.training.trainer seeds thread 0 of a run with this seed.
        self.state = int(np.random.default_rng(seed).integers(0, 2**63, size=1, dtype=np.uint64)[0])

    def next(self) -> int:
        self.state = (self.state * 25214903917 + 11) & MASK64
        return self.state

    def below(self, n: int) -> int:
        """An integer in [0, n)."""
        return ((self.next() >> 32) * n) >> 32

    def keeps(self, threshold: int) -> bool:
        """Subsampling: keep a word whose 16-bit keep threshold is ``threshold``."""
        return ((self.next() >> 16) & 0xFFFF) < threshold


def keep_thresholds(counts: np.ndarray, sample: float) -> np.ndarray:
    """Training's 16-bit subsampling thresholds (65536 = always kept, no draw)."""
    from w2v.text.vocab import Vocab

    keep = Vocab([""] * len(counts), np.asarray(counts, dtype=np.int64)).keep_probabilities(sample)
    return np.minimum(np.floor(keep.astype(np.float64) * 65536.0 + 0.5), 65536).astype(np.int64)


class Examples:
    """Turns sentences into training examples.

    ``words`` and ``counts``: a model's vocabulary (None: every token is a word); words outside
    it are dropped, as training drops them, and ``sample`` > 0 subsamples with its counts.
    ``shrink`` draws each position's window as training does.
    """

    def __init__(self, window: int = 5, cbow: bool = False, shrink: bool = False, sample: float = 0.0,
                 words=None, counts=None, seed: int = 1):
        self.window, self.cbow, self.shrink = window, cbow, shrink
        self.random = TrainingRandom(seed)
        self.index = None if words is None else {word: i for i, word in enumerate(words)}
        self.thresholds = keep_thresholds(counts, sample).tolist() if sample > 0 else None

    def sentences(self, tokens: list[str]) -> Iterator[list[str]]:
        """The sentences training makes of one line: known words, subsampled, cut every 1000."""
        kept: list[str] = []
        for word in tokens:
            i = self.index.get(word, -1) if self.index is not None else 0
            if i < 0:
                continue
            if self.thresholds is not None:
                threshold = self.thresholds[i]
                if threshold < 65536 and not self.random.keeps(threshold):
                    continue
            kept.append(word)
            if len(kept) == MAX_SENTENCE_LENGTH:
                yield kept
                kept = []
        if kept:
            yield kept

    def of(self, sentence: list[str]) -> Iterator[tuple]:
        """(centre, context) pairs, or with ``cbow`` (context words, centre)."""
        n = len(sentence)
        for position, centre in enumerate(sentence):
            reach = self.window - self.random.below(self.window) if self.shrink else self.window
            span = [sentence[j] for j in range(max(position - reach, 0), min(position + reach + 1, n))
                    if j != position]
            if self.cbow:
                if span:
                    yield span, centre
            else:
                for context in span:
                    yield centre, context

    def of_lines(self, lines: Iterable[bytes]) -> Iterator[tuple[int, tuple]]:
        """(line number, example) for every example of every line."""
        for number, line in enumerate(lines, 1):
            for sentence in self.sentences(tokenize(line)):
                for example in self.of(sentence):
                    yield number, example
