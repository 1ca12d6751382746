"""The vocabulary and the arrays derived from its counts, against their formulas."""

import heapq

import numpy as np
import pytest

from w2v.errors import CorpusError
from w2v.text.vocab import Vocab, alias_table, huffman_codes


def test_words_are_pruned_by_min_count_and_sorted_by_count_first_seen_first_on_ties():
    words = ["b", "a", "c", "d", "e"]
    counts = [5, 9, 5, 4, 7]
    vocab, final = Vocab.from_counts(words, counts, min_count=5)
    assert vocab.words == ["a", "e", "b", "c"]
    assert vocab.counts.tolist() == [9, 7, 5, 5]
    assert final.tolist() == [2, 0, 3, -1, 1]


def test_max_vocab_keeps_the_most_frequent():
    vocab, final = Vocab.from_counts(["x", "y", "z"], [10, 30, 20], min_count=1, max_vocab=2)
    assert vocab.words == ["y", "z"]
    assert final.tolist() == [-1, 0, 1]


def test_a_word_listed_twice_is_merged():
    """A scanner that pruned a word and met it again lists it twice."""
    vocab, final = Vocab.from_counts(["a", "b", "a"], [0, 6, 5], min_count=5)
    assert vocab.words == ["b", "a"]
    assert final.tolist() == [1, 0, 1]


def test_keep_probability_is_word2vec_c_formula():
    vocab = Vocab(["the", "of", "rare"], np.array([1_000_000, 10_000, 10], dtype=np.int64))
    sample = 1e-3
    threshold = sample * vocab.total
    keep = vocab.keep_probabilities(sample)
    for count, p in zip(vocab.counts, keep):
        expected = min(1.0, (np.sqrt(count / threshold) + 1) * threshold / count)
        assert p == pytest.approx(expected, rel=1e-6)
    assert keep[0] < keep[1] < 1.0 == keep[2]
    assert (vocab.keep_probabilities(0) == 1).all()


def test_alias_table_reproduces_the_distribution_exactly():
    rng = np.random.default_rng(1)
    p = rng.random(300) ** 3
    p /= p.sum()
    prob, alias = alias_table(p)
    # Each bucket is chosen with probability 1/n, then itself with prob[i], else alias[i].
    n = len(p)
    implied = prob.astype(np.float64) / n
    np.add.at(implied, alias, (1.0 - prob.astype(np.float64)) / n)
    assert np.abs(implied - p).max() < 1e-7


def test_noise_distribution_is_unigram_to_the_three_quarters():
    vocab = Vocab(["a", "b"], np.array([16, 1], dtype=np.int64))
    assert vocab.noise_distribution().tolist() == pytest.approx([8 / 9, 1 / 9])


def huffman_cost(counts):
    """Weighted code length of an optimal prefix code, by the textbook heap construction."""
    heap = list(map(int, counts))
    heapq.heapify(heap)
    cost = 0
    while len(heap) > 1:
        merged = heapq.heappop(heap) + heapq.heappop(heap)
        cost += merged
        heapq.heappush(heap, merged)
    return cost


def test_huffman_codes_are_an_optimal_prefix_code_over_the_inner_nodes():
    rng = np.random.default_rng(2)
    counts = np.sort(rng.integers(1, 1000, 200))[::-1].astype(np.int64)
    codes, points, offsets = huffman_codes(counts)
    n = len(counts)
    words = [tuple(codes[offsets[w]:offsets[w + 1]]) for w in range(n)]
    lengths = np.diff(offsets)
    assert int((lengths * counts).sum()) == huffman_cost(counts)
    # Prefix-free: no code is a prefix of another.
    ordered = sorted(words)
    assert all(ordered[i + 1][: len(ordered[i])] != ordered[i] for i in range(n - 1))
    # Paths start at the root (row n-2) and only visit the n-1 inner-node rows.
    assert all(points[offsets[w]] == n - 2 for w in range(n))
    assert points.min() >= 0 and points.max() == n - 2
    # Frequent words get codes no longer than rare ones.
    assert lengths[0] <= lengths[-1]


def test_huffman_codes_of_two_words():
    codes, points, offsets = huffman_codes(np.array([5, 3]))
    assert offsets.tolist() == [0, 1, 2]
    assert sorted(codes.tolist()) == [0, 1]
    assert points.tolist() == [0, 0]


def test_vocab_file_round_trip(tmp_path):
    vocab = Vocab(["zebra", "ação", "한국어"], np.array([30, 20, 10], dtype=np.int64))
    path = tmp_path / "vocab.txt"
    vocab.save(str(path))
    assert path.read_text(encoding="utf-8") == "zebra 30\nação 20\n한국어 10\n"
    loaded = Vocab.load(str(path))
    assert loaded.words == vocab.words
    assert loaded.counts.tolist() == [30, 20, 10]


def test_vocab_file_from_word2vec_c_drops_its_sentence_end_word(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("</s> 0\nthe 100\nof 50\n")
    assert Vocab.load(str(path)).words == ["the", "of"]


@pytest.mark.parametrize(
    "content, message",
    [
        ("the 100\nof fifty\n", "line 2: expected 'word count', got 'of fifty'"),
        ("", "vocabulary file is empty"),
    ],
)
def test_malformed_vocab_file_is_a_clear_error(tmp_path, content, message):
    path = tmp_path / "vocab.txt"
    path.write_text(content)
    with pytest.raises(CorpusError) as error:
        Vocab.load(str(path))
    assert message in str(error.value)
