"""The library's model objects: ``Vectors`` to query, and ``Model``, which can also be saved and trained more.

Both wrap the query engine ``w2v.vectors.query.Vectors`` (NumPy only), so a query here gives the
answers, scores and errors of the CLI's commands; a subword model composes words outside the
vocabulary just as the CLI does, because that engine does it. Importing this module never
imports numba: only ``Model.train_more`` (through ``w2v.api``) starts the trainer.

``vectors`` is a read-only array: a memory map of the file for a loaded native model, the
trained weights otherwise. NumPy-based libraries take it without a copy:
``torch.from_numpy(model.vectors)`` shares the memory (torch warns that the array is
read-only: writing through such a tensor is not allowed, so copy first with
``np.array(model.vectors)`` to modify it), ``jax.numpy.asarray(model.vectors)`` copies it to
the device.
"""

from __future__ import annotations

import os
from dataclasses import fields

import numpy as np

from w2v.errors import ModelError
from w2v.vectors import formats
from w2v.vectors.query import Vectors as _QueryVectors

__all__ = ["Vectors", "Model"]


def _read_only(array):
    if array is None or not array.flags.writeable:
        return array
    view = array.view()
    view.flags.writeable = False
    return view


class Vectors:
    """Words and their vectors, to query: what ``w2v.load`` returns for a word2vec, fastText or GloVe file.

    ``vectors[word]`` is a word's vector (a NumPy copy), ``word in vectors`` tests the vocabulary,
    ``len(vectors)`` counts it, iterating gives the words, most frequent first where the file is so
    ordered. Queries return lists of ``(word, score)``; a word outside the vocabulary raises
    ``w2v.UnknownWordError``, naming the close words it found.
    """

    def __init__(self, words, vectors, counts=None, *, subwords=None, _query=None):
        self._query = _query if _query is not None else _QueryVectors(words, vectors, counts=counts,
                                                                     subwords=subwords)

    @classmethod
    def _wrap(cls, query, **state):
        obj = cls.__new__(cls)
        obj._query = query
        for name, value in state.items():
            setattr(obj, name, value)
        return obj

    def __repr__(self):
        return f"<{type(self).__name__}: {len(self):,} words x {self.dim} dimensions>"

    # -- vocabulary and arrays ---------------------------------------------------------------

    @property
    def words(self) -> list[str]:
        """The vocabulary, in row order (most frequent first for trained models)."""
        return self._query.words

    @property
    def counts(self) -> np.ndarray | None:
        """Each word's count in the training text (int64), or None when the file has none."""
        return self._query.counts

    @property
    def vectors(self) -> np.ndarray:
        """The (words, dim) float32 matrix, read-only (a memory map for a loaded native model)."""
        return _read_only(self._query.vectors)

    @property
    def dim(self) -> int:
        """Dimensions of a vector."""
        return self._query.dim

    @property
    def subwords(self):
        """A subword model's n-gram table (``w2v.subwords.SubwordTable``), which composes the vector of
        a word outside the vocabulary in every query; None for a whole-word model."""
        return self._query.subwords

    def __len__(self):
        return len(self._query)

    def __contains__(self, word):
        return word in self._query

    def __iter__(self):
        return iter(self.words)

    def __getitem__(self, word):
        """The vector of a word (a copy), or a (n, dim) array for a list of words."""
        if isinstance(word, (list, tuple)):
            return np.stack([self._query.vector(w) for w in word]) if word else np.empty((0, self.dim), np.float32)
        return self._query.vector(word)

    def get(self, word, default=None):
        """The vector of ``word``, or ``default`` when it has none."""
        try:
            return self[word]
        except KeyError:
            return default

    def index(self, word: str) -> int:
        """The row of ``word`` in ``words`` and ``vectors``; UnknownWordError when it is not there."""
        return self._query.index(word)

    def suggest(self, word: str, n: int = 3) -> list[str]:
        """Up to ``n`` vocabulary words spelt like ``word`` (the "did you mean" of error messages)."""
        return self._query.suggest(word, n)

    # -- queries -----------------------------------------------------------------------------

    def nearest(self, word_or_words, k: int = 10, negative=(), restrict: int | None = None):
        """The ``k`` words closest to a word, or to the sum of several minus ``negative`` ones.

        ``[(word, cosine), ...]``, best first; the query words are left out (word2vec's
        ``distance`` and gensim's ``most_similar``). ``restrict`` searches only the first N words.
        """
        return self._query.nearest(word_or_words, negative, k=k, restrict=restrict)

    def nearest_to_vector(self, vector, k: int = 10, exclude=(), restrict: int | None = None):
        """The ``k`` words closest by cosine to any vector of ``dim`` numbers; ``exclude`` leaves words out."""
        return self._query.nearest_to_vector(vector, k=k, exclude=exclude, restrict=restrict)

    def analogy(self, a: str, b: str, c: str, k: int = 10, cosmul: bool = False, restrict: int | None = None):
        """Words x with a - b + c ~ x: ``analogy("king", "man", "woman")`` gives queen first.

        3CosAdd, or 3CosMul with ``cosmul=True``; ``[(word, score), ...]``, best first.
        """
        return self._query.analogy(a, b, c, k=k, cosmul=cosmul, restrict=restrict)

    def similarity(self, a: str, b: str) -> float:
        """The cosine similarity of two words."""
        return self._query.similarity(a, b)

    def odd_one_out(self, words) -> list[tuple[str, float]]:
        """Each word with its cosine to the words' mean, lowest first: the first does not belong."""
        return self._query.odd_one_out(words)

    # -- files and other libraries -----------------------------------------------------------

    def export(self, path, binary: bool = False, limit: int | None = None) -> None:
        """Write word2vec's text format (or its binary one), as ``w2v export`` does; "-" is stdout.

        ``limit`` writes only the first N words. The file loads in gensim, fastText's tools and
        word2vec.c's.
        """
        n = len(self) if limit is None else max(0, min(int(limit), len(self)))
        formats.save_word2vec(os.fspath(path), self.words[:n], self._query.vectors[:n], binary=binary)

    def save(self, path) -> None:
        """Write a native model file (``.w2v``, memory-mapped when loaded again), atomically."""
        formats.save_model(os.fspath(path), self.words, self._query.vectors, self.counts, subwords=self.subwords)

    def to_gensim(self):
        """A ``gensim.models.KeyedVectors`` of the same words and vectors (gensim must be installed).

        The vectors array is shared, not copied; counts, when known, become gensim's "count".
        """
        try:
            from gensim.models import KeyedVectors
        except ImportError:
            raise ImportError("to_gensim needs gensim: pip install gensim") from None
        words = list(self.words)
        kv = KeyedVectors(self.dim, count=0, dtype=np.float32)
        kv.index_to_key = words
        kv.key_to_index = {word: i for i, word in enumerate(words)}
        kv.next_index = len(words)
        kv.vectors = self.vectors
        if self.counts is not None:
            kv.allocate_vecattrs(["count"], [np.int64])
            kv.expandos["count"][:] = self.counts
        return kv


class Model(Vectors):
    """A word2vec model: the query face of ``Vectors``, plus what continuing training needs.

    ``w2v.train`` returns one, and ``w2v.load`` one for a native ``.w2v`` file.
    ``params`` are the training parameters (a ``w2v.training.params.TrainParams``), ``epoch_loss`` the
    mean loss of each epoch, ``stats`` the last run's figures (words, seconds, words/s),
    ``corpus`` what was read. ``interrupted`` is True for a model whose training Ctrl-C stopped.
    """

    def __init__(self, words, vectors, counts=None, *, subwords=None, output_ns=None, output_hs=None, params=None,
                 corpus=None, stats=None, path=None, _query=None):
        super().__init__(words, vectors, counts, subwords=subwords, _query=_query)
        self.output_ns = output_ns
        self.output_hs = output_hs
        self.params = params
        self.corpus = dict(corpus or {})
        self.stats = dict(stats or {})
        self.path = path
        self.interrupted = False

    @property
    def epoch_loss(self) -> list[float]:
        """The mean loss of each epoch of the last training run (from the file, for a loaded model)."""
        return list(self.stats.get("epoch_loss") or self.corpus.get("epoch_loss") or [])

    def save(self, path) -> None:
        """Write a native model file with everything ``w2v train`` writes (output weights included).

        ``w2v nearest -m PATH`` and the other commands read it; ``w2v.load(PATH)`` maps it back.
        """
        params = self.params.to_dict() if self.params is not None else {}
        corpus = dict(self.corpus)
        if self.stats:
            corpus.update(words_trained=self.stats.get("words"), epoch_loss=self.stats.get("epoch_loss"))
        formats.save_model(os.fspath(path), self.words, self._query.vectors, self.counts,
                           output_ns=self.output_ns, output_hs=self.output_hs, params=params, corpus=corpus,
                           subwords=self.subwords)

    def train_more(self, corpus, epochs: int | None = None, **params) -> "Model":
        """Continue training on ``corpus`` (any corpus ``w2v.train`` takes), in place; returns the model.

        As ``w2v train --init``: the vectors and output weights are the start, and the vocabulary
        grows with the new words seen ``min_count`` times. The parameters default to this
        model's own (``epochs`` and the others can be given as to ``w2v.train``; ``dim`` cannot change).
        """
        from w2v.api import train_more

        if epochs is not None:
            params["epochs"] = epochs
        grown = train_more(self, corpus, **params)
        self._query, self.output_ns, self.output_hs = grown._query, grown.output_ns, grown.output_hs
        self.params, self.corpus, self.stats, self.path = grown.params, grown.corpus, grown.stats, None
        self.interrupted = grown.interrupted
        return self


def params_from_dict(values: dict):
    """TrainParams from a model file's "params" header (unknown keys, from other versions, are left out)."""
    from w2v.training.params import TrainParams

    names = {f.name for f in fields(TrainParams)}
    return TrainParams(**{k: v for k, v in values.items() if k in names})


def load(path, limit: int | None = None, vectors: str = "in") -> Vectors:
    """Open a model or vectors file: see ``w2v.api.load``."""
    path = os.fspath(path)
    query = formats.load_vectors(path, limit=limit, which=vectors)
    if vectors != "in" or not _is_native(path):
        return Vectors._wrap(query)
    native = formats.load_model(path)
    n = len(query)
    params = None
    if native.params:
        try:
            params = params_from_dict(native.params)
        except TypeError:
            raise ModelError(f"model header is corrupt (its parameters): {path!r}") from None
    output_ns = native.output_ns[:n] if native.output_ns is not None and n == native.vocab_size else None
    output_hs = native.output_hs if n == native.vocab_size else None
    model = Model._wrap(query, output_ns=output_ns, output_hs=output_hs, params=params, corpus=native.corpus,
                        stats={}, path=path, interrupted=False)
    return model


def _is_native(path: str) -> bool:
    with open(path, "rb") as f:
        return f.read(len(formats.MAGIC)) == formats.MAGIC
