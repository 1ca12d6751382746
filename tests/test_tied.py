"""Tied weights (--tied): one matrix as input and output, against the naive reference at one thread."""

import numpy as np
import pytest
from click.testing import CliRunner

from tests import reference
from tests.test_kernels import make_vocab, noise_tables, run_kernel, weights
from w2v.cli import cli
from w2v.text.vocab import Vocab
from w2v.training.params import TrainParams
from w2v.training.trainer import train
from w2v.vectors.formats import load_model

# Repeated words: the centre is often the context word itself, and with 6 words a noise word often is.
SENTENCE = [3, 0, 3, 1, 1, 5, 4, 0, 0, 2, 5, 3, 3]


@pytest.mark.parametrize("cbow", [False, True], ids=["skip-gram", "CBOW"])
@pytest.mark.parametrize("batched", [False, True], ids=["classic", "batched"])
def test_tied_kernel_matches_the_reference_on_one_matrix(cbow, batched):
    vocab = make_vocab(size=6)
    dim, window, negative, alpha = 12, 3, 4, 0.05
    matrix = weights(len(vocab), dim, 1)
    expected = matrix.astype(np.float64)
    unused = np.zeros((1, dim), np.float32)

    run_kernel(SENTENCE, vocab, matrix, matrix, unused, window=window, negative=negative, hs=False, cbow=cbow,
               batched=batched, alpha=alpha, tied=True)
    threshold, alias = noise_tables(vocab)
    reference.train_sentence(SENTENCE, expected, expected, None, window, negative, False, cbow, batched, alpha,
                             12345, threshold, alias)

    assert np.abs(expected - matrix.astype(np.float64)).max() < 2e-5
    assert np.abs(matrix - weights(len(vocab), dim, 1)).max() > 1e-3


@pytest.mark.parametrize("cbow", [False, True], ids=["skip-gram", "CBOW"])
@pytest.mark.parametrize("batched", [False, True], ids=["classic", "batched"])
def test_a_word_predicting_itself_takes_the_full_gradient_step(cbow, batched):
    """u predicts u: the loss -log sigmoid(u.u) has gradient -2 (1 - sigmoid(u.u)) u, so each
    prediction scales u by 1 + 2 alpha (1 - sigmoid(u.u)): the input and the output half each count
    once, both from u as it was. Noise draws are the word itself (dropped) or b, whose zero row
    adds nothing to u."""
    vocab = Vocab(["a", "b"], np.array([10, 1], dtype=np.int64))
    alpha = 0.05
    matrix = np.zeros((2, 4), dtype=np.float32)
    matrix[0] = 0.5
    u = matrix[0].astype(np.float64)
    run_kernel([0, 0], vocab, matrix, matrix, np.zeros((1, 4), np.float32), window=1, negative=2, hs=False,
               cbow=cbow, batched=batched, alpha=alpha, tied=True)
    for _ in range(2):  # two predictions: each position has the other as its context
        u = u * (1 + 2 * alpha * (1 - reference.table_sigmoid(u @ u)))
    assert np.abs(matrix[0] - u).max() < 1e-6


def test_a_tied_model_stores_one_matrix(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("the cat sat on the mat while the dog sat on the log\n" * 100)
    output = tmp_path / "tied.w2v"
    result = CliRunner().invoke(cli, ["train", str(corpus), "-o", str(output), "--tied", "--skipgram",
                                      "--min-count", "1", "--dim", "8", "--epochs", "2", "--threads", "1", "-q"])
    assert result.exit_code == 0, result.output
    model = load_model(output)
    assert model.output_ns is None and model.output_hs is None
    assert model.params["tied"] is True
    assert np.isfinite(model.vectors).all() and np.abs(model.vectors).max() > 0.01


def test_tied_training_learns_the_corpus(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("red green blue red green blue\none two three one two three\n" * 300)
    params = TrainParams(dim=16, window=2, min_count=1, epochs=5, threads=1, sample=0, tied=True, cbow=False)
    model = train(str(corpus), params, quiet=True)
    assert model.output_ns is None
    unit = model.vectors / np.linalg.norm(model.vectors, axis=1, keepdims=True)
    index = {w: i for i, w in enumerate(model.vocab.words)}
    same = unit[index["red"]] @ unit[index["blue"]]
    other = unit[index["red"]] @ unit[index["two"]]
    assert same > other + 0.2


@pytest.mark.parametrize("flags", [["--hs"], ["--negative", "0", "--hs"]])
def test_tied_needs_negative_sampling_alone(tmp_path, flags):
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c\n" * 10)
    result = CliRunner().invoke(cli, ["train", str(corpus), "-o", str(tmp_path / "m.w2v"), "--tied", *flags])
    assert result.exit_code == 2
    assert "Error: --tied needs negative sampling alone" in result.output


def test_tied_and_subwords_are_refused_together(tmp_path):
    from click.testing import CliRunner

    from w2v.cli import cli

    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c d e f\n" * 50)
    result = CliRunner().invoke(cli, ["train", str(corpus), "--tied", "--subwords", "-o", str(tmp_path / "m.w2v"),
                                      "--min-count", "1", "-q"])
    assert result.exit_code != 0
    assert "Error: --tied cannot be combined with --subwords" in result.output


def test_an_interrupted_tied_run_resumes_to_the_same_bytes(tmp_path, monkeypatch):
    from tests.planted import planted_corpus
    from tests.test_resilience import interrupt_after_spans, resume_args, run

    corpus = tmp_path / "planted.txt"
    planted_corpus(corpus, sentences=10_000)  # two spans an epoch
    flags = ["--tied", "--skipgram", "--dim", "16", "--min-count", "1", "--threads", "1", "--epochs", "3", "-q"]
    full = tmp_path / "full.w2v"
    assert run("train", corpus, "-o", full, *flags).exit_code == 0
    out = tmp_path / "m.w2v"
    interrupt_after_spans(monkeypatch, 3)
    result = run("train", corpus, "-o", out, *flags)
    assert result.exit_code == 130
    args, _ = resume_args(result.stderr)
    monkeypatch.undo()
    resumed = run(*args)
    assert resumed.exit_code == 0, resumed.output
    assert out.read_bytes() == full.read_bytes()
    assert load_model(out).output_ns is None
