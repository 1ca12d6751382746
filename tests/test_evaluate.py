import json

import numpy as np
import pytest

from w2v.errors import CorpusError, ModelError, ParameterError
from w2v.vectors.evaluate import evaluate_analogies, evaluate_word_pairs, pearson, spearman


def unit_rows(*rows):
    m = np.array(rows, dtype=np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def e(i, d=8):
    v = np.zeros(d, dtype=np.float32)
    v[i] = 1
    return v


def naive_analogies(words, vectors, lines, restrict_vocab, cosmul=False):
    """Question by question, the slow obvious way (case-sensitive, no duplicates)."""
    words = words[:restrict_vocab]
    u = vectors[:restrict_vocab] / np.linalg.norm(vectors[:restrict_vocab], axis=1, keepdims=True)
    index = {w: i for i, w in enumerate(words)}
    out, section = {}, None
    for line in lines:
        if line.startswith(":"):
            section = line[1:].strip()
            out[section] = [0, 0]
            continue
        q = line.split()
        if not all(w in index for w in q):
            continue
        a, b, c, d = (index[w] for w in q)
        best, best_score = None, -np.inf
        for x in range(len(words)):
            if x in (a, b, c):
                continue
            if cosmul:
                cos = lambda y: (1 + float(u[x] @ u[y])) / 2  # noqa: E731
                score = cos(b) * cos(c) / (cos(a) + 1e-6)
            else:
                score = float(u[x] @ (u[b] - u[a] + u[c]))
            if score > best_score:
                best, best_score = x, score
        out[section][0] += best == d
        out[section][1] += 1
    return out


def structured_model(seed=0, pairs=12, noise=0.8, dim=32, extra=40):
    """Words x_i and y_i = x_i + r (one relation r) plus noise: analogies x_i:y_i :: x_j:y_j."""
    rng = np.random.default_rng(seed)
    r = rng.standard_normal(dim)
    words, vecs = [], []
    for i in range(pairs):
        x = rng.standard_normal(dim)
        words += [f"x{i}", f"y{i}"]
        vecs += [x + noise * rng.standard_normal(dim), x + r + noise * rng.standard_normal(dim)]
    for i in range(extra):
        words.append(f"z{i}")
        vecs.append(rng.standard_normal(dim))
    # pair words first (shuffled), so that a restricted vocabulary keeps part of them
    order = np.concatenate([rng.permutation(2 * pairs), 2 * pairs + np.arange(extra)])
    words = [words[i] for i in order]
    vecs = np.array(vecs, dtype=np.float32)[order]
    combos = [(i, j) for i in range(pairs) for j in range(pairs) if i != j]
    lines = [": family"] + [f"x{i} y{i} x{j} y{j}" for i, j in combos[:60]]
    lines += [": gram1-thing"] + [f"y{i} x{i} y{j} x{j}" for i, j in combos[60:140]]
    lines += ["x0 y0 nowhere y1"]
    return words, vecs, lines


# ---------------------------------------------------------------------------
# analogies: planted answers


def test_3cosadd_planted_answer_and_input_exclusion():
    # q = b - a + c is closest to b itself (0.889) and c (0.888); d is the best other word
    words = ["a", "b", "c", "d", "far1", "far2"]
    vecs = unit_rows(e(0), e(1), e(1) + 0.2 * e(2), e(1) + e(2), e(4), -e(1))
    q = vecs[1] - vecs[0] + vecs[2]
    assert int(np.argmax(vecs @ q)) == 1  # without exclusion the answer would be "b"
    r = evaluate_analogies(words, vecs, [": s", "a b c d", "a b c far1"])
    assert (r.correct, r.seen, r.questions) == (1, 2, 2)
    assert r.accuracy == 0.5


def test_cosmul_and_cosadd_disagree_as_planted():
    # x1: cos(b)=.95 cos(c)=.1 -> 3CosAdd 1.05, 3CosMul 1.07; x2: .5/.5 -> 1.0 and 1.125
    x1 = 0.95 * e(1) + 0.1 * e(2) + np.sqrt(1 - 0.95**2 - 0.1**2) * e(3)
    x2 = 0.5 * e(1) + 0.5 * e(2) + np.sqrt(0.5) * e(4)
    words = ["a", "b", "c", "x1", "x2"]
    vecs = np.array([e(0), e(1), e(2), x1, x2], dtype=np.float32)
    lines = [": s", "a b c x1", "a b c x2"]
    add = evaluate_analogies(words, vecs, lines)
    mul = evaluate_analogies(words, vecs, lines, cosmul=True)
    assert (add.correct, mul.correct) == (1, 1)
    assert evaluate_analogies(words, vecs, [": s", "a b c x1"]).correct == 1
    assert evaluate_analogies(words, vecs, [": s", "a b c x2"], cosmul=True).correct == 1
    assert (add.method, mul.method) == ("3CosAdd", "3CosMul")


def test_vector_length_does_not_matter():
    words = ["a", "b", "c", "d", "far"]
    vecs = unit_rows(e(0), e(1), e(2), e(1) - e(0) + e(2), e(5))
    scaled = vecs * np.array([[3], [0.1], [7], [0.5], [100]], dtype=np.float32)
    for v in (vecs, scaled):
        assert evaluate_analogies(words, v, [": s", "a b c d"]).correct == 1


@pytest.mark.parametrize("cosmul", [False, True])
@pytest.mark.parametrize("restrict", [20, 30, None])
def test_matches_naive_reference(cosmul, restrict):
    words, vecs, lines = structured_model()
    r = evaluate_analogies(words, vecs, lines, restrict_vocab=restrict, cosmul=cosmul,
                           case_insensitive=False)
    ref = naive_analogies(words, vecs, lines, restrict or len(words), cosmul=cosmul)
    assert {s.name: [s.correct, s.seen] for s in r.sections} == ref
    assert r.seen > 0
    if restrict is None:
        assert 0 < r.correct < r.seen  # the planted relation is learnable but noisy


@pytest.mark.parametrize("batch", [1, 7, 1000])
def test_batch_size_does_not_change_results(batch):
    words, vecs, lines = structured_model(seed=3)
    base = evaluate_analogies(words, vecs, lines, batch=None).to_dict()
    assert evaluate_analogies(words, vecs, lines, batch=batch).to_dict() == base


def test_restrict_vocab_limits_candidates_and_questions():
    # "trap" points exactly along b - a + c but sits after the restricted rows
    words = ["a", "b", "c", "d", "e", "trap"]
    q = e(1) - e(0) + e(2)
    vecs = unit_rows(e(0), e(1), e(2), q + 0.5 * e(3), e(6), q)
    lines = [": s", "a b c d", "a b c e", "a b c trap"]
    r5 = evaluate_analogies(words, vecs, lines, restrict_vocab=5)
    assert (r5.correct, r5.seen, r5.questions) == (1, 2, 3)
    r6 = evaluate_analogies(words, vecs, lines, restrict_vocab=6)
    assert (r6.correct, r6.seen) == (1, 3)  # now "trap" wins, and is correct only for its line
    assert evaluate_analogies(words, vecs, lines, restrict_vocab=None).restrict_vocab == 6
    assert evaluate_analogies(words, vecs, lines, restrict_vocab=10**9).seen == 3


def test_case_folding_uses_first_spelling_and_excludes_all_spellings():
    q = e(1) - e(0) + e(2)
    # "B" (a second spelling of "b") points along q; it must not be the answer
    words = ["a", "b", "c", "Paris", "paris", "B", "far"]
    vecs = unit_rows(e(0), e(1), e(2), q + 0.3 * e(3), -q, q, e(7))
    r = evaluate_analogies(words, vecs, [": s", "A B C PARIS"])
    assert (r.correct, r.seen) == (1, 1)
    r = evaluate_analogies(words, vecs, [": s", "a b c paris"])
    assert (r.correct, r.seen) == (1, 1)  # "paris" stands for "Paris", its first spelling
    r = evaluate_analogies(words, vecs, [": s", "a b c paris"], case_insensitive=False)
    assert (r.correct, r.seen) == (0, 1)  # only the row "paris" (-q) counts now
    r = evaluate_analogies(words, vecs, [": s", "A B C PARIS"], case_insensitive=False)
    assert (r.seen, r.questions) == (0, 1)


def test_a_second_spelling_of_the_answer_counts_as_correct():
    q = e(1) - e(0) + e(2)
    words = ["a", "b", "c", "paris", "Paris"]
    vecs = unit_rows(e(0), e(1), e(2), e(5), q)
    assert evaluate_analogies(words, vecs, [": s", "a b c paris"]).correct == 1
    assert evaluate_analogies(words, vecs, [": s", "a b c paris"],
                              case_insensitive=False).correct == 0


def test_sections_semantic_and_syntactic_split():
    words, vecs, lines = structured_model()
    r = evaluate_analogies(words, vecs, lines, restrict_vocab=None)
    assert [s.name for s in r.sections] == ["family", "gram1-thing"]
    assert [s.semantic for s in r.sections] == [True, False]
    fam, gram = r.sections
    assert (r.semantic.correct, r.semantic.seen) == (fam.correct, fam.seen)
    assert (r.syntactic.correct, r.syntactic.seen) == (gram.correct, gram.seen)
    assert r.questions == 60 + 72 + 1 and r.seen == 132
    assert gram.questions == 73
    d = r.to_dict()
    json.dumps(d)
    assert d["semantic_accuracy"] == fam.correct / fam.seen
    assert d["syntactic_accuracy"] == gram.correct / gram.seen
    assert d["accuracy"] == r.correct / 132
    assert [s["kind"] for s in d["sections"]] == ["semantic", "syntactic"]
    table = r.format_table()
    for text in ("family", "gram1-thing", "semantic", "syntactic", "total", "132 of 133"):
        assert text in table


def test_unseen_section_reports_no_accuracy():
    words, vecs, lines = structured_model()
    r = evaluate_analogies(words, vecs, [": empty", "p q r s", *lines])
    assert r.sections[0].accuracy is None
    assert r.to_dict()["sections"][0]["accuracy"] is None
    assert "n/a" in r.format_table()


def test_reads_a_file_and_bytes_lines(tmp_path):
    words, vecs, lines = structured_model()
    path = tmp_path / "q.txt"
    path.write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    from_file = evaluate_analogies(words, vecs, path)
    assert from_file.source == str(path)
    from_bytes = evaluate_analogies(words, vecs, [(line + "\n").encode() for line in lines])
    assert from_file.sections == from_bytes.sections
    with open(path, encoding="utf-8") as f:
        assert evaluate_analogies(words, vecs, f).sections == from_file.sections


# ---------------------------------------------------------------------------
# analogies: bad input


def test_analogy_errors(tmp_path):
    words, vecs, lines = structured_model()
    with pytest.raises(CorpusError, match=r"^analogy file not found: '.*nope\.txt'$"):
        evaluate_analogies(words, vecs, tmp_path / "nope.txt")
    with pytest.raises(CorpusError, match=r"^malformed analogy line 3 in '<lines>': expected 4 words, got 3$"):
        evaluate_analogies(words, vecs, [": s", "x0 y0 x1 y1", "x0 y0 x1"])
    with pytest.raises(CorpusError, match=r"^analogy question before any ': section' header at line 1"):
        evaluate_analogies(words, vecs, ["x0 y0 x1 y1"])
    empty = tmp_path / "empty.txt"
    empty.write_text(": only a header\n\n")
    with pytest.raises(CorpusError, match=r"^no analogy questions in '.*empty\.txt'$"):
        evaluate_analogies(words, vecs, empty)
    bad = tmp_path / "latin1.txt"
    bad.write_bytes(b": s\ncaf\xe9 a b c\n")
    with pytest.raises(CorpusError, match=r"^analogy file is not UTF-8 text: '.*latin1\.txt'"):
        evaluate_analogies(words, vecs, bad)
    with pytest.raises(ModelError, match=r"^3 words but 64 vectors$"):
        evaluate_analogies(words[:3], vecs, lines)
    with pytest.raises(ParameterError, match=r"^restrict_vocab must be at least 1, got 0$"):
        evaluate_analogies(words, vecs, lines, restrict_vocab=0)
    with pytest.raises(ParameterError, match=r"^batch must be at least 1, got 0$"):
        evaluate_analogies(words, vecs, lines, batch=0)


# ---------------------------------------------------------------------------
# correlations


def test_correlations_against_scipy():
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(5)
    for n in (2, 3, 10, 353):
        x = rng.integers(0, 5, n).astype(float)  # many ties
        y = x + rng.standard_normal(n)
        if np.ptp(x) == 0:
            continue
        assert spearman(x, y) == pytest.approx(stats.spearmanr(x, y)[0], abs=1e-12)
        assert pearson(x, y) == pytest.approx(stats.pearsonr(x, y)[0], abs=1e-12)
        assert spearman(y, x) == pytest.approx(stats.spearmanr(y, x)[0], abs=1e-12)


def test_spearman_ties_by_hand():
    # ranks of x with ties averaged: [1, 2.5, 2.5, 4]; y ranks [1, 2, 3, 4]
    x, y = [1, 2, 2, 3], [10, 20, 30, 40]
    expected = np.corrcoef([1, 2.5, 2.5, 4], [1, 2, 3, 4])[0, 1]
    assert spearman(x, y) == pytest.approx(expected, abs=1e-12)
    assert spearman([1, 2, 3], [30, 20, 10]) == pytest.approx(-1)
    assert pearson([1, 2, 3], [2, 4, 6]) == pytest.approx(1)


def test_correlations_undefined():
    assert spearman([1], [2]) is None
    assert pearson([1, 1, 1], [1, 2, 3]) is None
    assert spearman([5, 5], [1, 2]) is None
    with pytest.raises(ParameterError):
        pearson([1, 2], [1])


# ---------------------------------------------------------------------------
# word pairs


PAIR_WORDS = ["cat", "tiger", "car", "train", "love", "Sex", "sex", "rare"]


def pair_vectors():
    rng = np.random.default_rng(11)
    return rng.standard_normal((len(PAIR_WORDS), 16)).astype(np.float32)


def cos(u, v):
    u, v = np.asarray(u, dtype=np.float64), np.asarray(v, dtype=np.float64)
    return float(u @ v / np.linalg.norm(u) / np.linalg.norm(v))


def test_word_pairs_planted_correlations_and_oov():
    vecs = pair_vectors()
    lines = [
        "# a comment",
        "Word 1\tWord 2\tHuman (mean)",
        "cat\ttiger\t7.35",
        "car\ttrain\t6.31",
        "love\tsex\t6.77",
        "tiger\tcat\t7.35",
        "cat\tunknown\t1.0",
        "rare\tcar\t0.5",
    ]
    r = evaluate_word_pairs(PAIR_WORDS, vecs, lines, restrict_vocab=7)
    assert (r.pairs, r.used, r.oov) == (6, 4, 2)  # "unknown", and "rare" beyond restrict_vocab
    assert r.oov_ratio == pytest.approx(2 / 6)
    assert r.oov_pairs == [("cat", "unknown"), ("rare", "car")]
    v = {w: vecs[PAIR_WORDS.index(w)] for w in PAIR_WORDS}
    model = [cos(v["cat"], v["tiger"]), cos(v["car"], v["train"]), cos(v["love"], v["Sex"]),
             cos(v["tiger"], v["cat"])]
    gold = [7.35, 6.31, 6.77, 7.35]  # "sex" stands for "Sex", its first spelling
    assert r.spearman == pytest.approx(spearman(gold, model))
    assert r.pearson == pytest.approx(np.corrcoef(gold, model)[0, 1], abs=1e-6)
    r_cs = evaluate_word_pairs(PAIR_WORDS, vecs, lines, restrict_vocab=7, case_insensitive=False)
    model[2] = cos(v["love"], v["sex"])
    assert r_cs.pearson == pytest.approx(np.corrcoef(gold, model)[0, 1], abs=1e-6)
    d = r.to_dict()
    json.dumps(d)
    assert d["oov"] == 2 and d["used"] == 4
    assert "4/6" in r.format_table()


def test_word_pairs_against_scipy():
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(2)
    words = [f"w{i}" for i in range(60)]
    vecs = rng.standard_normal((60, 10)).astype(np.float32)
    pairs = rng.integers(0, 60, (200, 2))
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]  # a self-similarity may round either side of 1
    gold = rng.integers(0, 10, 200)  # integer scores: ties
    gold = gold[:len(pairs)]
    lines = [f"w{i}\tw{j}\t{g}" for (i, j), g in zip(pairs, gold)]
    r = evaluate_word_pairs(words, vecs, lines)
    u = vecs / np.linalg.norm(vecs, axis=1, keepdims=True)
    model = np.einsum("ij,ij->i", u[pairs[:, 0]], u[pairs[:, 1]])
    assert r.spearman == pytest.approx(stats.spearmanr(gold, model)[0], abs=1e-6)
    assert r.pearson == pytest.approx(stats.pearsonr(gold, model)[0], abs=1e-6)


def test_simlex_layout_and_whitespace_files(tmp_path):
    vecs = pair_vectors()
    simlex = tmp_path / "SimLex-999.txt"
    simlex.write_text(
        "word1\tword2\tPOS\tSimLex999\tconc(w1)\n"
        "cat\ttiger\tN\t7.0\t4.9\n"
        "car\ttrain\tN\t5.0\t4.9\n"
        "love\tsex\tN\t6.0\t3.0\n"
    )
    r = evaluate_word_pairs(PAIR_WORDS, vecs, simlex)
    plain = evaluate_word_pairs(PAIR_WORDS, vecs, ["cat tiger 7.0", "car train 5.0", "love sex 6.0"])
    assert r.used == 3 and r.spearman == pytest.approx(plain.spearman)
    assert r.pearson == pytest.approx(plain.pearson)
    by_column = evaluate_word_pairs(PAIR_WORDS, vecs, simlex, score_column=4)
    assert by_column.used == 3


def test_word_pair_errors(tmp_path):
    vecs = pair_vectors()
    with pytest.raises(CorpusError, match=r"^word-pair file not found: '.*ws\.tsv'$"):
        evaluate_word_pairs(PAIR_WORDS, vecs, tmp_path / "ws.tsv")
    with pytest.raises(CorpusError, match=r"^malformed word-pair line 3 in '<lines>': score 'high' is not a number$"):
        evaluate_word_pairs(PAIR_WORDS, vecs, ["# c", "cat\ttiger\t7", "car\ttrain\thigh"])
    with pytest.raises(CorpusError, match=r"^malformed word-pair line 2 in '<lines>': expected 2 words and a score$"):
        evaluate_word_pairs(PAIR_WORDS, vecs, ["cat\ttiger\t7", "car"])
    with pytest.raises(CorpusError, match=r"^no word pairs in '<lines>'$"):
        evaluate_word_pairs(PAIR_WORDS, vecs, ["# only a comment", "w1\tw2\tscore"])
    r = evaluate_word_pairs(PAIR_WORDS, vecs, ["x\ty\t1", "y\tz\t2"])
    assert (r.used, r.spearman, r.pearson) == (0, None, None)
    assert "n/a" in r.format_table()


# ---------------------------------------------------------------------------
# the peers agree


def test_same_as_gensim():
    keyedvectors = pytest.importorskip("gensim.models.keyedvectors")
    words, vecs, lines = structured_model(seed=7, pairs=14, extra=60)
    words = words + ["X0", "Y3"]  # second spellings, folded away by both
    vecs = np.vstack([vecs, np.random.default_rng(1).standard_normal((2, vecs.shape[1]))]).astype(np.float32)
    kv = keyedvectors.KeyedVectors(vecs.shape[1])
    kv.add_vectors(words, vecs)
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        qpath = os.path.join(tmp, "q.txt")
        with open(qpath, "w") as f:
            f.write("\n".join(line for line in lines if line != "x0 y0 nowhere y1") + "\n")
        for restrict in (40, 10**6):
            _, sections = kv.evaluate_word_analogies(qpath, restrict_vocab=restrict)
            ours = evaluate_analogies(words, vecs, qpath, restrict_vocab=restrict)
            theirs = [(s["section"], len(s["correct"]), len(s["correct"]) + len(s["incorrect"]))
                      for s in sections[:-1]]
            assert [(s.name, s.correct, s.seen) for s in ours.sections] == theirs
        ppath = os.path.join(tmp, "pairs.tsv")
        rng = np.random.default_rng(4)
        with open(ppath, "w") as f:
            f.write("# pairs\n")
            for _ in range(80):
                i, j = rng.integers(0, len(words) + 5, 2)
                w1 = words[i] if i < len(words) else f"oov{i}"
                w2 = words[j] if j < len(words) else f"oov{j}"
                f.write(f"{w1}\t{w2}\t{rng.integers(0, 10)}\n")
        g_pearson, g_spearman, g_oov = kv.evaluate_word_pairs(ppath, restrict_vocab=50)
        ours = evaluate_word_pairs(words, vecs, ppath, restrict_vocab=50)
        assert ours.spearman == pytest.approx(g_spearman[0], abs=1e-6)
        assert ours.pearson == pytest.approx(g_pearson[0], abs=1e-6)
        assert 100 * ours.oov_ratio == pytest.approx(g_oov)


def test_word_pairs_read_csv_with_a_bom_and_header_like_the_korean_ws353():
    vecs = pair_vectors()
    csv_lines = ["\ufeffword 1,word 2,kor_score", "cat,tiger,7.35", "car,train,6.31", "love,sex,6.77"]
    tsv_lines = ["cat\ttiger\t7.35", "car\ttrain\t6.31", "love\tsex\t6.77"]
    from_csv = evaluate_word_pairs(PAIR_WORDS, vecs, csv_lines)
    from_tsv = evaluate_word_pairs(PAIR_WORDS, vecs, tsv_lines)
    assert (from_csv.pairs, from_csv.used) == (3, 3)
    assert from_csv.spearman == pytest.approx(from_tsv.spearman)
