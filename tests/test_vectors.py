import subprocess
import sys

import numpy as np
import pytest

from w2v.errors import ModelError, ParameterError, WordNotFound
from w2v.vectors.query import SCAN_LOOKUPS, Vectors, WordTable


def random_vectors(n=60, dim=8, seed=0, table=False):
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(n)]
    vectors = rng.standard_normal((n, dim)).astype(np.float32)
    if table:
        words = WordTable("\n".join(words).encode("utf-8"), n)
    return Vectors(words, vectors)


def naive_scores(vectors, positive, negative=()):
    """gensim's most_similar, written out plainly."""
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    q = np.mean([unit[i] for i in positive] + [-unit[i] for i in negative], axis=0)
    q /= np.linalg.norm(q)
    return unit @ q


def naive_top(scores, k, exclude):
    order = [i for i in np.argsort(-scores, kind="stable") if i not in exclude]
    return order[:k]


@pytest.mark.parametrize("table", [False, True])
def test_nearest_matches_naive_reference(table):
    v = random_vectors(table=table)
    for positive, negative in [([3], []), ([3, 7], []), ([3, 7], [11]), ([5], [9, 2])]:
        result = v.nearest([f"w{i}" for i in positive], [f"w{i}" for i in negative], k=7)
        scores = naive_scores(v.vectors.astype(np.float64), positive, negative)
        expected = naive_top(scores, 7, set(positive) | set(negative))
        assert [w for w, _ in result] == [f"w{i}" for i in expected]
        np.testing.assert_allclose([s for _, s in result], scores[expected], atol=1e-5)


def test_nearest_restrict_only_scores_the_first_words():
    v = random_vectors()
    result = v.nearest(["w40"], k=5, restrict=20)
    scores = naive_scores(v.vectors.astype(np.float64), [40])[:20]
    assert [w for w, _ in result] == [f"w{i}" for i in naive_top(scores, 5, set())]
    with pytest.raises(ParameterError) as info:
        v.nearest(["w1"], restrict=0)
    assert str(info.value) == "restrict must be a positive number of words, got 0"


def test_input_words_are_excluded_even_when_asking_for_everything():
    v = random_vectors(n=10)
    result = v.nearest(["w1", "w2"], ["w3"], k=100)
    assert len(result) == 7
    assert not {"w1", "w2", "w3"} & {w for w, _ in result}
    assert [s for _, s in result] == sorted((s for _, s in result), reverse=True)
    assert v.nearest("w1", k=0) == []


def test_nearest_to_vector():
    v = random_vectors()
    target = v.vectors[4] * 3
    result = v.nearest_to_vector(target, k=3)
    assert result[0][0] == "w4"
    assert result[0][1] == pytest.approx(1.0, abs=1e-6)
    assert "w4" not in [w for w, _ in v.nearest_to_vector(target, k=3, exclude=["w4", "unknown"])]


def planted():
    """king - man + woman == queen exactly; distractors are near-orthogonal noise."""
    rng = np.random.default_rng(1)
    royal, male, female = np.eye(3, 20, dtype=np.float32) * 5
    noise = rng.standard_normal((30, 20)).astype(np.float32) * 0.3
    noise[:, :3] = 0
    words = ["king", "queen", "man", "woman"] + [f"noise{i}" for i in range(30)]
    vectors = np.vstack([royal + male, royal + female, male, female, noise])
    return Vectors(words, vectors)


def test_analogy_on_a_planted_example():
    v = planted()
    assert v.analogy("king", "man", "woman")[0][0] == "queen"
    assert v.analogy("king", "man", "woman", cosmul=True)[0][0] == "queen"
    assert v.analogy("queen", "woman", "man")[0][0] == "king"
    for cosmul in (False, True):
        found = [w for w, _ in v.analogy("king", "man", "woman", k=50, cosmul=cosmul)]
        assert not {"king", "man", "woman"} & set(found)
        assert len(found) == len(v) - 3


def test_analogy_3cosadd_is_nearest_with_a_and_c_positive():
    v = random_vectors()
    assert v.analogy("w1", "w2", "w3", k=5) == v.nearest(["w1", "w3"], ["w2"], k=5)


def test_cosmul_matches_naive_reference():
    v = random_vectors()
    unit = v.vectors.astype(np.float64)
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    a, b, c = 5, 6, 7
    shifted = (1 + unit @ unit[[a, b, c]].T) / 2
    scores = shifted[:, 0] * shifted[:, 2] / (shifted[:, 1] + 1e-6)
    expected = naive_top(scores, 6, {a, b, c})
    result = v.analogy("w5", "w6", "w7", k=6, cosmul=True)
    assert [w for w, _ in result] == [f"w{i}" for i in expected]
    np.testing.assert_allclose([s for _, s in result], scores[expected], rtol=1e-5)


def test_similarity_and_zero_vectors():
    v = Vectors(["a", "b", "zero"], np.array([[1, 0], [1, 1], [0, 0]], dtype=np.float32))
    assert v.similarity("a", "b") == pytest.approx(np.sqrt(0.5))
    assert v.similarity("a", "a") == pytest.approx(1.0)
    assert v.similarity("a", "zero") == 0.0
    np.testing.assert_allclose(v.unit, [[1, 0], [np.sqrt(0.5), np.sqrt(0.5)], [0, 0]], atol=1e-7)
    assert v.unit.dtype == np.float32
    assert [w for w, _ in v.nearest(["a"], k=2)] == ["b", "zero"]


def test_stored_norms_are_used():
    v = Vectors(["a", "b"], np.array([[1, 0], [1, 1]], dtype=np.float32),
                norms=np.array([1, 2 * np.sqrt(2)], dtype=np.float32))
    assert v.nearest(["a"])[0] == ("b", pytest.approx(np.sqrt(0.5) / 2))


def test_lookup_and_vector():
    v = random_vectors()
    assert len(v) == 60 and v.dim == 8
    assert "w7" in v and "nope" not in v and 7 not in v
    assert v.index("w7") == 7
    vec = v.vector("w7")
    np.testing.assert_array_equal(vec, v.vectors[7])
    vec[:] = 0
    assert v.vectors[7].any()


def test_unknown_word_raises_with_suggestions():
    v = Vectors(["king", "queen", "kings", "Paris", "paris"], np.eye(5, dtype=np.float32))
    with pytest.raises(WordNotFound) as info:
        v.nearest(["kign"])
    assert str(info.value) == "word not in vocabulary: 'kign'; did you mean: king, kings?"
    assert info.value.word == "kign"
    with pytest.raises(WordNotFound) as info:
        v.analogy("king", "PARIS", "queen")
    assert info.value.suggestions[:2] == ["Paris", "paris"]
    with pytest.raises(WordNotFound) as info:
        v.similarity("king", "zzzzzz")
    assert str(info.value) == "word not in vocabulary: 'zzzzzz'"


def test_suggest():
    words = ["the", "of", "science", "silence", "since", "The", "philosophy", "philosopher"]
    v = Vectors(words, np.ones((len(words), 2), dtype=np.float32))
    assert v.suggest("THE") == ["the", "The"]
    assert v.suggest("the") == ["The"]
    assert v.suggest("sience")[0] == "science"
    assert v.suggest("philosphy", n=1) == ["philosophy"]
    assert v.suggest("qqqqqqq") == []
    assert v.suggest("sience", n=0) == []


def test_suggest_prefers_frequent_words_by_counts():
    words = ["rare", "cats", "bats"]
    v = Vectors(words, np.ones((3, 2), dtype=np.float32), counts=[1, 50, 20])
    assert v._suggest_pool()[0] == ["cats", "bats", "rare"]


def test_word_table_behaves_like_the_list():
    words = ["한국어", "ação", "b", "a", "b", "c"]
    table = WordTable("\n".join(words).encode("utf-8"), len(words))
    assert len(table) == 6
    assert list(table) == words
    assert [table[i] for i in range(-6, 6)] == words + words
    assert table[1:4] == words[1:4] and table[::2] == words[::2]
    assert table.head(2) == words[:2]
    assert list(table.truncated(3)) == words[:3]
    assert table.find("b") == 2 and table.find("ação") == 1 and table.find("x") == -1
    assert table.find("a\nb") == -1 and table.find("") == -1
    with pytest.raises(IndexError):
        table[6]


def test_lookups_switch_to_a_dict_with_duplicates_first_wins():
    for words in (["a", "b", "a", "c"], WordTable(b"a\nb\na\nc", 4)):
        v = Vectors(words, np.eye(4, dtype=np.float32))
        results = [v.index("a") for _ in range(SCAN_LOOKUPS + 2)]
        assert v._index is not None
        assert set(results) == {0}
        assert v.index("c") == 3 and "zz" not in v


def test_constructor_checks_and_conversion():
    v = Vectors(["a", "b"], np.ones((2, 3)))
    assert v.vectors.dtype == np.float32
    with pytest.raises(ValueError):
        Vectors(["a"], np.ones((2, 3)))
    with pytest.raises(ValueError):
        Vectors(["a", "b"], np.ones(2))
    with pytest.raises(ParameterError, match="^no query words given$"):
        v.nearest([])


def test_query_modules_do_not_import_numba():
    code = "import sys, w2v.vectors.query, w2v.vectors.formats; print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_odd_one_out_matches_gensims_doesnt_match():
    v = random_vectors(n=40, dim=6, seed=3)
    gensim_models = pytest.importorskip("gensim.models")
    kv = gensim_models.KeyedVectors(vector_size=6)
    kv.add_vectors(v.words, v.vectors)
    rng = np.random.default_rng(0)
    for _ in range(25):
        group = [f"w{i}" for i in rng.choice(40, size=int(rng.integers(3, 7)), replace=False)]
        ranked = v.odd_one_out(group)
        assert ranked[0][0] == kv.doesnt_match(group)
        unit = v.vectors[[v.index(w) for w in group]] / v.norms[[v.index(w) for w in group], None]
        mean = unit.mean(axis=0) / np.linalg.norm(unit.mean(axis=0))
        expected = sorted(zip(group, (unit @ mean).tolist()), key=lambda t: (t[1], t[0]))
        assert [w for w, _ in ranked] == [w for w, _ in expected]
        assert [s for _, s in ranked] == pytest.approx([s for _, s in expected], abs=1e-6)


def test_odd_one_out_needs_two_known_words():
    v = random_vectors()
    with pytest.raises(ParameterError, match="^odd one out needs at least 2 words, got 1$"):
        v.odd_one_out(["w1"])
    with pytest.raises(WordNotFound):
        v.odd_one_out(["w1", "nosuchword"])


def test_nan_in_the_vectors_is_an_error_not_a_nan_score():
    vectors = np.eye(4, dtype=np.float32)
    vectors[2, 1] = np.nan
    v = Vectors(["a", "b", "c", "d"], vectors)
    with pytest.raises(ModelError, match="NaN or infinite"):
        v.nearest(["c"], k=3)
    with pytest.raises(ModelError, match="NaN or infinite"):
        v.similarity("c", "a")
    # Other queries still answer: a corrupt row's norm is not positive, so it scores 0.
    assert all(np.isfinite(score) for _, score in v.nearest(["a"], k=3))
    assert v.similarity("a", "b") == 0.0
