"""The issue-4 commands through click's CliRunner: word2vec, phrases, classes, convert, vectors,
odd-one-out, projector; and the k-means behind classes."""

import json
import os

import numpy as np
import pytest
from click.testing import CliRunner

from tests.planted import planted_corpus
from w2v.cli import cli
from w2v.cli.suite import c_sentence_end_vector
from w2v.errors import ParameterError
from w2v.training.params import default_threads
from w2v.vectors.clusters import kmeans, unit_rows, word2vec_classes
from w2v.vectors.formats import load_vectors, save_model

C_FLAGS = ["-train", "-output", "-size", "-window", "-sample", "-hs", "-negative", "-threads", "-iter", "-min-count",
           "-alpha", "-classes", "-debug", "-binary", "-save-vocab", "-read-vocab", "-cbow"]
SMALL = ["-size", "12", "-min-count", "1", "-iter", "2", "-threads", "1", "-sample", "0", "-debug", "0"]


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("suite") / "corpus.txt"
    planted_corpus(path, sentences=4000)
    return path


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """A small native model with counts: words w0..w59, random vectors."""
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(60)]
    path = tmp_path_factory.mktemp("model") / "m.w2v"
    save_model(path, words, rng.standard_normal((60, 8)).astype(np.float32), np.arange(600, 0, -10))
    return str(path)


# -- word2vec: drop-in flags -------------------------------------------------------------------


def test_word2vec_help_lists_every_c_flag():
    text = run("word2vec", "--help").stdout
    for flag in C_FLAGS:
        assert f"{flag}, --{flag[1:]} " in text, flag
    assert run("word2vec").stdout == text  # no arguments: the help, as ./word2vec prints it


@pytest.fixture()
def captured(monkeypatch):
    """Replace training by a stub that records the parameters it was given."""
    import w2v.training.trainer
    from w2v.text.vocab import Vocab
    from w2v.training.trainer import TrainedModel

    calls = []

    def fake_train(corpus_path, params, **options):
        calls.append((params, options))
        vocab = Vocab(["a", "b"], np.array([7, 5], dtype=np.int64))
        return TrainedModel(vocab, np.ones((2, params.dim), np.float32), None, None, params, corpus={"lines": 3},
                            stats={"words": 12, "train_seconds": 0.1, "words_per_second": 120, "threads": 1})

    monkeypatch.setattr(w2v.training.trainer, "train", fake_train)
    return calls


def test_word2vec_defaults_are_word2vec_cs(captured, tmp_path):
    assert run("word2vec", "-train", "corpus.txt", "-output", tmp_path / "v.txt").exit_code == 0
    params, options = captured[0]
    assert (params.dim, params.window, params.sample, params.hs, params.negative, params.epochs, params.min_count,
            params.cbow, params.starting_alpha, params.threads) == (100, 5, 1e-3, False, 5, 5, 5, True, 0.05,
                                                                    default_threads())
    assert options["quiet"] is False and options["read_vocab"] is None


def test_word2vec_demo_flags_mean_what_they_mean_in_c(captured, tmp_path):
    result = run("word2vec", "-train", "text8", "-output", tmp_path / "vec.bin", "-cbow", "0", "-size", "200",
                 "-window", "8", "-negative", "25", "-hs", "0", "-sample", "1e-4", "-threads", "2", "-binary", "1",
                 "-iter", "15", "-min-count", "3", "-debug", "0")
    assert result.exit_code == 0, result.output
    params, options = captured[0]
    assert (params.cbow, params.dim, params.window, params.negative, params.hs, params.sample, params.threads,
            params.epochs, params.min_count, params.starting_alpha) == (False, 200, 8, 25, False, 1e-4, 2, 15, 3,
                                                                        0.025)
    assert options["quiet"] is True and result.output == ""
    # --long spellings work too, and -alpha wins over the architecture's default.
    run("word2vec", "--train", "t", "--output", tmp_path / "v", "--hs", "1", "--negative", "0", "-alpha", "0.1")
    params = captured[1][0]
    assert (params.hs, params.negative, params.starting_alpha) == (True, 0, 0.1)


def test_word2vec_writes_the_c_tools_files(corpus, tmp_path):
    text, binary, vocab = tmp_path / "vec.txt", tmp_path / "vec.bin", tmp_path / "vocab.txt"
    for output, flags in ((text, ["-save-vocab", vocab]), (binary, ["-binary", "1"])):
        result = run("word2vec", "-train", corpus, "-output", output, "-cbow", "0", *SMALL, *flags)
        assert result.exit_code == 0, result.output
        assert result.stdout == ""
    lines = text.read_text().splitlines()
    assert lines[0] == "117 12"  # 116 words and word2vec.c's "</s>" first
    assert lines[1].split()[0] == "</s>"
    from_text, from_binary = load_vectors(text), load_vectors(binary)
    assert from_text.words == from_binary.words and from_text.words[0] == "</s>"
    np.testing.assert_array_equal(from_binary.vectors[0], c_sentence_end_vector(12))
    # One thread and one seed: the two runs trained the same vectors.
    np.testing.assert_allclose(from_text.vectors, from_binary.vectors, rtol=5e-6, atol=1e-7)
    vocab_lines = vocab.read_text().splitlines()
    assert vocab_lines[0] == "</s> 4000"  # the line ends, as word2vec.c counts them
    assert [line.split()[0] for line in vocab_lines] == from_text.words
    counts = [int(line.split()[1]) for line in vocab_lines[1:]]
    assert counts == sorted(counts, reverse=True) and sum(counts) == 4000 * 7
    KeyedVectors = pytest.importorskip("gensim.models").KeyedVectors
    kv = KeyedVectors.load_word2vec_format(str(binary), binary=True)
    assert list(kv.index_to_key) == from_binary.words
    np.testing.assert_array_equal(kv.vectors, from_binary.vectors)


def test_sentence_end_vector_is_row_0_of_word2vec_cs_initialisation():
    # word2vec.c's InitNet, transcribed: next_random from 1, one draw per weight in row order.
    state, expected = 1, []
    for _ in range(5):
        state = (state * 25214903917 + 11) % 2**64
        expected.append(np.float32(((state & 0xFFFF) / np.float32(65536) - 0.5) / 5))
    np.testing.assert_array_equal(c_sentence_end_vector(5), expected)
    # As printed by ./word2vec -size 16 (first values of its "</s>" row).
    assert ["%f" % x for x in c_sentence_end_vector(16)[:4]] == ["0.025017", "0.027621", "-0.023939", "-0.020488"]


def test_word2vec_classes_writes_word_class_lines_like_c(corpus, tmp_path):
    vectors_file, classes_file = tmp_path / "vec.bin", tmp_path / "classes.txt"
    assert run("word2vec", "-train", corpus, "-output", vectors_file, "-binary", "1", *SMALL).exit_code == 0
    assert run("word2vec", "-train", corpus, "-output", classes_file, "-classes", "6", *SMALL).exit_code == 0
    lines = [line.split(" ") for line in classes_file.read_text().splitlines()]
    vectors = load_vectors(vectors_file)
    assert [w for w, _ in lines] == vectors.words
    assert [int(c) for _, c in lines] == word2vec_classes(vectors.vectors, 6).labels.tolist()
    assert {int(c) for _, c in lines} <= set(range(6))


def test_word2vec_without_output_only_builds_the_vocabulary(corpus, tmp_path):
    result = run("word2vec", "-train", corpus, "-save-vocab", tmp_path / "v.txt", "-min-count", "600")
    assert result.exit_code == 0 and result.stdout == ""
    assert "no -output given, so nothing was trained" in result.stderr
    lines = (tmp_path / "v.txt").read_text().splitlines()
    assert lines[0] == "</s> 4000" and all(int(line.split()[1]) >= 600 for line in lines[1:])


def test_word2vec_read_vocab_applies_min_count_like_c(corpus, tmp_path):
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("</s> 4000\nt1_m 9\nt1_f 2\nt2_m 7\n")
    result = run("word2vec", "-train", corpus, "-output", tmp_path / "v.txt", "-read-vocab", vocab,
                 *SMALL[:2], "-min-count", "5", *SMALL[4:])
    assert result.exit_code == 0, result.output
    assert load_vectors(tmp_path / "v.txt").words == ["</s>", "t1_m", "t2_m"]


@pytest.mark.parametrize("args, message", [
    (["-train", "x", "-foo", "1"], "unknown option '-foo' (see 'w2v word2vec --help')"),
    (["-train", "x", "-size"], "option '-size' requires an argument"),
    (["-train", "x", "-size", "big"], "invalid value for '-size' / '--size': 'big' is not a valid integer"),
    (["-train", "x", "-size", "0"], "-size must be between 1 and 10000, got 0"),
    (["-train", "x", "-iter", "0"], "-iter must be between 1 and 10000, got 0"),
    (["-train", "x", "-negative", "0"], "nothing to train: use -negative N (N > 0) or -hs 1"),
    (["-train", "x", "-classes", "-2"], "-classes must be 0 (write vectors) or a number of classes, got -2"),
    (["-output", "x"], "-train FILE is required: the text to train on"),
])
def test_word2vec_flag_errors_are_one_line(args, message):
    result = run("word2vec", *args)
    assert result.exit_code == 2
    assert result.stderr == f"Error: {message}\n"


def test_word2vec_missing_corpus(tmp_path):
    result = run("word2vec", "-train", tmp_path / "none.txt", "-output", tmp_path / "v.txt")
    assert result.exit_code == 1
    assert result.stderr == f"Error: corpus not found: '{tmp_path / 'none.txt'}'\n"
    assert not (tmp_path / "v.txt").exists()


# -- phrases -----------------------------------------------------------------------------------


# "new york times" always together, among words that vary.
PHRASE_TEXT = "".join(f"f{i % 10} new york times f{(3 * i + 1) % 10}\n" for i in range(30))
PHRASE_FLAGS = ["-min-count", "2", "-threshold", "1"]


@pytest.fixture(autouse=False)
def phrases_library():
    pytest.importorskip("w2v.text.phrases")  # helper D's word2phrase library, landing separately


def test_phrases_file_to_file_and_stdin_to_stdout(tmp_path, phrases_library):
    source = tmp_path / "in.txt"
    source.write_text(PHRASE_TEXT)
    result = run("phrases", source, tmp_path / "out.txt", *PHRASE_FLAGS)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    written = (tmp_path / "out.txt").read_text()
    assert written == PHRASE_TEXT.replace("new york", "new_york")
    assert "phrases: 150 words" in result.stderr
    piped = run("phrases", "-", "--min-count", "2", "--threshold", "1", "-q", input=PHRASE_TEXT)
    assert piped.exit_code == 0 and piped.stdout == written and piped.stderr == ""
    # word2phrase's own flags.
    assert run("phrases", "-train", source, "-output", tmp_path / "o2.txt", *PHRASE_FLAGS,
               "-debug", "0").exit_code == 0
    assert (tmp_path / "o2.txt").read_text() == written


def test_phrases_twice_makes_longer_phrases(tmp_path, phrases_library):
    first = run("phrases", "-", *PHRASE_FLAGS, "-q", input=PHRASE_TEXT).stdout
    second = run("phrases", "-", *PHRASE_FLAGS, "-q", input=first).stdout
    assert second == PHRASE_TEXT.replace("new york times", "new_york_times")


@pytest.mark.parametrize("args, message", [
    ([], None),
    (["a.txt", "-train", "b.txt"], "give the input once: as INPUT or with -train, not both"),
    (["a.txt", "b.txt", "-o", "c.txt"], "give the output once: as OUTPUT or with -output, not both"),
    (["-output", "x.txt"], "no input given: w2v phrases INPUT [OUTPUT] (- for stdin)"),
    (["a.txt", "-min-cnt", "3"], "unknown option '-min-cnt' (see 'w2v phrases --help')"),
])
def test_phrases_usage_errors(args, message):
    result = run("phrases", *args)
    if message is None:
        assert result.exit_code == 0 and "Example:" in result.stdout
    else:
        assert result.exit_code == 2
        assert result.stderr == f"Error: {message}\n"


# -- classes -----------------------------------------------------------------------------------


def test_classes_prints_word_tab_class_lines_deterministically(model, tmp_path):
    result = run("classes", "-k", "4", "-m", model, "--seed", "3")
    assert result.exit_code == 0
    lines = [line.split("\t") for line in result.stdout.splitlines()]
    assert [w for w, _ in lines] == [f"w{i}" for i in range(60)]
    assert {int(c) for _, c in lines} == {0, 1, 2, 3}
    assert "60 words in 4 classes (kmeans++)" in result.stderr
    again = run("classes", "-k", "4", "-m", model, "--seed", "3", "-o", tmp_path / "c.tsv")
    assert again.stdout == "" and (tmp_path / "c.tsv").read_text() == result.stdout
    records = [json.loads(line) for line in run("classes", "-k", "4", "-m", model, "--seed", "3", "--json").stdout
               .splitlines()]
    assert [(r["word"], str(r["class"])) for r in records] == [tuple(x) for x in lines]
    limited = run("classes", "-k", "2", "-m", model, "--limit", "10", "--method", "word2vec").stdout.splitlines()
    assert len(limited) == 10


def test_classes_errors(model):
    result = run("classes", "-k", "61", "-m", model)
    assert result.exit_code == 2
    assert result.stderr == "Error: -k must be at most the number of words (60), got 61\n"


def blobs(centres=5, per=40, dim=6, seed=0):
    rng = np.random.default_rng(seed)
    means = rng.standard_normal((centres, dim)) * 5
    points = np.concatenate([m + rng.standard_normal((per, dim)) * 0.1 for m in means]).astype(np.float32)
    return points, np.repeat(np.arange(centres), per)


def test_kmeans_recovers_separated_clusters_and_is_deterministic():
    points, truth = blobs()
    result = kmeans(points, 5, seed=1)
    assert result.converged
    # The same partition, whatever the numbering.
    pairs = set(zip(truth.tolist(), result.labels.tolist()))
    assert len(pairs) == 5 and len({a for a, _ in pairs}) == 5 and len({b for _, b in pairs}) == 5
    again = kmeans(points, 5, seed=1)
    np.testing.assert_array_equal(again.labels, result.labels)
    np.testing.assert_array_equal(again.centroids, result.centroids)
    expected = ((points - result.centroids[result.labels]) ** 2).sum()
    assert result.inertia == pytest.approx(expected, rel=1e-4)


def test_kmeans_edge_cases(monkeypatch):
    points, _ = blobs(centres=3, per=5)
    assert sorted(kmeans(points, len(points), seed=0).labels.tolist()) == list(range(len(points)))
    assert set(kmeans(points, 1).labels.tolist()) == {0}
    same = np.ones((6, 3), np.float32)  # fewer distinct points than k
    assert kmeans(same, 3).labels.shape == (6,)
    with pytest.raises(ParameterError, match=r"^the number of classes must be between 1 and the number of words"
                                             r" \(15\), got 16$"):
        kmeans(points, 16)
    whole = kmeans(points, 3, seed=2).labels
    monkeypatch.setattr("w2v.vectors.clusters.BLOCK", 4)  # blocks of rows give the same answer
    np.testing.assert_array_equal(kmeans(points, 3, seed=2).labels, whole)


def naive_word2vec_classes(syn0, k, iterations=10):
    """word2vec.c's -classes loop, transcribed line by line."""
    n, d = syn0.shape
    cl = [a % k for a in range(n)]
    for _ in range(iterations):
        cent = np.zeros((k, d))
        centcn = np.ones(k)
        for c in range(n):
            cent[cl[c]] += syn0[c]
            centcn[cl[c]] += 1
        for b in range(k):
            cent[b] /= centcn[b]
            closev = np.sqrt((cent[b] ** 2).sum())
            cent[b] = cent[b] / closev if closev > 0 else np.nan
        for c in range(n):
            closev, closeid = -10, 0
            for j in range(k):
                x = float(cent[j] @ syn0[c])
                if x > closev:
                    closev, closeid = x, j
            cl[c] = closeid
    return cl


def test_word2vec_classes_matches_the_c_loop():
    points, _ = blobs(centres=4, per=12, dim=5, seed=2)
    rng = np.random.default_rng(5)
    points = points[rng.permutation(len(points))]
    for k in (1, 3, 7):
        assert word2vec_classes(points, k).labels.tolist() == naive_word2vec_classes(points, k)
    more_classes_than_words = word2vec_classes(points[:3], 5).labels.tolist()
    assert more_classes_than_words == naive_word2vec_classes(points[:3], 5)


def test_unit_rows():
    rows = unit_rows(np.array([[3, 4], [0, 0]], np.float32))
    np.testing.assert_allclose(rows, [[0.6, 0.8], [0, 0]])


# -- convert -----------------------------------------------------------------------------------


def test_convert_native_text_binary_native_round_trip(model, tmp_path):
    original = load_vectors(model)
    assert run("convert", model, tmp_path / "a.txt").exit_code == 0
    assert run("convert", tmp_path / "a.txt", tmp_path / "b.bin").exit_code == 0
    result = run("convert", tmp_path / "b.bin", tmp_path / "c.w2v")
    assert result.exit_code == 0 and result.stdout == ""
    assert result.stderr == f"wrote 60 vectors x 8 dimensions to {tmp_path / 'c.w2v'} (native)\n"
    text, binary, native = (load_vectors(tmp_path / name) for name in ("a.txt", "b.bin", "c.w2v"))
    assert text.words == binary.words == native.words == original.words
    np.testing.assert_allclose(text.vectors, original.vectors, rtol=5e-6, atol=1e-7)  # printed precision
    np.testing.assert_array_equal(binary.vectors, text.vectors)  # float32-exact from here on
    np.testing.assert_array_equal(native.vectors, binary.vectors)


def test_convert_formats_limit_and_stdin(model, tmp_path):
    assert run("convert", model, tmp_path / "v.vec", "--limit", "5").exit_code == 0
    assert (tmp_path / "v.vec").read_text().splitlines()[0] == "5 8"
    assert run("convert", model, tmp_path / "v.glove").exit_code == 0
    glove = (tmp_path / "v.glove").read_text().splitlines()
    assert len(glove) == 60 and glove[0].startswith("w0 ")
    assert run("convert", model, tmp_path / "odd.name", "--to", "binary").exit_code == 0
    assert (tmp_path / "odd.name").read_bytes().startswith(b"60 8\nw0 ")
    # Counts survive native -> native.
    assert run("convert", model, tmp_path / "top.w2v", "--limit", "7").exit_code == 0
    assert load_vectors(tmp_path / "top.w2v").counts.tolist() == list(range(600, 530, -10))
    # stdin in (any format), stdout out (with --to)
    out = run("convert", "-", "-", "--to", "text", input=(tmp_path / "v.glove").read_text())
    assert out.exit_code == 0
    assert out.stdout.splitlines()[0] == "60 8" and out.stdout.splitlines()[1:] == glove


@pytest.mark.parametrize("args, message, code", [
    (["{model}", "{tmp}/x.dat"], "cannot tell the output format from '{tmp}/x.dat': give --to native, text, binary "
                                 "or glove (or name it .w2v, .txt, .vec, .bin or .glove)", 2),
    (["{model}", "-"], "cannot tell the output format from '-': give --to native, text, binary or glove (or name "
                       "it .w2v, .txt, .vec, .bin or .glove)", 2),
    (["{model}", "-", "--to", "native"], "a native model cannot be written to standard output; give a file name "
                                         "or another format", 2),
    (["{tmp}/none.bin", "{tmp}/x.txt"], "vectors file not found: '{tmp}/none.bin'", 1),
])
def test_convert_errors(model, tmp_path, args, message, code):
    result = run("convert", *[a.format(model=model, tmp=tmp_path) for a in args])
    assert result.exit_code == code
    assert result.stderr == f"Error: {message.format(tmp=tmp_path)}\n"


# -- pipelines ---------------------------------------------------------------------------------


def test_vectors_prints_word_and_values(model):
    v = load_vectors(model)
    result = run("vectors", "w3", "w1", "-m", model)
    lines = result.stdout.splitlines()
    assert [line.split(" ")[0] for line in lines] == ["w3", "w1"]
    np.testing.assert_allclose([[float(x) for x in line.split(" ")[1:]] for line in lines],
                               v.vectors[[3, 1]], rtol=5e-6)
    piped = run("vectors", "-", "-m", model, input="w3\n\nw1 w2\n")
    assert piped.stdout.splitlines() == lines + [run("vectors", "w2", "-m", model).stdout.strip()]
    records = [json.loads(line) for line in run("vectors", "w5", "-m", model, "--json").stdout.splitlines()]
    assert records[0]["word"] == "w5"
    np.testing.assert_array_equal(np.array(records[0]["vector"], dtype=np.float32), v.vectors[5])  # exact


def test_vectors_output_loads_back_as_glove(model, tmp_path):
    out = tmp_path / "some.glove"
    out.write_text(run("vectors", "w0", "w9", "-m", model).stdout)
    assert load_vectors(out).words == ["w0", "w9"]


def test_vectors_unknown_word_fails_that_word_only(model):
    result = run("vectors", "w1", "nosuch", "w2", "-m", model)
    assert result.exit_code == 1
    assert [line.split(" ")[0] for line in result.stdout.splitlines()] == ["w1", "w2"]
    assert result.stderr.startswith("Error: word not in vocabulary: 'nosuch'")


def test_odd_one_out(model):
    v = load_vectors(model)
    group = ["w1", "w2", "w3", "w4"]
    expected = v.odd_one_out(group)
    result = run("odd-one-out", *group, "-m", model)
    assert result.exit_code == 0 and result.stdout == expected[0][0] + "\n"
    record = json.loads(run("odd-one-out", *group, "-m", model, "--json").stdout)
    assert record["odd_one_out"] == expected[0][0] and record["words"] == group
    assert [(s["word"], s["score"]) for s in record["scores"]] == [(w, round(s, 6)) for w, s in expected]
    piped = run("odd-one-out", "-", "-m", model, input="w1 w2 w3 w4\nw1 nosuch w2\n")
    assert piped.exit_code == 1
    assert piped.stdout == f"w1 w2 w3 w4\t{expected[0][0]}\n"
    assert "Error: word not in vocabulary: 'nosuch'" in piped.stderr
    too_few = run("odd-one-out", "w1", "-m", model)
    assert too_few.exit_code == 2 and too_few.stderr == "Error: odd one out needs at least 2 words, got 1\n"


def test_projector_writes_tensorboard_files(model, tmp_path):
    directory = tmp_path / "proj" / "nested"
    result = run("projector", "-m", model, "-o", directory, "-n", "12")
    assert result.exit_code == 0 and result.stdout == ""
    vectors = (directory / "vectors.tsv").read_text().splitlines()
    metadata = (directory / "metadata.tsv").read_text().splitlines()
    assert len(vectors) == 12 and all(len(line.split("\t")) == 8 for line in vectors)
    np.testing.assert_allclose([float(x) for x in vectors[2].split("\t")], load_vectors(model).vectors[2], rtol=5e-6)
    assert metadata[0] == "word\tcount" and metadata[1:3] == ["w0\t600", "w1\t590"] and len(metadata) == 13
    config = (directory / "projector_config.pbtxt").read_text()
    assert 'tensor_path: "vectors.tsv"' in config and 'metadata_path: "metadata.tsv"' in config
    # Without counts (a word2vec text file): one column, no header.
    run("convert", model, tmp_path / "v.txt")
    run("projector", "-m", tmp_path / "v.txt", "-o", tmp_path / "p2", "-n", "3")
    assert (tmp_path / "p2" / "metadata.tsv").read_text() == "w0\nw1\nw2\n"


def test_projector_cannot_create_its_directory(model, tmp_path):
    (tmp_path / "file").write_text("")
    result = run("projector", "-m", model, "-o", tmp_path / "file" / "sub")
    assert result.exit_code == 1
    assert result.stderr == f"Error: cannot create directory: '{tmp_path / 'file' / 'sub'}' (not a directory)\n"


def test_every_suite_command_keeps_stdout_for_results(model, tmp_path):
    for args in (["classes", "-k", "2", "-m", model, "-o", tmp_path / "c"], ["convert", model, tmp_path / "x.txt"],
                 ["projector", "-m", model, "-o", tmp_path / "p"]):
        result = run(*args)
        assert result.exit_code == 0 and result.stdout == "", args
    assert os.path.exists(tmp_path / "c")
