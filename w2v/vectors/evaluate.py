"""Intrinsic evaluation: word analogies and word-pair similarity.

Both functions take the vocabulary as a list of words (most frequent first, as every
word2vec-style model stores it) and the vectors as a (V, d) array, so they work on any
embeddings, not only on w2v's own.  The semantics follow the two peers, word2vec's
``compute-accuracy`` and gensim's ``evaluate_word_analogies`` / ``evaluate_word_pairs``:

* only the ``restrict_vocab`` first rows take part; a question or pair with a word
  outside them is skipped and counted as unseen / out-of-vocabulary;
* with ``case_insensitive`` words are compared upper-cased, as both peers do, and a
  word stands for its first (most frequent) spelling in the vocabulary;
* an analogy line ``a b c d`` reads a:b :: c:d; the answer is the nearest word to
  b - a + c (3CosAdd, unit vectors) or Levy and Goldberg's 3CosMul, never one of a, b, c;
* with ``oov_vector`` (a subword model's: word -> its stored or composed vector, or None)
  a word outside the restricted vocabulary still takes part through that vector, and only
  items with a word that has none are skipped; answers stay restricted-vocabulary words, so
  a question whose answer is outside them counts as seen and wrong.
* a section is syntactic when its name starts with ``gram`` (Google's ``gram1-adjective-to-adverb``)
  or ``syn`` (``syn1_case`` in test sets for other languages), or with one of the caller's
  ``syntactic_prefixes``; any other section (``capital-common-countries``, ``sem1_...``) is semantic.

NumPy and the standard library only: this module is imported by query commands.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from w2v.errors import CorpusError, ModelError, ParameterError
from w2v.text.sources import open_source

__all__ = [
    "AnalogyResult",
    "PairsResult",
    "SectionResult",
    "evaluate_analogies",
    "evaluate_word_pairs",
    "pearson",
    "spearman",
]

SYNTACTIC_PREFIXES = ("gram", "syn")
# Scores are computed for this many floats at a time (about 128 MB of float32).
_SCORE_BUDGET = 1 << 25
_COSMUL_EPSILON = np.float32(1e-6)  # gensim's most_similar_cosmul


# ---------------------------------------------------------------------------
# results


@dataclass
class SectionResult:
    """One ``: section`` of an analogy file."""

    name: str
    correct: int = 0
    seen: int = 0  # questions whose four words are all in the restricted vocabulary (or have a vector)
    questions: int = 0  # questions in the file
    composed: int = 0  # seen questions with a word outside the restricted vocabulary (through oov_vector)
    syntactic: bool = False

    @property
    def semantic(self) -> bool:
        return not self.syntactic

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.seen if self.seen else None

    def to_dict(self) -> dict:
        return {
            "section": self.name,
            "kind": "semantic" if self.semantic else "syntactic",
            "correct": self.correct,
            "seen": self.seen,
            "questions": self.questions,
            "composed": self.composed,
            "accuracy": self.accuracy,
        }


def _summary(name: str, sections) -> SectionResult:
    return SectionResult(
        name,
        sum(s.correct for s in sections),
        sum(s.seen for s in sections),
        sum(s.questions for s in sections),
        sum(s.composed for s in sections),
    )


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.2f} %"


@dataclass
class AnalogyResult:
    """Accuracy per section and in total; ``accuracy`` is correct / seen."""

    sections: list[SectionResult]
    restrict_vocab: int
    method: str  # "3CosAdd" or "3CosMul"
    source: str = ""

    @property
    def total(self) -> SectionResult:
        return _summary("total", self.sections)

    @property
    def semantic(self) -> SectionResult:
        return _summary("semantic", [s for s in self.sections if s.semantic])

    @property
    def syntactic(self) -> SectionResult:
        return _summary("syntactic", [s for s in self.sections if not s.semantic])

    @property
    def correct(self) -> int:
        return self.total.correct

    @property
    def seen(self) -> int:
        return self.total.seen

    @property
    def questions(self) -> int:
        return self.total.questions

    @property
    def accuracy(self) -> float | None:
        return self.total.accuracy

    @property
    def seen_ratio(self) -> float:
        return self.seen / self.questions if self.questions else 0.0

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "method": self.method,
            "restrict_vocab": self.restrict_vocab,
            "correct": self.correct,
            "seen": self.seen,
            "questions": self.questions,
            "seen_ratio": self.seen_ratio,
            "composed": self.total.composed,
            "accuracy": self.accuracy,
            "semantic_accuracy": self.semantic.accuracy,
            "syntactic_accuracy": self.syntactic.accuracy,
            "sections": [s.to_dict() for s in self.sections],
            "summary": [s.to_dict() for s in (self.semantic, self.syntactic, self.total)],
        }

    def format_table(self) -> str:
        width = max([len(s.name) for s in self.sections] + [len("section")])
        head = f"{'section':<{width}}  {'correct':>7}  {'seen':>6}  {'of':>6}  {'accuracy':>9}"
        rule = "-" * len(head)

        def row(s: SectionResult) -> str:
            return (
                f"{s.name:<{width}}  {s.correct:>7}  {s.seen:>6}  {s.questions:>6}"
                f"  {_percent(s.accuracy):>9}"
            )

        lines = [head, rule]
        lines += [row(s) for s in self.sections]
        lines += [rule, row(self.semantic), row(self.syntactic), row(self.total)]
        lines.append(
            f"{self.method}, {self.restrict_vocab} most frequent words; questions seen: "
            f"{self.seen} of {self.questions} ({100 * self.seen_ratio:.1f} %)"
        )
        if self.total.composed:
            lines.append(f"{self.total.composed} of them through vectors composed from n-grams "
                         f"(a word outside the {self.restrict_vocab} words)")
        return "\n".join(lines)


@dataclass
class PairsResult:
    """Rank (Spearman) and linear (Pearson) correlation of model and human similarity."""

    spearman: float | None
    pearson: float | None
    pairs: int  # judgements in the file
    used: int  # judgements whose two words are in the restricted vocabulary
    restrict_vocab: int
    source: str = ""
    oov_pairs: list[tuple[str, str]] = field(default_factory=list, repr=False)
    composed: int = 0  # used pairs with a word outside the restricted vocabulary (through oov_vector)

    @property
    def oov(self) -> int:
        return self.pairs - self.used

    @property
    def oov_ratio(self) -> float:
        return self.oov / self.pairs if self.pairs else 0.0

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "restrict_vocab": self.restrict_vocab,
            "spearman": self.spearman,
            "pearson": self.pearson,
            "pairs": self.pairs,
            "used": self.used,
            "oov": self.oov,
            "oov_ratio": self.oov_ratio,
            "composed": self.composed,
        }

    def format_table(self) -> str:
        def num(v):
            return "n/a" if v is None else f"{v:.4f}"

        name = self.source or "word pairs"
        lines = [
            f"{'data':<{max(len(name), 4)}}  {'spearman':>8}  {'pearson':>8}  {'pairs':>11}  {'oov':>7}",
            f"{name:<{max(len(name), 4)}}  {num(self.spearman):>8}  {num(self.pearson):>8}"
            f"  {f'{self.used}/{self.pairs}':>11}  {100 * self.oov_ratio:>5.1f} %",
        ]
        if self.composed:
            lines.append(f"{self.composed} of the {self.used} pairs through vectors composed from n-grams")
        return "\n".join(lines)


# ---------------------------------------------------------------------------
# shared helpers


def _read_lines(path_or_lines, what: str, encoding: str | None = None):
    """Return (name, list of lines) from a path ("-": stdin) or an iterable of str/bytes lines."""
    if isinstance(path_or_lines, (str, os.PathLike)):
        name = os.fspath(path_or_lines)
        try:
            with open_source(name, encoding=encoding, what=f"{what} file") as opened:
                data = opened.stream.read()
            # stdin is read as queries are (bad bytes become U+FFFD); a file must be UTF-8 (or --encoding)
            return name, data.decode("utf-8", "replace" if name == "-" else "strict").splitlines()
        except UnicodeDecodeError as e:
            raise CorpusError(f"{what} file is not UTF-8 text: {name!r} ({e.reason})") from None
        except OSError as e:
            raise CorpusError(f"cannot read {what} file {name!r}: {e.strerror}") from None
    lines = []
    for line in path_or_lines:
        if isinstance(line, bytes):
            line = line.decode("utf-8")
        lines.append(line.rstrip("\r\n"))
    return "<lines>", lines


def _check_model(words, vectors, restrict_vocab):
    vectors = np.asarray(vectors)
    if vectors.ndim != 2:
        raise ModelError(f"vectors must be a 2-d array, got shape {vectors.shape}")
    if len(words) != vectors.shape[0]:
        raise ModelError(f"{len(words)} words but {vectors.shape[0]} vectors")
    if restrict_vocab is None:
        restrict_vocab = len(words)
    if isinstance(restrict_vocab, bool) or not isinstance(restrict_vocab, (int, np.integer)):
        raise ParameterError(f"restrict_vocab must be a whole number, got {restrict_vocab!r}")
    if restrict_vocab < 1:
        raise ParameterError(f"restrict_vocab must be at least 1, got {restrict_vocab}")
    return min(int(restrict_vocab), len(words)), vectors


def _vocab_index(words, n: int, case_insensitive: bool):
    """Map (folded) word -> first row among words[:n]; and each row -> that row.

    The second array is None when no two rows fold to the same key (the usual case).
    """
    index: dict[str, int] = {}
    canon = np.empty(n, dtype=np.int64)
    for i in range(n):
        key = words[i].upper() if case_insensitive else words[i]
        canon[i] = index.setdefault(key, i)
    if (canon == np.arange(n)).all():
        canon = None
    return index, canon


def _unit(rows: np.ndarray) -> np.ndarray:
    """Float32 copy of ``rows`` with each row scaled to unit length (zero rows stay zero)."""
    unit = np.array(rows, dtype=np.float32, copy=True, order="C")
    norms = np.sqrt(np.einsum("ij,ij->i", unit, unit, dtype=np.float64)).astype(np.float32)
    norms[norms == 0] = 1
    unit /= norms[:, None]
    return unit


# ---------------------------------------------------------------------------
# analogies


def is_syntactic(section: str, prefixes=SYNTACTIC_PREFIXES) -> bool:
    """Whether a section's name starts with one of the syntactic prefixes (case-insensitive)."""
    return section.lower().startswith(tuple(p.lower() for p in prefixes))


def _parse_analogies(lines, name, index, case_insensitive, syntactic_prefixes=SYNTACTIC_PREFIXES,
                     extra=None):
    """Return (sections, questions) where questions is an (n, 5) int64 array of
    (section number, a, b, c, d) rows for the questions whose words are all known.

    ``extra`` (an _ExtraRows) gives rows past the vocabulary to words outside it."""
    sections: list[SectionResult] = []
    rows = []
    for line_no, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith(":"):
            section = line[1:].strip()
            sections.append(SectionResult(section, syntactic=is_syntactic(section, syntactic_prefixes)))
            continue
        parts = line.split()
        if len(parts) != 4:
            raise CorpusError(
                f"malformed analogy line {line_no} in {name!r}: expected 4 words, got {len(parts)}"
            )
        if not sections:
            raise CorpusError(
                f"analogy question before any ': section' header at line {line_no} in {name!r}"
            )
        section = sections[-1]
        section.questions += 1
        spellings = parts
        if case_insensitive:
            parts = [p.upper() for p in parts]
        ids = [index.get(p) for p in parts]
        if None in ids and extra is not None:
            ids = [i if i is not None else extra.row(w) for i, w in zip(ids, spellings)]
            if None not in ids:
                section.composed += 1
        if None in ids:
            continue
        section.seen += 1
        rows.append((len(sections) - 1, *ids))
    if not any(s.questions for s in sections):
        raise CorpusError(f"no analogy questions in {name!r}")
    questions = np.array(rows, dtype=np.int64).reshape(-1, 5)
    return sections, questions


class _ExtraRows:
    """Rows n, n+1, ... for words outside the restricted vocabulary that ``oov_vector`` gives a vector."""

    def __init__(self, oov_vector, n, case_insensitive):
        self.oov_vector, self.n, self.case_insensitive = oov_vector, n, case_insensitive
        self.rows: dict[str, int | None] = {}
        self.vectors: list[np.ndarray] = []

    def row(self, word: str):
        if word not in self.rows:
            vector = None
            # a case-folded evaluation most often meets a lower-cased corpus
            for spelling in dict.fromkeys([word.lower(), word] if self.case_insensitive else [word]):
                vector = self.oov_vector(spelling)
                if vector is not None:
                    break
            self.rows[word] = None
            if vector is not None:
                self.rows[word] = self.n + len(self.vectors)
                self.vectors.append(np.asarray(vector, dtype=np.float32))
        return self.rows[word]

    def unit(self, dim: int) -> np.ndarray:
        return _unit(np.stack(self.vectors)) if self.vectors else np.zeros((0, dim), dtype=np.float32)


def _mask_inputs(scores, abc, canon, rows_of):
    """Set the score of every row that is (a spelling of) a question word to -inf."""
    r = np.arange(len(scores))[:, None]
    if (abc >= scores.shape[1]).any():  # words given rows past the vocabulary (composed) are no candidates
        for k in range(abc.shape[1]):
            inside = abc[:, k] < scores.shape[1]
            scores[np.flatnonzero(inside), abc[inside, k]] = -np.inf
    else:
        scores[r, abc] = -np.inf
    if canon is not None:
        # other spellings of the question words (only with case folding)
        for q, ids in enumerate(abc):
            for i in ids:
                extra = rows_of.get(int(i))
                if extra:
                    scores[q, extra] = -np.inf


def evaluate_analogies(
    words,
    vectors,
    questions_path_or_lines,
    restrict_vocab: int | None = 30000,
    case_insensitive: bool = True,
    cosmul: bool = False,
    batch: int | None = None,
    encoding: str | None = None,
    oov_vector=None,
    syntactic_prefixes=SYNTACTIC_PREFIXES,
) -> AnalogyResult:
    """Accuracy on an analogy test set in word2vec's questions-words.txt format.

    ``words``: the vocabulary, most frequent first; ``vectors``: the matching (V, d)
    array; ``questions_path_or_lines``: a path, or an iterable of lines.  Only the
    ``restrict_vocab`` first words are candidates (None: all).  ``batch`` questions are
    scored per matrix product (default: as many as fit in about 128 MB of scores).
    A path may be compressed or "-" (stdin); ``encoding`` is its text encoding (see ``w2v.text.sources``).
    ``oov_vector``: see the module's notes.
    Sections whose names start with one of ``syntactic_prefixes`` are syntactic, the others semantic.
    """
    n, vectors = _check_model(words, vectors, restrict_vocab)
    name, lines = _read_lines(questions_path_or_lines, "analogy", encoding)
    index, canon = _vocab_index(words, n, case_insensitive)
    extra = None if oov_vector is None else _ExtraRows(oov_vector, n, case_insensitive)
    sections, questions = _parse_analogies(lines, name, index, case_insensitive, syntactic_prefixes, extra)
    if batch is None:
        batch = max(16, min(4096, _SCORE_BUDGET // n))
    elif batch < 1:
        raise ParameterError(f"batch must be at least 1, got {batch}")

    rows_of: dict[int, list[int]] = {}  # first spelling -> its other spellings
    if canon is not None:
        for i in np.flatnonzero(canon != np.arange(n)):
            rows_of.setdefault(int(canon[i]), []).append(int(i))

    unit = _unit(vectors[:n]) if len(questions) else None
    queries = unit
    if extra is not None and extra.vectors and len(questions):
        queries = np.concatenate([unit, extra.unit(unit.shape[1])])
    correct = np.zeros(len(sections), dtype=np.int64)
    for start in range(0, len(questions), batch):
        q = questions[start:start + batch]
        a, b, c, d = queries[q[:, 1]], queries[q[:, 2]], queries[q[:, 3]], q[:, 4]
        if cosmul:
            # Levy and Goldberg's (2014) 3CosMul as gensim computes it, with each cosine
            # shifted to [0, 1]: ((1+cos_b)/2 * (1+cos_c)/2) / ((1+cos_a)/2 + eps), here
            # divided by the constant 1/2, which leaves the argmax as it is.
            scores = b @ unit.T
            scores += 1
            other = c @ unit.T
            other += 1
            scores *= other
            np.matmul(a, unit.T, out=other)
            other += 1 + 2 * _COSMUL_EPSILON
            scores /= other
            del other
        else:
            scores = (b - a + c) @ unit.T
        abc = q[:, 1:4]
        _mask_inputs(scores, abc, canon, rows_of)
        predicted = scores.argmax(axis=1)
        if canon is not None:
            predicted = canon[predicted]
        np.add.at(correct, q[predicted == d, 0], 1)
    for s, k in zip(sections, correct):
        s.correct = int(k)
    return AnalogyResult(sections, n, "3CosMul" if cosmul else "3CosAdd", name)


# ---------------------------------------------------------------------------
# word pairs


def _rank(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n, ties given the average of the ranks they span."""
    _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    return (ends - (counts - 1) / 2.0)[inverse.ravel()]


def pearson(x, y) -> float | None:
    """Pearson's r, or None when it is undefined (fewer than 2 values, or a constant)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if len(x) != len(y):
        raise ParameterError(f"pearson needs equal lengths, got {len(x)} and {len(y)}")
    if len(x) < 2:
        return None
    x = x - x.mean()
    y = y - y.mean()
    den = np.sqrt((x @ x) * (y @ y))
    if den == 0 or not np.isfinite(den):
        return None
    return float(np.clip((x @ y) / den, -1.0, 1.0))


def spearman(x, y) -> float | None:
    """Spearman's rho: Pearson's r of the ranks (average ranks for ties)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if len(x) != len(y):
        raise ParameterError(f"spearman needs equal lengths, got {len(x)} and {len(y)}")
    if len(x) < 2:
        return None
    return pearson(_rank(x), _rank(y))


def _parse_pairs(lines, name, score_column):
    """Yield (line number, word1, word2, score) from a word-pair similarity file.

    Tab-separated when a line has tabs, comma-separated when it has no tabs nor spaces but
    commas (CSV files such as the Korean WS353's), else whitespace-separated; ``#`` starts a
    comment line; a first line whose score is not a number is a header.  With
    ``score_column`` None the score is the third field, or the ``SimLex999`` column
    when the header names one (SimLex-999.txt's layout).
    """
    column = 2 if score_column is None else score_column
    first = True
    for line_no, raw in enumerate(lines, 1):
        line = raw.strip().lstrip("\ufeff")
        if not line or line.startswith("#"):
            continue
        if "\t" in line:
            fields = line.split("\t")
        elif "," in line and len(line.split()) == 1:
            fields = line.split(",")
        else:
            fields = line.split()
        fields = [f.strip() for f in fields]
        if first:
            first = False
            if score_column is None and "SimLex999" in fields:
                column = fields.index("SimLex999")
                continue
            try:
                float(fields[column])
            except (IndexError, ValueError):
                continue  # a header line
        if len(fields) <= max(column, 1):
            raise CorpusError(
                f"malformed word-pair line {line_no} in {name!r}: expected 2 words and a score"
            )
        try:
            score = float(fields[column])
        except ValueError:
            raise CorpusError(
                f"malformed word-pair line {line_no} in {name!r}: score {fields[column]!r} is not a number"
            ) from None
        yield line_no, fields[0], fields[1], score


def evaluate_word_pairs(
    words,
    vectors,
    pairs_path_or_lines,
    restrict_vocab: int | None = 300000,
    case_insensitive: bool = True,
    score_column: int | None = None,
    encoding: str | None = None,
    oov_vector=None,
) -> PairsResult:
    """Correlation of cosine similarity with human judgements (WordSim-353, SimLex-999 ...).

    Pairs with a word outside the ``restrict_vocab`` first words are skipped and
    counted in ``oov``; the correlations use the remaining pairs. With ``oov_vector``
    (see the module's notes) only pairs with a word that has no vector are skipped. A path
    may be compressed or "-" (stdin); ``encoding`` is its text encoding (see ``w2v.text.sources``).
    """
    n, vectors = _check_model(words, vectors, restrict_vocab)
    name, lines = _read_lines(pairs_path_or_lines, "word-pair", encoding)
    index, _ = _vocab_index(words, n, case_insensitive)
    extra = None if oov_vector is None else _ExtraRows(oov_vector, n, case_insensitive)
    gold, left, right, oov_pairs = [], [], [], []
    pairs = composed = 0
    for _, w1, w2, score in _parse_pairs(lines, name, score_column):
        pairs += 1
        k1, k2 = (w1.upper(), w2.upper()) if case_insensitive else (w1, w2)
        i, j = index.get(k1), index.get(k2)
        if (i is None or j is None) and extra is not None:
            i = extra.row(w1) if i is None else i
            j = extra.row(w2) if j is None else j
            composed += i is not None and j is not None
        if i is None or j is None:
            oov_pairs.append((w1, w2))
            continue
        gold.append(score)
        left.append(i)
        right.append(j)
    if not pairs:
        raise CorpusError(f"no word pairs in {name!r}")
    if left:
        rows = np.unique(left + right)
        known = rows[rows < n]
        unit = _unit(vectors[known])
        if extra is not None and extra.vectors:
            unit = np.concatenate([unit, extra.unit(unit.shape[1])[rows[rows >= n] - n]])
        pos = {int(r): k for k, r in enumerate(rows)}
        u1 = unit[[pos[i] for i in left]]
        u2 = unit[[pos[j] for j in right]]
        model = np.einsum("ij,ij->i", u1, u2, dtype=np.float64)
        rho, r = spearman(gold, model), pearson(gold, model)
    else:
        rho = r = None
    return PairsResult(rho, r, pairs, len(gold), n, name, oov_pairs, composed)
