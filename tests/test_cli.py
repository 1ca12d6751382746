"""Every command through click's CliRunner: output format, stdin, and the exact error lines."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from tests.planted import planted_corpus
from w2v.cli import cli
from w2v.vectors.formats import load_model, load_vectors

TRAIN_FLAGS = ["--dim", "24", "--min-count", "1", "--sample", "0", "--epochs", "3", "--threads", "1", "--skipgram"]


def run(*args, input=None, env=None):
    return CliRunner().invoke(cli, list(args), input=input, env=env, catch_exceptions=False)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("cli")
    planted_corpus(directory / "corpus.txt")
    result = run("train", str(directory / "corpus.txt"), "-o", str(directory / "planted.w2v"), *TRAIN_FLAGS)
    assert result.exit_code == 0, result.output
    return directory


@pytest.fixture()
def model(workdir):
    return str(workdir / "planted.w2v")


def test_train_reports_progress_and_a_summary_on_stderr(workdir, tmp_path):
    result = run("train", str(workdir / "corpus.txt"), "-o", str(tmp_path / "m.w2v"), *TRAIN_FLAGS)
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "epoch 3/3: loss" in result.stderr
    assert "trained 630,000 words in" in result.stderr
    assert f"saved model to {tmp_path / 'm.w2v'}" in result.stderr
    saved = load_model(str(tmp_path / "m.w2v"))
    assert saved.vectors.shape == (len(saved.words), 24)
    assert saved.params["architecture"] == "skipgram"
    assert saved.output_ns is not None


def test_quiet_training_prints_nothing(workdir, tmp_path):
    result = run("train", str(workdir / "corpus.txt"), "-o", str(tmp_path / "m.w2v"), "-q", *TRAIN_FLAGS)
    assert result.exit_code == 0
    assert result.output == ""


def test_train_then_nearest_work_with_no_model_flag(workdir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("W2V_MODEL", raising=False)
    assert run("train", str(workdir / "corpus.txt"), "-q", *TRAIN_FLAGS).exit_code == 0
    assert os.path.exists(tmp_path / "model.w2v")
    result = run("nearest", "t3_m")
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 10


def test_the_environment_variable_names_the_model(model, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("nearest", "t3_m", "-k", "2", env={"W2V_MODEL": model})
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 2


def test_train_reads_stdin(workdir, tmp_path):
    text = (workdir / "corpus.txt").read_text()
    result = run("train", "-", "-o", str(tmp_path / "stdin.w2v"), "-q", *TRAIN_FLAGS, input=text)
    assert result.exit_code == 0, result.output
    assert len(load_model(str(tmp_path / "stdin.w2v")).words) == 116


def test_nearest_prints_word_tab_cosine_lines_and_excludes_the_query(model):
    result = run("nearest", "t3_m", "-m", model, "-k", "5")
    lines = result.stdout.splitlines()
    assert len(lines) == 5
    words = [line.split("\t")[0] for line in lines]
    scores = [float(line.split("\t")[1]) for line in lines]
    assert "t3_m" not in words
    assert scores == sorted(scores, reverse=True)
    assert all(-1 <= s <= 1 for s in scores)


def test_nearest_reads_queries_from_stdin(model):
    result = run("nearest", "-", "-m", model, "-k", "3", input="t1_m\n\nt2_f\n")
    lines = result.stdout.splitlines()
    assert len(lines) == 6
    assert [line.split("\t")[0] for line in lines] == ["t1_m"] * 3 + ["t2_f"] * 3


def test_an_unknown_word_in_stdin_fails_only_that_query(model):
    result = run("nearest", "-", "-m", model, "-k", "2", input="t1_m\nnosuchword\nt2_f\n")
    assert result.exit_code == 1
    assert len(result.stdout.splitlines()) == 4
    assert "Error: word not in vocabulary: 'nosuchword'" in result.stderr


def test_analogy_solves_the_planted_relation(model):
    result = run("analogy", "t1_m", "t1_f", "t4_f", "-m", model, "-k", "1")
    assert result.exit_code == 0
    assert result.stdout.split("\t")[0] == "t4_m"
    cosmul = run("analogy", "t1_m", "t1_f", "t4_f", "-m", model, "-k", "1", "--cosmul")
    assert cosmul.stdout.split("\t")[0] == "t4_m"


def test_analogy_json_lines(model):
    result = run("analogy", "-", "-m", model, "-k", "2", "--json", input="t1_m t1_f t4_f\nt2_f t2_m t5_m\n")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["query"] for r in records] == ["t1_m t1_f t4_f", "t2_f t2_m t5_m"]
    assert records[0]["answers"][0]["word"] == "t4_m"
    assert records[1]["answers"][0]["word"] == "t5_f"


def test_analogy_needs_three_words(model):
    result = run("analogy", "t1_m", "t1_f", "-m", model)
    assert result.exit_code == 2
    assert "an analogy takes three words A B C, got 2: 't1_m t1_f'" in result.stderr


def test_similarity(model):
    same_topic = float(run("similarity", "t1_m", "t1_f", "-m", model).stdout)
    other_topic = float(run("similarity", "t1_m", "t6_f", "-m", model).stdout)
    assert same_topic > other_topic
    piped = run("similarity", "-", "-m", model, input="t1_m t1_f\nt1_m t6_f\n")
    assert piped.stdout.splitlines()[0] == f"t1_m\tt1_f\t{same_topic:.6f}"


def test_unknown_word_says_so_and_suggests_close_words(model):
    result = run("nearest", "t1_x", "-m", model)
    assert result.exit_code == 1
    assert result.stdout == ""
    line = result.stderr.strip()
    assert line.startswith("Error: word not in vocabulary: 't1_x'; did you mean: ")
    assert "t1_m" in line and "\n" not in line


def test_missing_default_model_explains_how_to_get_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("W2V_MODEL", raising=False)
    result = run("nearest", "king")
    assert result.exit_code == 1
    assert result.stderr == ("Error: model not found: 'model.w2v' (train one with 'w2v train CORPUS', "
                             "or give -m MODEL or $W2V_MODEL)\n")


def test_corrupt_model_is_one_error_line(tmp_path, model):
    broken = tmp_path / "broken.w2v"
    broken.write_bytes(open(model, "rb").read()[:1000])
    result = run("nearest", "t1_m", "-m", str(broken))
    assert result.exit_code == 1
    assert result.stderr == f"Error: model file is truncated: {str(broken)!r}\n"


def test_export_text_and_binary_load_back_with_the_same_vectors(model, tmp_path):
    original = load_vectors(model)
    for flags, name in (([], "v.txt"), (["--binary"], "v.bin")):
        assert run("export", "-m", model, "-o", str(tmp_path / name), *flags).exit_code == 0
        loaded = load_vectors(str(tmp_path / name))
        assert list(loaded.words) == list(original.words)
        tolerance = 0 if flags else 1e-5
        assert np.allclose(loaded.vectors, original.vectors, atol=tolerance, rtol=tolerance)
    head = (tmp_path / "v.txt").read_text().splitlines()[0]
    assert head == f"{len(original)} 24"
    # Queries accept the exported file as the model.
    assert run("nearest", "t1_m", "-m", str(tmp_path / "v.bin"), "-k", "1").exit_code == 0


def test_vocab_writes_word_count_lines_most_frequent_first(workdir, tmp_path):
    result = run("vocab", str(workdir / "corpus.txt"), "--min-count", "1")
    lines = result.stdout.splitlines()
    assert len(lines) == 116
    counts = [int(line.split(" ")[1]) for line in lines]
    assert counts == sorted(counts, reverse=True)
    assert sum(counts) == 210_000
    # And train reads it back.
    vocab_file = tmp_path / "vocab.txt"
    vocab_file.write_text("\n".join(lines[:20]) + "\n")
    assert run("train", str(workdir / "corpus.txt"), "-o", str(tmp_path / "v.w2v"), "--read-vocab",
               str(vocab_file), "-q", *TRAIN_FLAGS).exit_code == 0
    assert list(load_model(str(tmp_path / "v.w2v")).words) == [line.split(" ")[0] for line in lines[:20]]


def write(path, text):
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "make_corpus, message",
    [
        (lambda d: d / "missing.txt", "Error: corpus not found: '{path}'\n"),
        (lambda d: d, "Error: corpus is a directory: '{path}'\n"),
        (lambda d: write(d / "empty.txt", ""), "Error: corpus is empty: '{path}'\n"),
        (lambda d: write(d / "blank.txt", " \n\t\r\n"), "Error: corpus is empty: '{path}'\n"),
        (lambda d: write(d / "rare.txt", "a b c d\n"),
         "Error: no word occurs at least 5 times in '{path}' (lower --min-count)\n"),
    ],
    ids=["missing", "directory", "empty", "whitespace-only", "all-rare"],
)
def test_bad_corpus_is_one_error_line_and_writes_nothing(tmp_path, make_corpus, message):
    corpus = make_corpus(tmp_path)
    output = tmp_path / "out.w2v"
    result = run("train", str(corpus), "-o", str(output))
    assert result.exit_code == 1
    assert result.stderr.endswith(message.format(path=corpus))
    assert not output.exists()


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--dim", "0"], "Error: --dim must be between 1 and 10000, got 0\n"),
        (["--window", "-1"], "Error: --window must be between 1 and 1000, got -1\n"),
        (["--negative", "0"], "Error: nothing to train: use --negative N (N > 0) or --hs\n"),
        (["--alpha", "nan"], "Error: --alpha must be a number in (0, 10], got nan\n"),
        (["--epochs", "0"], "Error: --epochs must be between 1 and 10000, got 0\n"),
    ],
)
def test_absurd_parameters_are_refused_before_reading(tmp_path, flags, message):
    result = run("train", str(tmp_path / "never-read.txt"), *flags)
    assert result.exit_code == 2
    assert result.stderr == message


def test_every_command_has_help_with_an_example():
    def commands(group, prefix=()):
        for name, command in group.commands.items():
            if hasattr(command, "commands"):
                yield from commands(command, prefix + (name,))
            else:
                yield prefix + (name,), command

    listing = run("--help").stdout
    for path, command in commands(cli):
        assert path[0] in listing
        text = run(*path, "--help").stdout
        assert "Example:" in text, f"'w2v {' '.join(path)}' has no example in its help"
        assert command.short_help or command.help


def test_query_commands_do_not_import_numba(model):
    code = ("import sys; from w2v.cli import main; sys.argv = ['w2v', 'nearest', 't1_m', '-m', sys.argv[1]]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "assert 'numba' not in sys.modules, 'numba was imported'")
    result = subprocess.run([sys.executable, "-c", code, model], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 10


def test_python_dash_m_runs_the_cli():
    result = subprocess.run([sys.executable, "-m", "w2v", "--version"], capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stdout.startswith("w2v, version ")
