"""Train on a corpus several times larger than the memory limit imposed on the trainer.

    python benchmarks/memory_bound.py                       # 768 MB limit, 3 GB corpus
    python benchmarks/memory_bound.py --limit-mb 600 --factor 4 --workdir /big/disk

Writes a generated corpus (Zipf-distributed words, plus one never-repeated junk token in
every ten, like hashes and URLs in a web crawl) of FACTOR x LIMIT bytes, then runs
``w2v train`` in a child process under ``RLIMIT_AS = LIMIT`` (address space: it counts
every mapping, so neither the text nor its 4-byte-a-word ids file can be mapped or held
whole), with ``--prune-at`` bounding the words held while counting. It reports the child's
peak RSS (VmHWM) and peak address space (VmPeak) from /proc at exit, and the same for a
1 MB corpus (the baseline of Python, NumPy and Numba). Appends a row to
``benchmarks/RESULTS_resilience.md`` with ``--record``.

One malloc arena (MALLOC_ARENA_MAX=1) and one OpenBLAS thread: glibc reserves 64 MB of
address space per extra arena and OpenBLAS a buffer per thread, reservations that count
against RLIMIT_AS without being used.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "RESULTS_resilience.md"
PEAK = ("import atexit, sys\n"
        "def peak():\n"
        "    status = dict(line.split(':', 1) for line in open('/proc/self/status'))\n"
        "    sys.stderr.write('VmPeak %d VmHWM %d\\n' % tuple(int(status[k].split()[0]) for k in ('VmPeak', 'VmHWM')))\n"
        "atexit.register(peak)\n"
        "from w2v.cli import main\n"
        "sys.argv = ['w2v'] + sys.argv[1:]\n"
        "main()\n")
TRAIN = ["--threads", "1", "--epochs", "1", "--dim", "32", "--window", "3", "--negative", "3", "--sample", "1e-4",
         "--min-count", "5", "--prune-at", "2000000", "--checkpoint-every", "0"]


def write_corpus(path: Path, size: int, seed: int = 0) -> int:
    """About ``size`` bytes: 20-word lines of Zipf-distributed words w<rank> (100,000 types), where
    one word in ten is a never-repeated junk token j<12 hex digits>.

    Eight blocks of Zipf words are drawn once and reused; only the junk tokens are rewritten
    (vectorised), so gigabytes take seconds. Returns the number of junk tokens written.
    """
    rng = np.random.default_rng(seed)
    ranks = np.arange(1, 100_001)
    cumulative = np.cumsum(1.0 / ranks)
    cumulative /= cumulative[-1]
    words = np.array([b"w%d" % r for r in ranks], dtype=object)
    hexdigits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    templates = []
    for _ in range(8):
        n = 400_000
        tokens = words[np.searchsorted(cumulative, rng.random(n))]
        junk = np.flatnonzero(rng.random(n) < 0.1)
        tokens[junk] = b"j" + b"0" * 12
        tokens[19::20] = [t + b"\n" for t in tokens[19::20]]
        lengths = np.array([len(t) + 1 for t in tokens.tolist()])
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        data = np.frombuffer(b" ".join(tokens.tolist()) + b" ", dtype=np.uint8).copy()
        templates.append((data, starts[junk] + 1))
    counter = 0
    written = 0
    with open(path, "wb") as f:
        while written < size:
            data, digits_at = templates[counter % len(templates)]
            values = np.arange(counter, counter + len(digits_at), dtype=np.uint64)
            for d in range(12):
                data[digits_at + d] = hexdigits[(values >> np.uint64(4 * (11 - d))) & np.uint64(15)]
            counter += len(digits_at)
            f.write(data.tobytes())
            written += data.shape[0]
    return counter


def train(corpus: Path, out: Path, limit: int | None):
    def apply_limit():
        if limit:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", MALLOC_ARENA_MAX="1")
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-c", PEAK, "train", str(corpus), "-o", str(out), *TRAIN],
                            cwd=ROOT, env=env, preexec_fn=apply_limit, capture_output=True, text=True)
    wall = time.monotonic() - started
    match = re.search(r"VmPeak (\d+) VmHWM (\d+)", result.stderr)
    peak, rss = (int(match[1]) << 10, int(match[2]) << 10) if match else (None, None)
    summary = re.search(r"trained ([\d,]+) words in ([\d.]+) s, ([\d,]+) words/s", result.stderr)
    return result, peak, rss, wall, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit-mb", type=int, default=768, help="RLIMIT_AS for the trainer (default 768)")
    parser.add_argument("--factor", type=float, default=4.0, help="corpus size / limit (default 4)")
    parser.add_argument("--workdir", default=None, help="where the corpus and models go (default: a temp dir)")
    parser.add_argument("--record", action="store_true", help=f"append a row to {RESULTS.relative_to(ROOT)}")
    args = parser.parse_args()
    limit = args.limit_mb << 20
    with tempfile.TemporaryDirectory(dir=args.workdir) as directory:
        work = Path(directory)
        tiny, big = work / "tiny.txt", work / "big.txt"
        write_corpus(tiny, 1 << 20)
        for _ in range(2):  # the first run may compile the kernels
            result, base_peak, base_rss, _, _ = train(tiny, work / "tiny.w2v", None)
            if result.returncode:
                sys.exit(result.stderr)
        print(f"baseline (1 MB corpus): peak RSS {base_rss / 2**20:,.0f} MB, address space {base_peak / 2**20:,.0f} MB")
        started = time.monotonic()
        junk = write_corpus(big, int(args.factor * limit))
        size = big.stat().st_size
        print(f"wrote a {size / 2**20:,.0f} MB corpus in {time.monotonic() - started:.0f} s")
        result, peak, rss, wall, summary = train(big, work / "big.w2v", limit)
        print(result.stderr.strip())
        if result.returncode:
            sys.exit(f"training failed under the {args.limit_mb} MB limit (exit {result.returncode})")
        from w2v.vectors.formats import load_model

        model = load_model(work / "big.w2v")
        corpus = model.corpus
        row = (f"| {datetime.date.today()} | {size / 2**20:,.0f} MB: {corpus['tokens']:,} words, over "
               f"{junk:,} distinct ({corpus['distinct_words']:,} held after the last prune) "
               f"| {args.limit_mb} MB RLIMIT_AS "
               f"| {rss / 2**20:,.0f} MB | {peak / 2**20:,.0f} MB | {base_rss / 2**20:,.0f} MB "
               f"| {len(model.words):,} x {model.dim} | {summary[3] if summary else '?'} | {wall:,.0f} s |")
        print(row)
        if args.record:
            if not RESULTS.exists():
                RESULTS.write_text(HEADER)
            with open(RESULTS, "a") as f:
                f.write(row + "\n")


HEADER = f"""# Resilience benchmark: training on a corpus larger than the memory limit

`python benchmarks/memory_bound.py --record` (see its docstring). The trainer runs under
`RLIMIT_AS` (every mapping counts, so neither the corpus nor its ids file can be mapped or held
whole) on a corpus `--factor` times that limit. Peak RSS and peak address space are the child's
own VmHWM and VmPeak at exit; the baseline is the same command on a 1 MB corpus. Settings:
`w2v train CORPUS {' '.join(TRAIN)}`. Machine: {platform.machine()}, {os.cpu_count()} cores
(shared with other work while measured: times are indicative, memory is not load-sensitive).

| date | corpus | limit | peak RSS | peak address space | baseline RSS (1 MB corpus) | vocabulary | words/s | wall |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
"""


if __name__ == "__main__":
    main()
