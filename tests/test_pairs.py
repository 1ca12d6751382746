"""w2v pairs: a sentence's training examples, against a naive enumeration of word2vec.c's rules."""

import json
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from tests import reference
from w2v.cli import cli
from w2v.training.pairs import tokenize
from w2v.vectors.formats import save_model, save_word2vec

SENTENCE = "the cat sits on the mat"


def run(*args, input=None):
    return CliRunner().invoke(cli, ["pairs", *args], input=input)


def naive_pairs(words, reaches):
    """Skip-gram: each position with every other word at most its reach away."""
    return [(w, words[j]) for i, (w, reach) in enumerate(zip(words, reaches))
            for j in range(len(words)) if j != i and abs(j - i) <= reach]


def first_state(seed):
    return int(np.random.default_rng(seed).integers(0, 2**63, size=1, dtype=np.uint64)[0])


def lines_of(result):
    assert result.exit_code == 0, result.output
    return [tuple(line.split("\t")) for line in result.output.splitlines()]


def test_the_example_sentence_gives_18_pairs_with_window_2():
    got = lines_of(run(SENTENCE, "--window", "2"))
    assert len(got) == 18
    assert got == naive_pairs(SENTENCE.split(), [2] * 6)
    assert got[:5] == [("the", "cat"), ("the", "sits"), ("cat", "the"), ("cat", "sits"), ("cat", "on")]


def test_words_as_separate_arguments_are_one_sentence():
    assert run(*SENTENCE.split(), "--window", "2").output == run(SENTENCE, "--window", "2").output


def test_cbow_gives_one_example_per_position():
    got = lines_of(run(SENTENCE, "--window", "2", "--cbow"))
    assert got == [("cat sits", "the"), ("the sits on", "cat"), ("the cat on the", "sits"),
                   ("cat sits the mat", "on"), ("sits on mat", "the"), ("on the", "mat")]


def test_json_lines():
    records = [json.loads(line) for line in run(SENTENCE, "--window", "1", "--json").output.splitlines()]
    assert records[0] == {"line": 1, "centre": "the", "context": "cat"}
    records = [json.loads(line) for line in run(SENTENCE, "--window", "1", "--json", "--cbow").output.splitlines()]
    assert records[1] == {"line": 1, "context": ["the", "sits"], "centre": "cat"}


@pytest.mark.parametrize("seed", [1, 7, 123])
def test_shrink_draws_each_window_as_training_does(seed):
    words = (SENTENCE + " and the dog sits on the log").split()
    state, reaches = first_state(seed), []
    for _ in words:
        state = reference.lcg(state)
        reaches.append(5 - reference.uniform_below(state, 5))
    got = lines_of(run(" ".join(words), "--shrink", "--seed", str(seed)))
    assert got == naive_pairs(words, reaches)
    assert got != naive_pairs(words, [5] * len(words))  # the shrink did something


def test_the_same_seed_gives_the_same_pairs():
    first = run(SENTENCE, "--shrink", "--seed", "3").output
    assert first == run(SENTENCE, "--shrink", "--seed", "3").output
    assert first != run(SENTENCE, "--shrink", "--seed", "4").output


@pytest.fixture
def counts_model(tmp_path):
    words = ["the", "of", "cat", "mat", "sits", "on"]
    counts = np.array([50_000, 30_000, 40, 30, 20, 10], dtype=np.int64)
    path = tmp_path / "m.w2v"
    save_model(path, words, np.zeros((6, 2), np.float32), counts)
    return str(path), dict(zip(words, counts.tolist()))


def test_subsampling_uses_the_models_counts_and_training_formula(counts_model):
    path, counts = counts_model
    sample, seed = 1e-2, 5
    line = " ".join(["the cat sits on the mat of the unknown cat the of the mat"] * 4)
    total = sum(counts.values())
    state, kept = first_state(seed), []
    for word in line.split():
        if word not in counts:
            continue  # training drops words outside the vocabulary
        keep = min((np.sqrt(counts[word] / (sample * total)) + 1) * (sample * total) / counts[word], 1.0)
        threshold = int(np.floor(keep * 65536 + 0.5))
        if threshold < 65536:
            state = reference.lcg(state)
            if ((state >> 16) & 0xFFFF) >= threshold:
                continue
        kept.append(word)
    got = lines_of(run(line, "-m", path, "--sample", str(sample), "--seed", str(seed), "--window", "2"))
    assert got == naive_pairs(kept, [2] * len(kept))
    assert 0 < kept.count("the") < line.split().count("the")  # some, not all, of the frequent word dropped


def test_a_model_drops_unknown_words_without_sampling(counts_model):
    got = lines_of(run("the unknown cat", "-m", counts_model[0], "--window", "1"))
    assert got == [("the", "cat"), ("cat", "the")]


def test_sentences_are_cut_every_1000_words_as_in_training():
    words = " ".join(f"w{i}" for i in range(1001))
    assert len(lines_of(run(words, "--window", "1"))) == 2 * 999


def test_each_stdin_line_is_a_sentence():
    result = run("-", "--window", "1", "--json", input="a b\nc d\n")
    records = [json.loads(line) for line in result.output.splitlines()]
    assert [(r["line"], r["centre"], r["context"]) for r in records] == \
        [(1, "a", "b"), (1, "b", "a"), (2, "c", "d"), (2, "d", "c")]


def test_tokens_are_split_as_the_training_scanner_splits_them(tmp_path):
    from w2v.text.corpus import scan_corpus

    text = b"caf\xc3\xa9 a\tb\r\nc\x0bd\x0ce\x00f \xff\xfeg  h\r"
    corpus = tmp_path / "c.txt"
    corpus.write_bytes(text)
    with scan_corpus(str(corpus)) as scanned:
        trained = scanned.words
    mine = [word for line in text.split(b"\n") for word in tokenize(line)]
    assert mine == trained == ["café", "a", "b", "c", "d", "e", "f", "\ufffd\ufffdg", "h"]


@pytest.mark.parametrize("args, message", [
    (["--sample", "1e-3"], "Error: --sample needs the word counts of a model: give -m MODEL"),
    (["--sample", "nan", "-m", "x"], "Error: --sample must be a finite number >= 0"),
    (["-m", "missing.w2v"], "Error: model not found"),
])
def test_bad_options_are_one_line_errors(args, message):
    result = run(SENTENCE, *args)
    assert result.exit_code != 0
    assert message in result.output


def test_a_vectors_file_has_no_counts(tmp_path):
    path = tmp_path / "v.txt"
    save_word2vec(path, ["the", "cat"], np.zeros((2, 2), np.float32))
    result = run(SENTENCE, "-m", str(path), "--sample", "1e-3")
    assert result.exit_code == 1
    assert "Error: not a w2v model file" in result.output


def test_pairs_does_not_import_numba():
    code = ("import sys; from w2v.cli import main; sys.argv = ['w2v', 'pairs', 'a', 'b', '--shrink']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "assert 'numba' not in sys.modules, 'numba was imported'")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["a\tb", "b\ta"]
