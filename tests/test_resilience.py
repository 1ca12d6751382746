"""Never lose work: interruption, checkpoints, resume, kill -9, continued training, determinism,
divergence, and training on a corpus larger than the memory it is given."""

import json
import math
import os
import random
import re
import resource
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import w2v.training.trainer
from tests.planted import planted_analogies, planted_corpus
from w2v.cli import cli
from w2v.training.params import TrainParams
from w2v.vectors.formats import load_model
from w2v.vectors.query import Vectors

ROOT = Path(__file__).resolve().parents[1]
FLAGS = ["--dim", "16", "--min-count", "1", "--sample", "0", "--skipgram", "--seed", "7", "-q"]
RESUME = re.compile(r"^Error: interrupted by (SIGINT|SIGTERM) at [\d.]+% \(epoch \d+/\d+\); checkpoint saved in "
                    r"'(?P<dir>[^']+)'; resume with: (?P<command>w2v train .+ --resume)$")


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("resilience") / "planted.txt"
    planted_corpus(path, sentences=10_000)  # 70,000 words: two spans an epoch
    return path


@pytest.fixture(scope="module")
def full_runs(corpus, tmp_path_factory):
    """Uninterrupted runs to compare with: {(threads, epochs): model bytes}."""
    directory = tmp_path_factory.mktemp("full")
    models = {}
    for threads, epochs in ((1, 8), (2, 8), (1, 24)):  # the real processes get longer runs to interrupt
        path = directory / f"full-{threads}-{epochs}.w2v"
        result = run("train", corpus, "-o", path, "--threads", threads, "--epochs", epochs, *FLAGS)
        assert result.exit_code == 0, result.output
        models[threads, epochs] = path
    return models


def interrupt_after_spans(monkeypatch, spans, signum=signal.SIGINT):
    """Send ``signum`` to this process after the kernel has run ``spans`` spans (as Ctrl-C would)."""
    original = w2v.training.trainer.train_span
    calls = []

    def counting(*args):
        original(*args)
        calls.append(1)
        if len(calls) == spans:
            os.kill(os.getpid(), signum)

    monkeypatch.setattr(w2v.training.trainer, "train_span", counting)
    return calls


def resume_args(message):
    """The arguments of the resume command printed in an interruption message."""
    match = RESUME.match(message.strip().splitlines()[-1])
    assert match, message
    words = shlex.split(match["command"])
    assert words[:2] == ["w2v", "train"]
    return words[1:], match["dir"]


def test_interrupt_saves_a_checkpoint_and_resuming_gives_the_same_bytes(corpus, full_runs, tmp_path, monkeypatch):
    out = tmp_path / "m.w2v"
    interrupt_after_spans(monkeypatch, 5)
    result = run("train", corpus, "-o", out, "--threads", 1, "--epochs", 8, *FLAGS)
    assert result.exit_code == 130
    assert not out.exists()
    args, directory = resume_args(result.stderr)
    assert directory == f"{out}.ckpt"
    assert sorted(os.listdir(directory)) == ["corpus.ids", "state.npz"]
    monkeypatch.undo()
    resumed = run(*args)
    assert resumed.exit_code == 0, resumed.output
    assert out.read_bytes() == full_runs[1, 8].read_bytes()
    assert not os.path.exists(directory)  # a finished run leaves no checkpoint
    assert sorted(os.listdir(tmp_path)) == ["m.w2v"]


def test_interrupted_twice_with_two_threads_trains_the_same_words(corpus, full_runs, tmp_path, monkeypatch):
    out = tmp_path / "m.w2v"
    interrupt_after_spans(monkeypatch, 3, signal.SIGTERM)
    first = run("train", corpus, "-o", out, "--threads", 2, "--epochs", 8, *FLAGS)
    assert first.exit_code == 143
    args, _ = resume_args(first.stderr)
    interrupt_after_spans(monkeypatch, 6)
    second = run(*args)
    assert second.exit_code == 130
    monkeypatch.undo()
    assert run(*args).exit_code == 0
    full, resumed = load_model(full_runs[2, 8]), load_model(out)
    # Hogwild threads are not deterministic, but the work is the same: words, epochs, alpha schedule.
    assert resumed.corpus["words_trained"] == full.corpus["words_trained"] == 8 * 70_000
    assert resumed.params == full.params
    assert np.allclose(resumed.corpus["epoch_loss"], full.corpus["epoch_loss"], rtol=0.05)


def test_a_slow_thread_does_not_hold_the_others_back(corpus, monkeypatch):
    """Spans go to whichever thread asks first, so a thread on a busy core simply takes fewer."""
    original = w2v.training.trainer.train_span
    spans_by_thread = {}

    def one_slow_thread(*args):
        name = threading.current_thread().name
        spans_by_thread[name] = spans_by_thread.get(name, 0) + 1
        if name == "w2v-train-1":
            time.sleep(0.02)
        original(*args)

    monkeypatch.setattr(w2v.training.trainer, "SPAN_IDS", 2000)
    monkeypatch.setattr(w2v.training.trainer, "train_span", one_slow_thread)
    params = TrainParams(dim=16, min_count=1, sample=0, cbow=False, epochs=2, threads=2, seed=7)
    model = w2v.training.trainer.train(str(corpus), params, quiet=True)
    assert model.stats["words"] == 2 * 70_000
    spans = 2 * math.ceil(80_000 / 2000)  # 70,000 words and 10,000 sentence ends an epoch
    assert sum(spans_by_thread.values()) == spans
    assert spans_by_thread["w2v-train-0"] > 0.75 * spans


def test_a_checkpoint_from_another_format_version_is_refused_clearly(corpus, tmp_path, monkeypatch):
    out = tmp_path / "m.w2v"
    interrupt_after_spans(monkeypatch, 2)
    assert run("train", corpus, "-o", out, "--threads", 1, "--epochs", 8, *FLAGS).exit_code == 130
    monkeypatch.undo()
    state = Path(f"{out}.ckpt") / "state.npz"
    with np.load(state) as data:
        arrays = {name: data[name] for name in data.files}
    header = json.loads(arrays["header"].tobytes())
    header["checkpoint_version"] = 1
    arrays["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    np.savez(state, **arrays)
    result = run("train", corpus, "-o", out, "--resume")
    assert result.exit_code == 1
    assert result.stderr == (f"Error: the checkpoint in '{out}.ckpt' was written by another version of w2v "
                             f"(checkpoint format 1, this w2v reads 2); delete it to start over\n")


def test_interrupt_while_reading_the_corpus_writes_nothing(corpus, tmp_path, monkeypatch):
    import w2v.text.corpus

    original = w2v.text.corpus._sanitized

    def interrupted(chunk):
        os.kill(os.getpid(), signal.SIGINT)
        return original(chunk)

    monkeypatch.setattr(w2v.text.corpus, "_sanitized", interrupted)
    result = run("train", corpus, "-o", tmp_path / "m.w2v", "--threads", 1, *FLAGS)
    assert result.exit_code == 130
    assert result.stderr == "Error: interrupted by SIGINT before training started; nothing was written\n"
    assert os.listdir(tmp_path) == []


def test_resume_checks_its_options_and_the_corpus(corpus, tmp_path, monkeypatch):
    out = tmp_path / "m.w2v"
    interrupt_after_spans(monkeypatch, 2)
    assert run("train", corpus, "-o", out, "--threads", 1, "--epochs", 8, *FLAGS).exit_code == 130
    monkeypatch.undo()
    # A new run would overwrite the checkpoint: refused.
    again = run("train", corpus, "-o", out, *FLAGS)
    assert again.exit_code == 2
    assert again.stderr == (f"Error: an unfinished run's checkpoint is in '{out}.ckpt': continue it with --resume, "
                            f"or delete it to start over\n")
    conflict = run("train", corpus, "-o", out, "--resume", "--dim", "20")
    assert conflict.exit_code == 2
    assert conflict.stderr == ("Error: --dim 20 differs from the checkpoint's 16: a resumed run uses the "
                               "checkpoint's options; leave --dim out\n")
    other = tmp_path / "other.txt"
    other.write_text("a b c\n" * 10)
    changed = run("train", other, "-o", out, "--resume")
    assert changed.exit_code == 1
    assert changed.stderr.startswith(f"Error: '{other}' is not the corpus of the checkpoint in '{out}.ckpt' (")
    missing = run("train", corpus, "-o", tmp_path / "never.w2v", "--resume")
    assert missing.exit_code == 1
    assert missing.stderr == (f"Error: no checkpoint to resume in '{tmp_path / 'never.w2v'}.ckpt' "
                              f"(was the run started with this -o?)\n")
    state = Path(f"{out}.ckpt") / "state.npz"
    state.write_bytes(state.read_bytes()[:-100])
    corrupt = run("train", corpus, "-o", out, "--resume")
    assert corrupt.exit_code == 1
    assert corrupt.stderr.startswith("Error: checkpoint is corrupt")
    assert corrupt.stderr.count("\n") == 1


def test_checkpoint_every_takes_a_duration(corpus, tmp_path):
    result = run("train", corpus, "-o", tmp_path / "m.w2v", "--checkpoint-every", "soon", *FLAGS)
    assert result.exit_code == 2
    assert result.stderr == "Error: --checkpoint-every must be seconds, or a number ending in s, m or h, got 'soon'\n"


# -- real processes, real signals ---------------------------------------------------------------


def spawn(*args, stdin=None):
    return subprocess.Popen([sys.executable, "-m", "w2v", "train", *map(str, args)], cwd=ROOT, stdin=stdin,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def wait_for_line(process, prefix):
    for line in process.stderr:
        if line.startswith(prefix):
            return line
    raise AssertionError(f"the process ended before printing {prefix!r}")


def test_sigterm_on_a_stdin_corpus_then_resume(corpus, full_runs, tmp_path):
    out = tmp_path / "m.w2v"
    flags = ["--threads", 1, "--epochs", 24, *[f for f in FLAGS if f != "-q"]]
    with open(corpus, "rb") as text:
        process = spawn("-", "-o", out, *flags, stdin=text)
        wait_for_line(process, "epoch 1/24")
        process.send_signal(signal.SIGTERM)
        rest = process.stderr.read()
    assert process.wait(timeout=60) == 143, rest
    args, _ = resume_args(rest)
    assert args[:2] == ["train", "-"]
    assert run(*args, input="").exit_code == 0  # stdin is not read again: the checkpoint has the corpus
    full, resumed = load_model(full_runs[1, 24]), load_model(out)
    assert np.array_equal(full.vectors, resumed.vectors)
    assert np.array_equal(full.output_ns, resumed.output_ns)


def test_kill_9_after_a_periodic_checkpoint_loses_nothing(corpus, full_runs, tmp_path):
    out = tmp_path / "m.w2v"
    state = Path(f"{out}.ckpt") / "state.npz"
    process = spawn(corpus, "-o", out, "--threads", 1, "--epochs", 24, "--checkpoint-every", "0.05", *FLAGS)
    deadline = time.monotonic() + 60
    while not state.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    process.kill()
    process.wait()
    assert not out.exists() and state.exists()
    assert run("train", corpus, "-o", out, "--resume").exit_code == 0
    assert out.read_bytes() == full_runs[1, 24].read_bytes()
    assert sorted(os.listdir(tmp_path)) == ["m.w2v"]


def test_kill_9_at_random_moments_leaves_the_old_model_or_a_complete_new_one(corpus, full_runs, tmp_path):
    out = tmp_path / "m.w2v"
    old = full_runs[2, 8].read_bytes()
    out.write_bytes(old)
    new = full_runs[1, 24].read_bytes()
    rng = random.Random(1)
    for _ in range(5):
        if Path(f"{out}.ckpt", "state.npz").exists():
            args = [corpus, "-o", out, "--resume", "-q"]
        else:
            args = [corpus, "-o", out, "--threads", 1, "--epochs", 24, "--checkpoint-every", "0.1", *FLAGS]
        process = spawn(*args)
        time.sleep(rng.uniform(0.2, 2.5))
        process.kill()
        process.wait()
        data = out.read_bytes()
        assert data in (old, new), "the model file is neither the old nor the new model"
        load_model(out)
        leftovers = [name for name in os.listdir(tmp_path) if name not in ("m.w2v", "m.w2v.ckpt")]
        assert all(re.match(rf"\.m\.w2v\.tmp-{process.pid}-", name) for name in leftovers), leftovers
    # Whatever the kills left, the next run cleans up and finishes.
    resume = ["--resume"] if Path(f"{out}.ckpt", "state.npz").exists() else \
        ["--threads", 1, "--epochs", 24, *FLAGS]
    assert run("train", corpus, "-o", out, *resume).exit_code == 0
    assert out.read_bytes() == new
    assert sorted(os.listdir(tmp_path)) == ["m.w2v"]


def test_files_left_by_a_killed_process_are_removed_by_the_next_run(corpus, tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)
    out = tmp_path / "m.w2v"
    directory = Path(f"{out}.ckpt")
    directory.mkdir()
    stale = [tmp_path / f".m.w2v.tmp-{pid}-abc123", directory / f"w2v-ids-{pid}-x1", directory / f"w2v-remap-{pid}-x2",
             directory / f"state.npz.tmp-{pid}-x3"]
    alive = tmp_path / f".m.w2v.tmp-{os.getppid()}-abc"  # a running process's file stays
    for path in stale + [alive]:
        path.write_bytes(b"partial")
    assert run("train", corpus, "-o", out, "--threads", 1, "--epochs", 1, *FLAGS).exit_code == 0
    assert sorted(os.listdir(tmp_path)) == sorted(["m.w2v", alive.name])


# -- continued training -------------------------------------------------------------------------


def grown_corpus(path, topics=8, sentences=10_000, seed=1):
    """The planted corpus with new targets n<topic>_<gender> in half of the sentences."""
    rng = np.random.default_rng(seed)
    lines = []
    for _ in range(sentences):
        topic, gender = int(rng.integers(topics)), "mf"[int(rng.integers(2))]
        target = f"{'n' if rng.random() < 0.5 else 't'}{topic}_{gender}"
        words = [target] + [f"c{topic}_{i}" for i in rng.integers(10, size=3)] + \
            [f"g{gender}_{i}" for i in rng.integers(10, size=3)]
        rng.shuffle(words)
        lines.append(" ".join(words))
    lines.append("rareword " * 2)
    path.write_text("\n".join(lines) + "\n")


def test_init_continues_a_model_and_grows_its_vocabulary(tmp_path):
    base_corpus, more = tmp_path / "base.txt", tmp_path / "more.txt"
    planted_corpus(base_corpus)
    grown_corpus(more)
    flags = ["--min-count", "3", "--sample", "0", "--skipgram", "--threads", 1, "--seed", 3, "-q"]
    assert run("train", base_corpus, "-o", tmp_path / "base.w2v", "--dim", 24, "--epochs", 3, *flags).exit_code == 0
    result = run("train", more, "--init", tmp_path / "base.w2v", "-o", tmp_path / "more.w2v", "--epochs", 2, *flags)
    assert result.exit_code == 0, result.output
    base, grown = load_model(tmp_path / "base.w2v"), load_model(tmp_path / "more.w2v")
    assert grown.dim == 24  # taken from the model
    new_words = set(grown.words) - set(base.words)
    assert new_words == {f"n{t}_{g}" for t in range(8) for g in "mf"}  # not 'rareword' (2 < --min-count)
    counts = dict(zip(grown.words, grown.counts.tolist()))
    base_counts = dict(zip(base.words, base.counts.tolist()))
    assert counts["c0_0"] > base_counts["c0_0"]  # old counts grow by the new ones
    assert grown.counts.tolist() == sorted(grown.counts.tolist(), reverse=True)

    old_targets = [f"t{t}_{g}" for t in range(8) for g in "mf"]

    def cosines(model):
        v = Vectors(model.words, model.vectors)
        rows = np.array([v.vector(w) for w in old_targets])
        rows /= np.linalg.norm(rows, axis=1, keepdims=True)
        return (rows @ rows.T)[np.triu_indices(len(rows), 1)]

    # Old words keep their geometry (the similarities between them hardly move)...
    assert np.corrcoef(cosines(base), cosines(grown))[0, 1] > 0.9
    vectors = Vectors(grown.words, grown.vectors)
    solved = [vectors.analogy(a, b, c, k=1)[0][0] == d for a, b, c, d in planted_analogies()]
    assert np.mean(solved) >= 0.9
    # ...and new words land next to the old words they behave like.
    assert np.mean([vectors.similarity(f"n{t}_m", f"t{t}_m") > vectors.similarity(f"n{t}_m", f"t{(t + 1) % 8}_m")
                    for t in range(8)]) == 1
    # n<t>_<g> and t<t>_<g> are synonyms here: either answers an analogy.
    mixed = [("n1_m", "n1_f", "t4_f", "4_m"), ("t2_f", "t2_m", "n5_m", "5_f"), ("n3_m", "n3_f", "n6_f", "6_m")]
    assert all(vectors.analogy(a, b, c, k=1)[0][0] in ("n" + d, "t" + d) for a, b, c, d in mixed)


def test_init_refuses_other_dimensions_and_vectors_without_counts(tmp_path, corpus):
    model = tmp_path / "m.w2v"
    assert run("train", corpus, "-o", model, "--epochs", 1, "--threads", 1, *FLAGS).exit_code == 0
    result = run("train", corpus, "--init", model, "-o", tmp_path / "x.w2v", *FLAGS[2:], "--dim", 8)
    assert result.exit_code == 2
    assert result.stderr == f"Error: --dim 8 differs from the model's 16: '{model}'\n"
    assert run("export", "-m", model, "-o", tmp_path / "v.txt").exit_code == 0
    from w2v.vectors.formats import load_vectors, save_model

    exported = load_vectors(tmp_path / "v.txt")
    save_model(tmp_path / "nocounts.w2v", list(exported.words), exported.vectors, None)
    result = run("train", corpus, "--init", tmp_path / "nocounts.w2v", "-o", tmp_path / "x.w2v", *FLAGS[2:])
    assert result.exit_code == 1
    assert result.stderr == f"Error: --init needs a native w2v model with word counts: '{tmp_path / 'nocounts.w2v'}'\n"
    assert not (tmp_path / "x.w2v").exists() and not (tmp_path / "x.w2v.ckpt").exists()


# -- determinism and divergence -----------------------------------------------------------------


def test_one_thread_and_a_seed_give_identical_files(corpus, full_runs, tmp_path):
    again = tmp_path / "again.w2v"
    assert run("train", corpus, "-o", again, "--threads", 1, "--epochs", 8, *FLAGS).exit_code == 0
    assert again.read_bytes() == full_runs[1, 8].read_bytes()
    other_seed = tmp_path / "other.w2v"
    flags = [f if f != "7" else "8" for f in FLAGS]
    assert run("train", corpus, "-o", other_seed, "--threads", 1, "--epochs", 8, *flags).exit_code == 0
    assert other_seed.read_bytes() != again.read_bytes()


@pytest.mark.parametrize("architecture", [["--cbow"], ["--skipgram"], ["--skipgram", "--kernel", "classic"]])
def test_a_diverging_learning_rate_stops_training_with_a_clear_error(corpus, tmp_path, architecture):
    out = tmp_path / "m.w2v"
    result = run("train", corpus, "-o", out, "--alpha", 10, "--dim", 16, "--min-count", 1, "--threads", 1, "-q",
                 *architecture)
    assert result.exit_code == 1
    assert re.fullmatch(r"Error: training diverged: the loss became (nan|inf|-inf) in epoch 1 \([\d.]+% done\); "
                        r"lower --alpha \(it is 10\)\n", result.stderr), result.stderr
    assert os.listdir(tmp_path) == []  # no model, no checkpoint of doomed weights


# -- a corpus larger than the memory given ------------------------------------------------------

PEAK = ("import atexit, sys\n"
        "def peak():\n"
        "    status = dict(line.split(':', 1) for line in open('/proc/self/status'))\n"
        "    sys.stderr.write('VmPeak %d VmHWM %d\\n' % tuple(int(status[k].split()[0]) for k in ('VmPeak', 'VmHWM')))\n"
        "atexit.register(peak)\n"
        "from w2v.cli import main\n"
        "sys.argv = ['w2v'] + sys.argv[1:]\n"
        "main()\n")


def write_corpus(path, megabytes, seed=0):
    """Lines of 20 tokens 'w0000'..'w2999' (6 bytes each with the space): ids take 2/3 of the text."""
    rng = np.random.default_rng(seed)
    table = np.frombuffer(b"".join(b"w%04d " % i for i in range(3000)), dtype=np.uint8).reshape(3000, 6)
    with open(path, "wb") as f:
        for _ in range(megabytes):
            block = table[rng.integers(0, 3000, size=-(-(1 << 20) // 120) * 20)].reshape(-1, 120).copy()
            block[:, -1] = ord("\n")
            f.write(block.tobytes())


def train_limited(corpus, out, limit_bytes=None):
    def limit():
        if limit_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))

    # One malloc arena: glibc reserves 64 MB of address space per extra arena, which would blur the limit.
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", MALLOC_ARENA_MAX="1")
    result = subprocess.run([sys.executable, "-c", PEAK, "train", str(corpus), "-o", str(out), "--threads", "1",
                             "--epochs", "1", "--dim", "8", "--window", "2", "--negative", "2", "--sample", "1e-5",
                             "--min-count", "1", "-q"], cwd=ROOT, env=env, preexec_fn=limit,
                            capture_output=True, text=True, timeout=600)
    match = re.search(r"VmPeak (\d+) VmHWM (\d+)", result.stderr)
    return result, (int(match[1]) * 1024, int(match[2]) * 1024) if match else (None, None)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc and RLIMIT_AS")
def test_trains_on_a_corpus_four_times_larger_than_its_memory_headroom(tmp_path):
    tiny, big = tmp_path / "tiny.txt", tmp_path / "big.txt"
    write_corpus(tiny, 1)
    for _ in range(2):  # the first run may compile the kernels; the second measures
        result, (baseline, _) = train_limited(tiny, tmp_path / "tiny.w2v")
        assert result.returncode == 0, result.stderr
    # Address space above what a 1 MB corpus needs. Mapping the ids file whole (as before this
    # test existed) fails here with ENOMEM: the ids alone take 107 MB.
    headroom = 40 << 20
    write_corpus(big, 4 * headroom >> 20)
    limit = baseline + headroom
    result, (peak, rss) = train_limited(big, tmp_path / "big.w2v", limit)
    assert result.returncode == 0, result.stderr
    assert peak <= limit
    model = load_model(tmp_path / "big.w2v")
    assert model.corpus["bytes"] == big.stat().st_size >= 4 * headroom
    assert model.corpus["tokens"] * 4 > headroom  # the ids do not fit either
    assert len(model.words) == 3000 and np.isfinite(model.vectors).all()
