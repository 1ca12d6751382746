"""`w2v train --cluster` on a local Ray instance: one instance for the whole group (it is slow to start)."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.planted import planted_analogies
from tests.test_learning import planted_path, solved_share  # noqa: F401 - a fixture
from w2v.training.params import TrainParams
from w2v.vectors.query import Vectors

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.cluster

REPO = Path(__file__).resolve().parents[1]
PLANTED = dict(dim=24, window=5, min_count=1, sample=0, epochs=3, threads=1, seed=3)


@pytest.fixture(scope="session")
def cluster_address():
    """A 2-CPU Ray instance that this process drives and subprocesses join."""
    started = not ray.is_initialized()
    if started:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, _node_ip_address="127.0.0.1",
                 runtime_env={"env_vars": {"PYTHONPATH": str(REPO)}})
    yield ray.get_runtime_context().gcs_address
    if started:
        ray.shutdown()


def train(corpus, workers=2, on_round=None, **params):
    from w2v.cluster import train as train_on_cluster
    from w2v.cluster.schedule import SyncSchedule

    return train_on_cluster(corpus, TrainParams(**dict(PLANTED, **params)), address="auto", workers=workers,
                            schedule=SyncSchedule(every_words=20_000, hot_rows=16, full_every=4), quiet=True,
                            on_round=on_round)


def test_two_workers_solve_the_planted_analogies(cluster_address, planted_path):
    model = train([planted_path])
    assert solved_share(model) >= 0.95
    stats = model.stats
    assert stats["workers"] == 2 and stats["words"] == 3 * 210_000
    assert stats["syncs"] > 4 and 0 < stats["full_syncs"] < stats["syncs"]
    losses = stats["epoch_loss"]
    assert losses[-1] < losses[0]


def test_the_control_fails_the_same_check(cluster_address, planted_path):
    model = train([planted_path], epochs=1, alpha=1e-9)
    assert solved_share(model) < 0.2


def test_the_parallel_count_equals_the_single_process_one(cluster_address, planted_path, tmp_path):
    from w2v.cluster.driver import count_vocabulary
    from w2v.cluster.sharding import plan_shards
    from w2v.text.corpus import scan_corpus
    from w2v.training.trainer import Progress

    with open(planted_path, "rb") as f:
        text = f.read()
    two = tmp_path / "two.txt"  # a second file, with words the first lacks and a line cut in two
    two.write_bytes(text[:5000] + " añadido ünïcode\nwörds".encode() + text[:777])
    files = [planted_path, str(two)]
    with open(tmp_path / "all.txt", "wb") as f:
        f.write(text + b"\n" + two.read_bytes())
    with scan_corpus(str(tmp_path / "all.txt")) as single:
        shards = plan_shards(files, 7)
        assert len(shards) > 2 and len({s.path for s in shards}) == 2
        words, counts, n_tokens = count_vocabulary(ray, shards, None, None, Progress(enabled=False))
        assert words == single.words
        assert counts.tolist() == single.counts.tolist()
        assert n_tokens == single.n_tokens


def test_a_killed_worker_is_restarted_and_the_run_completes(cluster_address, planted_path):
    killed = []

    def kill_worker_two(run):
        if run.sync_number == 3 and not killed:
            killed.append(run.pids[1])
            os.kill(run.pids[1], signal.SIGKILL)

    model = train([planted_path], on_round=kill_worker_two)
    assert killed
    stats = model.stats
    assert stats["restarts"] == 1, stats["events"]
    assert any("worker 2" in event and "died" in event for event in stats["events"])
    assert any("worker 2 restarted" in event for event in stats["events"])
    assert stats["words"] == 3 * 210_000  # the lost round was trained again, nothing twice
    assert solved_share(model) >= 0.95


def test_ctrl_c_saves_a_checkpoint_and_resume_finishes_the_run(cluster_address, planted_path, tmp_path):
    output = tmp_path / "model.w2v"
    options = ["--cluster", cluster_address, "--workers", "2", "--dim", "24", "--min-count", "1", "--sample", "0",
               "--threads", "1", "--epochs", "40", "--sync-every", "20000"]
    command = [sys.executable, "-m", "w2v", "train", planted_path, "-o", str(output)]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    driver = subprocess.Popen(command + options, stderr=subprocess.PIPE, text=True, env=env)
    lines = []
    # Interrupt once the first epoch is reported: a fixed sleep let a fast machine finish the run first.
    for line in driver.stderr:
        lines.append(line)
        if line.startswith("epoch 1/"):
            break
    driver.send_signal(signal.SIGINT)
    lines += driver.stderr.readlines()
    assert driver.wait(timeout=120) == 130, "".join(lines)
    assert "checkpoint saved" in lines[-1] and "--resume --cluster" in lines[-1]
    assert not output.exists()
    assert (tmp_path / "model.w2v.ckpt" / "cluster.npz").exists()

    resumed = subprocess.run(command + ["--resume", "--cluster", cluster_address], capture_output=True, text=True,
                             env=env, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming from" in resumed.stderr
    assert not (tmp_path / "model.w2v.ckpt").exists()
    from w2v.vectors.formats import load_model

    model = load_model(str(output))
    assert model.corpus["words_trained"] == 40 * 210_000
    vectors = Vectors(model.words, np.asarray(model.vectors))
    questions = list(planted_analogies())
    assert sum(vectors.analogy(a, b, c, k=1)[0][0] == d for a, b, c, d in questions) / len(questions) >= 0.95


def test_query_commands_never_import_ray(tmp_path, planted_path):
    from w2v.vectors.formats import save_model

    save_model(str(tmp_path / "m.w2v"), ["a", "b", "c"], np.eye(3, dtype=np.float32), np.array([3, 2, 1]))
    code = ("import sys; from w2v.cli import main; sys.argv = ['w2v', 'nearest', 'a', '-m', sys.argv[1]]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "assert 'ray' not in sys.modules, 'ray was imported'")
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path / "m.w2v")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
