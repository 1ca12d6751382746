"""The jitted kernels against the naive reference in tests/reference.py, at one thread."""


import numpy as np
import pytest

from tests import reference
from w2v.text.vocab import Vocab
from w2v.training import kernels

SIGMOID, LOG_SIGMOID = kernels.sigmoid_tables()


def make_vocab(size=12, seed=0):
    rng = np.random.default_rng(seed)
    counts = np.sort(rng.integers(5, 500, size))[::-1].astype(np.int64)
    return Vocab([f"w{i}" for i in range(size)], counts)


def noise_tables(vocab):
    prob, alias = vocab.alias_table()
    threshold = np.minimum(np.floor(prob.astype(np.float64) * 65536 + 0.5), 65536).astype(np.uint32)
    return threshold, alias


def weights(vocab_size, dim, seed):
    rng = np.random.default_rng(seed)
    # Large enough that scores spread over the sigmoid table, small enough to stay inside it.
    return ((rng.random((vocab_size, dim)) - 0.5) * 0.6).astype(np.float32)


def run_kernel(ids, vocab, syn0, syn1neg, syn1, *, window, negative, hs, cbow, batched, alpha, seed_state=12345,
               tied=False):
    threshold, alias = noise_tables(vocab)
    codes, points, offsets = vocab.huffman()
    keep = np.full(len(vocab), 65536, dtype=np.uint32)  # no subsampling: the reference keeps every word
    rng_state = np.array([seed_state], dtype=np.uint64)
    stats = np.zeros(3)
    total = 10**12  # alpha stays at its start value to float precision
    kernels.train_span(np.asarray(ids, np.int32), 0, len(ids), syn0, syn1neg, syn1, keep, threshold, alias,
                       codes, points, offsets, SIGMOID, LOG_SIGMOID, window, negative, hs, cbow, batched,
                       alpha, alpha * 1e-4, 0, total, 1, rng_state, stats, tied)
    return stats


@pytest.mark.parametrize(
    "name, cbow, hs, negative, batched",
    [
        ("skip-gram, negative sampling, word2vec.c update", False, False, 5, False),
        ("skip-gram, negative sampling, batched update", False, False, 5, True),
        ("skip-gram, hierarchical softmax", False, True, 0, False),
        ("skip-gram, both losses, batched", False, True, 3, True),
        ("CBOW, negative sampling, word2vec.c update", True, False, 5, False),
        ("CBOW, negative sampling, batched update", True, False, 5, True),
        ("CBOW, both losses, batched", True, True, 3, True),
        ("CBOW, hierarchical softmax", True, True, 0, False),
    ],
)
def test_one_sentence_matches_the_reference(name, cbow, hs, negative, batched):
    vocab = make_vocab()
    dim, window, alpha = 16, 3, 0.05
    sentence = [3, 0, 7, 1, 1, 11, 4, 0, 9, 2, 5, 8]
    syn0 = weights(len(vocab), dim, 1)
    syn1neg = weights(len(vocab), dim, 2)
    syn1 = weights(len(vocab) - 1, dim, 3)
    expected = [a.astype(np.float64) for a in (syn0, syn1neg, syn1)]

    run_kernel(sentence, vocab, syn0, syn1neg, syn1, window=window, negative=negative, hs=hs, cbow=cbow,
               batched=batched, alpha=alpha)
    threshold, alias = noise_tables(vocab)
    codes, points, offsets = vocab.huffman()
    reference.train_sentence(sentence, *expected, window, negative, hs, cbow, batched, alpha, 12345,
                             threshold, alias, codes, points, offsets)

    for got, want in zip((syn0, syn1neg, syn1), expected):
        assert np.abs(want - got.astype(np.float64)).max() < 2e-5
    # The step really changed the weights (the comparison above is not vacuous).
    assert np.abs(syn0.astype(np.float64) - weights(len(vocab), dim, 1)).max() > 1e-3


def test_sentence_end_and_subsampling_split_the_stream():
    """-1 ends a sentence: a window never reaches across it."""
    vocab = make_vocab()
    dim = 8
    syn0 = weights(len(vocab), dim, 1)
    syn1neg = weights(len(vocab), dim, 2)
    syn1 = weights(len(vocab) - 1, dim, 3)
    expected = [a.astype(np.float64) for a in (syn0, syn1neg, syn1)]
    run_kernel([1, 2, 3, -1, 4, 5, 6], vocab, syn0, syn1neg, syn1, window=5, negative=2, hs=False, cbow=False,
               batched=False, alpha=0.05)
    threshold, alias = noise_tables(vocab)
    state = reference.train_sentence([1, 2, 3], *expected, 5, 2, False, False, False, 0.05, 12345, threshold, alias)
    reference.train_sentence([4, 5, 6], *expected, 5, 2, False, False, False, 0.05, state, threshold, alias)
    assert np.abs(expected[0] - syn0).max() < 2e-5


def test_statistics_count_words_and_the_loss():
    # A flat 1000-word vocabulary makes a noise draw equal to the target word rare.
    vocab = Vocab([f"w{i}" for i in range(1000)], np.full(1000, 10, dtype=np.int64))
    syn0 = weights(len(vocab), 8, 1)
    syn1neg = np.zeros_like(syn0)
    stats = run_kernel([1, 2, 3, 4, -1, 5, 6], vocab, syn0, syn1neg, np.zeros((1, 8), np.float32), window=2,
                       negative=3, hs=False, cbow=False, batched=True, alpha=1e-7)
    loss, predictions, words = stats
    assert words == 6
    assert predictions > 0
    # All-zero output weights score 0: each prediction costs log(2) for its target and for each noise
    # word (a noise draw equal to the target is skipped, so rarely a prediction has fewer terms).
    terms = loss / np.log(2)
    assert terms == pytest.approx(round(terms), abs=1e-5)
    assert 3.8 * predictions <= round(terms) <= 4 * predictions


def test_diverged_weights_give_a_nan_loss_not_a_crash():
    vocab = make_vocab()
    syn0 = weights(len(vocab), 8, 1)
    syn0[3] = np.nan
    stats = run_kernel([3, 2, 3, 4, 5], vocab, syn0, weights(len(vocab), 8, 2), np.zeros((1, 8), np.float32),
                       window=2, negative=3, hs=False, cbow=False, batched=True, alpha=0.025)
    assert not np.isfinite(stats[0])


def test_random_draws_follow_the_noise_distribution():
    vocab = make_vocab(size=50, seed=3)
    threshold, alias = noise_tables(vocab)
    state = 7
    draws = np.empty(200_000, dtype=np.int64)
    for i in range(len(draws)):
        state = reference.lcg(state)
        draws[i] = reference.draw_noise(state, threshold, alias)
    observed = np.bincount(draws, minlength=len(vocab)) / len(draws)
    assert np.abs(observed - vocab.noise_distribution()).max() < 0.004


def test_scores_just_below_the_clipping_edge_stay_inside_the_tables():
    sigmoid, loss = kernels.sigmoid_tables()
    edge = np.nextafter(np.float32(kernels.MAX_EXP), np.float32(0))
    index = int((edge + kernels.F_MAX_EXP) * kernels.F_TABLE_SCALE)
    assert index < len(sigmoid) and index < len(loss)
    gradient, term = kernels.predict(edge, True, sigmoid, loss)
    assert gradient == pytest.approx(0.0, abs=0.003) and term == pytest.approx(0.0, abs=0.003)
    gradient, term = kernels.predict(edge, False, sigmoid, loss)
    assert gradient == pytest.approx(-1.0, abs=0.003) and term == pytest.approx(6.0, abs=0.01)


@pytest.mark.parametrize("f", [-9.0, -6.0, -2.5, 0.0, 0.7, 5.9, 6.0, 12.0])
@pytest.mark.parametrize("positive", [True, False])
def test_prediction_gradient_and_loss_match_the_formulas(f, positive):
    sigmoid, loss = kernels.sigmoid_tables()
    gradient, term = kernels.predict(np.float32(f), positive, sigmoid, loss)
    label = 1.0 if positive else 0.0
    assert gradient == pytest.approx(label - reference.table_sigmoid(f), abs=1e-6)
    exact = np.logaddexp(0.0, -f) if positive else np.logaddexp(0.0, f)  # -log P(label | f)
    assert term == pytest.approx(exact, abs=0.04)


def test_a_nan_score_makes_the_loss_nan():
    sigmoid, loss = kernels.sigmoid_tables()
    for positive in (True, False):
        _, term = kernels.predict(np.float32("nan"), positive, sigmoid, loss)
        assert np.isnan(term)



def test_subsampling_keeps_words_with_their_keep_probability():
    vocab = make_vocab()
    syn0 = weights(len(vocab), 8, 1)
    threshold, alias = noise_tables(vocab)
    codes, points, offsets = vocab.huffman()
    keep = np.full(len(vocab), 65536, dtype=np.uint32)
    keep[0] = 65536 // 4
    ids = np.zeros(40_000, dtype=np.int32)
    stats = np.zeros(3)
    kernels.train_span(ids, 0, len(ids), syn0, weights(len(vocab), 8, 2), np.zeros((1, 8), np.float32), keep,
                       threshold, alias, codes, points, offsets, SIGMOID, LOG_SIGMOID, 2, 2, False, True, True,
                       0.025, 1e-6, 0, 10**12, 1, np.array([99], dtype=np.uint64), stats, False)
    # CBOW makes one prediction per kept word (each has a kept neighbour); sd of the share ~0.002.
    assert stats[2] == 40_000
    assert 0.24 < stats[1] / 40_000 < 0.26
