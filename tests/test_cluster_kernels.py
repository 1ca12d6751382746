"""The cluster's kernels, a learning rate for each row: against NumPy, and against the single-machine kernels."""

import numpy as np
import pytest

from w2v.cluster.kernels import train_span_scaled
from w2v.training.kernels import sigmoid_tables, train_span
from w2v.training.params import EXP_TABLE_SIZE, MAX_EXP

SIGMOID, LOG_SIGMOID = sigmoid_tables()
VOCAB, DIM = 12, 8


def positive_gradient(f: float) -> float:
    """label - sigmoid(f) for the positive target, from word2vec.c's table as the kernels read it."""
    if f >= MAX_EXP:
        return 0.0
    if f <= -MAX_EXP:
        return 1.0
    index = int(np.float32((np.float32(f) + np.float32(MAX_EXP)) * np.float32(EXP_TABLE_SIZE / MAX_EXP / 2.0)))
    return 1.0 - float(SIGMOID[index])


def reference(sentence, syn0, syn1neg, alpha, row_scale, cbow):
    """One sentence, window 1, no noise words, in float64: each row's step times its row_scale."""
    syn0, syn1neg = syn0.astype(np.float64), syn1neg.astype(np.float64)
    for position, word in enumerate(sentence):
        contexts = [sentence[j] for j in (position - 1, position + 1) if 0 <= j < len(sentence)]
        if cbow:
            hidden = syn0[contexts].mean(axis=0)
            g = positive_gradient(hidden @ syn1neg[word]) * alpha
            error = g * syn1neg[word]
            syn1neg[word] += g * row_scale[word] * hidden
            for c in contexts:
                syn0[c] += row_scale[c] * error
        else:
            gradients = [positive_gradient(syn0[c] @ syn1neg[word]) * alpha for c in contexts]
            errors = [g * syn1neg[word] for g in gradients]
            syn1neg[word] += row_scale[word] * sum(g * syn0[c] for g, c in zip(gradients, contexts))
            for c, e in zip(contexts, errors):
                syn0[c] += row_scale[c] * e
    return syn0, syn1neg


def tables(vocab=VOCAB):
    """Keep every word (no subsampling) and a uniform noise distribution."""
    return (np.full(vocab, 65536, np.uint32), np.full(vocab, 65536, np.uint32), np.arange(vocab, dtype=np.int32))


def start_weights(seed=0):
    rng = np.random.default_rng(seed)
    return ((rng.random((VOCAB, DIM), dtype=np.float32) - 0.5),
            (rng.random((VOCAB, DIM), dtype=np.float32) - 0.5))


def scaled(ids, syn0, syn1neg, alpha, row_scale, cbow, window=1, negative=0, min_alpha=None, total_words=None):
    keep, noise_threshold, noise_alias = tables()
    stats = np.zeros(3)
    # by default min_alpha = alpha: the rate does not decay, as in the reference
    train_span_scaled(ids, 0, len(ids), syn0, syn1neg, keep, noise_threshold, noise_alias, SIGMOID, LOG_SIGMOID,
                      window, negative, cbow, alpha, alpha if min_alpha is None else min_alpha, 0,
                      total_words or 10**12, 1, np.array([7], np.uint64), stats, row_scale)
    return stats


@pytest.mark.parametrize("cbow", [True, False], ids=["cbow", "skipgram"])
def test_each_row_steps_at_its_own_rate_as_numpy_says(cbow):
    sentence = np.array([3, 1, 4, 1, 5, 9, 2, 6, 5, 3], np.int32)  # repeated words in one window too
    row_scale = np.linspace(1.0, 8.0, VOCAB).astype(np.float32)
    syn0, syn1neg = start_weights()
    want0, want1 = reference(sentence, syn0, syn1neg, 0.05, row_scale, cbow)
    scaled(sentence, syn0, syn1neg, 0.05, row_scale, cbow)
    np.testing.assert_allclose(syn0, want0, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(syn1neg, want1, rtol=1e-5, atol=1e-6)
    # the control: one rate for every row is another model
    one0, _ = reference(sentence, *start_weights(), 0.05, np.full(VOCAB, 4.5, np.float32), cbow)
    assert not np.allclose(syn0, one0, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cbow", [True, False], ids=["cbow", "skipgram"])
def test_with_every_scale_n_it_trains_as_the_single_machine_kernel_at_n_times_alpha(cbow):
    rng = np.random.default_rng(1)
    ids = rng.integers(0, VOCAB, 3000).astype(np.int32)
    ids[::50] = -1  # sentence ends
    keep, noise_threshold, noise_alias = tables()
    n = 4  # a power of two: N x (g x alpha) rounds as (g x N alpha) does
    a0, a1 = start_weights()
    b0, b1 = a0.copy(), a1.copy()
    stats_a = scaled(ids, a0, a1, 0.025, np.full(VOCAB, n, np.float32), cbow, window=3, negative=5,
                     min_alpha=0.025e-4, total_words=len(ids))
    stats_b = np.zeros(3)
    dummy = np.zeros((1, DIM), np.float32)
    train_span(ids, 0, len(ids), b0, b1, dummy, keep, noise_threshold, noise_alias, np.zeros(1, np.uint8),
               np.zeros(1, np.int32), np.zeros(2, np.int64), SIGMOID, LOG_SIGMOID, 3, 5, False, cbow, True,
               n * 0.025, n * 0.025e-4, 0, len(ids), 1, np.array([7], np.uint64), stats_b)
    np.testing.assert_array_equal(a0, b0)
    np.testing.assert_array_equal(a1, b1)
    np.testing.assert_array_equal(stats_a, stats_b)
