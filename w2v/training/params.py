"""Training hyper-parameters: word2vec.c's defaults, and their validation, in one place."""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass, field, replace

from w2v.errors import ParameterError

# word2vec.c's fixed constants.
MAX_SENTENCE_LENGTH = 1000
MAX_EXP = 6.0
EXP_TABLE_SIZE = 1000

KERNELS = ("batched", "classic")

# Subword skip-gram's default starting rate, by the vocabulary's script (as the n-gram lengths are).
# Of 0.025 (word2vec.c's) to 0.05 (fastText's), 0.035 scored best on Korean NSMC, by a small margin.
# On English (text8) a higher rate moves accuracy from the syntactic analogies to the semantic ones:
# at 0.0425 the semantic sections are level with fastText's (4 seeds: 26.67 against 26.78 %) and the
# syntactic ones stay ahead (51.62 against 50.52 %; benchmarks/RESULTS_subwords.md).
SYLLABIC_SUBWORD_ALPHA = 0.035
ALPHABETIC_SUBWORD_ALPHA = 0.0425

# Subword skip-gram's default word share, by script: the share of each input update that a word's
# own row takes (0: fastText's even split over its own and its n-grams' rows, 1/n each). On English
# (text8) that split leaves a word's vector mostly to its ~18 n-grams, and the semantic analogies
# suffer. A share of 0.1 lifted them in all 7 paired comparisons (+0.7 to +2.7 points) at a median
# cost of 0.45 syntactic points, and put w2v ahead of fastText on both (5 paired seeds, medians
# 27.73 / 50.24 % against 27.53 / 49.85 %); 0.15 and 0.2 cost more syntactic points. On Korean
# NSMC 0.1 changed nothing beyond the noise (benchmarks/RESULTS_subwords.md, fifth run).
SYLLABIC_WORD_SHARE = 0.0
ALPHABETIC_WORD_SHARE = 0.1


def default_threads() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


@dataclass
class TrainParams:
    """Every training hyper-parameter, with word2vec.c's defaults.

    ``alpha`` left as ``None`` means word2vec.c's default for the architecture:
    0.05 for CBOW, 0.025 for skip-gram (a subword model's skip-gram: see ``for_subwords``).
    """

    dim: int = 100
    window: int = 5
    negative: int = 5
    hs: bool = False
    sample: float = 1e-3
    min_count: int = 5
    max_vocab: int | None = None
    alpha: float | None = None
    min_alpha_ratio: float = 1e-4  # word2vec.c floors alpha at starting_alpha * 0.0001
    epochs: int = 5
    cbow: bool = True
    threads: int = field(default_factory=default_threads)
    seed: int = 1
    kernel: str = "batched"
    ns_exponent: float = 0.75  # noise distribution: unigram counts to this power (gensim's ns_exponent)
    tied: bool = False  # one matrix for the input and the output role (negative sampling only)
    word_share: float | None = None  # subword models: a word's own row's share of each update (see for_subwords)

    @property
    def starting_alpha(self) -> float:
        if self.alpha is not None:
            return self.alpha
        return 0.05 if self.cbow else 0.025

    @property
    def subword_rate_by_script(self) -> bool:
        """Whether a subword model's starting rate depends on its script (see ``for_subwords``)."""
        return self.alpha is None and not self.cbow

    @property
    def word_share_by_script(self) -> bool:
        """Whether a subword model's word share depends on its script (see ``for_subwords``)."""
        return self.word_share is None and not self.cbow

    @property
    def own_row_share(self) -> float:
        """The word share the kernels use: 0 (fastText's even split) unless one was given or chosen."""
        return self.word_share or 0.0

    def for_subwords(self, alphabetic: bool) -> "TrainParams":
        """These parameters for a subword model of a vocabulary in an alphabetic script or not:
        skip-gram's default rate is ALPHABETIC_SUBWORD_ALPHA or SYLLABIC_SUBWORD_ALPHA, and its
        default word share ALPHABETIC_WORD_SHARE or SYLLABIC_WORD_SHARE."""
        chosen = {}
        if self.subword_rate_by_script:
            chosen["alpha"] = ALPHABETIC_SUBWORD_ALPHA if alphabetic else SYLLABIC_SUBWORD_ALPHA
        if self.word_share_by_script:
            chosen["word_share"] = ALPHABETIC_WORD_SHARE if alphabetic else SYLLABIC_WORD_SHARE
        return replace(self, **chosen)

    @property
    def architecture(self) -> str:
        return "cbow" if self.cbow else "skipgram"

    def validate(self) -> "TrainParams":
        def check(ok: bool, message: str) -> None:
            if not ok:
                raise ParameterError(message)

        check(1 <= self.dim <= 10_000, f"--dim must be between 1 and 10000, got {self.dim}")
        check(1 <= self.window <= 1_000, f"--window must be between 1 and 1000, got {self.window}")
        check(0 <= self.negative <= 1_000, f"--negative must be between 0 and 1000, got {self.negative}")
        check(self.negative > 0 or self.hs, "nothing to train: use --negative N (N > 0) or --hs")
        check(math.isfinite(self.sample) and self.sample >= 0,
              f"--sample must be a finite number >= 0, got {self.sample}")
        check(self.min_count >= 1, f"--min-count must be at least 1, got {self.min_count}")
        check(self.max_vocab is None or self.max_vocab >= 1,
              f"--max-vocab must be at least 1, got {self.max_vocab}")
        alpha = self.starting_alpha
        check(math.isfinite(alpha) and 0 < alpha <= 10, f"--alpha must be a number in (0, 10], got {alpha}")
        check(1 <= self.epochs <= 10_000, f"--epochs must be between 1 and 10000, got {self.epochs}")
        check(1 <= self.threads <= 1024, f"--threads must be between 1 and 1024, got {self.threads}")
        check(0 <= self.seed < 2**63, f"--seed must be between 0 and 2**63-1, got {self.seed}")
        check(self.kernel in KERNELS, f"--kernel must be one of {', '.join(KERNELS)}, got {self.kernel!r}")
        check(math.isfinite(self.ns_exponent) and -1 <= self.ns_exponent <= 1,
              f"--ns-exponent must be between -1 and 1, got {self.ns_exponent}")
        check(not self.tied or (self.negative > 0 and not self.hs),
              "--tied needs negative sampling alone: give --negative N (N > 0) and leave out --hs")
        check(self.word_share is None or (math.isfinite(self.word_share) and 0 <= self.word_share < 1),
              f"--word-share must be a number in [0, 1), got {self.word_share}")
        return self

    def to_dict(self) -> dict:
        values = asdict(self)
        values["alpha"] = self.starting_alpha
        values["architecture"] = self.architecture
        if self.word_share is None:  # whole-token models' headers stay as they were
            del values["word_share"]
        return values
