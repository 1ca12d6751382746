"""The subword kernel against a naive NumPy reference of fastText's update, at one thread."""

import numpy as np
import pytest

from tests import reference
from tests.test_kernels import LOG_SIGMOID, SIGMOID, make_vocab, noise_tables, weights
from w2v.subwords import SubwordSpec
from w2v.subwords import kernels as subword_kernels
from w2v.subwords.inputs import composed_vectors, input_rows


def reference_sentence(sentence, syn0, offsets, rows, syn1neg, syn1, window, negative, hs, cbow, batched, alpha,
                       state, threshold, alias, codes, points, code_offsets, move_centre=True, word_share=0.0):
    """fastText's skip-gram and CBOW over averaged input rows, with the kernels' random stream.

    A word's error reaches its rows whole (fastText's even split), or with ``word_share`` its own
    row takes that share of its vector's move and its n-gram rows split the rest.

    Batched: the centre's vector is composed once per centre word, moves by each pair's error
    (``move_centre``) and the window's summed error lands on its rows once; every prediction
    scores all its targets before any is updated.
    """
    def rows_of(word):
        return list(rows[offsets[word]:offsets[word + 1]])

    def push(word, error):
        own, *ngrams = rows_of(word)
        if not word_share or not ngrams:
            np.add.at(syn0, [own, *ngrams], error)
            return
        n = 1 + len(ngrams)
        syn0[own] += word_share * n * error
        np.add.at(syn0, ngrams, (1 - word_share) * n / (n - 1) * error)

    def predict(hidden, target, state):
        neu1e = np.zeros_like(hidden)
        if hs:
            neu1e += reference.hierarchical_softmax(hidden, target, syn1, alpha, codes, points, code_offsets)
        if negative:
            error, state = reference.negative_sampling(hidden, target, syn1neg, negative, alpha, state, threshold,
                                                       alias, batched)
            neu1e += error
        return neu1e, state

    n = len(sentence)
    for position, word in enumerate(sentence):
        state = reference.lcg(state)
        reach = window - reference.uniform_below(state, window)
        span = [j for j in range(max(position - reach, 0), min(position + reach + 1, n)) if j != position]
        if not span:
            continue
        if cbow:
            inputs = [r for j in span for r in rows_of(sentence[j])]
            neu1e, state = predict(syn0[inputs].mean(axis=0), word, state)
            for j in span:
                push(sentence[j], neu1e)
            continue
        inputs = rows_of(word)
        if batched:
            hidden = syn0[inputs].mean(axis=0)
            total = np.zeros_like(hidden)
            for j in span:
                error, state = predict(hidden, sentence[j], state)
                if move_centre:
                    hidden = hidden + error
                total += error
            push(word, total)
        else:
            for j in span:
                neu1e, state = predict(syn0[inputs].mean(axis=0), sentence[j], state)
                push(word, neu1e)
    return state


def subword_inputs(vocab):
    # Words sharing n-grams ("w1", "w10", "w11" share "<w1"), some n-gram twice in a word, a small bucket
    # count so that distinct n-grams also collide.
    words = ["ab", "aba", "abab", "ba", "bab", "abba", "b", "a", "aab", "bba", "baab", "ababa"][:len(vocab)]
    return input_rows(words, SubwordSpec(minn=1, maxn=3, bucket=23))


@pytest.mark.parametrize(
    "name, cbow, hs, negative, batched",
    [
        ("skip-gram, batched", False, False, 5, True),
        ("skip-gram, per pair (fastText's order)", False, False, 5, False),
        ("skip-gram, both losses, batched", False, True, 3, True),
        ("CBOW, batched", True, False, 5, True),
        ("CBOW, per pair", True, False, 5, False),
        ("CBOW, hierarchical softmax", True, True, 0, False),
    ],
)
@pytest.mark.parametrize("word_share", [0.0, 0.3], ids=["even split", "word share 0.3"])
def test_one_sentence_matches_the_reference(name, cbow, hs, negative, batched, word_share):
    check_one_sentence(cbow, hs, negative, batched, word_share=word_share)


def test_a_word_share_ignored_by_the_kernel_fails_the_check():
    with pytest.raises(AssertionError):
        check_one_sentence(False, False, 5, True, word_share=0.3, reference_share=0.0)


def test_a_batched_centre_that_does_not_move_after_each_pair_fails_the_check():
    # The check can tell fastText's per-pair order from one composed vector scoring the whole window.
    with pytest.raises(AssertionError):
        check_one_sentence(False, False, 5, True, move_centre=False)


def check_one_sentence(cbow, hs, negative, batched, move_centre=True, word_share=0.0, reference_share=None):
    """One sentence through the kernel at one thread equals the NumPy reference."""
    vocab = make_vocab()
    inputs = subword_inputs(vocab)
    assert len(set(inputs.rows.tolist())) > len(vocab) + 5  # n-gram rows take part
    dim, window, alpha = 16, 3, 0.05
    sentence = [3, 0, 7, 1, 1, 11, 4, 0, 9, 2, 5, 8]
    syn0 = weights(len(vocab) + inputs.n_ngram_rows, dim, 1)
    syn1neg = weights(len(vocab), dim, 2)
    syn1 = weights(len(vocab) - 1, dim, 3)
    before = syn0.copy()
    expected = [a.astype(np.float64) for a in (syn0, syn1neg, syn1)]
    threshold, alias = noise_tables(vocab)
    codes, points, code_offsets = vocab.huffman()
    keep = np.full(len(vocab), 65536, dtype=np.uint32)
    stats = np.zeros(3)
    subword_kernels.train_span(np.asarray(sentence, np.int32), 0, len(sentence), syn0, inputs.offsets, inputs.rows,
                               syn1neg, syn1, keep, threshold, alias, codes, points, code_offsets, SIGMOID,
                               LOG_SIGMOID, window, negative, hs, cbow, batched, alpha, alpha * 1e-4, 0, 10**12, 1,
                               np.array([12345], dtype=np.uint64), stats, word_share)
    reference_sentence(sentence, expected[0], inputs.offsets, inputs.rows, expected[1], expected[2], window,
                       negative, hs, cbow, batched, alpha, 12345, threshold, alias, codes, points, code_offsets,
                       move_centre, word_share if reference_share is None else reference_share)

    for got, want in zip((syn0, syn1neg, syn1), expected):
        assert np.abs(want - got.astype(np.float64)).max() < 2e-5
    changed = np.abs(syn0.astype(np.float64) - before).max(axis=1) > 1e-4
    assert changed[len(vocab):].sum() > 5  # the n-gram rows learned too
    assert stats[1] > 0 and np.isfinite(stats[0])


def test_composed_vectors_average_each_words_rows():
    inputs = input_rows(["ab", "b"], SubwordSpec(minn=1, maxn=2, bucket=1000))
    syn0 = np.arange(2 * (2 + inputs.n_ngram_rows), dtype=np.float32).reshape(-1, 2)
    composed = composed_vectors(syn0, inputs, 2, block=1)
    for w in range(2):
        want = syn0[inputs.rows[inputs.offsets[w]:inputs.offsets[w + 1]]].mean(axis=0)
        assert np.allclose(composed[w], want)
