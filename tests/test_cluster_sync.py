"""The sync of a cluster run without Ray: workers driven by hand, as the driver does through actors."""

import numpy as np
import pytest

from tests.test_learning import planted_path  # noqa: F401 - a fixture
from w2v.cluster.counting import CountMerger, count_shard
from w2v.cluster.driver import accuracy_warning, shared_tables, takes_row_scales
from w2v.cluster.schedule import SyncSchedule, chunk_bounds, rows_to_send
from w2v.cluster.sharding import assign, plan_shards
from w2v.cluster.worker import Worker, exploded, fresh_state, state_to_dict
from w2v.errors import ParameterError
from w2v.text.vocab import Vocab
from w2v.training.params import TrainParams


def test_the_schedule_sends_hot_rows_often_and_all_rows_every_k_syncs():
    schedule = SyncSchedule(every_words=1000, hot_rows=10, full_every=4)
    assert [schedule.is_full(n) for n in range(1, 9)] == [False, False, False, True] * 2
    assert rows_to_send(100, 10, full=False) == slice(0, 10)
    assert rows_to_send(99, 10, full=False, from_end=True) == slice(89, 99)  # the Huffman tree's top
    assert rows_to_send(100, 10, full=True) == slice(0, 100)
    assert rows_to_send(5, 10, full=False) == slice(0, 5)
    assert SyncSchedule.per_epoch().is_full(1)
    assert chunk_bounds(10, 3).tolist() == [0, 3, 6, 10]


def test_by_default_the_changes_are_averaged_and_the_workers_step_at_n_times_alpha():
    default, spark, summed = SyncSchedule(), SyncSchedule.per_epoch(), SyncSchedule(combine="sum")
    assert default.change_scale(4) == spark.change_scale(4) == 0.25 and summed.change_scale(4) == 1.0
    assert default.alpha_scale(4) == 4.0
    assert spark.alpha_scale(4) == summed.alpha_scale(4) == 1.0  # Spark averages at the plain rate


def test_auto_sync_shortens_the_rounds_as_the_workers_grow():
    auto = SyncSchedule()
    # CBOW: 2^20 / N^2 words a worker
    assert [auto.round_words(n) for n in (1, 2, 4, 8)] == [1 << 20, 1 << 18, 1 << 16, 1 << 14]
    assert auto.round_words(100) == 1 << 14  # never a round shorter than that
    # skip-gram, its frequent words slowed: 2^21 / N, two million words a round in all
    skipgram = [auto.round_words(n, skipgram=True) for n in (2, 4, 8, 16, 1000)]
    assert skipgram == [1 << 20, 1 << 19, 1 << 18, 1 << 17, 1 << 14]
    # without the slowing it needs 2^22 / N^2
    unslowed = SyncSchedule(saturation=0)
    assert [unslowed.round_words(n, skipgram=True) for n in (2, 4, 8, 16)] == [1 << 20, 1 << 18, 1 << 16, 1 << 14]
    assert SyncSchedule(every_words=1000).round_words(8) == 1000
    assert SyncSchedule.per_epoch().round_words(8) is None
    for bad in (0, "often"):
        with pytest.raises(ParameterError, match="--sync-every"):
            SyncSchedule(every_words=bad).validate()


def test_frequent_words_step_slower_and_rare_ones_at_n_times_alpha():
    counts = np.array([400_000, 40_000, 4_000, 400, 4, 0, 9_555_596], dtype=np.int64)  # ten million words
    scales = SyncSchedule(saturation=500).row_scales(counts, 8, 1 << 18)
    assert scales.dtype == np.float32
    # 10,486 occurrences a round: past saturation, the plain rate; a word that never occurs: N x alpha
    assert scales[0] == 1.0 and scales[5] == 8.0
    # 104.9 occurrences: lambda = 0.21 of the way a round, and one process would go 1 - (1 - lambda)^8
    share = (1 << 18) * 4_000 / 10_000_000 / 500
    assert scales[2] == pytest.approx((1 - (1 - share) ** 8) / share, rel=1e-6)
    assert scales[:6].tolist() == sorted(scales[:6].tolist())  # the rarer, the faster
    assert np.all((1 <= scales) & (scales <= 8))
    # few workers: the frequent words' scale is close to N anyway
    assert SyncSchedule().row_scales(counts, 2, 1 << 18)[3] > 1.9
    assert SyncSchedule(saturation=0).row_scales(counts, 8, 1 << 18) is None
    assert SyncSchedule().row_scales(counts, 1, 1 << 18) is None  # one worker: nothing to average
    assert SyncSchedule.per_epoch().row_scales(counts, 8, 1 << 18) is None  # Spark's: the plain rate
    with pytest.raises(ParameterError, match="--sync-saturation"):
        SyncSchedule(saturation=-1).validate()


def test_only_negative_sampling_with_the_batched_updates_takes_a_rate_for_each_row():
    assert takes_row_scales(TrainParams())
    assert takes_row_scales(TrainParams(cbow=True))
    assert not takes_row_scales(TrainParams(hs=True, negative=0))
    assert not takes_row_scales(TrainParams(hs=True, negative=5))
    assert not takes_row_scales(TrainParams(kernel="classic"))


def test_cbow_on_four_workers_or_more_is_warned_about_and_skipgram_is_not():
    assert accuracy_warning(TrainParams(cbow=True), 2) is None
    assert "--skipgram" in accuracy_warning(TrainParams(cbow=True), 4)
    assert accuracy_warning(TrainParams(cbow=False), 8) is None


def workers_for(path, n, alpha_scale=1.0, row_scale=None, **params):
    params = TrainParams(**dict(dict(dim=16, min_count=1, sample=0, epochs=2, threads=1, seed=5), **params))
    shards = plan_shards([path], 2 * n)
    merger = CountMerger()
    for shard in shards:
        merger.add(count_shard(shard))
    vocab, _ = Vocab.from_counts(*merger.result(), params.min_count)
    tables = shared_tables(vocab, params, None if row_scale is None else row_scale(vocab))
    workers = [Worker(i, n, [shards[j] for j in group], params, alpha_scale=alpha_scale)
               for i, group in enumerate(assign(shards, n))]
    for worker in workers:
        worker.setup(tables, None)
    return workers, vocab


def sync(workers, full, hot, scale=1.0):
    n = len(workers)
    parts = [w.deltas(full, hot, n, scale)[1:] for w in workers]
    combined = [w.combine(*[p[j] for p in parts])[1] for j, w in enumerate(workers)]
    for w in workers:
        w.apply(full, hot, *combined)
    return parts


@pytest.mark.parametrize("hs", [False, True])
def test_after_a_sync_every_worker_holds_the_sum_of_the_changes(planted_path, hs):
    workers, vocab = workers_for(planted_path, 3, hs=hs, negative=0 if hs else 5)
    start = [m.copy() for m in workers[0].synced]
    for w in workers:
        w.train_round(30_000, 0, 2 * 210_000)
    before = [[m.copy() for m in w.replica] for w in workers]
    hot = 20
    sync(workers, full=False, hot=hot)
    for m, first in enumerate(start):
        rows = rows_to_send(first.shape[0], hot, False, from_end=workers[0].from_end[m])
        expected = first[rows] + sum(b[m][rows] - first[rows] for b in before)
        for w in workers:
            np.testing.assert_allclose(w.replica[m][rows], expected, rtol=1e-5, atol=1e-6)
            np.testing.assert_array_equal(w.synced[m][rows], w.replica[m][rows])
        # the rows not sent keep each worker's own changes, and their synced value is the start
        cold = np.ones(first.shape[0], bool)
        cold[rows] = False
        for w, b in zip(workers, before):
            np.testing.assert_array_equal(w.replica[m][cold], b[m][cold])
            np.testing.assert_array_equal(w.synced[m][cold], first[cold])
    sync(workers, full=True, hot=hot)
    for m in range(len(start)):
        assert all(np.array_equal(w.replica[m], workers[0].replica[m]) for w in workers)
    for w in workers:
        w.close()


@pytest.fixture
def two_trained(planted_path):
    """Two workers after a round of training: (workers, their synced syn0, each one's changes to it)."""
    workers, _ = workers_for(planted_path, 2)
    start = workers[0].synced[0].copy()
    for w in workers:
        w.train_round(30_000, 0, 2 * 210_000)
    yield workers, start, [w.replica[0] - start for w in workers]
    for w in workers:
        w.close()


def test_a_worker_steps_at_its_alpha_scale_times_alpha(planted_path):
    scaled, _ = workers_for(planted_path, 2, alpha_scale=2.0, alpha=0.01)
    plain, _ = workers_for(planted_path, 2, alpha=0.02)
    for a, b in zip(scaled, plain):
        a.train_round(30_000, 0, 2 * 210_000)
        b.train_round(30_000, 0, 2 * 210_000)
        assert all(np.array_equal(x, y) for x, y in zip(a.replica, b.replica))
        a.close()
        b.close()
    unscaled, _ = workers_for(planted_path, 2, alpha=0.01)
    unscaled[0].train_round(30_000, 0, 2 * 210_000)
    assert not np.array_equal(unscaled[0].replica[0], scaled[0].replica[0])
    for w in unscaled:
        w.close()


def test_a_worker_steps_each_row_at_the_scale_the_tables_give_it(planted_path):
    def uniform(scale):
        return lambda vocab: np.full(len(vocab), scale, np.float32)

    def trained(**options):
        workers, _ = workers_for(planted_path, 2, **options)
        workers[0].train_round(30_000, 0, 2 * 210_000)
        replica = [m.copy() for m in workers[0].replica]
        for w in workers:
            w.close()
        return replica

    # the tables' scales replace the worker's one scale: 2 for every row is stepping at 2 x alpha
    assert all(np.array_equal(a, b) for a, b in zip(trained(alpha_scale=2.0, row_scale=uniform(2.0)),
                                                    trained(alpha_scale=2.0)))
    assert all(np.array_equal(a, b) for a, b in zip(trained(alpha_scale=2.0, row_scale=uniform(1.0)),
                                                    trained(alpha_scale=1.0)))
    assert not np.array_equal(trained(alpha_scale=2.0, row_scale=uniform(1.0))[0], trained(alpha_scale=2.0)[0])


def test_model_averaging_moves_a_row_by_the_mean_change(two_trained):
    workers, start, changes = two_trained
    sync(workers, full=True, hot=0, scale=SyncSchedule().change_scale(2))
    np.testing.assert_allclose(workers[1].replica[0], start + (changes[0] + changes[1]) / 2, rtol=1e-5, atol=1e-6)
    assert not np.allclose(workers[1].replica[0], start)


def test_a_round_can_send_its_changes_with_its_result(planted_path):
    workers, _ = workers_for(planted_path, 2)
    result, count, *parts = workers[0].train_round(30_000, 0, 2 * 210_000, then_send=(False, 20, 2, 0.5))
    assert result["words"] > 0 and count == len(parts) == 2
    for sent, asked in zip(parts, workers[0].deltas(False, 20, 2, 0.5)[1:]):
        np.testing.assert_array_equal(sent, asked)
    assert np.any(parts[0] != 0)
    for w in workers:
        w.close()


def test_a_worker_trains_its_shards_epoch_after_epoch(planted_path):
    workers, _ = workers_for(planted_path, 2)
    total = 0
    while not all(w.state.finished for w in workers):
        total += sum(w.train_round(50_000, total, 2 * 210_000)["words"] for w in workers)
    assert total == 2 * 210_000 == sum(2 * w.n_words for w in workers)
    for w in workers:
        w.close()


def test_a_blown_up_loss_counts_as_diverged_though_it_is_finite():
    assert not exploded(4.2 * 1000, 1000)  # a fresh model: about (1 + negative) log 2 a prediction
    assert not exploded(0.0, 0)
    assert exploded(445_882.0 * 1000, 1000)  # a round too long for N x alpha, measured
    assert exploded(float("nan"), 10) and exploded(float("inf"), 10)


def test_a_diverging_worker_stops_with_one_clear_error(planted_path):
    from w2v.errors import TrainingDiverged

    workers, _ = workers_for(planted_path, 1, alpha_scale=1e4, alpha=1.0)
    with pytest.raises(TrainingDiverged, match="lower --sync-every or --alpha"):
        workers[0].train_round(200_000, 0, 2 * 210_000)
    workers[0].close()


class _RestartingActor:
    """An actor that Ray is still restarting for its first ``starting`` calls."""

    class Error(Exception):
        pass

    def __init__(self, starting: int):
        self.starting, self.calls = starting, 0
        self.setup = self

    def remote(self, *args):
        self.calls += 1
        return self.calls

    def get(self, call):
        if call <= self.starting:
            raise self.Error("The actor is temporarily unavailable: IOError: The actor is restarting.")
        return {"pid": 4242}


def _run_with(actor, monkeypatch, wait_s):
    from types import SimpleNamespace

    from w2v.cluster import driver

    monkeypatch.setattr(driver.time, "sleep", lambda s: clock.__setitem__(0, clock[0] + s))
    clock = [0.0]
    monkeypatch.setattr(driver.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(driver, "RESTART_WAIT_S", wait_s)
    run = object.__new__(driver._Run)
    run.ray = SimpleNamespace(get=actor.get, exceptions=SimpleNamespace(RayActorError=actor.Error))
    run.actors, run.tables, run.states = [actor], {}, [{}]
    return run


def test_a_restarted_worker_is_waited_for_while_ray_is_still_starting_it(monkeypatch):
    actor = _RestartingActor(starting=12)  # about 40 s of "restarting" with the back-off
    assert _run_with(actor, monkeypatch, wait_s=300)._set_up_restarted(0, []) == 4242
    assert actor.calls == 13


def test_a_worker_that_never_comes_back_is_an_error_naming_it(monkeypatch):
    from w2v.cluster.driver import ClusterError

    actor = _RestartingActor(starting=10**9)
    with pytest.raises(ClusterError, match=r"worker 1 could not be restarted in 300 s: .*restarting"):
        _run_with(actor, monkeypatch, wait_s=300)._set_up_restarted(0, [])


class _Died(Exception):
    pass


class _TaskFailed(Exception):
    pass


class _SyncingActor:
    """A worker's sync calls as an actor's: each call returns refs at once and is logged; the actor
    ``dies_in`` names the call at which its process is gone."""

    def __init__(self, index: int, log: list, dies_in: str | None = None):
        self.index, self.log, self.dies_in = index, log, dies_in
        for name in ("deltas", "combine", "apply"):
            setattr(self, name, _Method(self, name))


class _Method:
    def __init__(self, actor, name):
        self.actor, self.name, self.returns = actor, name, 1

    def options(self, num_returns):
        self.returns = num_returns
        return self

    def remote(self, *args):
        actor = self.actor
        actor.log.append(("submit", self.name, actor.index))
        refs = [(self.name, actor.index, k, args) for k in range(self.returns)]
        return refs if self.returns > 1 else refs[0]


def _syncing_run(actors, log):
    from types import SimpleNamespace

    from w2v.cluster import driver

    def get(ref):
        name, index, _, _ = ref
        log.append(("wait", name, index))
        if actors[index].dies_in == name:
            raise _Died(f"worker {index + 1} died")

    run = object.__new__(driver._Run)
    run.ray = SimpleNamespace(get=get, exceptions=SimpleNamespace(RayActorError=_Died, RayTaskError=_TaskFailed))
    run.actors, run.pids, run.log = actors, [100 + i for i in range(len(actors))], []
    run.progress = SimpleNamespace(line=lambda text: None)
    run.schedule, run.params = SyncSchedule(), TrainParams(dim=4)
    run.vocab, run._present = ["a"] * 10, lambda: [True, True, False]
    run.meter = {"bytes": 0, "syncs": 0, "full_syncs": 0}
    return run


def test_every_part_of_a_sync_is_summed_at_once_on_its_own_worker():
    log = []
    actors = [_SyncingActor(i, log) for i in range(3)]
    dead = set()
    assert _syncing_run(actors, log)._sync([0, 1, 2], True, dead) == [0, 1, 2]
    combines = [entry for entry in log if entry[1] == "combine"]
    assert combines[:3] == [("submit", "combine", 0), ("submit", "combine", 1), ("submit", "combine", 2)]
    assert not dead


def test_a_part_whose_worker_dies_while_summing_goes_to_the_next_worker():
    log = []
    actors = [_SyncingActor(0, log), _SyncingActor(1, log, dies_in="combine"), _SyncingActor(2, log)]
    dead = set()
    run = _syncing_run(actors, log)
    assert run._sync([0, 1, 2], True, dead) == [0, 1, 2]  # its change was sent before it died
    assert dead == {1}
    assert ("submit", "combine", 2) in log[log.index(("wait", "combine", 1)):]  # part 2 retried on worker 3
    assert [entry for entry in log if entry[1] == "apply" and entry[0] == "submit"] == [
        ("submit", "apply", 0), ("submit", "apply", 2)]
    assert run.log == ["worker 2 (pid 101) died while syncing: worker 2 died"]


def test_the_changes_sent_with_the_round_are_not_asked_for_again():
    log = []
    actors = [_SyncingActor(i, log) for i in range(3)]
    prepared = {0: [("deltas", 0, k, ()) for k in range(4)], 2: [("deltas", 2, k, ()) for k in range(4)]}
    assert _syncing_run(actors, log)._sync([0, 1, 2], False, set(), prepared) == [0, 1, 2]
    assert [entry for entry in log if entry[:2] == ("submit", "deltas")] == [("submit", "deltas", 1)]


def test_a_checkpoint_keeps_its_rule_and_an_older_one_resumes_with_every_row_at_n_times_alpha(tmp_path):
    import json

    from w2v.cluster import state as saved_state
    from w2v.cluster.sharding import Shard

    params = TrainParams(dim=4, epochs=1, threads=1, min_count=1)
    worker_state = state_to_dict(fresh_state(params, 0))
    checkpoint = saved_state.ClusterCheckpoint(
        params=params, schedule=SyncSchedule(saturation=250.0), words=["a", "b"], counts=np.array([3, 2]),
        weights=[np.zeros((2, 4), np.float32), np.zeros((2, 4), np.float32), None], states=[worker_state],
        shards=[Shard("c.txt", 0, 10)], groups=[[0]], files=["c.txt"], fingerprints=[[10, 0]], info={})
    saved_state.save(str(tmp_path), checkpoint)
    assert saved_state.load(str(tmp_path)).schedule.saturation == 250.0
    # one written before the frequent words were slowed has no saturation in its header
    path = tmp_path / saved_state.STATE
    with np.load(path) as data:
        arrays = {name: data[name] for name in data.files}
    header = json.loads(arrays["header"].tobytes())
    del header["schedule"]["saturation"]
    arrays["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    np.savez(path, **arrays)
    assert saved_state.load(str(tmp_path)).schedule.saturation == 0.0

