"""The training driver: corpus scan, vocabulary, weights, Hogwild threads, progress, checkpoints.

Kernel calls are kept short (a span of ``SPAN_IDS`` tokens), so that progress,
the learning rate, checkpoints and Ctrl-C stay in Python between them. Each
worker is a Python thread running the nogil kernel on the next span of the
encoded corpus, taken from one shared cursor. (word2vec.c gives each thread a
fixed part of the file instead; then a thread that runs slower, on a busy
core, leaves the others waiting at the end of every epoch.) A worker reads its
span from the ids file into its own buffer, so memory does not grow with the
corpus.

Between two spans a worker can be paused (for a checkpoint) or stopped (on
SIGINT or SIGTERM). A span is the unit of work: the cursor, every thread's
random state and the counters are saved at span boundaries, so a resumed run
with one thread continues bit for bit as if it had never stopped.
"""

from __future__ import annotations

import dataclasses
import math
import os
import sys
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from w2v.errors import CorpusError, ModelError, ParameterError, TrainingDiverged
from w2v.subwords import SubwordSpec, SubwordTable
from w2v.subwords import inputs as subword_inputs
from w2v.text.corpus import read_ids, remap_ids, scan_corpus
from w2v.text.sources import input_size, vocabulary_warning
from w2v.text.vocab import Vocab
from w2v.training import checkpoint as ckpt
from w2v.training import kernels
from w2v.training.kernels import sigmoid_tables, train_span
from w2v.training.params import TrainParams

SPAN_IDS = 1 << 16


@dataclass
class TrainedModel:
    vocab: Vocab
    vectors: np.ndarray  # syn0
    output_ns: np.ndarray | None  # syn1neg
    output_hs: np.ndarray | None  # syn1
    params: TrainParams
    corpus: dict = field(default_factory=dict)
    stats: dict = field(default_factory=dict)
    # A subword model: while training ``vectors`` is the whole input matrix (word rows, then
    # n-gram rows); finish_subwords() makes it each word's composed vector and keeps the n-grams.
    subwords: SubwordSpec | None = None
    inputs: subword_inputs.InputRows | None = None
    ngram_vectors: np.ndarray | None = None

    @property
    def subword_table(self) -> SubwordTable | None:
        if self.ngram_vectors is None:
            return None
        return SubwordTable(self.subwords, self.ngram_vectors, self.inputs.buckets)

    def finish_subwords(self) -> None:
        size = len(self.vocab)
        self.ngram_vectors = self.vectors[size:]
        self.vectors = subword_inputs.composed_vectors(self.vectors, self.inputs, size)


class Progress:
    """Progress lines on stderr: a redrawn line on a terminal, a line every few seconds otherwise."""

    def __init__(self, stream=None, enabled: bool = True):
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled
        self.interactive = enabled and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.interval = 0.5 if self.interactive else 10.0
        self.last = 0.0
        self.dirty = False

    def update(self, text: str, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self.last < self.interval:
            return
        self.last = now
        if self.interactive:
            self.stream.write("\r\x1b[K" + text)
            self.dirty = True
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def line(self, text: str) -> None:
        if not self.enabled:
            return
        if self.dirty:
            self.stream.write("\r\x1b[K")
            self.dirty = False
        self.stream.write(text + "\n")
        self.stream.flush()

    def warn(self, text: str) -> None:
        """A warning, written even when progress is off."""
        enabled, self.enabled = self.enabled, True
        self.line("warning: " + text)
        self.enabled = enabled

    def epoch(self, epoch: int, epochs: int, loss: float, predictions: int, words: int) -> None:
        """An epoch has finished (``epoch`` counts from 1); a library caller's renderer also calls back."""
        self.line(f"epoch {epoch}/{epochs}: loss {loss:.4f} over {predictions:,} predictions")


def build_vocab(corpus_path: str, params: TrainParams, read_vocab: str | None = None,
                workdir: str | None = None, prune_at: int | None = None, progress: Progress | None = None,
                init=None, after_chunk=None, encoding: str | None = None):
    """Scan the corpus once: count words and write provisional ids.

    Returns (vocab, scanned corpus, final id of each provisional id, old row of each word
    or None): with ``init`` (a loaded model) the vocabulary is the model's, grown.
    ``after_chunk()`` is called after each chunk of the corpus is read.
    ``encoding``: the corpus's text encoding (None: UTF-8, see ``w2v.text.sources``).
    """
    started = time.monotonic()
    size = input_size(corpus_path)

    def report(bytes_read):
        if after_chunk is not None:
            after_chunk()
        if progress:
            elapsed = time.monotonic() - started
            of = f" of {size / 1e6:,.0f} MB ({100 * bytes_read / size:.0f}%)" if size else " MB"
            progress.update(f"reading {_name(corpus_path)}: {bytes_read / 1e6:,.0f}{of}, "
                            f"{bytes_read / 1e6 / max(elapsed, 1e-9):,.0f} MB/s")

    scanned = scan_corpus(corpus_path, workdir=workdir, max_vocab_size=prune_at, progress=report,
                          encoding=encoding)
    old_row = None
    try:
        if scanned.n_tokens == 0:
            raise CorpusError(f"corpus is empty: {_name(corpus_path)}")
        if init is not None:
            vocab, final_id, old_row = grown_vocab(init, scanned.words, scanned.counts, params)
        elif read_vocab:
            vocab = Vocab.load(read_vocab)
            final_id = vocab.index_of(scanned.words)
        else:
            vocab, final_id = scanned.vocabulary(params.min_count, params.max_vocab)
        if len(vocab) == 0:
            raise CorpusError(f"no word occurs at least {params.min_count} times in {_name(corpus_path)} "
                              f"(lower --min-count)")
        if params.hs and len(vocab) < 2:
            raise CorpusError(f"hierarchical softmax needs at least 2 vocabulary words, {_name(corpus_path)} has 1")
    except BaseException:
        scanned.close()
        raise
    if progress:
        grown = "" if old_row is None else f", {int((old_row < 0).sum()):,} of them new"
        found = f" ({scanned.found})" if scanned.found else ""
        replaced = f"; {scanned.replaced:,} invalid byte sequences replaced" if scanned.replaced else ""
        progress.line(f"read {scanned.n_tokens:,} words{found}, {scanned.n_words:,} distinct, in "
                      f"{time.monotonic() - started:.1f} s; vocabulary: {len(vocab):,} words "
                      f"(min count {params.min_count}){grown}{replaced}")
        warning = vocabulary_warning(scanned.n_bytes, int((scanned.counts >= params.min_count).sum()),
                                     params.min_count)
        if warning:
            progress.warn(warning)
    return vocab, scanned, final_id, old_row


def grown_vocab(model, words, counts, params: TrainParams):
    """An existing model's vocabulary grown with the new words seen ``min_count`` times (gensim's update).

    Old words stay (their counts grow by the new ones); new words are added, most frequent
    first, while ``max_vocab`` allows. Sorted by count again. Returns (vocab, final id of each
    of ``words``, and for each vocabulary word its row in the model or -1 for a new word).
    """
    if model.counts is None:
        raise ModelError(f"--init needs a native w2v model with word counts: {model.path!r}")
    old_words = model.words
    lookup = {word: i for i, word in enumerate(old_words)}
    counts = np.asarray(counts, dtype=np.int64)
    old_of = np.array([lookup.get(word, -1) for word in words], dtype=np.int64)
    merged_old = np.array(model.counts, dtype=np.int64)
    np.add.at(merged_old, old_of[old_of >= 0], counts[old_of >= 0])
    candidates = np.flatnonzero((old_of < 0) & (counts >= params.min_count))
    candidates = candidates[np.argsort(-counts[candidates], kind="stable")]
    if params.max_vocab is not None:
        candidates = candidates[:max(0, params.max_vocab - len(old_words))]
    all_words = list(old_words) + [words[i] for i in candidates]
    all_counts = np.concatenate([merged_old, counts[candidates]])
    order = np.argsort(-all_counts, kind="stable")  # ties: old words first, in their old order
    rank = np.empty(len(order), dtype=np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    final_id = np.full(len(words), -1, dtype=np.int32)
    final_id[old_of >= 0] = rank[old_of[old_of >= 0]]
    final_id[candidates] = rank[len(old_words):]
    old_row = np.where(order < len(old_words), order, -1)
    return Vocab([all_words[i] for i in order], all_counts[order].copy()), final_id, old_row


def initial_weights(vocab_size: int, dim: int, seed: int) -> np.ndarray:
    """word2vec.c's initialisation: uniform in [-0.5/dim, 0.5/dim)."""
    rng = np.random.default_rng(seed)
    vectors = rng.random((vocab_size, dim), dtype=np.float32)
    vectors -= np.float32(0.5)
    vectors /= np.float32(dim)
    return vectors


def _grown_weights(model, old_row: np.ndarray, params: TrainParams):
    """The model's weights moved to the grown vocabulary's rows; new rows start as in word2vec.c."""
    size, dim = len(old_row), params.dim
    old = old_row >= 0
    vectors = np.empty((size, dim), dtype=np.float32)
    vectors[old] = model.vectors[old_row[old]]
    vectors[~old] = initial_weights(int((~old).sum()), dim, params.seed)
    output_ns = None
    if params.negative > 0 and not params.tied:
        output_ns = np.zeros((size, dim), dtype=np.float32)
        if model.output_ns is not None:
            output_ns[old] = model.output_ns[old_row[old]]
        elif model.params.get("tied"):  # a tied model's output rows are its vectors
            output_ns[old] = model.vectors[old_row[old]]
    output_hs = None
    if params.hs:
        # The Huffman tree is rebuilt from the new counts: its inner nodes keep their rows only
        # when the vocabulary and its order did not change.
        unchanged = model.output_hs is not None and np.array_equal(old_row, np.arange(size))
        output_hs = np.array(model.output_hs, dtype=np.float32) if unchanged else \
            np.zeros((max(size - 1, 1), dim), dtype=np.float32)
    return vectors, output_ns, output_hs


def train(corpus_path: str, params: TrainParams | None = None, *, read_vocab: str | None = None,
          save_vocab: str | None = None, workdir: str | None = None, prune_at: int | None = None,
          init: str | None = None, checkpoint: str | None = None, checkpoint_every: float | None = None,
          resume: bool = False, resume_command: str | None = None, signals: ckpt.StopSignals | None = None,
          quiet: bool = False, stream=None, encoding: str | None = None,
          subwords: SubwordSpec | None = None, progress: Progress | None = None) -> TrainedModel:
    """Train on ``corpus_path`` (a path, "-" for stdin, or an open binary stream) and return the trained model.

    ``encoding``: the corpus's text encoding (None: UTF-8; compressed files and
    byte-order marks are handled either way, see ``w2v.text.sources``).

    ``init``: a native model to continue, as a path or loaded (its vocabulary grows with the new words).
    ``checkpoint``: a directory for checkpoints (see ``w2v.training.checkpoint``), written every
    ``checkpoint_every`` seconds and when SIGINT or SIGTERM stops training (then
    ``TrainingInterrupted`` is raised, naming ``resume_command``). ``resume``: continue
    the run saved in ``checkpoint`` (``params`` then come from it and may be None).
    ``subwords``: train fastText's subword model with these n-grams (``minn``/``maxn`` None:
    chosen from the vocabulary's script, see ``w2v.subwords.inputs.choose_lengths``).
    """
    progress = progress or Progress(stream, enabled=not quiet)
    wall_started = time.monotonic()
    with_subwords = subwords is not None or (resume and checkpoint is not None and ckpt.has_subwords(checkpoint))
    # On --resume the architecture is in the checkpoint; guessing skip-gram only costs a second load.
    kernel_loader = _KernelLoader(with_subwords, params)
    owns_signals = signals is None
    signals = signals or ckpt.StopSignals()
    if owns_signals:
        signals.__enter__()
    try:
        if resume:
            if checkpoint is None:
                raise ParameterError("resuming needs the checkpoint directory")
            kernel_loader.start()
            model = _resume(corpus_path, checkpoint, checkpoint_every, resume_command, signals, progress)
        else:
            if params is None:
                raise ParameterError("training needs parameters")
            params.validate()
            if params.tied and subwords is not None:
                raise ParameterError("--tied cannot be combined with --subwords: the n-gram rows have no output role")
            if params.word_share is not None and subwords is None:
                raise ParameterError("--word-share needs --subwords: a whole-token model has no n-gram rows")
            if checkpoint is not None:
                if ckpt.has_checkpoint(checkpoint):
                    raise ParameterError(f"an unfinished run's checkpoint is in {checkpoint!r}: continue it "
                                         f"with --resume, or delete it to start over")
                ckpt.CheckpointWriter(checkpoint).prepare()
                ckpt.remove_stale_files(checkpoint)
                workdir = workdir or checkpoint
            try:
                model = _train_fresh(corpus_path, params, read_vocab, save_vocab, workdir, prune_at, init,
                                     checkpoint, checkpoint_every, resume_command, signals, progress,
                                     kernel_loader.start, encoding, subwords)
            except BaseException:
                if checkpoint is not None and not ckpt.has_checkpoint(checkpoint):
                    ckpt.remove(checkpoint)
                raise
    finally:
        if owns_signals:
            signals.__exit__(None, None, None)
        kernel_loader.join()
    if model.subwords is not None:
        model.finish_subwords()
    model.stats["wall_seconds"] = time.monotonic() - wall_started
    return model


class _KernelLoader:
    """Loads the training kernel from Numba's cache (or compiles it, on a first run) in a thread.

    Started once the scan's own kernels are loaded (they share Numba's compiler lock), it runs
    while the corpus is read: loading takes about 0.3 s, compiling several seconds, and either
    would otherwise come after the scan. The call has the real call's argument types, so it loads
    the one specialisation training uses, of the one architecture's kernel the run uses.
    """

    def __init__(self, subwords: bool = False, params: TrainParams | None = None):
        self.thread = None
        self.subwords = subwords
        self.cbow = params is not None and params.cbow
        # the subword kernel the options choose (w2v.subwords.kernels.uses_skipgram_kernel)
        self.hs = params is not None and params.hs
        self.negative = params.negative if params is not None else 5
        self.batched = params is None or params.kernel == "batched"

    def start(self) -> None:
        if self.thread is None:
            target = self._load_subwords if self.subwords else self._load
            self.thread = threading.Thread(target=target, daemon=True, name="w2v-kernel-load")
            self.thread.start()

    def join(self) -> None:
        if self.thread is not None:
            self.thread.join()

    def _load(self) -> None:
        try:
            sigmoid, loss = sigmoid_tables()
            weights = np.zeros((2, 1), dtype=np.float32)
            thresholds = np.zeros(2, dtype=np.uint32)
            # kernels.train_span, not this module's name: that one is the training call, which
            # tests may wrap to count spans.
            kernels.train_span(np.zeros(0, dtype=np.int32), 0, 0, weights, weights, weights, thresholds, thresholds,
                               np.zeros(2, dtype=np.int32), np.zeros(1, dtype=np.uint8), np.zeros(1, dtype=np.int32),
                               np.zeros(2, dtype=np.int64), sigmoid, loss, 1, 1, False, self.cbow, False, 0.0, 0.0,
                               0, 1, 1, np.zeros(1, dtype=np.uint64), np.zeros(3), False)
        except Exception:  # noqa: BLE001 - the real call reports whatever went wrong here
            pass

    def _load_subwords(self) -> None:
        try:
            from w2v.subwords import kernels as subword_kernels

            sigmoid, loss = sigmoid_tables()
            weights = np.zeros((2, 1), dtype=np.float32)
            thresholds = np.zeros(2, dtype=np.uint32)
            subword_kernels.train_span(np.zeros(0, dtype=np.int32), 0, 0, weights, np.zeros(3, dtype=np.int64),
                                       np.zeros(2, dtype=np.int32), weights, weights, thresholds, thresholds,
                                       np.zeros(2, dtype=np.int32), np.zeros(1, dtype=np.uint8),
                                       np.zeros(1, dtype=np.int32), np.zeros(2, dtype=np.int64), sigmoid, loss, 1,
                                       self.negative, self.hs, self.cbow, self.batched, 0.0, 0.0, 0, 1, 1,
                                       np.zeros(1, dtype=np.uint64), np.zeros(3))
            subword_inputs.compiled_hashes(["a"], 1, 2)
        except Exception:  # noqa: BLE001 - the real call reports whatever went wrong here
            pass


def _subword_start(base, vocab, spec, params, old_row, progress):
    """The subword model's params and spec (the rate and lengths chosen from the vocabulary's script
    if not given), input rows and initial input matrix.

    With ``base`` (a subword model to continue) old words keep their raw rows and old buckets
    their n-gram rows; new ones start as fastText starts them.
    """
    if base is not None:
        if base.subwords is None:
            raise ParameterError(f"--init {base.path!r} is a whole-token model: it cannot continue as a subword model")
        saved = base.subwords.spec
        if spec.minn is None and spec.maxn is None:
            spec = dataclasses.replace(saved)
        if spec != saved:
            raise ParameterError(f"the n-grams ({_describe(spec)}) differ from the model's ({_describe(saved)}): "
                                 f"{base.path!r}")
    pick_lengths = base is None and (spec.minn is None or spec.maxn is None)
    pick_rate = params.subword_rate_by_script
    pick_share = params.word_share_by_script
    if pick_lengths or pick_rate or pick_share:
        alphabetic, why = subword_inputs.script_kind(vocab.words, vocab.counts)
        params = params.for_subwords(alphabetic)
        chosen, options = [], []
        if pick_lengths:
            minn, maxn = subword_inputs.lengths_for(alphabetic)
            spec = dataclasses.replace(spec, minn=spec.minn if spec.minn is not None else minn,
                                       maxn=spec.maxn if spec.maxn is not None else maxn)
            chosen.append(f"n-grams {spec.minn}-{spec.maxn}")
            options.append("--minn/--maxn")
        if pick_rate:
            chosen.append(f"skip-gram rate {params.alpha:g}")
            options.append("--alpha")
        if pick_share:
            chosen.append(f"word share {params.word_share:g}")
            options.append("--word-share")
        choose = "chooses another" if len(options) == 1 and options[0] != "--minn/--maxn" else "choose others"
        options = [", ".join(options[:-1]), options[-1]] if len(options) > 2 else options
        progress.line(f"subwords: {', '.join(chosen)} ({why}; {' and '.join(options)} {choose})")
    inputs = subword_inputs.input_rows(vocab.words, spec)
    size = len(vocab)
    vectors = subword_inputs.initial_input(size + inputs.n_ngram_rows, params.dim, params.seed)
    if base is not None:
        table = base.subwords
        old_inputs = subword_inputs.input_rows(base.words, spec)
        raw = subword_inputs.word_rows_from_composed(base.vectors, table.vectors, old_inputs)
        old = old_row >= 0
        vectors[:size][old] = raw[old_row[old]]
        at = np.minimum(np.searchsorted(table.buckets, inputs.buckets), table.buckets.shape[0] - 1)
        known = table.buckets[at] == inputs.buckets
        vectors[size:][known] = table.vectors[at[known]]
    return params, spec, inputs, vectors


def _describe(spec: SubwordSpec) -> str:
    text = f"{spec.minn}-{spec.maxn}, {spec.bucket} buckets"
    return text + (f", jamo {spec.jamo_minn}-{spec.jamo_maxn}" if spec.jamo else "")


def load_init_model(init, params: TrainParams):
    """The native model that ``--init`` continues, checked against ``params``."""
    from w2v.vectors.formats import load_model

    base = load_model(init) if _is_path(init) else init  # a path, or a model the library loaded
    if base.dim != params.dim:
        raise ParameterError(f"--dim {params.dim} differs from the model's {base.dim}: {init!r}")
    for name in ("vectors", "output_ns", "output_hs"):
        weights = getattr(base, name)
        if weights is not None and not np.isfinite(weights).all():
            raise ModelError(f"the model's {name} hold NaN or infinity (is the file corrupt?): {init!r}")
    return base


def _train_fresh(corpus_path, params, read_vocab, save_vocab, workdir, prune_at, init, checkpoint,
                 checkpoint_every, resume_command, signals, progress, after_chunk=None,
                 encoding=None, subwords=None) -> TrainedModel:
    if init is not None and read_vocab:
        raise ParameterError("--init and --read-vocab cannot be combined: --init uses the model's vocabulary")
    base = load_init_model(init, params) if init is not None else None
    if base is not None and base.subwords is not None and subwords is None:
        subwords = SubwordSpec(minn=None, maxn=None)  # a subword model continues as one
    vocab, scanned, final_id, old_row = build_vocab(corpus_path, params, read_vocab, workdir, prune_at,
                                                    progress, init=base, after_chunk=after_chunk,
                                                    encoding=encoding)
    try:
        if save_vocab:
            vocab.save(save_vocab)
        n_ids, n_words = remap_ids(scanned, final_id)
        del final_id
        scanned.forget_words()  # the vocabulary has its words: the scan's pool is not needed in training
        if n_words == 0:
            raise CorpusError(f"no vocabulary word occurs in {_name(corpus_path)}")
        inputs = None
        if subwords is not None:
            params, subwords, inputs, word_rows = _subword_start(base, vocab, subwords, params, old_row, progress)
        if base is not None:
            vectors, output_ns, output_hs = _grown_weights(base, old_row, params)
            if inputs is not None:
                vectors = word_rows
            del base
        else:
            vectors = initial_weights(len(vocab), params.dim, params.seed) if inputs is None else word_rows
            output_ns = np.zeros((len(vocab), params.dim), dtype=np.float32) \
                if params.negative > 0 and not params.tied else None
            output_hs = np.zeros((max(len(vocab) - 1, 1), params.dim), dtype=np.float32) if params.hs else None
        corpus = {"path": corpus_path, "tokens": scanned.n_tokens, "lines": scanned.n_lines,
                  "bytes": scanned.n_bytes, "distinct_words": scanned.n_words, "vocab_words": n_words}
        if init is not None:
            corpus["init"] = init if _is_path(init) else getattr(init, "path", None)
        model = TrainedModel(vocab=vocab, vectors=vectors, output_ns=output_ns, output_hs=output_hs,
                             params=params, corpus=corpus, subwords=subwords, inputs=inputs)
        info = {"corpus": corpus, "fingerprint": ckpt.corpus_fingerprint(corpus_path) if _is_path(corpus_path) else None,
                "n_ids": n_ids, "n_words": n_words}
        if subwords is not None:
            info["subwords"] = subwords.to_dict()
        threads = max(1, min(params.threads, n_ids // 1000 + 1))
        state = TrainState.fresh(params, threads)
        run = _Run(model, state, scanned.ids_path, info, checkpoint, checkpoint_every, resume_command,
                   signals, progress)
        model.stats = run.train()
    finally:
        scanned.close()
    return model


def _resume(corpus_path, checkpoint, checkpoint_every, resume_command, signals, progress) -> TrainedModel:
    saved, ids_path = ckpt.load(checkpoint)
    ckpt.remove_stale_files(checkpoint)
    info = saved.info
    recorded = info["corpus"].get("path")
    if info.get("fingerprint") is not None and corpus_path != "-":
        if ckpt.corpus_fingerprint(corpus_path) != info["fingerprint"]:
            raise CorpusError(f"{_name(corpus_path)} is not the corpus of the checkpoint in {checkpoint!r} "
                              f"({recorded!r}, {info['fingerprint']['size']:,} bytes) or it has changed")
    params = saved.params
    model = TrainedModel(vocab=Vocab(saved.words, saved.counts), vectors=saved.syn0, output_ns=saved.syn1neg,
                         output_hs=saved.syn1, params=params, corpus=info["corpus"])
    if info.get("subwords") is not None:
        model.subwords = SubwordSpec.from_dict(info["subwords"])
        model.inputs = subword_inputs.input_rows(saved.words, model.subwords)
        if saved.ngram_buckets is None or not np.array_equal(model.inputs.buckets, saved.ngram_buckets):
            raise ModelError(f"the checkpoint's n-gram rows do not match its vocabulary: {checkpoint!r}; "
                             f"delete it to start over")
    state = TrainState(saved.epoch, saved.position, saved.rng, saved.words_done, saved.stats)
    total = params.epochs * info["n_words"]
    progress.line(f"resuming from {checkpoint}: {int(state.words_done.sum()):,} of {total:,} words done "
                  f"({100 * state.words_done.sum() / max(total, 1):.1f}%)")
    run = _Run(model, state, ids_path, info, checkpoint, checkpoint_every, resume_command, signals, progress,
               ids_saved=True, elapsed_before=float(info.get("train_seconds", 0.0)))
    model.stats = run.train()
    return model


@dataclass
class TrainState:
    """Where the run is: all a checkpoint needs to continue it exactly."""

    epoch: np.ndarray  # (1,) int64: the epoch of the next span handed out (== epochs once all are)
    position: np.ndarray  # (1,) int64: the first id of the next span handed out
    rng: np.ndarray  # (threads,) uint64: each thread's LCG state
    words_done: np.ndarray  # (threads,) int64: words each thread has read, all epochs together
    stats: np.ndarray  # (epochs, threads, 3) float64: loss sum, predictions, words read

    @classmethod
    def fresh(cls, params: TrainParams, threads: int) -> "TrainState":
        # Well-mixed LCG seeds: small integers would make the first draws' high bits nearly zero.
        seeds = np.random.default_rng(params.seed).integers(0, 2**63, size=threads, dtype=np.uint64)
        return cls(epoch=np.zeros(1, dtype=np.int64), position=np.zeros(1, dtype=np.int64), rng=seeds,
                   words_done=np.zeros(threads, dtype=np.int64),
                   stats=np.zeros((params.epochs, threads, 3), dtype=np.float64))

    @property
    def threads(self) -> int:
        return self.rng.shape[0]

    @property
    def finished(self) -> bool:
        return int(self.epoch[0]) >= self.stats.shape[0]


class _SpanCursor:
    """Hands out the corpus span by span, epoch after epoch, to whichever worker asks first."""

    def __init__(self, state: TrainState, n_ids: int, span_ids: int | None = None):
        # SPAN_IDS read here, not bound as a default: the workers size their buffers by it
        self.state, self.n_ids, self.span_ids = state, n_ids, span_ids or SPAN_IDS
        self.lock = threading.Lock()

    def take(self) -> tuple[int, int, int] | None:
        """(epoch, begin, end) of the next span, or None when every epoch has been handed out."""
        state = self.state
        with self.lock:
            if state.finished:
                return None
            epoch, begin = int(state.epoch[0]), int(state.position[0])
            end = min(begin + self.span_ids, self.n_ids)
            if end >= self.n_ids:
                state.epoch[0], state.position[0] = epoch + 1, 0
            else:
                state.position[0] = end
            return epoch, begin, end


class _Gate:
    """Where workers wait between spans: paused for a checkpoint, or told to stop."""

    def __init__(self, workers: int):
        self.condition = threading.Condition()
        self.stopping = False  # set without the lock (from a signal handler); read between spans
        self.pausing = False
        self.parked = 0
        self.running = workers

    def proceed(self) -> bool:
        """Called by a worker between spans: waits out a pause; False when it must stop."""
        if self.pausing and not self.stopping:
            with self.condition:
                self.parked += 1
                self.condition.notify_all()
                while self.pausing and not self.stopping:
                    self.condition.wait(0.5)
                self.parked -= 1
        return not self.stopping

    def done(self) -> None:
        with self.condition:
            self.running -= 1
            self.condition.notify_all()

    def pause(self) -> None:
        """Returns once every running worker waits between two spans."""
        with self.condition:
            self.pausing = True
            while self.parked < self.running:
                self.condition.wait(0.1)

    def release(self) -> None:
        with self.condition:
            self.pausing = False
            self.condition.notify_all()

    def stop(self) -> None:
        self.stopping = True


class _Run:
    """One training run over an encoded corpus, from ``state`` to the end (or to a stop)."""

    def __init__(self, model, state, ids_path, info, checkpoint, checkpoint_every, resume_command, signals,
                 progress, ids_saved=False, elapsed_before=0.0):
        self.model, self.state, self.ids_path, self.info = model, state, ids_path, info
        self.writer = ckpt.CheckpointWriter(checkpoint) if checkpoint is not None else None
        if self.writer is not None:
            self.writer.ids_written = ids_saved
        self.checkpoint_every = checkpoint_every
        self.resume_command = resume_command
        self.signals = signals
        self.progress = progress
        self.elapsed_before = elapsed_before
        self.n_words = info["n_words"]

    def train(self) -> dict:
        model, state, params, progress = self.model, self.state, self.model.params, self.progress
        vocab = model.vocab
        threads = state.threads
        keep_threshold, noise_threshold, noise_alias, codes, points, code_offsets = kernel_tables(vocab, params)
        sigmoid_table, log_sigmoid_table = sigmoid_tables()
        syn1neg = model.output_ns if model.output_ns is not None else np.zeros((1, params.dim), np.float32)
        if params.tied:
            syn1neg = model.vectors
        syn1 = model.output_hs if model.output_hs is not None else np.zeros((1, params.dim), np.float32)
        if model.inputs is not None:
            from w2v.subwords import kernels as subword_kernels

            offsets, rows = model.inputs.offsets, model.inputs.rows
            word_share = params.own_row_share

            def span_kernel(ids, begin, end, syn0, *rest):
                subword_kernels.train_span(ids, begin, end, syn0, offsets, rows, *rest, word_share)
        else:
            def span_kernel(*args):
                train_span(*args, params.tied)  # the module's name at call time: tests wrap it
        total_words = params.epochs * self.n_words
        starting_alpha = float(params.starting_alpha)
        min_alpha = starting_alpha * params.min_alpha_ratio
        cursor = _SpanCursor(state, self.info["n_ids"])
        gate = _Gate(threads)
        failures: list[BaseException] = []
        try:
            ids_file = open(self.ids_path, "rb", buffering=0)
        except OSError as e:
            raise CorpusError(f"cannot read the token ids file {self.ids_path!r}: {e.strerror}") from None

        def worker(t: int) -> None:
            buffer = np.empty(SPAN_IDS, dtype=np.int32)
            rng_state = state.rng[t:t + 1]  # a view: the kernel carries the LCG in it
            try:
                while gate.proceed():
                    taken = cursor.take()
                    if taken is None:
                        break
                    epoch, begin, end = taken
                    span = read_ids(ids_file.fileno(), begin, buffer[:end - begin])
                    before = int(state.words_done.sum())
                    epoch_stats = state.stats[epoch, t]
                    read_before = epoch_stats[2]
                    span_kernel(span, 0, end - begin, model.vectors, syn1neg, syn1, keep_threshold,
                               noise_threshold, noise_alias, codes, points, code_offsets, sigmoid_table,
                               log_sigmoid_table, params.window, params.negative, params.hs, params.cbow,
                               params.kernel == "batched", starting_alpha, min_alpha, before, total_words,
                               threads, rng_state, epoch_stats)
                    state.words_done[t] += int(epoch_stats[2] - read_before)
                    if not math.isfinite(epoch_stats[0]):
                        raise TrainingDiverged(
                            f"training diverged: the loss became {epoch_stats[0]} in epoch {epoch + 1} "
                            f"({100 * state.words_done.sum() / max(total_words, 1):.1f}% done); "
                            f"lower --alpha (it is {starting_alpha:g})")
            except BaseException as error:  # surfaced by the main thread
                failures.append(error)
                gate.stop()
            finally:
                gate.done()

        started = time.monotonic()
        last_checkpoint = started
        done_before = int(state.words_done.sum())
        workers = [threading.Thread(target=worker, args=(t,), daemon=True, name=f"w2v-train-{t}")
                   for t in range(threads)]
        self.signals.stop = gate.stop
        if self.signals.received is not None:
            gate.stop()
        epochs_reported = int(state.words_done.sum() // max(self.n_words, 1))  # before a fast worker moves on
        for thread in workers:
            thread.start()
        try:
            try:
                while any(thread.is_alive() for thread in workers):
                    for thread in workers:
                        thread.join(timeout=0.1)
                    done = int(state.words_done.sum())
                    elapsed = time.monotonic() - started
                    epochs_reported = _report_epochs(state.stats, state.words_done, self.n_words,
                                                     epochs_reported, progress)
                    progress.update(_progress_text(done, done_before, total_words, elapsed, starting_alpha,
                                                   min_alpha, state.stats, epochs_reported))
                    if (self.writer is not None and self.checkpoint_every is not None and not gate.stopping
                            and time.monotonic() - last_checkpoint >= self.checkpoint_every):
                        gate.pause()
                        try:
                            if not failures:
                                self._save(time.monotonic() - started)
                        finally:
                            gate.release()
                        last_checkpoint = time.monotonic()
            except BaseException:  # Ctrl-C without a signal handler (not the main thread), or a failing
                gate.stop()        # progress callback: stop the workers, save nothing
                for thread in workers:
                    thread.join()
                raise
        finally:
            self.signals.stop = None
            self.signals.deferred = True
            ids_file.close()
        elapsed = time.monotonic() - started
        if failures:
            if isinstance(failures[0], TrainingDiverged) and self.writer is not None:
                ckpt.remove(self.writer.directory)  # resuming would replay the same learning rates
            raise failures[0]
        if not state.finished:
            model.stats = self._summary(elapsed, done_before)
            self._interrupted(elapsed, total_words)
        _report_epochs(state.stats, state.words_done, self.n_words, epochs_reported, progress, final=True)
        if not np.isfinite(model.vectors).all():
            raise TrainingDiverged(f"training diverged: the vectors hold NaN or Inf; lower --alpha "
                                   f"(it is {starting_alpha:g})")
        return self._summary(elapsed, done_before)

    def _summary(self, elapsed: float, done_before: int) -> dict:
        state = self.state
        trained = int(state.words_done.sum())
        epoch_loss = [float(s[:, 0].sum() / max(s[:, 1].sum(), 1)) for s in state.stats]
        return {"words": trained, "train_seconds": self.elapsed_before + elapsed,
                "words_per_second": (trained - done_before) / max(elapsed, 1e-9),
                "threads": state.threads, "epoch_loss": epoch_loss}

    def _save(self, elapsed: float) -> None:
        """Write a checkpoint (the workers are paused or done). Diverged weights are never saved."""
        model, state = self.model, self.state
        if not all(np.isfinite(w).all() for w in (model.vectors, model.output_ns, model.output_hs) if w is not None):
            return  # the worker that saw it raises TrainingDiverged
        info = dict(self.info, train_seconds=self.elapsed_before + elapsed)
        saved = ckpt.Checkpoint(params=model.params, words=model.vocab.words, counts=model.vocab.counts,
                                syn0=model.vectors, syn1neg=model.output_ns, syn1=model.output_hs,
                                epoch=state.epoch, position=state.position, rng=state.rng,
                                words_done=state.words_done, stats=state.stats, info=info,
                                ngram_buckets=None if model.inputs is None else model.inputs.buckets)
        deferred = self.signals.deferred
        self.signals.deferred = True
        try:
            self.writer.save(saved, self.ids_path)
        finally:
            self.signals.deferred = deferred

    def _interrupted(self, elapsed: float, total_words: int):
        signum = self.signals.received
        state = self.state
        done = 100 * state.words_done.sum() / max(total_words, 1)
        where = f"at {done:.1f}% (epoch {int(state.epoch[0]) + 1}/{self.model.params.epochs})"
        name = ckpt.signal_name(signum) if signum is not None else "a stop request"
        if self.writer is None:
            error = ckpt.TrainingInterrupted(f"interrupted by {name} {where}; nothing was written", signum or 2)
            error.model = self.model  # the weights so far, for a library caller that keeps them
            raise error
        self._save(elapsed)
        command = f"; resume with: {self.resume_command}" if self.resume_command else ""
        raise ckpt.TrainingInterrupted(f"interrupted by {name} {where}; checkpoint saved in "
                                       f"{self.writer.directory!r}{command}", signum or 2)


def noise_tables(vocab: Vocab, params: TrainParams) -> tuple[np.ndarray, np.ndarray]:
    """The kernels' noise-word alias table for unigram^ns_exponent: (16-bit thresholds, aliases)."""
    if params.negative == 0:
        return np.full(1, 65536, np.uint32), np.zeros(1, np.int32)
    prob, alias = vocab.alias_table(params.ns_exponent)
    return np.minimum(np.floor(prob.astype(np.float64) * 65536.0 + 0.5), 65536).astype(np.uint32), alias


def kernel_tables(vocab: Vocab, params: TrainParams) -> tuple:
    """The kernel's tables derived from the counts: (keep_threshold, noise_threshold, noise_alias, codes,
    points, code_offsets), dummies for the parts that ``params`` do not use."""
    keep = vocab.keep_probabilities(params.sample)
    keep_threshold = np.minimum(np.floor(keep.astype(np.float64) * 65536.0 + 0.5), 65536).astype(np.uint32)
    noise_threshold, noise_alias = noise_tables(vocab, params)
    if params.hs:
        codes, points, code_offsets = vocab.huffman()
    else:
        codes, points, code_offsets = np.zeros(1, np.uint8), np.zeros(1, np.int32), np.zeros(2, np.int64)
    return keep_threshold, noise_threshold, noise_alias, codes, points, code_offsets


def _progress_text(done, done_before, total, elapsed, starting_alpha, min_alpha, stats, epochs_reported) -> str:
    fraction = done / max(total, 1)
    speed = (done - done_before) / max(elapsed, 1e-9)
    alpha = max(starting_alpha * (1.0 - fraction), min_alpha)
    current = stats[min(epochs_reported, len(stats) - 1)]
    loss = current[:, 0].sum() / max(current[:, 1].sum(), 1)
    eta = (total - done) / speed if speed > 0 else float("inf")
    eta_text = f"{eta:,.0f} s" if math.isfinite(eta) else "?"
    return (f"{100 * fraction:5.1f}%  {speed:,.0f} words/s  alpha {alpha:.6f}  "
            f"loss {loss:.4f}  epoch {min(epochs_reported + 1, len(stats))}/{len(stats)}  ETA {eta_text}")


def _report_epochs(stats, words_done, n_words, reported, progress, final=False) -> int:
    """Print one line per finished epoch: an epoch is finished when all its words have been read."""
    n_epochs = len(stats)
    finished = n_epochs if final else int(words_done.sum() // max(n_words, 1))
    while reported < min(finished, n_epochs) and (final or stats[reported, :, 2].sum() >= n_words):
        s = stats[reported]
        progress.epoch(reported + 1, n_epochs, float(s[:, 0].sum() / max(s[:, 1].sum(), 1)), int(s[:, 1].sum()),
                       int(s[:, 2].sum()))
        reported += 1
    return reported


def _is_path(source) -> bool:
    return isinstance(source, (str, os.PathLike))


def _name(path) -> str:
    if not _is_path(path):
        return str(path)  # a stream names itself (the library's sentence stream: "the sentences given")
    return "standard input" if path == "-" else repr(path)
