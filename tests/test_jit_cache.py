"""The kernels' Numba cache: shipped in the package by the build, and never trusted blindly.

A cache built into a copy of the package (as ``pip install .`` does, see setup.py) serves a real
run with nothing left to compile, after the copy's files get new timestamps (an install's);
an edited kernel source, a cache built for another CPU and damaged cache files all make Numba
compile again, with the same results as a run without any cache.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

from tests.compiles import compiled_by
from w2v.vectors.formats import load_model

PACKAGE = Path(__file__).resolve().parents[1] / "w2v"

def run(tmp_path, *args, **options):
    """The names of the w2v functions one process compiles running ``w2v *args``."""
    return [name for name, _ in compiled_by(tmp_path, *args, **options)]


def write_corpus(tmp_path):
    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(60)]
    lines = [" ".join(rng.choice(words, 12)) for _ in range(400)]
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def train_args(corpus, out, *flags):
    return ["train", str(corpus), "-o", str(out), "--min-count", "1", "--dim", "16", "--epochs", "2",
            "--threads", "1", "--seed", "5", "-q", *flags]


def test_a_cache_built_into_the_package_serves_an_install_and_an_edit_recompiles(tmp_path):
    copy = tmp_path / "site"
    shutil.copytree(PACKAGE, copy / "w2v", ignore=shutil.ignore_patterns("__pycache__"))
    env = {key: value for key, value in os.environ.items() if not key.startswith("NUMBA_")}
    env["PYTHONPATH"] = str(copy)
    built = subprocess.run([sys.executable, "-m", "w2v.precompile", "-q"], env=env, cwd=tmp_path,
                           capture_output=True, text=True, timeout=900)
    assert built.returncode == 0, built.stderr
    assert list((copy / "w2v" / "training" / "__pycache__").glob("*.nbi"))
    assert len(list((copy / "w2v" / "cluster" / "__pycache__").glob("kernels.train_span_scaled_*.nbi"))) == 2
    for path in (copy / "w2v").rglob("*"):  # an install gives the files new timestamps
        os.utime(path, (1_900_000_000, 1_900_000_000))

    corpus = write_corpus(tmp_path)
    for flags in (["--cbow", "--negative", "3", "--window", "3"], ["--skipgram", "--hs"], ["--subwords"],
                  ["--subwords", "--skipgram"]):
        assert run(tmp_path, *train_args(corpus, tmp_path / "m.w2v", *flags), pythonpath=copy) == [], flags

    kernels = copy / "w2v" / "training" / "kernels.py"
    kernels.write_text(kernels.read_text() + "\n# edited\n")
    compiled = run(tmp_path, *train_args(corpus, tmp_path / "m.w2v", "--cbow"), pythonpath=copy)
    assert "w2v.training.kernels.train_span_cbow" in compiled
    assert not any(name.startswith("w2v.text.scan_kernels") for name in compiled)  # unchanged: still cached


def test_damaged_cache_files_are_misses_and_the_results_do_not_change(tmp_path):
    corpus = write_corpus(tmp_path)
    cache = tmp_path / "cache"
    assert run(tmp_path, *train_args(corpus, tmp_path / "a.w2v"), cache=cache)
    files = sorted(cache.rglob("*.nb[ic]"))
    assert files
    for k, path in enumerate(files):
        data = path.read_bytes()
        path.write_bytes(data[:len(data) // 2] if k % 2 else b"\x80\x04not a pickle" + data[:64])

    compiled = run(tmp_path, *train_args(corpus, tmp_path / "b.w2v"), cache=cache)
    assert "w2v.training.kernels.train_span_cbow" in compiled
    np.testing.assert_array_equal(load_model(tmp_path / "a.w2v").vectors, load_model(tmp_path / "b.w2v").vectors)
    assert run(tmp_path, *train_args(corpus, tmp_path / "c.w2v"), cache=cache) == []  # the index was rebuilt


def test_a_cache_built_for_another_cpu_is_not_loaded(tmp_path):
    corpus = write_corpus(tmp_path)
    cache = tmp_path / "cache"
    # Numba keys entries by CPU name and features: 'generic' stands for another machine's CPU.
    foreign = run(tmp_path, *train_args(corpus, tmp_path / "a.w2v"), cache=cache,
                  extra_env={"NUMBA_CPU_NAME": "generic"})
    assert "w2v.training.kernels.train_span_cbow" in foreign
    compiled = run(tmp_path, *train_args(corpus, tmp_path / "b.w2v"), cache=cache)
    assert "w2v.training.kernels.train_span_cbow" in compiled
    fresh = run(tmp_path, *train_args(corpus, tmp_path / "c.w2v"), cache=tmp_path / "empty")
    assert "w2v.training.kernels.train_span_cbow" in fresh
    np.testing.assert_array_equal(load_model(tmp_path / "b.w2v").vectors, load_model(tmp_path / "c.w2v").vectors)
