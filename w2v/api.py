"""The Python face of w2v: ``train``, ``load`` and ``from_gensim``, re-exported by ``w2v``.

``train`` takes the CLI's training options as keyword arguments. They are not listed by hand:
every field of ``w2v.training.params.TrainParams`` is one, with its default, so an option another part
of w2v adds there is a keyword here too (and in ``help(w2v.train)``). Numba is imported only
when training starts.
"""

from __future__ import annotations

import dataclasses
import difflib
import inspect
import numbers
import os
import sys
import warnings

import numpy as np

from w2v.errors import CorpusError, ParameterError
from w2v.text.sentences import SentenceStream, is_sentences
from w2v.training.params import TrainParams, default_threads
from w2v.vectors.model import Model, Vectors, load as _load, params_from_dict

__all__ = ["train", "load", "from_gensim", "TrainingInterruptedWarning"]


class TrainingInterruptedWarning(UserWarning):
    """Ctrl-C stopped training: the model returned holds the vectors trained so far."""


# What each TrainParams field means, for help(w2v.train). A field can also carry its own text
# as dataclasses.field(metadata={"help": ...}); a field with neither still appears, with its default.
_HELP = {
    "dim": "vector dimensions",
    "window": "maximum context distance",
    "negative": "noise words per prediction for negative sampling (0 turns it off)",
    "hs": "hierarchical softmax",
    "sample": "subsampling threshold for frequent words (0 turns it off)",
    "min_count": "discard words seen fewer times",
    "max_vocab": "keep at most this many of the most frequent words (None: all)",
    "alpha": "starting learning rate (None: 0.05 for CBOW, 0.025 for skip-gram; with subwords, skip-gram starts at 0.035 on Hangul, Han or kana and 0.0425 on alphabetic scripts)",
    "min_alpha_ratio": "the learning rate decays linearly to alpha times this",
    "epochs": "passes over the corpus",
    "cbow": "True: continuous bag of words (--cbow); False: skip-gram (--skipgram)",
    "threads": "training threads (None: the number of cores)",
    "seed": "random seed; with threads=1 the result is reproducible bit for bit",
    "kernel": "negative-sampling update: 'batched' (faster) or 'classic' (word2vec.c's)",
    "ns_exponent": "noise words are drawn with probability count ** ns_exponent (word2vec.c's 0.75)",
    "tied": "one matrix for the input and the output role (negative sampling only)",
    "word_share": "subword models: the share of each update that a word's own row takes, the rest going to its n-grams (0: an even split, fastText's; None: for skip-gram 0.1 on alphabetic scripts, 0 on Hangul, Han or kana; 0 for CBOW)",
}

# Options of the library call that are not training hyper-parameters.
_OPTIONS = {
    "quiet": (False, "no progress output"),
    "on_epoch": (None, "a function called as on_epoch(epoch, loss, words) after each epoch (epoch from 1)"),
    "callbacks": ((), "more such functions"),
    "prune_at": (21_000_000, "while counting, drop the rarest words whenever more distinct words than this "
                             "are held (as the CLI's --prune-at)"),
    "workdir": (None, "directory for the temporary encoded corpus, 4 bytes a word (None: the temp directory)"),
    "read_vocab": (None, "a 'word count' vocabulary file to use instead of counting the corpus"),
    "save_vocab": (None, "also write the vocabulary to this file ('word count' lines)"),
    "encoding": (None, "a corpus file's text encoding (None: UTF-8, or as a byte-order mark says; "
                       "compressed files are read either way)"),
    "subwords": (False, "train fastText's subword model: words outside the vocabulary get vectors from "
                        "their character n-grams"),
    "minn": (None, "shortest n-gram, in characters (None: chosen from the vocabulary's script)"),
    "maxn": (None, "longest n-gram (None: chosen from the vocabulary's script)"),
    "bucket": (None, "hash buckets for n-grams (None: 2000000, fastText's)"),
    "jamo": (False, "also take n-grams of Hangul jamo"),
}

# Other libraries' names for the options, for the TypeError of an unknown keyword.
_PEER_NAMES = {"vector_size": "dim", "size": "dim", "sg": "cbow (sg=1 is cbow=False)", "workers": "threads",
               "iter": "epochs", "min_alpha": "min_alpha_ratio", "max_vocab_size": "prune_at",
               "max_final_vocab": "max_vocab", "sentences": "corpus", "corpus_file": "corpus"}


def _fields():
    return [f for f in dataclasses.fields(TrainParams) if f.init]


def _default(f):
    return None if f.default is dataclasses.MISSING else f.default


def train(corpus, **options) -> Model:
    # The signature and the docstring are built below, from TrainParams.
    names = [f.name for f in _fields()]
    unknown = [name for name in options if name not in names and name not in _OPTIONS]
    if unknown:
        raise TypeError(_unknown_message("train", unknown[0], names + list(_OPTIONS)))
    params = _params({k: v for k, v in options.items() if k in names})
    extra = {name: options.get(name, default) for name, (default, _) in _OPTIONS.items()}
    return _train(corpus, params, **extra)


def _unknown_message(function: str, name: str, known) -> str:
    message = f"{function}() got an unexpected keyword argument {name!r}"
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    if name in _PEER_NAMES:
        message += f"; w2v calls it {_PEER_NAMES[name]}"
    elif close:
        message += "; did you mean " + " or ".join(repr(c) for c in close) + "?"
    return message


def _params(values: dict, base: TrainParams | None = None) -> TrainParams:
    """TrainParams from keyword values (checked and converted by each field's default's type)."""
    start = dataclasses.asdict(base) if base is not None else {}
    for f in _fields():
        if f.name in values:
            start[f.name] = _converted(f, values[f.name])
    if start.get("threads") is None:
        start.pop("threads", None)
        if base is not None:
            start["threads"] = default_threads()
    return TrainParams(**start).validate()


def _converted(f, value):
    """``value`` as the field's type: ints stay ints (1.0 is accepted, 1.5 is not), numbers floats, flags bools."""
    default = _default(f)
    kind = type(default) if default is not None else _annotated_type(f)
    if value is None or kind is None:
        return value
    flag = "--" + f.name.replace("_", "-")
    if kind is bool:
        if isinstance(value, (bool, np.bool_)) or (isinstance(value, numbers.Integral) and value in (0, 1)):
            return bool(value)
        raise ParameterError(f"{flag} must be True or False, got {value!r}")
    if kind is int:
        if isinstance(value, numbers.Integral) and not isinstance(value, bool):
            return int(value)
        if isinstance(value, numbers.Real) and float(value).is_integer():
            return int(value)
        raise ParameterError(f"{flag} must be an integer, got {value!r}")
    if kind is float:
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            return float(value)
        raise ParameterError(f"{flag} must be a number, got {value!r}")
    if kind is str and not isinstance(value, str):
        raise ParameterError(f"{flag} must be a string, got {value!r}")
    return value


def _annotated_type(f):
    annotation = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", "")
    for name, kind in (("bool", bool), ("int", int), ("float", float), ("str", str)):
        if annotation.split("|")[0].strip() == name:
            return kind
    if f.default_factory is not dataclasses.MISSING:
        return type(f.default_factory())
    return None


def _train(corpus, params: TrainParams, *, quiet=False, on_epoch=None, callbacks=(), prune_at=21_000_000,
           workdir=None, read_vocab=None, save_vocab=None, encoding=None, subwords=False, minn=None, maxn=None,
           bucket=None, jamo=False, init=None) -> Model:
    """Run the trainer (the CLI's, as ``w2v train``) on a path or on Python sentences."""
    from w2v.subwords import SubwordSpec
    from w2v.training import checkpoint as ckpt
    from w2v.training.progress import reporter
    from w2v.training.trainer import train as run

    callbacks = ([on_epoch] if on_epoch is not None else []) + list(callbacks or ())
    for callback in callbacks:
        if not callable(callback):
            raise TypeError(f"callbacks must be functions of (epoch, loss, words), got {callback!r}")
    if prune_at is not None and prune_at < 1:
        raise ParameterError(f"--prune-at must be at least 1, got {prune_at}")
    spec = SubwordSpec.from_options(subwords, minn, maxn, bucket, jamo)
    source = _source(corpus)
    if isinstance(source, SentenceStream):
        if encoding is not None:
            raise ParameterError("encoding is for a corpus file: Python sentences are str (or UTF-8 bytes)")
        encoding = "utf-8"  # the stream's own: no sniffing for binary or legacy-encoded files
    progress = reporter(quiet, callbacks)
    # Ctrl-C while the words are trained stops the workers after their span; the weights so far are
    # returned, with a warning (before that, during the corpus scan, it is a KeyboardInterrupt).
    with ckpt.StopSignals() as signals:
        try:
            trained = run(source, params, read_vocab=read_vocab, save_vocab=save_vocab, workdir=workdir,
                          prune_at=prune_at, init=init, signals=signals, progress=progress, encoding=encoding,
                          subwords=spec)
            interrupted = False
        except ckpt.TrainingInterrupted as stop:
            trained = getattr(stop, "model", None)
            if trained is None:
                raise KeyboardInterrupt(str(stop)) from None
            if trained.subwords is not None and trained.ngram_vectors is None:
                trained.finish_subwords()  # as the trainer does on finishing
            where = str(stop).split(";")[0]  # "interrupted by SIGINT at 12.5% (epoch 1/5)"
            warnings.warn(f"{where}: the model returned holds the vectors trained so far",
                          TrainingInterruptedWarning, stacklevel=_caller_level())
            interrupted = True
    if isinstance(source, SentenceStream):
        trained.corpus["path"] = None
        trained.corpus["sentences"] = source.sentences
    stats = trained.stats
    if not interrupted and stats.get("words"):
        progress.line(f"trained {stats['words']:,} words in {stats['train_seconds']:.2f} s, "
                      f"{stats['words_per_second']:,.0f} words/s ({stats['threads']} threads, "
                      f"{len(trained.vocab):,} words x {params.dim} dimensions)")
    model = Model(trained.vocab.words, trained.vectors, trained.vocab.counts, subwords=trained.subword_table,
                  output_ns=trained.output_ns,
                  output_hs=trained.output_hs, params=trained.params, corpus=trained.corpus, stats=stats)
    model.interrupted = interrupted
    return model


def _caller_level() -> int:
    """The stack level of the first frame outside w2v, for warnings (so they name the user's line)."""
    package = os.path.dirname(os.path.abspath(__file__))
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.dirname(os.path.abspath(frame.f_code.co_filename)) == package:
        frame, level = frame.f_back, level + 1
    return level


def _source(corpus):
    """The trainer's source: a path as given, or a byte stream over Python sentences."""
    if isinstance(corpus, (str, os.PathLike)):
        return os.fspath(corpus)
    if isinstance(corpus, bytes):
        raise CorpusError("a corpus path must be str, not bytes (decode it), or give sentences")
    if is_sentences(corpus):
        return SentenceStream(corpus)
    raise CorpusError(f"the corpus must be a path or an iterable of sentences (token lists or strings), "
                      f"got {type(corpus).__name__}")


def train_more(model: Model, corpus, **options) -> Model:
    """The continued training of ``Model.train_more``: the model's parameters, the given options over them."""
    names = [f.name for f in _fields()]
    unknown = [name for name in options if name not in names and name not in _OPTIONS]
    if unknown:
        raise TypeError(_unknown_message("train_more", unknown[0], names + list(_OPTIONS)))
    if "dim" in options and options["dim"] != model.dim:
        raise ParameterError(f"--dim {options['dim']} differs from the model's {model.dim}: it cannot change")
    base = model.params if model.params is not None else TrainParams(dim=model.dim)
    params = _params({**{k: v for k, v in options.items() if k in names}, "dim": model.dim},
                     base=dataclasses.replace(base, threads=default_threads()))
    if model.counts is None:
        raise ParameterError("train_more needs the words' counts: this model has none "
                             "(vectors imported without counts); train a new model instead")
    extra = {name: options.get(name, default) for name, (default, _) in _OPTIONS.items()}
    return _train(corpus, params, init=_InitModel(model), **extra)


class _InitModel:
    """A ``Model`` as the trainer's ``init`` reads a loaded model file (``w2v.vectors.formats.Model``)."""

    def __init__(self, model: Model):
        self.path = model.path
        self.words, self.counts, self.dim = model.words, model.counts, model.dim
        self.vectors, self.subwords = model.vectors, model.subwords
        self.output_ns, self.output_hs = model.output_ns, model.output_hs
        self.params = model.params.to_dict() if model.params is not None else {}


def load(path, limit: int | None = None, vectors: str = "in") -> Vectors:
    """Open any model or vectors file the CLI reads; the format is found from the content.

    A native ``.w2v`` model gives a ``Model`` (memory-mapped: instant whatever its size, and
    ready to ``train_more``); word2vec text or binary, fastText ``.vec`` and GloVe text files
    give query-only ``Vectors``. ``limit`` keeps the first N words (the most frequent, in files
    written by word2vec tools). ``vectors`` is the CLI's ``--vectors``: a native model's input
    vectors ("in"), output vectors ("out") or their sum ("sum"; these two are query-only
    ``Vectors``). Problems with the file raise ``w2v.ModelError`` with the CLI's message.
    """
    return _load(path, limit=limit, vectors=vectors)


def from_gensim(kv_or_model) -> Model:
    """A ``Model`` from gensim's ``KeyedVectors`` or a whole ``Word2Vec`` model (its ``.wv``).

    Words, vectors and counts come over; from a ``Word2Vec`` also its output weights and
    parameters, so ``train_more`` continues it. gensim itself is not imported.
    """
    kv = getattr(kv_or_model, "wv", kv_or_model)
    if not hasattr(kv, "index_to_key") or not hasattr(kv, "vectors"):
        raise TypeError(f"from_gensim needs gensim KeyedVectors or a Word2Vec model, got "
                        f"{type(kv_or_model).__name__}")
    words = [str(word) for word in kv.index_to_key]
    vectors = np.asarray(kv.vectors, dtype=np.float32)
    counts = getattr(kv, "expandos", {}).get("count")
    counts = None if counts is None or not np.any(counts) else np.asarray(counts, dtype=np.int64)[:len(words)]
    model = kv_or_model if kv_or_model is not kv else None
    output_ns = output_hs = params = None
    if model is not None:
        output_ns = _rows(getattr(model, "syn1neg", None), len(words), vectors.shape[1])
        output_hs = _rows(getattr(model, "syn1", None), len(words) - 1, vectors.shape[1])
        params = _gensim_params(model, vectors.shape[1])
    return Model(words, vectors, counts, output_ns=output_ns, output_hs=output_hs, params=params,
                 corpus={"from": "gensim"})


def _rows(array, n, dim):
    if array is None or getattr(array, "shape", None) is None or array.shape[1:] != (dim,) or array.shape[0] < n:
        return None
    return np.ascontiguousarray(array[:n], dtype=np.float32)


def _gensim_params(model, dim):
    values = {"dim": dim, "window": getattr(model, "window", 5), "negative": getattr(model, "negative", 5),
              "hs": bool(getattr(model, "hs", 0)), "sample": getattr(model, "sample", 1e-3),
              "min_count": getattr(model, "min_count", 5), "alpha": getattr(model, "alpha", None),
              "epochs": getattr(model, "epochs", 5), "cbow": not getattr(model, "sg", 0),
              "seed": getattr(model, "seed", 1)}
    try:
        return params_from_dict(values).validate()
    except (ParameterError, TypeError):
        return None


# -- the signature and help of train(), from TrainParams ----------------------------------------


def _describe(f) -> str:
    text = f.metadata.get("help") or _HELP.get(f.name) or f"as the CLI's --{f.name.replace('_', '-')}"
    return f"    {f.name}={_default(f)!r}: {text}."


def _build_train_signature():
    corpus = inspect.Parameter("corpus", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    keywords = [inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=_default(f)) for f in _fields()]
    keywords += [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default)
                 for name, (default, _) in _OPTIONS.items()]
    train.__signature__ = inspect.Signature([corpus] + keywords, return_annotation=Model)
    train.__doc__ = "\n".join([
        "Train word vectors on ``corpus`` and return the ``Model``, as ``w2v train`` does.",
        "",
        "``corpus`` is any of:",
        "    a path (str or os.PathLike) to a UTF-8 text file, \"-\" for standard input;",
        "    an iterable of token lists (gensim's ``sentences``): [[\"the\", \"cat\"], ...];",
        "    an iterable of strings (or UTF-8 bytes), one sentence each, split on whitespace as",
        "    the corpus file reader splits lines.",
        "It is read once, front to back, and never held: a generator works. A token is one word: an",
        "empty token is skipped, and a token holding whitespace is a w2v.CorpusError (see w2v.text.sentences).",
        "",
        "Training parameters (the CLI's options, word2vec.c's defaults):",
        *[_describe(f) for f in _fields()],
        "",
        "Options of the call:",
        *[f"    {name}={default!r}: {text}." for name, (default, text) in _OPTIONS.items()],
        "",
        "Progress: on a terminal the CLI's progress line on stderr; in a Jupyter notebook one output",
        "area redrawn in place. Ctrl-C while words are being trained stops after the current span",
        "(a fraction of a second) and returns the model trained so far, with a",
        "TrainingInterruptedWarning and ``model.interrupted`` set; Ctrl-C while the corpus is still",
        "being read raises KeyboardInterrupt. An unknown keyword is a TypeError naming the close ones;",
        "a value that cannot work is a w2v.ParameterError, with the CLI's message.",
        "",
        "Example::",
        "",
        "    import w2v",
        "    model = w2v.train([[\"the\", \"quick\", \"fox\"], ...], dim=100, cbow=False, epochs=5)",
        "    model.nearest(\"fox\", k=5)",
    ])


_build_train_signature()
