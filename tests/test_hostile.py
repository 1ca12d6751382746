"""Hostile input: each case gets one clear 'Error:' line and a non-zero exit, or correct output;
never a traceback, a hang or a half-written file.

Cases already covered in tests/test_cli.py (missing corpus, a directory, an empty or
whitespace-only file, only rare words, --dim 0, --window -1, --alpha nan, --epochs 0)
are not repeated here.
"""

import os
import resource
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from w2v.cli import cli
from w2v.vectors.formats import load_model, save_model

ROOT = Path(__file__).resolve().parents[1]
FLAGS = ["--dim", "8", "--min-count", "1", "--epochs", "1", "--threads", "1", "--seed", "1", "-q"]


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)


def train_ok(tmp_path, data: bytes, *flags):
    corpus = tmp_path / "corpus.txt"
    corpus.write_bytes(data)
    out = tmp_path / "out.w2v"
    result = run("train", corpus, "-o", out, *FLAGS, *flags)
    assert result.exit_code == 0, result.output
    assert sorted(os.listdir(tmp_path)) == ["corpus.txt", "out.w2v"]
    return load_model(out)


def one_error_line(result, exit_code=1):
    assert result.exit_code == exit_code, result.output
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.output
    return result.stderr.strip()


# -- corpora --------------------------------------------------------------------------------------


def test_a_20_mb_line_without_a_newline(tmp_path):
    # Structurally the same as a 200 MB line, checked by hand: 52 million words on one line train
    # with a 186 MB peak RSS (the scan holds 16 MB chunks cut at spaces; sentences are cut at
    # 1000 words, as word2vec.c cuts them).
    rng = np.random.default_rng(0)
    table = np.frombuffer(b"".join(b"w%02d " % i for i in range(100)), dtype=np.uint8).reshape(100, 4)
    data = table[rng.integers(0, 100, size=5 << 20)].tobytes()
    model = train_ok(tmp_path, data)
    assert model.corpus["tokens"] == 5 << 20 and model.corpus["lines"] == 0
    assert sorted(model.words) == [f"w{i:02d}" for i in range(100)]


def test_a_1_mb_token_is_one_word(tmp_path):
    token = "x" * (1 << 20)
    model = train_ok(tmp_path, (token + " a b\n" + "a b c\n" * 20).encode())
    assert token in model.words
    result = run("nearest", "-", "-m", tmp_path / "out.w2v", "-k", "1", input=token + "\n")
    assert result.exit_code == 0
    assert result.stdout.startswith(token + "\t")


def test_nul_bytes_separate_tokens(tmp_path):
    model = train_ok(tmp_path, b"a\x00b a\x00\x00b\x00\n" * 20)
    assert sorted(model.words) == ["a", "b"]


def test_invalid_utf8_becomes_replacement_characters(tmp_path):
    model = train_ok(tmp_path, b"caf\xe9 ok \xff\xfe ok\n" * 20)
    assert sorted(model.words) == ["caf\ufffd", "ok", "\ufffd\ufffd"]


def test_mixed_line_endings_train_exactly_like_lf(tmp_path):
    lf = b"".join(b"w%d w%d w%d\n" % (i % 7, i % 5, i % 3) for i in range(3000))
    lines = lf.split(b"\n")
    mixed = b"".join(line + (b"\r\n" if i % 2 else b"\n") for i, line in enumerate(lines[:-1]))
    (tmp_path / "lf").mkdir()
    (tmp_path / "mixed").mkdir()
    a, b = train_ok(tmp_path / "lf", lf), train_ok(tmp_path / "mixed", mixed)
    assert a.words == b.words
    assert np.array_equal(a.vectors, b.vectors)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")
def test_a_fifo_corpus_trains(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)

    def writer():
        with open(fifo, "wb") as f:
            f.write(b"in the pipe\n" * 500)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    result = run("train", fifo, "-o", tmp_path / "out.w2v", *FLAGS)
    thread.join()
    assert result.exit_code == 0, result.output
    assert sorted(load_model(tmp_path / "out.w2v").words) == ["in", "pipe", "the"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_an_unreadable_corpus(tmp_path):
    corpus = tmp_path / "secret.txt"
    corpus.write_text("a b c\n")
    corpus.chmod(0)
    message = one_error_line(run("train", corpus, "-o", tmp_path / "out.w2v", *FLAGS))
    assert message == f"Error: corpus is not readable: '{corpus}' (permission denied)"


@pytest.mark.skipif(not os.path.exists("/proc/self/mem"), reason="needs /proc")
def test_a_corpus_that_fails_while_reading(tmp_path):
    # /proc/self/mem opens, then every read at offset 0 fails with EIO, even for root.
    message = one_error_line(run("train", "/proc/self/mem", "-o", tmp_path / "out.w2v", *FLAGS))
    assert message == "Error: cannot read corpus '/proc/self/mem': input/output error"
    assert os.listdir(tmp_path) == []


def test_dev_null_is_an_empty_corpus(tmp_path):
    message = one_error_line(run("train", os.devnull, "-o", tmp_path / "out.w2v", *FLAGS))
    assert message == f"Error: corpus is empty: '{os.devnull}'"
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("where, message", [
    ("missing/out.w2v", "Error: output directory does not exist: '{tmp}/missing'"),
    ("a-file/out.w2v", "Error: output directory does not exist: '{tmp}/a-file'"),
    ("a-dir", "Error: output is a directory: '{tmp}/a-dir'"),
])
def test_an_impossible_output_path(tmp_path, where, message):
    (tmp_path / "a-file").write_text("x")
    (tmp_path / "a-dir").mkdir()
    (tmp_path / "c.txt").write_text("a b\n")
    result = run("train", tmp_path / "c.txt", "-o", tmp_path / where, *FLAGS)
    assert one_error_line(result) == message.format(tmp=tmp_path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")
@pytest.mark.parametrize("command", ["train", "vocab"])
def test_a_fifo_or_device_as_output_is_written_not_replaced(tmp_path, command):
    # As /dev/null would be: renaming a finished temporary file over it would replace the device
    # (as root) by a regular file. A named pipe stands in for it here.
    (tmp_path / "c.txt").write_text("a b c\n" * 20)
    fifo = tmp_path / "out"
    os.mkfifo(fifo)
    received = []

    def reader():
        with open(fifo, "rb") as f:
            received.append(f.read())

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    result = run(command, tmp_path / "c.txt", "-o", fifo, *(FLAGS if command == "train" else []))
    thread.join(timeout=60)
    assert result.exit_code == 0, result.output
    assert fifo.is_fifo() and sorted(os.listdir(tmp_path)) == ["c.txt", "out"]
    assert received[0].startswith(b"W2VMODEL" if command == "train" else b"a 20\n")


def test_a_symlink_as_output_keeps_pointing_at_the_new_model(tmp_path):
    (tmp_path / "c.txt").write_text("a b c\n" * 20)
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "real.w2v").write_bytes(b"old")
    (tmp_path / "link.w2v").symlink_to(tmp_path / "models" / "real.w2v")
    assert run("train", tmp_path / "c.txt", "-o", tmp_path / "link.w2v", *FLAGS).exit_code == 0
    assert (tmp_path / "link.w2v").is_symlink()
    assert sorted(load_model(tmp_path / "models" / "real.w2v").words) == ["a", "b", "c"]


def test_an_unwritable_vocabulary_file(tmp_path):
    (tmp_path / "c.txt").write_text("a b c\n" * 20)
    result = run("train", tmp_path / "c.txt", "-o", tmp_path / "m.w2v", "--save-vocab", tmp_path / "no" / "v.txt",
                 *FLAGS)
    assert one_error_line(result).startswith(f"Error: cannot write vocabulary: '{tmp_path / 'no' / 'v.txt'}' (")
    assert sorted(os.listdir(tmp_path)) == ["c.txt"]


@pytest.mark.parametrize("flags, message", [
    (["--negative", "10000"], "--negative must be between 0 and 1000, got 10000"),
    (["--dim", "100000"], "--dim must be between 1 and 10000, got 100000"),
    (["--window", "0"], "--window must be between 1 and 1000, got 0"),
    (["--alpha", "-1"], "--alpha must be a number in (0, 10], got -1.0"),
    (["--alpha", "inf"], "--alpha must be a number in (0, 10], got inf"),
    (["--sample", "-1"], "--sample must be a finite number >= 0, got -1.0"),
    (["--sample", "nan"], "--sample must be a finite number >= 0, got nan"),
    (["--min-count", "0"], "--min-count must be at least 1, got 0"),
    (["--max-vocab", "0"], "--max-vocab must be at least 1, got 0"),
    (["--threads", "0"], "--threads must be between 1 and 1024, got 0"),
    (["--epochs", "100000"], "--epochs must be between 1 and 10000, got 100000"),
    (["--seed", "-1"], "--seed must be between 0 and 2**63-1, got -1"),
    (["--prune-at", "0"], "--prune-at must be at least 1, got 0"),
    (["--checkpoint-every", "-5m"], "--checkpoint-every must be seconds, or a number ending in s, m or h, got '-5m'"),
])
def test_absurd_parameters(tmp_path, flags, message):
    result = run("train", tmp_path / "never-read.txt", *flags)
    assert result.exit_code == 2
    assert result.stderr == f"Error: {message}\n"


def test_absurd_vocab_parameters(tmp_path):
    result = run("vocab", tmp_path / "never-read.txt", "--prune-at", "-3")
    assert result.exit_code == 2
    assert result.stderr == "Error: --prune-at must be at least 1, got -3\n"


# -- models and vectors files -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def model_path(tmp_path_factory):
    directory = tmp_path_factory.mktemp("model")
    words = [f"w{i}" for i in range(40)]
    vectors = np.random.default_rng(0).normal(size=(40, 6)).astype(np.float32)
    path = directory / "m.w2v"
    save_model(path, words, vectors, np.arange(40, 0, -1), output_ns=vectors, output_hs=vectors[:-1],
               params={"dim": 6}, corpus={})
    return path


SECTIONS = ["words", "counts", "norms", "vectors", "output_ns", "output_hs"]


def query(path):
    return run("nearest", "w1", "-m", path, "-k", "3")


@pytest.mark.parametrize("where", ["preamble", "header"] + SECTIONS)
def test_a_model_truncated_anywhere_is_one_error_line(model_path, tmp_path, where):
    data = model_path.read_bytes()
    if where == "preamble":
        end = 10
    elif where == "header":
        end = 100
    else:
        section = load_model(model_path).header["sections"][where]
        end = section["offset"] + section["nbytes"] // 2
    broken = tmp_path / "broken.w2v"
    broken.write_bytes(data[:end])
    assert one_error_line(query(broken)) == f"Error: model file is truncated: '{broken}'"


def corrupted(model_path, tmp_path, section, fill):
    data = bytearray(model_path.read_bytes())
    s = load_model(model_path).header["sections"][section]
    data[s["offset"]:s["offset"] + s["nbytes"]] = (fill * s["nbytes"])[:s["nbytes"]]
    path = tmp_path / "corrupt.w2v"
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("old, new, detail", [
    (b"w0", b"w\n", "41 words for vocab_size 40"),
    (b"w0\n", b"w0x", "39 words for vocab_size 40"),
    (b"w0\n", b"\xff0\n", "the words are not UTF-8"),
    (b"w0\nw1", b"\nw0w1", "an empty word"),
])
def test_a_corrupt_words_section(model_path, tmp_path, old, new, detail):
    data = model_path.read_bytes()
    start = load_model(model_path).header["sections"]["words"]["offset"]
    assert data[start:start + len(old)] == old
    path = tmp_path / "corrupt.w2v"
    path.write_bytes(data[:start] + new + data[start + len(old):])
    assert one_error_line(query(path)) == f"Error: model file is corrupt ({detail}): '{path}'"


@pytest.mark.parametrize("fill", [b"\xff", b"\x00\x00\x80\x7f", b"\x00\x00\x80\xbf"])  # NaN, +inf, -1.0
def test_corrupt_norms_are_refused(model_path, tmp_path, fill):
    path = corrupted(model_path, tmp_path, "norms", fill)
    assert one_error_line(query(path)) == (f"Error: model file is corrupt (the norms section holds NaN, infinite "
                                           f"or negative values): '{path}'")


@pytest.mark.parametrize("section", ["counts", "output_ns", "output_hs"])
def test_sections_queries_do_not_read_can_be_corrupt_and_answers_stay_right(model_path, tmp_path, section):
    path = corrupted(model_path, tmp_path, section, b"\xff")
    assert query(path).stdout == query(model_path).stdout != ""


def test_continuing_a_model_with_corrupt_output_weights_is_refused(model_path, tmp_path):
    path = corrupted(model_path, tmp_path, "output_ns", b"\xff")
    (tmp_path / "c.txt").write_text("w1 w2 w3\n" * 10)
    result = run("train", tmp_path / "c.txt", "--init", path, "-o", tmp_path / "out.w2v", *FLAGS[2:])
    assert one_error_line(result) == f"Error: the model's output_ns hold NaN or infinity (is the file corrupt?): '{path}'"
    assert not (tmp_path / "out.w2v").exists()


@pytest.mark.parametrize("edit, message", [
    (lambda d: b"W2VMODEX" + d[8:], "unrecognised vectors file format"),
    (lambda d: d[:8] + b"\x07\x00\x00\x00" + d[12:], "unsupported model format version 7"),
    (lambda d: d[:12] + b"\xff\xff\xff\x7f" + d[16:], "model file is truncated"),
    (lambda d: d[:16] + b"[" + d[17:], "model header is corrupt"),
    (lambda d: d.replace(b'"vocab_size": 40', b'"vocab_size": 41', 1),
     "model file is corrupt (section 'counts' is <i8 [40])"),
    (lambda d: d.replace(b'"dim": 6', b'"dim": 0', 1), "model file is corrupt (dim 0)"),
    (lambda d: d.replace(b'"<f4"', b'"<f8"', 1), "model file is corrupt (section 'norms' is <f8 [40])"),
    (lambda d: d.replace(b'"offset": ', b'"offset": 9', 1), "model file is truncated"),
])
def test_a_corrupt_model_header(model_path, tmp_path, edit, message):
    path = tmp_path / "bad.w2v"
    path.write_bytes(edit(model_path.read_bytes()))
    assert one_error_line(query(path)) == f"Error: {message}: '{path}'"


TEXT = "3 4\na 1 2 3 4\nb 2 3 4 5\nc 3 4 5 6\n"


@pytest.mark.parametrize("text, message", [
    ("5 4\n" + TEXT.split("\n", 1)[1], "vectors file ends early: header says 5 vectors, found 3"),
    ("2 4\n" + TEXT.split("\n", 1)[1], "vectors file has more vectors than its header says (2)"),
    ("3 5\n" + TEXT.split("\n", 1)[1], "line 2 has 4 values, expected 5"),
    (TEXT.replace("b 2 3 4 5", "b 2 3 4"), "line 3 has 3 values, expected 4"),
    (TEXT.replace("b 2 3 4 5", "b 2 nan 4 5"), "vector for 'b' contains NaN or infinity (line 3)"),
    (TEXT.replace("c 3 4 5 6", "c 3 4 inf 6"), "vector for 'c' contains NaN or infinity (line 4)"),
    (TEXT.replace("c 3 4 5 6", "c 3 4 1e39 6"), "vector for 'c' contains NaN or infinity (line 4)"),
    (TEXT.replace("b 2 3 4 5", "b 2 3 x 5"), "line 3 has a value that is not a number"),
    ("0 4\n", "invalid header '0 4'"),
])
def test_a_vectors_file_that_disagrees_with_itself(tmp_path, text, message):
    path = tmp_path / "v.txt"
    path.write_text(text)
    assert one_error_line(run("nearest", "a", "-m", path)) == f"Error: {message}: '{path}'"


def test_a_binary_vectors_file_shorter_than_its_header(tmp_path):
    rows = b"".join(w + b" " + np.arange(4, dtype="<f4").tobytes() + b"\n" for w in (b"a", b"b"))
    path = tmp_path / "v.bin"
    path.write_bytes(b"3 4\n" + rows)
    assert one_error_line(run("nearest", "a", "-m", path)) == \
        f"Error: vectors file ends early: header says 3 vectors, found 2: '{path}'"
    path.write_bytes(b"3 4\n" + rows + b"c " + np.array([1, np.nan, 2, 3], dtype="<f4").tobytes() + b"\n")
    assert one_error_line(run("nearest", "a", "-m", path)) == \
        f"Error: vector for 'c' contains NaN or infinity (vector 3): '{path}'"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs RLIMIT_DATA semantics of Linux")
def test_a_model_larger_than_the_memory_limit_answers_queries(tmp_path):
    # RLIMIT_DATA caps the process's own memory (heap and private mappings), not the
    # read-only file mapping of the model: a 160 MB model queried with 100 MB.
    words = [f"w{i}" for i in range(40_000)]
    vectors = np.random.default_rng(0).normal(size=(40_000, 1000)).astype(np.float32)
    path = tmp_path / "big.w2v"
    save_model(path, words, vectors, None)
    expected = [words[i] for i in np.argsort(-(vectors @ vectors[5]) / np.linalg.norm(vectors, axis=1))[1:4]]
    del vectors
    limit = 100 << 20
    assert path.stat().st_size > 1.5 * limit

    def limited(code, *args):
        return subprocess.run([sys.executable, "-c", code, *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                              env=dict(os.environ, OPENBLAS_NUM_THREADS="1"), timeout=120,
                              preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_DATA, (limit, limit)))

    result = limited("from w2v.cli import main; import sys; sys.argv = ['w2v'] + sys.argv[1:]; main()",
                     "nearest", "w5", "-m", path, "-k", "3")
    assert result.returncode == 0, result.stderr
    assert [line.split("\t")[0] for line in result.stdout.splitlines()] == expected
    # The limit is real: reading the same file into memory fails under it.
    reading = limited("import numpy, sys; numpy.fromfile(sys.argv[1], dtype=numpy.uint8)", path)
    assert reading.returncode != 0 and "MemoryError" in reading.stderr
