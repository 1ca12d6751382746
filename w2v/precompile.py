"""Compile the kernels every command uses into Numba's cache, ahead of a user's first run.

    python -m w2v.precompile

``pip install .`` runs this while it builds the package (``setup.py``), so the cache files are
installed beside the kernels' modules (``w2v/text/__pycache__``, ``w2v/training/__pycache__``,
``w2v/subwords/__pycache__``, ``w2v/cluster/__pycache__``) and a new install's first ``w2v train`` loads its kernels instead of
spending seconds compiling them.

It compiles by running the commands themselves on a tiny corpus: each kernel is compiled with
exactly the argument types a real run passes (``tests/test_compiles.py`` checks that a real run
then compiles nothing). Numba keys each cached kernel by its source's content hash, Numba's
version and the CPU, so a cache from another machine or another version is ignored, never used;
``w2v.jit_cache`` makes an unreadable one a miss instead of an error.

Exits 0 when every command ran; a failure here only means kernels compile on first use. The
scan's kernels compile first; the commands then run in parallel child processes, one per core.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# One line per kind of run that compiles something different. Flags that are runtime arguments
# of a kernel (--hs, --negative, --tied, --kernel, --epochs...) share its one specialisation; the
# subword skip-gram's default update has its own kernel, and --cbow (like --hs or --kernel
# classic) takes the general one.
# The first (the scan's kernels, which every other run uses) runs alone; the others then run in
# parallel processes, one per core.
RUNS = [
    ["vocab", "{corpus}", "-o", "{out}/vocab.txt"],
    ["train", "{corpus}", "-o", "{out}/cbow.w2v", "--cbow"],
    ["train", "{corpus}", "-o", "{out}/sg.w2v", "--skipgram"],
    ["train", "{corpus}", "-o", "{out}/sub.w2v", "--skipgram", "--subwords", "--bucket", "1000"],
    ["train", "{corpus}", "-o", "{out}/subcbow.w2v", "--cbow", "--subwords", "--bucket", "1000"],
    ["phrases", "{corpus}", "{out}/phrases.txt", "--quiet"],
    ["cluster-kernels"],  # not a command: train --cluster's kernels, compiled without Ray
]
COMMON = ["--min-count", "1", "--dim", "8", "--epochs", "1", "--threads", "1", "-q"]


def write_corpus(path: Path) -> None:
    """A few sentences, one invalid UTF-8 byte (the repair kernel) and some Hangul (multi-byte n-grams)."""
    text = "the quick brown fox jumps over the lazy dog\n" * 20 + "영화 정말 재밌어요 영화관에서\n" * 10
    path.write_bytes(text.encode("utf-8") + b"caf\xe9 au lait\n")


def run_one(index: int, corpus: Path, out: str) -> None:
    """Run RUNS[index] in this process."""
    from w2v.cli import cli
    from w2v.text import phrases

    phrases._Bigrams.initial_bits = 2  # so the tiny corpus grows the bigram table (its rehash kernel)
    if RUNS[index] == ["cluster-kernels"]:
        compile_for_workers()
        return
    args = [a.format(corpus=corpus, out=out) for a in RUNS[index]]
    if args[0] == "train":
        args += COMMON
    cli(args, prog_name="w2v", standalone_mode=False)


def compile_for_workers() -> None:
    """Compile ``w2v.cluster.kernels`` with the argument types a worker passes: a cluster's first run
    then loads them on every node that has the package's cache."""
    import numpy as np

    from w2v.cluster.kernels import train_span_scaled
    from w2v.text.vocab import Vocab
    from w2v.training.kernels import sigmoid_tables
    from w2v.training.params import TrainParams
    from w2v.training.trainer import kernel_tables

    vocab = Vocab(["a", "b", "c"], np.array([5, 3, 2], dtype=np.int64))
    for cbow in (True, False):
        params = TrainParams(cbow=cbow, dim=8, min_count=1)
        keep, noise_threshold, noise_alias = kernel_tables(vocab, params)[:3]
        row_scale = np.ones(3, np.float32)
        for table in (keep, noise_threshold, noise_alias, row_scale):
            table.setflags(write=False)  # the tables reach a worker from Ray's object store, read-only
        sigmoid, log_sigmoid = sigmoid_tables()
        ids = np.empty(16, dtype=np.int32)[:6]  # a view of the worker's read buffer
        ids[:] = [0, 1, 2, 0, 1, -1]
        weights = [np.zeros((3, 8), np.float32) for _ in range(2)]
        rng = np.ones(2, dtype=np.uint64)
        stats = np.zeros((1, 2, 3), dtype=np.float64)
        train_span_scaled(ids, 0, 6, *weights, keep, noise_threshold, noise_alias, sigmoid, log_sigmoid, 2, 2,
                          cbow, 0.025, 0.0001, 0, 6, 1, rng[0:1], stats[0, 0], row_scale)


def precompile(quiet: bool = False, jobs: int | None = None) -> bool:
    """Run every line of RUNS (the first here, the others in ``jobs`` child processes); True if all ran."""
    jobs = jobs or os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="w2v-precompile-") as tmp:
        corpus = Path(tmp) / "corpus.txt"
        write_corpus(corpus)

        def child(index: int) -> bool:
            started = time.monotonic()
            result = subprocess.run([sys.executable, "-m", "w2v.precompile", "--run", str(index), str(corpus), tmp],
                                    capture_output=True, text=True)
            label = " ".join(RUNS[index][:1] + [a for a in RUNS[index][2:] if a.startswith("--")])
            if result.returncode != 0:
                print(f"w2v precompile: {label}: {result.stderr.strip()[-400:]}", file=sys.stderr)
            elif not quiet:
                print(f"w2v precompile: {label} in {time.monotonic() - started:.1f} s", file=sys.stderr)
            return result.returncode == 0

        ok = child(0)
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            ok = all(list(pool.map(child, range(1, len(RUNS))))) and ok
    return ok


def main() -> None:
    argv = sys.argv[1:]
    if argv[:1] == ["--run"]:
        run_one(int(argv[1]), Path(argv[2]), argv[3])
        return
    sys.exit(0 if precompile(quiet="-q" in argv) else 1)


if __name__ == "__main__":
    main()
