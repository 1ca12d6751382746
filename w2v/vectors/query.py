"""The query object: words and their vectors, with lookup, nearest, analogy and similarity.

NumPy and the standard library only: a query runs in a fresh process from the
shell, so importing this module must stay cheap (never import numba here).

Queries never normalise the whole matrix: a score is ``(vectors @ q) / norms``,
one matrix-vector product over the (possibly memory-mapped) rows plus a partial
argsort, like gensim's ``most_similar``.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

import numpy as np

from w2v.errors import ModelError, ParameterError, WordBeyondLimit, WordNotFound

# Lookups answered by a linear scan before a word -> index dict is built: one
# query needs a few lookups, and the dict costs ~0.5 s per million words.
SCAN_LOOKUPS = 8
# suggest() looks at the most frequent words only, so it stays fast on any vocabulary.
SUGGEST_POOL = 50_000
SUGGEST_CUTOFF = 0.6
COSMUL_EPSILON = 1e-6
_BUCKETS = 64


class WordTable(Sequence):
    """Words stored as UTF-8 joined by ``b"\\n"`` (the native model's section), decoded on demand.

    Finding one word is a byte search, and decoding one word needs only the line
    offsets, so a query on a million-word model never decodes the whole vocabulary.
    """

    def __init__(self, data: bytes, count: int):
        self._data = bytes(data)
        self._count = count
        self._starts = None
        self._padded = None
        self._list = None

    def __len__(self):
        return self._count

    def _offsets(self):
        if self._starts is None:
            ends = np.flatnonzero(np.frombuffer(self._data, dtype=np.uint8) == 10)
            self._starts = np.concatenate(([0], ends + 1, [len(self._data) + 1]))
        return self._starts

    def __getitem__(self, i):
        if self._list is not None:
            return self._list[i]
        if isinstance(i, slice):
            start, stop, step = i.indices(self._count)
            if step != 1 or start >= stop:
                return self.tolist()[i]
            starts = self._offsets()
            return self._data[starts[start]:starts[stop] - 1].decode("utf-8").split("\n")
        i = int(i)
        if i < 0:
            i += self._count
        if not 0 <= i < self._count:
            raise IndexError("word index out of range")
        starts = self._offsets()
        return self._data[starts[i]:starts[i + 1] - 1].decode("utf-8")

    def __iter__(self):
        return iter(self.tolist())

    def tolist(self) -> list[str]:
        if self._list is None:
            self._list = self._data.decode("utf-8").split("\n") if self._count else []
        return self._list

    def head(self, n: int) -> list[str]:
        """The first n words, decoding only those."""
        if n >= self._count:
            return list(self.tolist())
        if self._list is not None:
            return self._list[:n]
        return [w.decode("utf-8") for w in self._data.split(b"\n", n)[:n]]

    def truncated(self, n: int) -> "WordTable":
        """A table of the first n words."""
        if n >= self._count:
            return self
        return WordTable(self._data[:self._offsets()[n] - 1], n)

    def find(self, word: str) -> int:
        """Index of the first occurrence of word, or -1."""
        if not isinstance(word, str) or "\n" in word:
            return -1
        try:
            key = b"\n" + word.encode("utf-8") + b"\n"
        except UnicodeEncodeError:
            return -1
        if self._padded is None:
            self._padded = b"\n" + self._data + b"\n"
        pos = self._padded.find(key)
        if pos < 0:
            return -1
        return self._padded.count(b"\n", 0, pos)


class Vectors:
    """Words and their vectors, ready to query (gensim's KeyedVectors done small).

    ``words`` is a list of str, or a :class:`WordTable`; ``vectors`` a (V, d) float32
    array (a read-only memory map is fine and is never copied); ``counts`` and
    ``norms`` optional (V,) arrays. Norms are computed on first use when not given.
    ``subwords``, a :class:`w2v.subwords.SubwordTable` of a subword model, composes vectors for
    words outside the vocabulary (None for whole-token models): every query then accepts any
    word one of whose n-grams is known, and answers with vocabulary words.
    """

    def __init__(self, words, vectors, counts=None, norms=None, subwords=None):
        vectors = np.asarray(vectors)
        if vectors.ndim != 2:
            raise ValueError(f"vectors must be a 2-D array, got shape {vectors.shape}")
        if vectors.dtype != np.float32:
            vectors = vectors.astype(np.float32)
        if not isinstance(words, WordTable):
            words = list(words)
        if len(words) != vectors.shape[0]:
            raise ValueError(f"{len(words)} words for {vectors.shape[0]} vectors")
        if counts is not None:
            counts = np.asarray(counts)
            if counts.shape != (len(words),):
                raise ValueError(f"counts must have shape ({len(words)},), got {counts.shape}")
        if norms is not None:
            norms = np.asarray(norms, dtype=np.float32)
            if norms.shape != (len(words),):
                raise ValueError(f"norms must have shape ({len(words)},), got {norms.shape}")
        if subwords is not None and subwords.dim != vectors.shape[1]:
            raise ValueError(f"n-gram vectors have {subwords.dim} dimensions, word vectors {vectors.shape[1]}")
        self._words = words
        self.vectors = vectors
        self.counts = counts
        self.subwords = subwords
        self._norms = norms
        self._unit = None
        self._index = None
        self._lookups = 0
        self._suggest_data = None
        self._composed = {}  # word -> (vector or None, known n-grams, all n-grams)
        self.beyond = None  # the whole vocabulary, when only its first words were loaded

    @classmethod
    def from_model(cls, model, which: str = "in", limit: int | None = None) -> "Vectors":
        """A loaded native model's vectors (see ``w2v.vectors.formats.load_model``): W ("in", the default),
        W' ("out") or W + W' ("sum"); with ``limit`` only the first (most frequent) words."""
        n = model.vocab_size if limit is None else min(int(limit), model.vocab_size)
        if n < 1:
            raise ParameterError(f"limit must be a positive number of vectors, got {limit}")
        counts = None if model.counts is None else model.counts[:n]
        norms = model.norms[:n] if which == "in" else None
        subwords = getattr(model, "subwords", None) if which == "in" else None  # n-grams compose W only
        vectors = cls(model.word_table.truncated(n), model.matrix(which, n), counts=counts, norms=norms,
                      subwords=subwords)
        if n < model.vocab_size:
            vectors.beyond = model.word_table
        return vectors

    def __repr__(self):
        return f"<Vectors: {len(self)} words x {self.dim} dimensions>"

    # -- vocabulary ---------------------------------------------------------------

    @property
    def words(self) -> list[str]:
        if isinstance(self._words, WordTable):
            return self._words.tolist()
        return self._words

    @property
    def dim(self) -> int:
        return self.vectors.shape[1]

    def __len__(self):
        return self.vectors.shape[0]

    def __contains__(self, word):
        return self._find(word) >= 0

    def _word(self, i: int) -> str:
        return self._words[i]

    def _find(self, word) -> int:
        if self._index is None:
            self._lookups += 1
            if self._lookups > SCAN_LOOKUPS:
                self._build_index()
            elif isinstance(self._words, WordTable):
                return self._words.find(word)
            else:
                try:
                    return self._words.index(word)
                except ValueError:
                    return -1
        return self._index.get(word, -1)

    def _build_index(self):
        words = self.words
        index = dict(zip(words, range(len(words))))
        if len(index) < len(words):  # duplicates: the first occurrence wins, as in a scan
            index = dict(zip(reversed(words), range(len(words) - 1, -1, -1)))
        self._index = index

    def index(self, word: str) -> int:
        """Row of word; raises WordNotFound (with suggestions) when it is not in the vocabulary."""
        i = self._find(word)
        if i < 0:
            raise self._unknown(word)
        return i

    def _unknown(self, word: str) -> Exception:
        """The error for a word without a vector: beyond the loaded limit, or not in the vocabulary."""
        rank = self.beyond.find(word) if self.beyond is not None else -1
        if rank >= len(self):
            return WordBeyondLimit(word, len(self), rank + 1)
        return WordNotFound(word, self.suggest(word))

    def vector(self, word: str) -> np.ndarray:
        """A copy of the vector of word (composed from its n-grams when a subword model lacks it)."""
        i = self._find(word)
        if i >= 0:
            return np.array(self.vectors[i])
        composed = self._compose(word)
        if composed is None:
            raise self._unknown(word)
        return composed.copy()

    def _compose(self, word):
        """The vector a subword model composes for an out-of-vocabulary word, or None."""
        if self.subwords is None or not isinstance(word, str):
            return None
        if word not in self._composed:
            known, total = self.subwords.coverage(word)
            self._composed[word] = (self.subwords.compose(word) if known else None, known, total)
        return self._composed[word][0]

    def composition(self, word: str):
        """(known n-grams, all n-grams) of a word outside the vocabulary that gets a composed vector, else None."""
        if self._find(word) >= 0 or self._compose(word) is None:
            return None
        return self._composed[word][1:]

    def lookup_vector(self, word: str):
        """The word's vector, stored or composed, or None: for evaluations, which count what they skip."""
        i = self._find(word)
        if i >= 0:
            return np.asarray(self.vectors[i])
        return self._compose(word)

    def _query(self, word: str):
        """(float64 unit vector, row or -1 when composed) of a query word; unknown words raise WordNotFound."""
        i = self._find(word)
        if i >= 0:
            return self._unit_row(i), i
        composed = self._compose(word)
        if composed is None:
            raise self._unknown(word)
        v = composed.astype(np.float64)
        n = float(np.linalg.norm(v))
        return (v / n if n > 0 else v), -1

    # -- norms ----------------------------------------------------------------------

    @property
    def norms(self) -> np.ndarray:
        """L2 norm of every row (float32), computed in blocks on first use unless stored."""
        if self._norms is None:
            self._norms = row_norms(self.vectors)
        return self._norms

    @property
    def unit(self) -> np.ndarray:
        """The unit-normalised float32 matrix (computed once, on first use); zero rows stay zero."""
        if self._unit is None:
            norms = self.norms
            safe = np.where(norms > 0, norms, np.float32(1))
            self._unit = (self.vectors / safe[:, None]).astype(np.float32, copy=False)
        return self._unit

    def _unit_row(self, i: int) -> np.ndarray:
        v = np.asarray(self.vectors[i], dtype=np.float64)
        n = float(self.norms[i])
        return v / n if n > 0 else v

    # -- queries --------------------------------------------------------------------

    def _cosines(self, q: np.ndarray, rows: int) -> np.ndarray:
        """Cosine of every one of the first `rows` vectors with q (any shape (d,) or (d, m))."""
        q = np.asarray(q, dtype=np.float32)  # never let a float64 query upcast the matrix
        dots = self.vectors[:rows] @ q
        norms = self.norms[:rows]
        if q.ndim == 2:
            norms = norms[:, None]
        out = np.zeros(dots.shape, dtype=np.float32)
        np.divide(dots, norms, out=out, where=norms > 0)
        return out

    def _rows(self, restrict) -> int:
        if restrict is None:
            return len(self)
        restrict = int(restrict)
        if restrict < 1:
            raise ParameterError(f"restrict must be a positive number of words, got {restrict}")
        return min(restrict, len(self))

    def _top(self, scores: np.ndarray, k: int, exclude) -> list[tuple[str, float]]:
        n = scores.shape[0]
        excluded = [i for i in set(exclude) if i < n]
        if excluded:
            scores[excluded] = -np.inf
        k = min(int(k), n - len(excluded))
        if k <= 0:
            return []
        if k < n:
            best = np.argpartition(scores, n - k)[n - k:]
        else:
            best = np.arange(n)
        best = best[np.lexsort((best, -scores[best]))]
        _check_finite(scores[best])
        return [(self._word(int(i)), float(scores[i])) for i in best]

    def nearest(self, positive, negative=(), k: int = 10, restrict: int | None = None):
        """Words closest to the mean of the unit vectors of positive minus negative.

        Like word2vec's ``distance`` tool and gensim's ``most_similar``: the query is
        normalised, scores are cosines against every word (or the first ``restrict``),
        and the input words are left out. Returns ``[(word, cosine), ...]``, best first.
        """
        positive = [positive] if isinstance(positive, str) else list(positive)
        negative = [negative] if isinstance(negative, str) else list(negative)
        if not positive and not negative:
            raise ParameterError("no query words given")
        pos = [self._query(w) for w in positive]
        neg = [self._query(w) for w in negative]
        q = np.zeros(self.dim, dtype=np.float64)
        for unit, _ in pos:
            q += unit
        for unit, _ in neg:
            q -= unit
        return self._nearest_unit(q, k, [i for _, i in pos + neg if i >= 0], self._rows(restrict))

    def nearest_to_vector(self, vec, k: int = 10, exclude=(), restrict: int | None = None):
        """Words closest (by cosine) to an arbitrary vector; words in `exclude` are left out."""
        vec = np.asarray(vec, dtype=np.float64)
        if vec.shape != (self.dim,):
            raise ValueError(f"vector must have shape ({self.dim},), got {vec.shape}")
        exclude = [exclude] if isinstance(exclude, str) else exclude
        skip = [i for i in (self._find(w) for w in exclude) if i >= 0]
        return self._nearest_unit(vec, k, skip, self._rows(restrict))

    def _nearest_unit(self, q, k, exclude, rows):
        n = float(np.linalg.norm(q))
        if n > 0:
            q = q / n
        return self._top(self._cosines(q, rows), k, exclude)

    def analogy(self, a: str, b: str, c: str, k: int = 10, cosmul: bool = False,
                restrict: int | None = None):
        """Words x with a - b + c ~ x: analogy("king", "man", "woman") -> queen.

        3CosAdd by default (gensim's ``most_similar(positive=[a, c], negative=[b])``);
        with ``cosmul`` 3CosMul (Levy & Goldberg 2014, gensim's ``most_similar_cosmul``):
        cosines shifted to [0, 1], score cos(x,a) * cos(x,c) / (cos(x,b) + 1e-6).
        The three input words are left out.
        """
        if not cosmul:
            return self.nearest([a, c], [b], k=k, restrict=restrict)
        (ua, ia), (ub, ib), (uc, ic) = self._query(a), self._query(b), self._query(c)
        rows = self._rows(restrict)
        q = np.stack([ua, ub, uc], axis=1)
        shifted = (1 + self._cosines(q, rows)) / 2
        scores = shifted[:, 0] * shifted[:, 2] / (shifted[:, 1] + np.float32(COSMUL_EPSILON))
        return self._top(scores, k, [i for i in (ia, ib, ic) if i >= 0])

    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of two words (0.0 when either vector is zero)."""
        score = np.dot(self._query(a)[0], self._query(b)[0])
        _check_finite(score)
        return float(score)

    def odd_one_out(self, words) -> list[tuple[str, float]]:
        """Each word with its cosine to the normalised mean of the words' unit vectors, lowest first.

        The first word is the one that does not belong (gensim's ``doesnt_match``, ties
        broken by the word, as gensim sorts them).
        """
        words = list(words)
        if len(words) < 2:
            raise ParameterError(f"odd one out needs at least 2 words, got {len(words)}")
        units = np.stack([self._query(w)[0] for w in words])
        mean = units.mean(axis=0)
        n = float(np.linalg.norm(mean))
        if n > 0:
            mean /= n
        return sorted(((w, float(s)) for w, s in zip(words, units @ mean)), key=lambda t: (t[1], t[0]))

    # -- suggestions ----------------------------------------------------------------

    def _suggest_pool(self):
        if self._suggest_data is None:
            n = min(len(self), SUGGEST_POOL)
            counts = self.counts
            if counts is not None and np.any(np.diff(counts) > 0):  # not in frequency order
                counts = np.asarray(counts)
                top = np.argpartition(-counts, n - 1)[:n] if n < len(counts) else np.arange(n)
                pool = [self._word(int(i)) for i in top[np.lexsort((top, -counts[top]))]]
            elif isinstance(self._words, WordTable):
                pool = self._words.head(n)
            else:
                pool = self._words[:n]
            joined = "\n".join(pool)
            lower = joined.lower().split("\n") if pool else []
            lengths = np.fromiter(map(len, pool), dtype=np.int64, count=len(pool))
            codes = np.frombuffer(joined.replace("\n", "").encode("utf-32-le", "surrogatepass"),
                                  dtype=np.uint32)
            owner = np.repeat(np.arange(len(pool)), lengths)
            hist = np.bincount(owner * _BUCKETS + codes % _BUCKETS, minlength=len(pool) * _BUCKETS)
            self._suggest_data = (pool, lower, lengths, hist.reshape(len(pool), _BUCKETS))
        return self._suggest_data

    def suggest(self, word: str, n: int = 3) -> list[str]:
        """Up to n vocabulary words close to word, for "did you mean" messages.

        Case-insensitive matches come first, then the closest by difflib's ratio
        (cutoff 0.6); only the SUGGEST_POOL most frequent words are considered, and a
        bound on each word's ratio from character histograms means difflib runs on
        a handful of them, so this stays fast on any vocabulary size.
        """
        if n <= 0 or not isinstance(word, str) or not word or len(self) == 0:
            return []
        pool, lower, lengths, hist = self._suggest_pool()
        out = []
        folded = word.lower()
        for i, w in enumerate(lower):
            if w == folded and pool[i] != word and pool[i] not in out:
                out.append(pool[i])
                if len(out) == n:
                    return out
        # An upper bound on difflib's quick_ratio (itself a bound on ratio): characters
        # hashed into buckets can only over-count the multiset intersection.
        q = np.bincount(np.frombuffer(word.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
                        % _BUCKETS, minlength=_BUCKETS)
        bound = 2.0 * np.minimum(hist, q).sum(axis=1) / (lengths + len(word))
        order = np.flatnonzero(bound >= SUGGEST_CUTOFF)
        order = order[np.argsort(-bound[order], kind="stable")]
        need = n - len(out)
        best: list[tuple[float, int]] = []
        matcher = difflib.SequenceMatcher()
        matcher.set_seq2(word)
        for i in order:
            floor = best[-1][0] if len(best) == need else SUGGEST_CUTOFF
            if bound[i] < floor:
                break
            w = pool[i]
            if w == word or w in out:
                continue
            matcher.set_seq1(w)
            r = matcher.ratio()
            if r >= floor and (len(best) < need or r > floor):
                best.append((r, int(i)))
                best.sort(key=lambda t: (-t[0], t[1]))
                del best[need:]
        return out + [pool[i] for _, i in best]


def _check_finite(scores) -> None:
    """Scores are NaN only when vectors are: say so instead of printing nan (a corrupt file)."""
    if not np.all(np.isfinite(scores)):
        raise ModelError("the vectors hold NaN or infinite values (a corrupt or diverged model); "
                         "retrain it or load another file")


def row_norms(vectors: np.ndarray, block: int = 8192) -> np.ndarray:
    """L2 norm of each row as float32, accumulated in float64 in blocks (no full-size temporary)."""
    out = np.empty(vectors.shape[0], dtype=np.float32)
    for start in range(0, vectors.shape[0], block):
        rows = np.asarray(vectors[start:start + block], dtype=np.float64)
        with np.errstate(over="ignore"):  # a norm beyond float32's range is inf, not a warning on stderr
            out[start:start + block] = np.sqrt(np.einsum("ij,ij->i", rows, rows))
    return out
