"""Paired, 1 thread: the cluster's kernel with every row at scale 4 against the single-machine kernel at
4 x alpha, on 3M words of text8 (TEXT8, default /work/scratch/cluster/text8). Both train the same model,
so the loss must be the same; only the speed may differ. A warm-up call first, then alternating runs.

    python benchmarks/cluster_kernels.py [ROUNDS]
"""
import os
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import numpy as np  # noqa: E402

from w2v.cluster.kernels import train_span_scaled  # noqa: E402
from w2v.text.vocab import Vocab  # noqa: E402
from w2v.training.kernels import sigmoid_tables, train_span  # noqa: E402
from w2v.training.params import TrainParams  # noqa: E402
from w2v.training.trainer import initial_weights, kernel_tables  # noqa: E402

SCALE, DIM, WINDOW, NEGATIVE = 4, 100, 5, 5


def corpus_ids():
    words = open(os.environ.get("TEXT8", "/work/scratch/cluster/text8")).read(20_000_000).split()[:3_000_000]
    counts = Counter(words)
    kept = [w for w, n in counts.most_common() if n >= 5]
    index = {w: i for i, w in enumerate(kept)}
    ids = np.array([index.get(w, -2) for w in words], np.int32)
    ids = ids[ids != -2]
    ids[999::1000] = -1  # sentences of 1,000 words
    return ids, Vocab(kept, np.array([counts[w] for w in kept], np.int64))


def run(kind, ids, vocab, cbow, tables, sigmoid, log_sigmoid):
    """(seconds, loss a prediction) of one pass over ``ids``."""
    keep, noise_threshold, noise_alias, codes, points, offsets = tables
    alpha = TrainParams(cbow=cbow).starting_alpha
    syn0 = initial_weights(len(vocab), DIM, 1)
    syn1neg = np.zeros_like(syn0)
    stats = np.zeros(3)
    rng = np.array([1], np.uint64)
    started = time.perf_counter()
    if kind == "cluster":
        train_span_scaled(ids, 0, len(ids), syn0, syn1neg, keep, noise_threshold, noise_alias, sigmoid, log_sigmoid,
                          WINDOW, NEGATIVE, cbow, alpha, alpha * 1e-4, 0, len(ids), 1, rng, stats,
                          np.full(len(vocab), SCALE, np.float32))
    else:
        train_span(ids, 0, len(ids), syn0, syn1neg, np.zeros((1, DIM), np.float32), keep, noise_threshold,
                   noise_alias, codes, points, offsets, sigmoid, log_sigmoid, WINDOW, NEGATIVE, False, cbow, True,
                   SCALE * alpha, SCALE * alpha * 1e-4, 0, len(ids), 1, rng, stats)
    return time.perf_counter() - started, stats[0] / stats[1]


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    ids, vocab = corpus_ids()
    sigmoid, log_sigmoid = sigmoid_tables()
    for cbow in (True, False):
        tables = kernel_tables(vocab, TrainParams(cbow=cbow, sample=1e-4))
        for kind in ("single", "cluster"):  # warm-up: compile or load the kernels
            run(kind, ids[:5000], vocab, cbow, tables, sigmoid, log_sigmoid)
        rates, losses = {"single": [], "cluster": []}, {}
        for r in range(rounds):
            for kind in ("single", "cluster") if r % 2 == 0 else ("cluster", "single"):
                seconds, losses[kind] = run(kind, ids, vocab, cbow, tables, sigmoid, log_sigmoid)
                rates[kind].append(len(ids) / seconds)
        print(f"{'CBOW' if cbow else 'skip-gram'}: loss {losses['single']:.6f} / {losses['cluster']:.6f}; "
              + "; ".join(f"{kind} {' '.join(f'{x / 1e6:.2f}' for x in v)}M words/s (median "
                          f"{np.median(v) / 1e6:.2f}M)" for kind, v in rates.items()))


if __name__ == "__main__":
    main()
