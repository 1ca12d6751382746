"""--vectors in|out|sum (W, W', W + W') and --limit on the query, export and eval commands."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from w2v.cli import cli
from w2v.errors import ModelError, WordBeyondLimit
from w2v.vectors.formats import load_model, load_vectors, save_model, save_word2vec
from w2v.vectors.query import Vectors

WORDS = [f"w{i}" for i in range(8)]


@pytest.fixture
def arrays():
    rng = np.random.default_rng(4)
    vectors = rng.standard_normal((8, 5)).astype(np.float32)
    output = rng.standard_normal((8, 5)).astype(np.float32)
    counts = np.arange(80, 0, -10, dtype=np.int64)
    return vectors, output, counts


@pytest.fixture
def model_path(tmp_path, arrays):
    vectors, output, counts = arrays
    path = tmp_path / "m.w2v"
    save_model(path, WORDS, vectors, counts, output_ns=output, params={"negative": 5})
    return str(path)


def run(*args, input=None):
    return CliRunner().invoke(cli, list(args), input=input)


def test_in_out_and_sum_are_the_models_arrays(model_path, arrays):
    vectors, output, _ = arrays
    assert np.array_equal(load_vectors(model_path).vectors, vectors)
    assert np.array_equal(load_vectors(model_path, which="in").vectors, vectors)
    assert np.array_equal(load_vectors(model_path, which="out").vectors, output)
    assert np.array_equal(load_vectors(model_path, which="sum").vectors, vectors + output)
    model = load_model(model_path)
    assert np.array_equal(Vectors.from_model(model, which="out").vectors, output)
    assert np.array_equal(Vectors.from_model(model, which="sum", limit=3).vectors, (vectors + output)[:3])


def test_out_vectors_have_their_own_norms(model_path, arrays):
    out = load_vectors(model_path, which="out")
    assert np.allclose(out.norms, np.linalg.norm(arrays[1], axis=1), rtol=1e-6)


def test_a_tied_models_out_vectors_are_its_vectors(tmp_path, arrays):
    path = tmp_path / "tied.w2v"
    save_model(path, WORDS, arrays[0], arrays[2], params={"tied": True, "negative": 5})
    model = load_model(path)
    assert model.output_ns is None
    assert np.shares_memory(model.matrix("out"), model.vectors)
    assert np.array_equal(load_vectors(path, which="sum").vectors, 2 * arrays[0])


def test_a_model_without_output_rows_says_why(tmp_path, arrays):
    path = tmp_path / "hs.w2v"
    save_model(path, WORDS, arrays[0], arrays[2], output_hs=arrays[1][:7], params={"hs": True, "negative": 0})
    result = run("nearest", "w1", "-m", str(path), "--vectors", "out")
    assert result.exit_code == 1
    assert "Error: the model has no per-word output vectors (it was trained with hierarchical softmax only)" \
        in result.output
    with pytest.raises(ModelError, match="holds input vectors only"):
        save_model(tmp_path / "plain.w2v", WORDS, arrays[0], None)
        load_vectors(tmp_path / "plain.w2v", which="sum")


def test_a_vectors_file_has_only_in_vectors(tmp_path, arrays):
    path = tmp_path / "v.txt"
    save_word2vec(path, WORDS, arrays[0])
    assert np.allclose(load_vectors(path, which="in").vectors, arrays[0], atol=1e-5)
    result = run("eval", "similarity", "-", "-m", str(path), "--vectors", "sum", input="w1\tw2\t3\n")
    assert result.exit_code == 1
    assert result.output.startswith("Error: a vectors file holds one vector per word")


def test_export_writes_the_chosen_vectors(model_path, arrays, tmp_path):
    for which, expected in (("out", arrays[1]), ("sum", arrays[0] + arrays[1])):
        target = tmp_path / f"{which}.txt"
        assert run("export", "-m", model_path, "-o", str(target), "--vectors", which).exit_code == 0
        assert np.allclose(load_vectors(target).vectors, expected, rtol=1e-5, atol=1e-6)


def test_convert_writes_the_chosen_vectors(model_path, arrays, tmp_path):
    target = tmp_path / "out.w2v"
    result = run("convert", model_path, str(target), "--vectors", "out")
    assert result.exit_code == 0, result.output
    assert np.array_equal(load_vectors(target).vectors, arrays[1])


def cosine(a, b):
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


@pytest.mark.parametrize("which", ["in", "out", "sum"])
def test_queries_and_eval_score_the_chosen_vectors(model_path, arrays, which):
    matrix = {"in": arrays[0], "out": arrays[1], "sum": arrays[0] + arrays[1]}[which]
    result = run("similarity", "w1", "w2", "-m", model_path, "--vectors", which)
    assert float(result.output) == pytest.approx(cosine(matrix[1], matrix[2]), abs=1e-6)
    result = run("nearest", "w1", "-m", model_path, "--vectors", which, "-k", "1")
    best = max((cosine(matrix[1], matrix[j]), f"w{j}") for j in range(8) if j != 1)
    assert result.output.split("\t")[0] == best[1]
    pairs = "w1\tw2\t1\nw3\tw4\t2\nw5\tw6\t3\nw0\tw7\t4\n"
    scores = [cosine(matrix[a], matrix[b]) for a, b in ((1, 2), (3, 4), (5, 6), (0, 7))]
    result = run("eval", "similarity", "-", "-m", model_path, "--vectors", which, "--json", input=pairs)
    assert json.loads(result.output)["pearson"] == pytest.approx(np.corrcoef(scores, [1, 2, 3, 4])[0, 1], abs=1e-5)


def test_limit_searches_only_the_most_frequent_words(model_path):
    result = run("nearest", "w1", "-m", model_path, "--limit", "4", "-k", "10")
    assert result.exit_code == 0, result.output
    assert sorted(line.split("\t")[0] for line in result.output.splitlines()) == ["w0", "w2", "w3"]


@pytest.mark.parametrize("command", [
    ["nearest", "w6"], ["analogy", "w0", "w1", "w6"], ["similarity", "w0", "w6"], ["vectors", "w6"],
    ["odd-one-out", "w0", "w1", "w6"],
])
def test_a_word_beyond_the_limit_says_so(model_path, command):
    result = run(*command, "-m", model_path, "--limit", "4")
    assert result.exit_code == 1
    assert "Error: word 'w6' is beyond the 4 most frequent words loaded (it is number 7); raise --limit" \
        in result.output


def test_an_unknown_word_with_a_limit_is_still_unknown(model_path):
    with pytest.raises(WordBeyondLimit):
        load_vectors(model_path, limit=2).index("w5")
    result = run("nearest", "nope", "-m", model_path, "--limit", "4")
    assert "Error: word not in vocabulary: 'nope'" in result.output
