"""The training driver: corpus scan, vocabulary, weights, Hogwild threads, progress.

Kernel calls are kept short (a span of ``SPAN_IDS`` tokens), so that progress,
the learning rate and Ctrl-C stay in Python between them. Each worker is a Python
thread running the nogil kernel over its own contiguous part of the encoded corpus,
as word2vec.c's threads each read their own part of the file.
"""

from __future__ import annotations

import math
import sys
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from w2v.corpus import ids_array, remap_ids, scan_corpus
from w2v.errors import CorpusError, TrainingDiverged
from w2v.kernels import sigmoid_tables, train_span
from w2v.params import TrainParams
from w2v.vocab import Vocab

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


def build_vocab(corpus_path: str, params: TrainParams, read_vocab: str | None = None,
                workdir: str | None = None, prune_at: int | None = None, progress: Progress | None = None):
    """Scan the corpus once: count words and write provisional ids; returns (vocab, scanned corpus)."""
    started = time.monotonic()

    def report(bytes_read):
        if progress:
            elapsed = time.monotonic() - started
            progress.update(f"reading {corpus_path}: {bytes_read / 1e6:,.0f} MB, "
                            f"{bytes_read / 1e6 / max(elapsed, 1e-9):,.0f} MB/s")

    scanned = scan_corpus(corpus_path, workdir=workdir, max_vocab_size=prune_at, progress=report)
    try:
        if scanned.n_tokens == 0:
            raise CorpusError(f"corpus is empty: {_name(corpus_path)}")
        if read_vocab:
            vocab = Vocab.load(read_vocab)
            final_id = vocab.index_of(scanned.words)
        else:
            vocab, final_id = Vocab.from_counts(scanned.words, scanned.counts, params.min_count, params.max_vocab)
        if len(vocab) == 0:
            raise CorpusError(f"no word occurs at least {params.min_count} times in {_name(corpus_path)} "
                              f"(lower --min-count)")
        if params.hs and len(vocab) < 2:
            raise CorpusError(f"hierarchical softmax needs at least 2 vocabulary words, {_name(corpus_path)} has 1")
    except BaseException:
        scanned.close()
        raise
    if progress:
        progress.line(f"read {scanned.n_tokens:,} words, {len(scanned.words):,} distinct, in "
                      f"{time.monotonic() - started:.1f} s; vocabulary: {len(vocab):,} words "
                      f"(min count {params.min_count})")
    return vocab, scanned, final_id


def initial_weights(vocab_size: int, dim: int, seed: int) -> np.ndarray:
    """word2vec.c's initialisation: uniform in [-0.5/dim, 0.5/dim)."""
    rng = np.random.default_rng(seed)
    vectors = rng.random((vocab_size, dim), dtype=np.float32)
    vectors -= np.float32(0.5)
    vectors /= np.float32(dim)
    return vectors


def train(corpus_path: str, params: TrainParams, *, read_vocab: str | None = None,
          save_vocab: str | None = None, workdir: str | None = None, prune_at: int | None = None,
          quiet: bool = False, stream=None) -> TrainedModel:
    params.validate()
    progress = Progress(stream, enabled=not quiet)
    wall_started = time.monotonic()
    vocab, scanned, final_id = build_vocab(corpus_path, params, read_vocab, workdir, prune_at, progress)
    try:
        if save_vocab:
            vocab.save(save_vocab)
        n_ids, n_words = remap_ids(scanned, final_id)
        ids = ids_array(scanned.ids_path, n_ids)
        if n_words == 0:
            raise CorpusError(f"no vocabulary word occurs in {_name(corpus_path)}")
        model = TrainedModel(
            vocab=vocab,
            vectors=initial_weights(len(vocab), params.dim, params.seed),
            output_ns=np.zeros((len(vocab), params.dim), dtype=np.float32) if params.negative > 0 else None,
            output_hs=np.zeros((max(len(vocab) - 1, 1), params.dim), dtype=np.float32) if params.hs else None,
            params=params,
            corpus={"path": corpus_path, "tokens": scanned.n_tokens, "lines": scanned.n_lines,
                    "bytes": scanned.n_bytes, "distinct_words": len(scanned.words), "vocab_words": n_words},
        )
        model.stats = run_epochs(model, ids, n_words, progress)
    finally:
        scanned.close()
    model.stats["wall_seconds"] = time.monotonic() - wall_started
    return model


def run_epochs(model: TrainedModel, ids: np.ndarray, n_words: int, progress: Progress) -> dict:
    params, vocab = model.params, model.vocab
    threads = max(1, min(params.threads, len(ids) // 1000 + 1))
    keep = vocab.keep_probabilities(params.sample)
    keep_threshold = np.minimum(np.floor(keep.astype(np.float64) * 65536.0 + 0.5), 65536).astype(np.uint32)
    noise_prob, noise_alias = vocab.alias_table() if params.negative > 0 else (np.ones(1, np.float32),
                                                                            np.zeros(1, np.int32))
    noise_threshold = np.minimum(np.floor(noise_prob.astype(np.float64) * 65536.0 + 0.5), 65536).astype(np.uint32)
    if params.hs:
        codes, points, code_offsets = vocab.huffman()
    else:
        codes, points, code_offsets = np.zeros(1, np.uint8), np.zeros(1, np.int32), np.zeros(2, np.int64)
    sigmoid_table, log_sigmoid_table = sigmoid_tables()
    syn1neg = model.output_ns if model.output_ns is not None else np.zeros((1, params.dim), np.float32)
    syn1 = model.output_hs if model.output_hs is not None else np.zeros((1, params.dim), np.float32)
    total_words = params.epochs * n_words
    starting_alpha = float(params.starting_alpha)
    min_alpha = starting_alpha * params.min_alpha_ratio

    # One contiguous part of the corpus per thread, as word2vec.c splits its file.
    bounds = np.linspace(0, len(ids), threads + 1).astype(np.int64)
    # Well-mixed LCG seeds: small integers would make the first draws' high bits nearly zero.
    seeds = np.random.default_rng(params.seed).integers(0, 2**63, size=threads, dtype=np.uint64)
    rng_states = [np.array([s], dtype=np.uint64) for s in seeds]
    # stats[epoch, thread] = [loss sum, predictions, words read]; one row per thread, no sharing.
    stats = np.zeros((params.epochs, threads, 3), dtype=np.float64)
    words_done = np.zeros(threads, dtype=np.int64)
    stop = threading.Event()
    failures: list[BaseException] = []

    def worker(t: int) -> None:
        try:
            for epoch in range(params.epochs):
                for begin in range(bounds[t], bounds[t + 1], SPAN_IDS):
                    if stop.is_set():
                        return
                    end = min(begin + SPAN_IDS, bounds[t + 1])
                    before = int(words_done.sum())
                    epoch_stats = stats[epoch, t]
                    read_before = epoch_stats[2]
                    train_span(ids, begin, end, model.vectors, syn1neg, syn1, keep_threshold, noise_threshold,
                               noise_alias, codes, points, code_offsets, sigmoid_table, log_sigmoid_table,
                               params.window, params.negative, params.hs, params.cbow,
                               params.kernel == "batched", starting_alpha, min_alpha, before, total_words,
                               threads, rng_states[t], epoch_stats)
                    words_done[t] += int(epoch_stats[2] - read_before)
                    if not math.isfinite(epoch_stats[0]):
                        raise TrainingDiverged(
                            f"training diverged: the loss became {epoch_stats[0]} in epoch {epoch + 1}; "
                            f"lower --alpha (it is {starting_alpha:g})")
        except BaseException as error:  # surfaced by the main thread
            failures.append(error)
            stop.set()

    started = time.monotonic()
    workers = [threading.Thread(target=worker, args=(t,), daemon=True, name=f"w2v-train-{t}") for t in range(threads)]
    for thread in workers:
        thread.start()
    epochs_reported = 0
    try:
        while any(thread.is_alive() for thread in workers):
            for thread in workers:
                thread.join(timeout=0.1)
            done = int(words_done.sum())
            elapsed = time.monotonic() - started
            epochs_reported = _report_epochs(stats, words_done, bounds, n_words, epochs_reported, progress)
            progress.update(_progress_text(done, total_words, elapsed, starting_alpha, min_alpha, stats, epochs_reported))
    except KeyboardInterrupt:
        stop.set()
        for thread in workers:
            thread.join()
        raise
    if failures:
        raise failures[0]
    elapsed = time.monotonic() - started
    _report_epochs(stats, words_done, bounds, n_words, epochs_reported, progress, final=True)
    if not np.isfinite(model.vectors).all():
        raise TrainingDiverged(f"training diverged: the vectors hold NaN or Inf; lower --alpha "
                               f"(it is {starting_alpha:g})")
    trained = int(words_done.sum())
    epoch_loss = [float(s[:, 0].sum() / max(s[:, 1].sum(), 1)) for s in stats]
    return {"words": trained, "train_seconds": elapsed, "words_per_second": trained / max(elapsed, 1e-9),
            "threads": threads, "epoch_loss": epoch_loss}


def _progress_text(done, total, elapsed, starting_alpha, min_alpha, stats, epochs_reported) -> str:
    fraction = done / max(total, 1)
    speed = done / max(elapsed, 1e-9)
    alpha = max(starting_alpha * (1.0 - fraction), min_alpha)
    current = stats[min(epochs_reported, len(stats) - 1)]
    loss = current[:, 0].sum() / max(current[:, 1].sum(), 1)
    eta = (total - done) / speed if speed > 0 else float("inf")
    eta_text = f"{eta:,.0f} s" if math.isfinite(eta) else "?"
    return (f"{100 * fraction:5.1f}%  {speed:,.0f} words/s  alpha {alpha:.6f}  "
            f"loss {loss:.4f}  epoch {epochs_reported + 1}/{len(stats)}  ETA {eta_text}")


def _report_epochs(stats, words_done, bounds, n_words, reported, progress, final=False) -> int:
    """Print one line per finished epoch: an epoch is finished when every thread is past it."""
    n_epochs = len(stats)
    finished = n_epochs if final else int(words_done.sum() // max(n_words, 1))
    # The slowest thread decides; words per thread part are nearly equal.
    while reported < min(finished, n_epochs) and (final or stats[reported, :, 2].sum() >= n_words):
        s = stats[reported]
        progress.line(f"epoch {reported + 1}/{n_epochs}: loss {s[:, 0].sum() / max(s[:, 1].sum(), 1):.4f} "
                      f"over {int(s[:, 1].sum()):,} predictions")
        reported += 1
    return reported


def _name(path: str) -> str:
    return "standard input" if path == "-" else repr(path)
