"""One worker of a cluster run: a local replica of the model trained on its shards (a Ray actor's body).

The worker scans its shards with the single-machine scanner into ids files on its
own disk, then trains in rounds, ``threads`` Hogwild threads taking spans from one
cursor as ``w2v.training.trainer`` does: with the cluster's kernels, which step each
word's rows at its own rate (``w2v.cluster.kernels``), when the tables carry those
rates, or else with the single-machine kernel. It keeps, beside
its replica, the model as of the last sync (``synced``): what it sends at a sync
is its replica minus that, for the rows the schedule names; what it gets back is
the combined change of every worker, which it adds to ``synced``. So after a sync
every worker holds the same values in the rows sent.

Nothing here imports Ray: the driver wraps the class as an actor.
"""

from __future__ import annotations

import math
import os
import resource
import socket
import tempfile
import threading
import time

import numpy as np

from w2v.cluster.kernels import train_span_scaled
from w2v.cluster.schedule import chunk_bounds, rows_to_send
from w2v.cluster.sharding import ShardReader
from w2v.errors import TrainingDiverged
from w2v.text.corpus import read_ids, remap_ids, scan_corpus
from w2v.text.vocab import Vocab
from w2v.training import checkpoint as ckpt
from w2v.training.kernels import sigmoid_tables, train_span
from w2v.training.params import TrainParams
from w2v.training.trainer import SPAN_IDS, TrainState, _SpanCursor, initial_weights

MIN_SPAN_IDS = 1 << 12  # a kernel call's fixed cost stays small against its work
# A healthy run's loss is a few nats a prediction; past this its vectors have blown up (a round too
# long for N x alpha diverges while the loss stays finite, measured: 445,882 a prediction).
EXPLODED_LOSS = 1000.0


def exploded(loss_sum: float, predictions: float) -> bool:
    """Whether an epoch's loss so far says training diverged (NaN, Inf, or blown-up vectors)."""
    return not math.isfinite(loss_sum) or loss_sum > EXPLODED_LOSS * max(predictions, 1.0)


def fresh_state(params: TrainParams, worker: int) -> TrainState:
    """A worker's starting state; its threads' random seeds differ from every other worker's."""
    seeds = np.random.default_rng([params.seed, worker]).integers(0, 2**63, size=params.threads, dtype=np.uint64)
    return TrainState(epoch=np.zeros(1, dtype=np.int64), position=np.zeros(1, dtype=np.int64), rng=seeds,
                      words_done=np.zeros(params.threads, dtype=np.int64),
                      stats=np.zeros((params.epochs, params.threads, 3), dtype=np.float64))


def state_to_dict(state: TrainState) -> dict:
    return {name: getattr(state, name).copy() for name in ("epoch", "position", "rng", "words_done", "stats")}


class NotSetUp(Exception):
    """A call reached a worker that Ray restarted and the driver has not set up yet."""


def _state_of(state: dict) -> TrainState:
    return TrainState(**{name: np.array(value) for name, value in state.items()})


class Worker:
    def __init__(self, index: int, n_workers: int, shards, params: TrainParams, prune_at: int | None = None,
                 workdir: str | None = None, alpha_scale: float = 1.0):
        self.index, self.n_workers, self.shards, self.params = index, n_workers, shards, params
        # the replica steps at this times --alpha (SyncSchedule.alpha_scale), unless the tables give
        # each word's rows their own scale (SyncSchedule.row_scales)
        self.alpha_scale = alpha_scale
        self.prune_at = prune_at
        self.workdir = workdir or tempfile.gettempdir()
        self.scans = None
        self.sigmoid, self.log_sigmoid = sigmoid_tables()

    def setup(self, tables: dict, state: dict | None, *weights) -> dict:
        """Scan the shards (once) and set the model and the state; again after a restart.

        ``tables``: the vocabulary and the kernel's tables (``w2v.cluster.driver.shared_tables``).
        ``weights``: the model's syn0 (then syn1neg, syn1 when trained) when not word2vec.c's fresh
        initialisation; ``state``: where to continue (None: at the start).
        """
        params = self.params
        self.tables = tables
        if self.scans is None:
            self._scan(Vocab(bytes(tables["words"]).decode("utf-8").split("\n"), tables["counts"]))
        size, dim = len(tables["counts"]), params.dim
        if weights:
            it = iter(weights)
            weights = [next(it), next(it) if params.negative > 0 else None, next(it) if params.hs else None]
        else:
            weights = (initial_weights(size, dim, params.seed),
                       np.zeros((size, dim), np.float32) if params.negative > 0 else None,
                       np.zeros((max(size - 1, 1), dim), np.float32) if params.hs else None)
        self._set_weights(weights)
        self.state = fresh_state(params, self.index) if state is None else _state_of(state)
        return self.info()

    def _scan(self, vocab: Vocab) -> None:
        ckpt.remove_stale_files(self.workdir)  # ids files of a worker killed here before
        self.scans, self.files = [], []
        offsets = [0]
        self.n_words = 0
        for shard in self.shards:
            with ShardReader(shard) as reader:
                scanned = scan_corpus(reader, workdir=self.workdir, max_vocab_size=self.prune_at)
            self.scans.append(scanned)
            n_ids, n_words = remap_ids(scanned, vocab.index_of(scanned.words))
            self.files.append(open(scanned.ids_path, "rb", buffering=0))
            offsets.append(offsets[-1] + n_ids)
            self.n_words += n_words
        self.offsets = np.array(offsets, dtype=np.int64)
        self.n_ids = int(self.offsets[-1])

    def _set_weights(self, weights) -> None:
        """The replica and the synced copy, from (syn0, syn1neg, syn1), None for a part not trained."""
        self.replica = [np.array(w, dtype=np.float32) for w in weights if w is not None]
        self.synced = [w.copy() for w in self.replica]
        # The kernel's (syn0, syn1neg, syn1), with 1-row dummies for the parts not trained.
        it = iter(self.replica)
        dummy = np.zeros((1, self.params.dim), np.float32)
        self.kernel_weights = [next(it) if w is not None else dummy for w in weights]
        self.from_end = [end for w, end in zip(weights, (False, False, True)) if w is not None]

    def info(self) -> dict:
        return {"pid": os.getpid(), "host": socket.gethostname(), "n_ids": self.n_ids, "n_words": self.n_words}

    # -- training ---------------------------------------------------------------------------------

    def train_round(self, budget: int | None, global_before: int, total_words: int,
                    until_epoch_end: bool = False, then_send: tuple | None = None):
        """Train ``budget`` words (about: whole spans), or to the end of the epoch. ``global_before``:
        words all workers had trained at the last sync, of ``total_words`` (for the learning rate).

        ``then_send``: ``deltas``'s arguments, for the sync the driver expects after this round; the
        changes then come back after the result (one call less a sync)."""
        self._check_set_up()
        params, state, tables = self.params, self.state, self.tables
        start_epoch, start_words = int(state.epoch[0]), int(state.words_done.sum())
        budget = budget if budget is not None else math.inf
        # spans no longer than a thread's share of the round, so that a round is as short as asked
        span_ids = SPAN_IDS if budget == math.inf else int(min(SPAN_IDS, max(MIN_SPAN_IDS, budget // params.threads)))
        cursor = _SpanCursor(state, self.n_ids, span_ids)
        syn0, syn1neg, syn1 = self.kernel_weights
        total_threads = params.threads * self.n_workers
        row_scale = tables.get("row_scale")
        # with a scale for each row, the kernel applies it to the plain rate; without, one scale for all
        alpha = params.starting_alpha * (1.0 if row_scale is not None else self.alpha_scale)
        failures: list[BaseException] = []

        def run(t: int) -> None:
            buffer = np.empty(SPAN_IDS, dtype=np.int32)
            rng_state = state.rng[t:t + 1]
            try:
                while int(state.words_done.sum()) - start_words < budget:
                    if until_epoch_end and int(state.epoch[0]) != start_epoch:
                        break
                    taken = cursor.take()
                    if taken is None:
                        break
                    epoch, begin, end = taken
                    span = self._read(begin, end, buffer)
                    # The others are assumed to move at this worker's pace since the last sync.
                    before = global_before + (int(state.words_done.sum()) - start_words) * self.n_workers
                    stats = state.stats[epoch, t]
                    read_before = stats[2]
                    if row_scale is not None:
                        train_span_scaled(span, 0, end - begin, syn0, syn1neg, tables["keep_threshold"],
                                          tables["noise_threshold"], tables["noise_alias"], self.sigmoid,
                                          self.log_sigmoid, params.window, params.negative, params.cbow,
                                          float(alpha), float(alpha * params.min_alpha_ratio), before, total_words,
                                          total_threads, rng_state, stats, row_scale)
                    else:
                        train_span(span, 0, end - begin, syn0, syn1neg, syn1, tables["keep_threshold"],
                                   tables["noise_threshold"], tables["noise_alias"], tables["codes"],
                                   tables["points"], tables["code_offsets"], self.sigmoid, self.log_sigmoid,
                                   params.window, params.negative, params.hs, params.cbow,
                                   params.kernel == "batched", float(alpha), float(alpha * params.min_alpha_ratio),
                                   before, total_words, total_threads, rng_state, stats)
                    state.words_done[t] += int(stats[2] - read_before)
                    if exploded(stats[0], stats[1]):
                        loss = stats[0] / max(stats[1], 1.0)
                        raise TrainingDiverged(f"training diverged: the loss became {loss:.4g} a prediction in epoch "
                                               f"{epoch + 1} on worker {self.index + 1}; lower --sync-every or "
                                               f"--alpha (it is {params.starting_alpha:g})")
            except BaseException as error:  # noqa: BLE001 - re-raised below, in the actor's thread
                failures.append(error)

        started = time.monotonic()
        threads = [threading.Thread(target=run, args=(t,), daemon=True) for t in range(params.threads)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if failures:
            raise failures[0]
        result = {"words": int(state.words_done.sum()) - start_words, "seconds": time.monotonic() - started,
                  "finished": state.finished, "state": state_to_dict(state),
                  "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}
        if then_send is None:
            return result
        started = time.monotonic()
        changes = self.deltas(*then_send)
        result["send_seconds"] = time.monotonic() - started
        return (result, *changes)

    def _check_set_up(self) -> None:
        if self.scans is None:
            raise NotSetUp(f"worker {self.index + 1} was restarted (pid {os.getpid()})")

    def _read(self, begin: int, end: int, buffer: np.ndarray) -> np.ndarray:
        """Ids ``begin:end`` of this worker's shards, read one after the other."""
        out = buffer[:end - begin]
        position = begin
        while position < end:
            k = int(np.searchsorted(self.offsets, position, side="right")) - 1
            stop = min(end, int(self.offsets[k + 1]))
            read_ids(self.files[k].fileno(), position - int(self.offsets[k]), out[position - begin:stop - begin])
            position = stop
        return out

    # -- synchronisation ----------------------------------------------------------------------------

    def _pieces(self, full: bool, hot_rows: int, chunks: int):
        """For each chunk of the rows a sync sends: (matrix, first row, last row + 1, first row in chunk)."""
        selected = [rows_to_send(w.shape[0], hot_rows, full, end) for w, end in zip(self.replica, self.from_end)]
        sizes = [s.stop - s.start for s in selected]
        starts = np.cumsum([0] + sizes)
        bounds = chunk_bounds(int(starts[-1]), chunks)
        for lo, hi in zip(bounds[:-1], bounds[1:]):
            pieces = []
            for m, rows in enumerate(selected):
                a, b = max(lo, starts[m]), min(hi, starts[m + 1])
                if a < b:
                    first = rows.start + int(a - starts[m])
                    pieces.append((m, first, first + int(b - a), int(a - lo)))
            yield int(hi - lo), pieces

    def deltas(self, full: bool, hot_rows: int, chunks: int, scale: float = 1.0):
        """What this replica changed since the last sync in the rows sent, times ``scale``
        (``SyncSchedule.change_scale``), cut into ``chunks`` parts (one for each worker that combines a
        part); returned after a count (``chunks + 1`` values)."""
        self._check_set_up()
        scale = np.float32(scale)
        parts = []
        for n_rows, pieces in self._pieces(full, hot_rows, chunks):
            part = np.empty((n_rows, self.params.dim), dtype=np.float32)
            for m, first, last, at in pieces:
                out = part[at:at + last - first]
                np.subtract(self.replica[m][first:last], self.synced[m][first:last], out=out)
                if scale != 1:
                    out *= scale
            parts.append(part)
        return (len(parts), *parts)  # a small first value: the driver waits on it, never on the weights

    def combine(self, *parts):
        """One part of the sync: the (scaled) changes of every worker to the same rows, added."""
        total = np.array(parts[0], dtype=np.float32)
        for part in parts[1:]:
            total += part
        return total.shape[0], total

    def apply(self, full: bool, hot_rows: int, *combined) -> float:
        """Set the rows sent to the last synced values plus everyone's combined change."""
        self._check_set_up()
        started = time.monotonic()
        for part, (_, pieces) in zip(combined, self._pieces(full, hot_rows, len(combined))):
            for m, first, last, at in pieces:
                np.add(self.synced[m][first:last], part[at:at + last - first], out=self.synced[m][first:last])
                self.replica[m][first:last] = self.synced[m][first:last]
        return time.monotonic() - started

    def snapshot(self):
        """The model as of the last sync (the same on every worker after a full sync)."""
        self._check_set_up()
        return self.synced[0] if len(self.synced) == 1 else tuple(self.synced)

    def close(self) -> None:
        for f in self.files if self.scans else ():
            f.close()
        for scanned in self.scans or ():
            scanned.close()
