"""The driver of a cluster run: Ray, the shards, the vocabulary, the workers, the sync rounds, the faults.

A run is a loop of rounds. In a round every worker trains ``schedule.round_words(N)``
words (or one epoch) on its replica; then the workers sync: each cuts the change
of the rows sent into one part per worker (returned with the round's result), worker j
combines part j of everyone (a reduce-scatter, all parts at once), and every worker adds
all combined parts to its synced copy (an all-gather). The driver only passes object
references: the weights go from worker to worker through Ray's object store.

Faults: a worker whose process dies is restarted by Ray; the driver gives it the
synced model of a surviving worker (or the last full snapshot when none
survived) and the state it had at that sync, and the round it lost is trained
again. (What it had changed in the rows a hot sync does not send, since the last
full sync, is lost with it: a few rounds of its rare words' updates.) Ctrl-C or SIGTERM ends the round, syncs all rows and saves a checkpoint.
"""

from __future__ import annotations

import logging
import signal
import time
from dataclasses import replace

import numpy as np

from w2v.cluster import state as saved_state
from w2v.cluster.counting import CountMerger, count_shard
from w2v.cluster.schedule import SyncSchedule
from w2v.cluster.sharding import assign, corpus_files, plan_shards
from w2v.cluster.worker import NotSetUp, Worker, fresh_state, state_to_dict
from w2v.errors import CorpusError, ParameterError, W2VError
from w2v.training import checkpoint as ckpt
from w2v.training.params import TrainParams
from w2v.training.trainer import (Progress, TrainedModel, _grown_weights, _progress_text, _report_epochs, grown_vocab,
                       kernel_tables, load_init_model)
from w2v.text.vocab import Vocab

MAX_RESTARTS = 5  # per worker: a worker that keeps dying is a bug or a broken node, not bad luck
# How long a restarted worker may take to come back. Ray starts a new process, which imports NumPy
# and Numba and loads its kernels: seconds on an idle node, far longer on a loaded one.
RESTART_WAIT_S = 300.0
# From this many workers on, CBOW measured below one process's accuracy; skip-gram did not.
CBOW_SHORTFALL_WORKERS = 4
SHARDS_PER_WORKER = 2  # counting tasks per worker: a slow shard holds the vocabulary back less


class ClusterError(W2VError):
    """Ray cannot be used or reached, or the cluster lost more than a run can recover from."""


def import_ray():
    try:
        import ray
    except ImportError:
        raise ClusterError("--cluster needs Ray, which is not installed: pip install 'w2v[cluster]'") from None
    return ray


def connect(ray, address: str) -> bool:
    """Join the Ray cluster at ``address`` ("local" starts one here); True when this call started Ray."""
    if ray.is_initialized():
        return False
    options = dict(logging_level=logging.WARNING, log_to_driver=False)
    try:
        if address == "local":
            # on loopback: a Ray started here talks to nothing beyond this machine
            ray.init(include_dashboard=False, _node_ip_address="127.0.0.1", **options)
        else:
            ray.init(address=address, **options)
    except (ConnectionError, ValueError, RuntimeError) as e:
        raise ClusterError(f"cannot connect to the Ray cluster at {address!r}: {str(e).splitlines()[0]}") from None
    return True


def shared_tables(vocab: Vocab, params: TrainParams, row_scale: np.ndarray | None = None) -> dict:
    """The vocabulary and the kernel's tables, as one object for the object store; with ``row_scale``
    (``SyncSchedule.row_scales``), the workers step each word's rows at its own rate."""
    keep, noise_threshold, noise_alias, codes, points, code_offsets = kernel_tables(vocab, params)
    tables = {"words": np.frombuffer("\n".join(vocab.words).encode("utf-8"), dtype=np.uint8),
              "counts": vocab.counts, "keep_threshold": keep, "noise_threshold": noise_threshold,
              "noise_alias": noise_alias, "codes": codes, "points": points, "code_offsets": code_offsets}
    if row_scale is not None:
        tables["row_scale"] = row_scale
    return tables


def takes_row_scales(params: TrainParams) -> bool:
    """Whether the cluster's kernels with a rate for each row (``w2v.cluster.kernels``) train these
    parameters: negative sampling alone, with the batched updates."""
    return params.negative > 0 and not params.hs and params.kernel == "batched"


def count_vocabulary(ray, shards, prune_at, workdir, progress):
    """Count the shards with Ray tasks, merged in corpus order as they arrive."""
    started = time.monotonic()
    task = ray.remote(num_cpus=1)(count_shard)
    pending = [task.remote(shard, prune_at, workdir) for shard in shards]
    merger = CountMerger(prune_at)
    for ref in pending:
        merger.add(ray.get(ref))
    words, counts = merger.result()
    progress.line(f"counted {merger.n_tokens:,} words, {len(words):,} distinct, in {len(shards)} shards "
                  f"({merger.n_bytes / 1e6:,.0f} MB) in {time.monotonic() - started:.1f} s")
    return words, counts, merger.n_tokens


def train(corpus, params: TrainParams | None = None, *, address: str = "local", workers: int | None = None,
          schedule: SyncSchedule | None = None, read_vocab: str | None = None, save_vocab: str | None = None,
          workdir: str | None = None, prune_at: int | None = None, init: str | None = None,
          checkpoint: str | None = None, checkpoint_every: float | None = None, resume: bool = False,
          resume_command: str | None = None, signals: ckpt.StopSignals | None = None, quiet: bool = False,
          stream=None, on_round=None) -> TrainedModel:
    """Train on the files ``corpus`` (paths, globs, directories) with ``workers`` Ray actors.

    The options mean what they mean for ``w2v.training.trainer.train``; ``params.threads`` is per worker.
    ``on_round(run)`` is called after each round (tests and benchmarks inject faults there).
    """
    if params is not None and params.word_share is not None:
        raise ParameterError("--word-share needs --subwords, which --cluster does not take yet")
    if params is not None and params.tied:
        raise ParameterError("--tied does not work with --cluster yet: the workers keep two matrices")
    ray = import_ray()
    progress = Progress(stream, enabled=not quiet)
    wall_started = time.monotonic()
    owns_signals = signals is None
    signals = signals or ckpt.StopSignals()
    if owns_signals:
        signals.__enter__()
    started_ray = False
    try:
        started_ray = connect(ray, address)
        _keep_our_signal_handlers(signals)
        if resume:
            run = _Run.resumed(ray, corpus, checkpoint, workers, workdir, prune_at, progress)
        else:
            if params is None:
                raise ParameterError("training needs parameters")
            params.validate()
            schedule = (schedule or SyncSchedule()).validate()
            if checkpoint is not None and saved_state.has_checkpoint(checkpoint):
                raise ParameterError(f"an unfinished run's checkpoint is in {checkpoint!r}: continue it "
                                     f"with --resume, or delete it to start over")
            run = _Run.fresh(ray, corpus, params, workers, schedule, read_vocab, save_vocab, workdir, prune_at,
                             init, progress)
        run.checkpoint, run.checkpoint_every, run.resume_command = checkpoint, checkpoint_every, resume_command
        run.signals, run.on_round = signals, on_round
        try:
            model = run.train()
        finally:
            run.close()
    finally:
        if owns_signals:
            signals.__exit__(None, None, None)
        if started_ray:
            ray.shutdown()
    model.stats["wall_seconds"] = time.monotonic() - wall_started
    return model


def _keep_our_signal_handlers(signals) -> None:
    """ray.init may install its own SIGTERM handler; the run's own must stay in charge."""
    if signals._previous:
        for signum in (signal.SIGINT, signal.SIGTERM):
            if signal.getsignal(signum) != signals._handle:
                signal.signal(signum, signals._handle)


class _Run:
    def __init__(self, ray, params, schedule, vocab, shards, groups, files, workdir, prune_at, progress,
                 weights=None, states=None, info=None):
        self.ray, self.params, self.schedule, self.vocab = ray, params, schedule, vocab
        self.shards, self.groups, self.files = shards, groups, files
        self.workdir, self.prune_at, self.progress = workdir, prune_at, progress
        self.n_workers = len(groups)
        self.checkpoint = self.checkpoint_every = self.resume_command = self.signals = self.on_round = None
        info = info or {}
        self.sync_number = int(info.get("syncs", 0))
        self.elapsed_before = float(info.get("train_seconds", 0.0))
        self.restarts = [0] * self.n_workers
        self.log = []  # what happened to workers, for the log and the stats
        self.meter = {"sync_seconds": 0.0, "train_seconds": 0.0, "bytes": 0, "syncs": 0, "full_syncs": 0,
                      "worker_seconds": 0.0, "worker_peak_rss": 0}
        self.stopping = False
        self.last_full = True  # workers start from one model
        cpus = float(ray.cluster_resources().get("CPU", 1.0))
        per_worker = min(float(params.threads), cpus / self.n_workers)
        self.actor_class = ray.remote(num_cpus=per_worker, max_restarts=MAX_RESTARTS, max_task_retries=0,
                                      scheduling_strategy="SPREAD")(Worker)
        if not takes_row_scales(params):  # hierarchical softmax or the classic kernel: one rate for all rows
            schedule = self.schedule = replace(schedule, saturation=0.0)
        self.round_words = schedule.round_words(self.n_workers, skipgram=not params.cbow)
        row_scale = schedule.row_scales(vocab.counts, self.n_workers,
                                        self.round_words or max(int(np.sum(vocab.counts)) // self.n_workers, 1))
        self.tables = ray.put(shared_tables(vocab, params, row_scale))
        weights = [ray.put(w) for w in weights if w is not None] if weights is not None else []
        alpha_scale = schedule.alpha_scale(self.n_workers)
        self.actors = [self.actor_class.remote(i, self.n_workers, [shards[j] for j in group], params, prune_at,
                                               workdir, alpha_scale) for i, group in enumerate(groups)]
        try:
            infos = ray.get([actor.setup.remote(self.tables, None if states is None else states[i], *weights)
                             for i, actor in enumerate(self.actors)])
        except ray.exceptions.RayTaskError as e:
            raise _user_error(e) from None
        del weights  # the workers hold the model now
        self.pids = [i["pid"] for i in infos]
        self.n_words = sum(i["n_words"] for i in infos)
        if self.n_words == 0:
            raise CorpusError("no vocabulary word occurs in the corpus")
        self.total_words = params.epochs * self.n_words
        self.states = states or [state_to_dict(fresh_state(params, i)) for i in range(self.n_workers)]
        hosts = sorted({i["host"] for i in infos})
        progress.line(f"training on {self.n_workers} workers x {params.threads} threads on {len(hosts)} "
                      f"node{'s' if len(hosts) > 1 else ''}: {self.n_words:,} words an epoch; sync every "
                      f"{_every(self.round_words)}, {schedule.hot_rows:,} hot rows, all rows every "
                      f"{schedule.full_every} syncs; changes {_combined(schedule, alpha_scale, row_scale)}")
        warning = accuracy_warning(params, self.n_workers)
        if warning:
            progress.warn(warning)
        # (refs of the model, states) at the last full sync: what restarts every worker if all die.
        self.snapshot = (self._snapshot_refs(self.actors[0]), [dict(s) for s in self.states])

    # -- setting up -------------------------------------------------------------------------------

    @classmethod
    def fresh(cls, ray, corpus, params, workers, schedule, read_vocab, save_vocab, workdir, prune_at, init,
              progress):
        if init is not None and read_vocab:
            raise ParameterError("--init and --read-vocab cannot be combined: --init uses the model's vocabulary")
        files = corpus_files(corpus)
        workers = _workers(ray, workers)
        shards = plan_shards(files, workers * SHARDS_PER_WORKER)
        if not shards:
            raise CorpusError("the corpus is empty")
        groups = assign(shards, workers)
        words, counts, n_tokens = count_vocabulary(ray, shards, prune_at, workdir, progress)
        if n_tokens == 0:
            raise CorpusError("the corpus is empty")
        weights = None
        if init is not None:
            base = load_init_model(init, params)
            vocab, _, old_row = grown_vocab(base, words, counts, params)
            weights = _grown_weights(base, old_row, params)
        elif read_vocab:
            vocab = Vocab.load(read_vocab)
        else:
            vocab, _ = Vocab.from_counts(words, counts, params.min_count, params.max_vocab)
        if len(vocab) == 0:
            raise CorpusError(f"no word occurs at least {params.min_count} times in the corpus (lower --min-count)")
        if params.hs and len(vocab) < 2:
            raise CorpusError("hierarchical softmax needs at least 2 vocabulary words")
        progress.line(f"vocabulary: {len(vocab):,} words (min count {params.min_count})")
        if save_vocab:
            vocab.save(save_vocab)
        run = cls(ray, params, schedule, vocab, shards, groups, files, workdir, prune_at, progress, weights)
        run.corpus_info = {"paths": files, "tokens": int(n_tokens)}
        return run

    @classmethod
    def resumed(cls, ray, corpus, checkpoint, workers, workdir, prune_at, progress):
        if checkpoint is None:
            raise ParameterError("resuming needs the checkpoint directory")
        saved = saved_state.load(checkpoint)
        files = corpus_files(corpus)
        if files != saved.files or saved_state.fingerprints(files) != saved.fingerprints:
            raise CorpusError(f"the corpus is not the one of the checkpoint in {checkpoint!r} "
                              f"({', '.join(saved.files)}) or it has changed")
        if workers is not None and workers != len(saved.groups):
            raise ParameterError(f"--workers {workers} differs from the checkpoint's {len(saved.groups)}: a resumed "
                                 f"run keeps its workers' shards; leave --workers out")
        vocab = Vocab(saved.words, saved.counts)
        total = saved.params.epochs * saved.info["n_words"]
        done = sum(int(np.sum(s["words_done"])) for s in saved.states)
        progress.line(f"resuming from {checkpoint}: {done:,} of {total:,} words done ({100 * done / max(total, 1):.1f}%)")
        run = cls(ray, saved.params, saved.schedule, vocab, saved.shards, saved.groups, files, workdir,
                  saved.info.get("prune_at", prune_at), progress, saved.weights, saved.states, saved.info)
        run.corpus_info = {"paths": files, "tokens": int(saved.info.get("tokens", 0))}
        return run

    # -- the rounds -------------------------------------------------------------------------------

    def train(self) -> TrainedModel:
        params, progress = self.params, self.progress
        started = time.monotonic()
        last_checkpoint = started
        done_before = self._done()
        epochs_reported = done_before // max(self.n_words, 1)
        self.signals.stop = self._stop
        if self.signals.received is not None:
            self._stop()
        try:
            while not all(self._finished(s) for s in self.states):
                if self.stopping:
                    break
                self._round()
                if self.on_round is not None:
                    self.on_round(self)
                done = self._done()
                stats = self._stats()
                words_done = np.concatenate([s["words_done"] for s in self.states])
                epochs_reported = _report_epochs(stats, words_done, self.n_words, epochs_reported, progress)
                progress.update(_progress_text(done, done_before, self.total_words, time.monotonic() - started,
                                               params.starting_alpha, params.starting_alpha * params.min_alpha_ratio,
                                               stats, epochs_reported))
                if (self.checkpoint is not None and self.checkpoint_every is not None and not self.stopping
                        and time.monotonic() - last_checkpoint >= self.checkpoint_every):
                    self._save(time.monotonic() - started)
                    last_checkpoint = time.monotonic()
        finally:
            self.signals.stop = None
            self.signals.deferred = True
        elapsed = time.monotonic() - started
        if not all(self._finished(s) for s in self.states):
            self._interrupted(elapsed)
        _report_epochs(self._stats(), None, self.n_words, epochs_reported, progress, final=True)
        weights = self._model()
        if not all(np.isfinite(w).all() for w in weights if w is not None):
            raise W2VError(f"training diverged: the vectors hold NaN or Inf; lower --alpha "
                           f"(it is {params.starting_alpha:g})")
        stats = self._stats()
        trained = self._done()
        meter = self.meter
        syncs = max(meter["syncs"], 1)
        result = {"words": trained, "train_seconds": self.elapsed_before + elapsed,
                  "words_per_second": (trained - done_before) / max(elapsed, 1e-9),
                  "threads": params.threads * self.n_workers, "workers": self.n_workers,
                  "epoch_loss": [float(s[:, 0].sum() / max(s[:, 1].sum(), 1)) for s in stats],
                  "syncs": meter["syncs"], "full_syncs": meter["full_syncs"], "round_words": self.round_words,
                  "sync_seconds": meter["sync_seconds"], "sync_share": meter["sync_seconds"] / max(elapsed, 1e-9),
                  "bytes_per_sync": meter["bytes"] / syncs,
                  # words a worker trains in a second of training (not waiting, not syncing)
                  "worker_words_per_second": (trained - done_before) / max(meter["worker_seconds"], 1e-9),
                  "train_phase_seconds": meter["train_seconds"],
                  "worker_peak_rss": meter["worker_peak_rss"], "restarts": sum(self.restarts),
                  "events": list(self.log)}
        progress.line(f"{meter['syncs']:,} syncs ({meter['full_syncs']:,} of all rows): "
                      f"{result['bytes_per_sync'] / 1e6:,.1f} MB sent per worker a sync on average, "
                      f"{meter['sync_seconds']:.1f} s syncing ({100 * result['sync_share']:.0f}% of the time)"
                      + (f"; {sum(self.restarts)} worker restarts" if sum(self.restarts) else ""))
        vectors, output_ns, output_hs = weights
        return TrainedModel(vocab=self.vocab, vectors=vectors, output_ns=output_ns, output_hs=output_hs,
                            params=params, corpus=dict(self.corpus_info, workers=self.n_workers), stats=result)

    def _round(self, train: bool = True, force_full: bool = False) -> None:
        """Train every worker for one round (unless ``train`` is False), then sync; restore the dead."""
        ray, schedule = self.ray, self.schedule
        t0 = time.monotonic()
        global_before = self._done()
        refs, prepared = {}, {}
        n = self.n_workers
        # The workers send their changes with the round's result, for the sync expected after it: all
        # of them alive, and the rows the schedule names (a stop or the last round needs all rows).
        expected_full = force_full or self.stopping or schedule.is_full(self.sync_number + 1)
        send = (expected_full, schedule.hot_rows, n, schedule.change_scale(n))
        if train:
            for i, actor in enumerate(self.actors):
                if not self._finished(self.states[i]):
                    refs[i], *prepared[i] = actor.train_round.options(num_returns=n + 2).remote(
                        self.round_words, global_before, self.total_words, self.round_words is None, send)
        ended, dead = {}, set()
        for i, ref in refs.items():
            try:
                ended[i] = ray.get(ref)
            except ray.exceptions.RayActorError as e:
                dead.add(i)
                self._event(f"worker {i + 1} (pid {self.pids[i]}) died while training: {_why(e)}")
            except ray.exceptions.RayTaskError as e:
                if not isinstance(e.cause, NotSetUp):
                    raise _user_error(e) from None
                dead.add(i)
                self._event(f"worker {i + 1} (pid {self.pids[i]}) died between rounds: {e.cause}")
        t1 = time.monotonic()
        sending = max([r.get("send_seconds", 0.0) for r in ended.values()] + [0.0])  # part of the sync
        self.meter["train_seconds"] += t1 - t0 - sending
        self.meter["sync_seconds"] += sending
        self.meter["worker_seconds"] += sum(r["seconds"] for r in ended.values())
        self.meter["worker_peak_rss"] = max([self.meter["worker_peak_rss"]] + [r["peak_rss"] for r in ended.values()])
        ended_states = {i: r["state"] for i, r in ended.items()}
        self.sync_number += 1
        everything_done = all(self._finished(ended_states.get(i, s)) for i, s in enumerate(self.states))
        full = force_full or self.stopping or everything_done or schedule.is_full(self.sync_number)
        if dead or full != expected_full:
            prepared = {}  # cut for other workers or rows: the sync asks again
        combined = self._sync([i for i in range(self.n_workers) if i not in dead], full, dead, prepared)
        for i in combined:  # a worker whose change is in the synced model goes on from where its round ended
            if i in ended_states:
                self.states[i] = ended_states[i]
        self.meter["sync_seconds"] += time.monotonic() - t1
        if dead:
            self._restore(sorted(dead))
        self.last_full = full
        if full:
            self.snapshot = (self._snapshot_refs(self.actors[0]), [dict(s) for s in self.states])

    def _sync(self, alive, full: bool, dead: set, prepared: dict | None = None) -> list:
        """Reduce-scatter and all-gather of the alive workers' changes. Returns the workers whose change
        went into the synced model; those that died meanwhile are added to ``dead``. ``prepared``: the
        refs of the changes that workers sent with their round, for these ``alive`` and ``full``."""
        schedule = self.schedule
        hot, n = schedule.hot_rows, len(alive)
        if n == 0:
            return []
        scale = schedule.change_scale(n)
        prepared = prepared or {}
        parts = {i: prepared[i] if i in prepared else
                 self.actors[i].deltas.options(num_returns=n + 1).remote(full, hot, n, scale) for i in alive}
        senders = [i for i in alive if self._alive(parts[i][0], i, dead)]
        # Part j is summed on worker j, all parts at once; a part whose worker died goes to the next.
        attempts = [0] * n
        pending = {j: self._combine_on(j, attempts, alive, dead, parts, senders) for j in range(n)}
        combined = [None] * n
        while pending:
            for j, (k, status, total) in list(pending.items()):
                if self._alive(status, k, dead):
                    combined[j] = total
                    del pending[j]
                else:
                    pending[j] = self._combine_on(j, attempts, alive, dead, parts, senders)
        applied = {i: self.actors[i].apply.remote(full, hot, *combined) for i in alive if i not in dead}
        for i, ref in applied.items():
            self._alive(ref, i, dead)
        rows = sum(w[0] if full or hot >= w[0] else hot for w in self._shapes())
        self.meter["bytes"] += 2 * (n - 1) / n * rows * 4 * self.params.dim
        self.meter["syncs"] += 1
        self.meter["full_syncs"] += int(full)
        return senders

    def _combine_on(self, j: int, attempts: list, alive, dead: set, parts, senders):
        """Send part ``j`` of every sender's change to the next alive worker in turn to be summed:
        (that worker, its status ref, its sum's ref)."""
        n = len(alive)
        while attempts[j] < n:
            k = alive[(j + attempts[j]) % n]
            attempts[j] += 1
            if k not in dead:
                status, total = self.actors[k].combine.options(num_returns=2).remote(
                    *[parts[i][j + 1] for i in senders])
                return k, status, total
        raise ClusterError("every worker died during a sync")

    def _alive(self, ref, i: int, dead: set) -> bool:
        """Waits for a small result of worker ``i``; False (and ``i`` marked dead) when its process died."""
        try:
            self.ray.get(ref)
            return True
        except (self.ray.exceptions.RayActorError, self.ray.exceptions.RayTaskError) as e:
            if isinstance(e, self.ray.exceptions.RayTaskError) and not isinstance(e.cause, NotSetUp):
                raise _user_error(e) from None
            if i not in dead:
                dead.add(i)
                self._event(f"worker {i + 1} (pid {self.pids[i]}) died while syncing: {_why(e)}")
            return False

    def _restore(self, dead) -> None:
        """Give each restarted worker the synced model and the state it had at that sync."""
        survivors = [i for i in range(self.n_workers) if i not in dead]
        for i in dead:
            self.restarts[i] += 1
            if self.restarts[i] > MAX_RESTARTS:
                raise ClusterError(f"worker {i + 1} died {self.restarts[i]} times; giving up")
        if survivors:
            weights = self._snapshot_refs(self.actors[survivors[0]])
            source = f"the model of the last sync (from worker {survivors[0] + 1})"
        elif self.snapshot is not None:
            weights, states = self.snapshot
            self.states = [dict(s) for s in states]
            dead = list(range(self.n_workers))
            source = "the model of the last full sync (every worker had died)"
        else:
            raise ClusterError("every worker died before the first full sync; start the run again")
        for i in dead:
            self.pids[i] = self._set_up_restarted(i, weights)
            done = int(np.sum(self.states[i]["words_done"]))
            self._event(f"worker {i + 1} restarted by Ray (pid {self.pids[i]}) from {source}, at its "
                        f"{done:,} words (epoch {int(self.states[i]['epoch'][0]) + 1})")

    def _set_up_restarted(self, i: int, weights) -> int:
        """Set up worker ``i`` once Ray has restarted it; its new pid.

        A call that reaches the old process before Ray saw it die, or the new one while it is still
        starting ("the actor is restarting"), fails: try again until RESTART_WAIT_S have passed.
        """
        ray = self.ray
        deadline, pause = time.monotonic() + RESTART_WAIT_S, 0.25
        while True:
            try:
                return ray.get(self.actors[i].setup.remote(self.tables, self.states[i], *weights))["pid"]
            except ray.exceptions.RayActorError as e:
                if time.monotonic() + pause > deadline:
                    raise ClusterError(f"worker {i + 1} could not be restarted in {RESTART_WAIT_S:.0f} s: "
                                       f"{_why(e)}") from None
                time.sleep(pause)
                pause = min(2 * pause, 5.0)

    def _snapshot_refs(self, actor) -> list:
        k = len([w for w in self._shapes() if w is not None])
        ref = actor.snapshot.options(num_returns=k).remote()
        return [ref] if k == 1 else list(ref)

    def _model(self):
        """The synced model, fetched once into the driver (the last round was a full sync)."""
        for attempt in range(MAX_RESTARTS):
            refs = self._snapshot_refs(self.actors[attempt % self.n_workers])
            try:
                values = [np.array(w) for w in self.ray.get(refs)]
                break
            except self.ray.exceptions.RayActorError:
                continue
        else:
            if self.snapshot is None:
                raise ClusterError("cannot fetch the model: the workers died")
            values = [np.array(w) for w in self.ray.get(self.snapshot[0])]
        it = iter(values)
        return [next(it) if present else None for present in self._present()]

    # -- stopping and checkpoints -------------------------------------------------------------------

    def _stop(self) -> None:
        self.stopping = True

    def _save(self, elapsed: float) -> None:
        if not self.last_full:
            self._round(train=False, force_full=True)
        weights = self._model()
        info = {"n_words": self.n_words, "syncs": self.sync_number, "train_seconds": self.elapsed_before + elapsed,
                "prune_at": self.prune_at, "tokens": self.corpus_info.get("tokens", 0)}
        deferred = self.signals.deferred
        self.signals.deferred = True
        try:
            saved_state.save(self.checkpoint, saved_state.ClusterCheckpoint(
                params=self.params, schedule=self.schedule, words=self.vocab.words, counts=self.vocab.counts,
                weights=weights, states=self.states, shards=self.shards, groups=self.groups, files=self.files,
                fingerprints=saved_state.fingerprints(self.files), info=info))
        finally:
            self.signals.deferred = deferred

    def _interrupted(self, elapsed: float):
        signum = self.signals.received
        total = self.total_words
        where = f"at {100 * self._done() / max(total, 1):.1f}%"
        name = ckpt.signal_name(signum) if signum is not None else "a stop request"
        if self.checkpoint is None:
            raise ckpt.TrainingInterrupted(f"interrupted by {name} {where}; nothing was written", signum or 2)
        self._save(elapsed)
        command = f"; resume with: {self.resume_command}" if self.resume_command else ""
        raise ckpt.TrainingInterrupted(f"interrupted by {name} {where}; checkpoint saved in "
                                       f"{self.checkpoint!r}{command}", signum or 2)

    def close(self) -> None:
        ray = self.ray
        try:
            ray.get([actor.close.remote() for actor in self.actors], timeout=30)
        except Exception:  # noqa: BLE001 - a dead worker's files are removed by the next one on its node
            pass
        for actor in self.actors:
            ray.kill(actor, no_restart=True)

    # -- small helpers ----------------------------------------------------------------------------

    def _event(self, text: str) -> None:
        self.log.append(text)
        self.progress.line(text)

    def _done(self) -> int:
        return sum(int(np.sum(s["words_done"])) for s in self.states)

    def _finished(self, state) -> bool:
        return int(state["epoch"][0]) >= self.params.epochs

    def _stats(self) -> np.ndarray:
        return np.concatenate([s["stats"] for s in self.states], axis=1)

    def _present(self):
        return [True, self.params.negative > 0, self.params.hs]

    def _shapes(self):
        size = len(self.vocab)
        return [w for w, present in zip([(size, False), (size, False), (max(size - 1, 1), True)], self._present())
                if present]


def _workers(ray, workers: int | None) -> int:
    if workers is None:
        return max(1, len([node for node in ray.nodes() if node.get("Alive")]))
    if not 1 <= workers <= 4096:
        raise ParameterError(f"--workers must be between 1 and 4096, got {workers}")
    return workers


def _combined(schedule: SyncSchedule, alpha_scale: float, row_scale: np.ndarray | None = None) -> str:
    if schedule.combine == "sum":
        return "added"
    if row_scale is not None:
        return (f"averaged, each worker stepping at {float(row_scale.min()):.3g} x alpha (the most frequent "
                f"word) to {float(row_scale.max()):.3g} x alpha (the rarest)")
    return f"averaged, each worker stepping at {alpha_scale:g} x alpha" if alpha_scale != 1 else "averaged"


def accuracy_warning(params: TrainParams, n_workers: int) -> str | None:
    """What a user should know before a run the benchmarks measured below one process's accuracy."""
    if params.cbow and n_workers >= CBOW_SHORTFALL_WORKERS:
        return (f"CBOW on {n_workers} workers scored 1.4 (4 workers) to 2.9 (8) analogy points below one process "
                f"on text8; skip-gram (--skipgram) keeps one process's accuracy")
    return None


def _every(round_words: int | None) -> str:
    return "epoch" if round_words is None else f"{round_words:,} words a worker"


def _why(error) -> str:
    text = str(error).strip().splitlines()
    return text[0][:200] if text else type(error).__name__


def _user_error(error):
    """A worker's W2VError (an unreadable shard, say) as itself; anything else as a ClusterError."""
    cause = getattr(error, "cause", None)
    if isinstance(cause, W2VError):
        return cause
    return ClusterError(f"a worker failed: {_why(error)}")
