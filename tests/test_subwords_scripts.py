"""N-gram lengths chosen from the vocabulary's script, and jamo n-grams of Hangul."""

import numpy as np

from w2v.subwords import SubwordSpec, SubwordTable
from w2v.subwords.inputs import choose_lengths, dominant_script, input_rows
from w2v.subwords.ngrams import EMPTY_FINAL, jamo, ngram_buckets, spec_hashes_batch, spec_ngrams, word_ngrams


def test_syllabic_and_logographic_scripts_get_short_ngrams():
    assert choose_lengths(["영화를", "영화가", "배우", "연기", "ok"])[:2] == (1, 4)
    assert choose_lengths(["東京", "日本語", "漢字"])[:2] == (1, 4)
    assert choose_lengths(["ひらがな", "カタカナ", "です"])[:2] == (1, 4)
    assert dominant_script(["日本語", "ひらがな", "です", "の"])[0] in ("Han", "kana")


def test_alphabetic_scripts_get_fastTexts_lengths():
    assert choose_lengths(["the", "of", "and", "anarchism"])[:2] == (3, 6)
    assert choose_lengths(["ação", "não", "coração"])[:2] == (3, 6)
    assert choose_lengths(["мир", "война"])[:2] == (3, 6)
    # punctuation and digits do not count as letters either way
    assert choose_lengths(["영화", "...", "10", "!!!", "??"])[:2] == (1, 4)


def test_the_choice_follows_the_frequent_words():
    words, counts = ["영화", "the", "movie", "good"], np.array([1000, 10, 10, 10])
    assert choose_lengths(words, counts)[:2] == (1, 4)
    assert choose_lengths(words, counts[::-1].copy())[:2] == (3, 6)
    minn, maxn, why = choose_lengths(["영화"])
    assert why == "100% of the vocabulary's letters are Hangul, syllabic or logographic"


def test_a_syllable_is_decomposed_into_initial_medial_and_final_jamo():
    assert jamo("각") == "\u1100\u1161\u11a8"  # ㄱ ㅏ ㄱ
    assert jamo("가") == "\u1100\u1161" + EMPTY_FINAL  # an empty final is marked
    assert jamo("힣") == "\u1112\u1175\u11c2"  # the last syllable block
    assert jamo("영화ok!") == "\u110b\u1167\u11bc\u1112\u116a" + EMPTY_FINAL + "ok!"
    assert jamo("ㅋㅋ") == "ㅋㅋ"  # compatibility jamo (emoticons) stay as they are


def test_jamo_ngrams_follow_the_syllable_ngrams():
    spec = SubwordSpec(minn=1, maxn=2, jamo=True, jamo_minn=3, jamo_maxn=3)
    grams = spec_ngrams("가", spec)
    assert grams[:3] == word_ngrams("가", 1, 2)
    assert grams[3:] == ["<\u1100\u1161", "\u1100\u1161" + EMPTY_FINAL, "\u1161" + EMPTY_FINAL + ">"]
    assert spec_ngrams("ok", spec) == word_ngrams("ok", 1, 2)  # no Hangul, no jamo n-grams


def test_training_and_queries_hash_the_same_ngrams():
    words = ["영화관에서", "영화", "king", "ㅋㅋ", "CGV에서", "a"]
    for spec in (SubwordSpec(minn=1, maxn=4, bucket=10_007), SubwordSpec(minn=1, maxn=4, bucket=10_007, jamo=True),
                 SubwordSpec(minn=3, maxn=6, bucket=2_000_000, jamo=True, jamo_minn=2, jamo_maxn=5)):
        offsets, hashes = spec_hashes_batch(words, spec)
        for i, word in enumerate(words):
            assert (hashes[offsets[i]:offsets[i + 1]] % spec.bucket).tolist() == ngram_buckets(word, spec)


def test_input_rows_are_the_word_then_its_compact_ngram_rows():
    spec = SubwordSpec(minn=1, maxn=2, bucket=1_000_003, jamo=True)
    words = ["영화", "영화관"]
    inputs = input_rows(words, spec)
    assert inputs.rows[inputs.offsets[0]] == 0 and inputs.rows[inputs.offsets[1]] == 1
    table = SubwordTable(spec, np.zeros((inputs.n_ngram_rows, 2), np.float32), inputs.buckets)
    for w, word in enumerate(words):
        own_ngrams = inputs.rows[inputs.offsets[w] + 1:inputs.offsets[w + 1]] - len(words)
        assert own_ngrams.tolist() == table.rows(word).tolist()


def test_the_compiled_hashes_equal_the_numpy_ones():
    from w2v.subwords.inputs import compiled_hashes
    from w2v.subwords.ngrams import ngram_hashes_batch

    words = ["영화관에서", "영화", "king", "a", "", "ação", "ababab", "日本語", "😀x", "Ωmega", "\x80"]
    for minn, maxn in [(3, 6), (1, 4), (1, 1), (2, 3), (5, 5), (7, 9)]:
        for got, want in zip(compiled_hashes(words, minn, maxn), ngram_hashes_batch(words, minn, maxn)):
            assert np.array_equal(got, want)
