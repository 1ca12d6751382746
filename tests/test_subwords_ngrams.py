"""N-gram ids and hashes equal fastText's and gensim's, for Latin, Hangul and other multi-byte text."""

import numpy as np
import pytest
from gensim.models.fasttext import ft_ngram_hashes
from gensim.models.fasttext_inner import ft_hash_bytes

from w2v.subwords import SubwordSpec, SubwordTable, fnv1a_32, ngram_buckets, ngram_hashes_batch, word_ngrams

WORDS = ["영화관에서", "영화", "king", "a", "", "ação", "ababab", "日本語", "😀x", "Ωmega"]
LENGTHS = [(3, 6), (1, 4), (1, 1), (2, 3), (5, 5)]


def test_fnv1a_matches_gensims_sign_extended_hash():
    for text in ["test", "word", "<영화>", "été", "\x80", "😀", ""]:
        data = text.encode("utf-8")
        assert fnv1a_32(data) == ft_hash_bytes(data)


def test_fnv1a_known_values():
    assert fnv1a_32(b"test") == 2949673445
    assert fnv1a_32(b"word") == 1788406269
    assert fnv1a_32(b"") == 2166136261


def test_word_ngrams_follow_fasttext_rules():
    assert word_ngrams("where", 3, 3) == ["<wh", "whe", "her", "ere", "re>"]
    # single characters exclude the boundary marks alone
    assert word_ngrams("영화", 1, 2) == ["<영", "영", "영화", "화", "화>"]
    assert word_ngrams("", 1, 3) == ["<>"]


@pytest.mark.parametrize("minn,maxn", LENGTHS)
def test_bucket_ids_equal_gensims(minn, maxn):
    spec = SubwordSpec(minn, maxn, 2_000_000)
    for word in WORDS:
        assert sorted(ngram_buckets(word, spec)) == sorted(ft_ngram_hashes(word, minn, maxn, 2_000_000))


@pytest.mark.parametrize("minn,maxn", LENGTHS)
def test_batch_hashes_equal_one_word_at_a_time(minn, maxn):
    offsets, hashes = ngram_hashes_batch(WORDS, minn, maxn)
    assert offsets.shape == (len(WORDS) + 1,)
    for i, word in enumerate(WORDS):
        expected = [fnv1a_32(g.encode("utf-8")) for g in word_ngrams(word, minn, maxn)]
        assert hashes[offsets[i]:offsets[i + 1]].tolist() == expected


def test_table_composes_the_average_of_known_ngram_rows():
    spec = SubwordSpec(3, 3, 1000)
    grams = ngram_buckets("where", spec)
    buckets = np.array(sorted(set(grams[:3])), dtype=np.int64)
    vectors = np.arange(len(buckets) * 4, dtype=np.float32).reshape(len(buckets), 4)
    table = SubwordTable(spec, vectors, buckets)
    expected = np.mean([vectors[np.searchsorted(buckets, b)] for b in grams[:3]], axis=0)
    np.testing.assert_allclose(table.compose("where"), expected)
    assert table.compose("zzzzzzz") is None or len(set(ngram_buckets("zzzzzzz", spec)) & set(buckets.tolist()))


def test_dense_table_indexes_rows_by_bucket():
    spec = SubwordSpec(1, 2, 16)
    vectors = np.random.default_rng(0).random((16, 3), dtype=np.float32)
    table = SubwordTable(spec, vectors)
    rows = ngram_buckets("ab", spec)
    np.testing.assert_allclose(table.compose("ab"), vectors[rows].mean(axis=0), rtol=1e-6)
