"""--ns-exponent: the noise distribution is count^E (1 unigram, 0 uniform), validated and stored in the model."""

import numpy as np
import pytest
from click.testing import CliRunner

from w2v.cli import cli
from w2v.text.vocab import Vocab
from w2v.training.params import TrainParams
from w2v.training.trainer import noise_tables
from w2v.vectors.formats import load_model

COUNTS = np.array([500, 120, 60, 60, 9, 5], dtype=np.int64)


def table_distribution(threshold, alias):
    """The distribution an alias table draws from: bucket i keeps i with threshold/65536, else alias[i]."""
    n = len(alias)
    keep = threshold.astype(np.float64) / 65536
    p = keep.copy()
    np.add.at(p, alias, 1 - keep)
    return p / n


@pytest.mark.parametrize("exponent, expected", [
    (0.0, np.full(len(COUNTS), 1 / len(COUNTS))),
    (1.0, COUNTS / COUNTS.sum()),
    (0.75, COUNTS ** 0.75 / (COUNTS ** 0.75).sum()),
    (-1.0, (1 / COUNTS) / (1 / COUNTS).sum()),
], ids=["uniform", "unigram", "word2vec", "inverse"])
def test_the_kernels_noise_table_draws_count_to_the_exponent(exponent, expected):
    vocab = Vocab([f"w{i}" for i in range(len(COUNTS))], COUNTS)
    threshold, alias = noise_tables(vocab, TrainParams(ns_exponent=exponent))
    assert np.abs(table_distribution(threshold, alias) - expected).max() < 1e-4


def test_uniform_noise_never_needs_an_alias():
    vocab = Vocab([f"w{i}" for i in range(len(COUNTS))], COUNTS)
    threshold, alias = noise_tables(vocab, TrainParams(ns_exponent=0))
    assert (threshold == 65536).all()


@pytest.mark.parametrize("value", ["1.5", "-2", "nan", "inf"])
def test_an_exponent_outside_minus_one_to_one_is_refused(tmp_path, value):
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c\n" * 10)
    result = CliRunner().invoke(cli, ["train", str(corpus), "-o", str(tmp_path / "m.w2v"), "--ns-exponent", value])
    assert result.exit_code == 2
    assert "Error: --ns-exponent must be between -1 and 1" in result.output


def test_the_model_records_its_exponent(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("the cat sat on the mat\n" * 50)
    output = tmp_path / "m.w2v"
    result = CliRunner().invoke(cli, ["train", str(corpus), "-o", str(output), "--ns-exponent", "0.5",
                                      "--min-count", "1", "--dim", "8", "--epochs", "1", "-q"])
    assert result.exit_code == 0, result.output
    assert load_model(output).params["ns_exponent"] == 0.5
