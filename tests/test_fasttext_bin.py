"""fastText .bin files: read gensim's, write ours for gensim, round trips, and every broken file as one error."""

import struct

import numpy as np
import pytest
from click.testing import CliRunner

from w2v.cli import cli
from w2v.errors import ModelError
from w2v.subwords import SubwordSpec, SubwordTable, ngram_buckets
from w2v.subwords import fasttext as ft
from w2v.vectors.formats import load_vectors, save_fasttext_bin

gensim_models = pytest.importorskip("gensim.models")
from gensim.models.fasttext import load_facebook_model, save_facebook_model  # noqa: E402

SENTENCES = [s.split() for s in [
    "영화 가 정말 재밌다 영화관 에서 봤다", "영화를 봤는데 재밌다 ㅋㅋ", "the movie was great and the film was good",
    "배우 연기 가 좋았다 영화 최고", "a film about movies and the actors", "재밌는 영화 였다 배우 가 좋다",
] * 20]
OOV = ["영화관에서", "재밌었다", "movies!", "filming", "배우들"]


@pytest.fixture(scope="module")
def gensim_bin(tmp_path_factory):
    model = gensim_models.FastText(vector_size=12, window=3, min_count=1, min_n=1, max_n=4, bucket=3000, epochs=3,
                                   workers=1, seed=3, sg=1)
    model.build_vocab(SENTENCES)
    model.train(SENTENCES, total_examples=len(SENTENCES), epochs=3)
    path = tmp_path_factory.mktemp("gensim") / "gensim.bin"
    save_facebook_model(model, str(path))
    return model, path


def close(a, b):
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_a_gensim_bin_loads_with_the_same_vocabulary_and_oov_vectors(gensim_bin):
    model, path = gensim_bin
    vectors = load_vectors(path)
    assert list(vectors.words) == list(model.wv.index_to_key)
    close(vectors.vectors, np.stack([model.wv[w] for w in vectors.words]))
    assert vectors.subwords.vectors.shape == (3000, 12)
    for word in OOV:
        assert word not in vectors
        close(vectors.subwords.compose(word), model.wv[word])


def test_limit_keeps_the_most_frequent_words_and_all_ngrams(gensim_bin):
    model, path = gensim_bin
    vectors = load_vectors(path, limit=5)
    assert list(vectors.words) == list(model.wv.index_to_key[:5])
    close(vectors.vectors, np.stack([model.wv[w] for w in vectors.words]))
    close(vectors.subwords.compose(OOV[0]), model.wv[OOV[0]])


def subword_model(words, spec, dim=8, seed=0):
    """A subword model as w2v keeps one: compact n-gram rows, and each word's composed vector."""
    rng = np.random.default_rng(seed)
    per_word = [ngram_buckets(w, spec) for w in words]
    buckets = np.unique(np.concatenate(per_word)).astype(np.int64)
    table = SubwordTable(spec, rng.normal(size=(buckets.shape[0], dim)).astype(np.float32), buckets)
    own = rng.normal(size=(len(words), dim)).astype(np.float32)
    composed = np.stack([(own[i] + table.vectors[np.searchsorted(buckets, b)].sum(axis=0)) / (1 + len(b))
                         for i, b in enumerate(per_word)]).astype(np.float32)
    counts = np.arange(len(words), 0, -1) * 10
    return composed, table, counts


WORDS = ["영화", "재밌다", "영화관", "배우", "the", "movie", "films", "ㅋㅋ", "좋았다", "연기"]
SPEC = SubwordSpec(minn=1, maxn=4, bucket=5000)


@pytest.fixture
def written(tmp_path):
    composed, table, counts = subword_model(WORDS, SPEC)
    output = np.random.default_rng(1).normal(size=composed.shape).astype(np.float32)
    path = tmp_path / "w2v.bin"
    params = {"dim": 8, "window": 4, "epochs": 7, "min_count": 2, "negative": 6, "cbow": False, "sample": 1e-3}
    save_fasttext_bin(path, WORDS, composed, table, counts, output=output, params=params, ntokens=12345)
    return path, composed, table, counts, output


def oov_scale(table, word):
    """fastText averages over all of a word's n-grams (unused buckets are zero rows), w2v over the known ones."""
    known, total = table.rows(word).shape[0], len(ngram_buckets(word, table.spec))
    return known / total


def test_our_bin_loads_in_gensim_with_the_same_vectors(written):
    path, composed, table, counts, output = written
    model = load_facebook_model(str(path))
    assert list(model.wv.index_to_key) == WORDS
    close(np.stack([model.wv[w] for w in WORDS]), composed)
    assert (model.wv.min_n, model.wv.max_n, model.wv.bucket) == (1, 4, 5000)
    assert (model.window, model.epochs, model.negative, model.sg, model.vector_size) == (4, 7, 6, 1, 8)
    assert [model.wv.get_vecattr(w, "count") for w in WORDS] == list(counts)
    close(model.syn1neg, output)
    for word in OOV:
        close(model.wv[word], table.compose(word) * oov_scale(table, word))


def test_our_bin_reads_back_with_the_same_vectors(written):
    path, composed, table, counts, _ = written
    vectors = load_vectors(path)
    assert list(vectors.words) == WORDS
    close(vectors.vectors, composed)
    assert list(vectors.counts) == list(counts)
    for word in OOV:
        close(vectors.subwords.compose(word), table.compose(word) * oov_scale(table, word))


def test_the_header_holds_the_training_settings(written):
    path = written[0]
    data = path.read_bytes()
    assert struct.unpack_from("<2i", data) == (ft.MAGIC, ft.VERSION)
    args = dict(zip(ft.ARG_NAMES, struct.unpack_from("<12i", data, 8)))
    assert args == {"dim": 8, "ws": 4, "epoch": 7, "minCount": 2, "neg": 6, "wordNgrams": 1, "loss": 2, "model": 2,
                    "bucket": 5000, "minn": 1, "maxn": 4, "lrUpdateRate": 100}
    assert struct.unpack_from("<d", data, 56)[0] == 1e-3


def test_unused_buckets_are_zero(written):
    path, _, table, _, _ = written
    dense = load_vectors(path).subwords.vectors
    unused = np.setdiff1d(np.arange(SPEC.bucket), table.buckets)
    assert not dense[unused].any()
    close(dense[table.buckets], table.vectors)


def test_a_jamo_model_is_refused_before_anything_is_written(tmp_path):
    spec = SubwordSpec(minn=1, maxn=4, bucket=5000)
    composed, table, counts = subword_model(WORDS, spec)
    table.spec = type("JamoSpec", (), {"jamo": True, "minn": 1, "maxn": 4, "bucket": 5000})()
    with pytest.raises(ModelError, match="jamo n-grams cannot be written as a fastText .bin"):
        save_fasttext_bin(tmp_path / "j.bin", WORDS, composed, table, counts)
    assert not list(tmp_path.iterdir())


def test_the_format_from_before_the_magic_reads_the_same(written, tmp_path):
    path, composed, _, _, _ = written
    data = path.read_bytes()
    # drop the magic and version, the dictionary's pruneidx_size, and the two "quantized" bools
    args_end, dict_end = 8 + 56, 8 + 56 + 20
    entries_end = data.index(b"\0", dict_end + 8)
    for word in WORDS[1:]:
        entries_end = data.index(b"\0", entries_end + 10)
    entries_end += 10
    matrix_bytes = 16 + 4 * (len(WORDS) + SPEC.bucket) * 8
    old = (data[8:args_end] + data[args_end:dict_end] + data[dict_end + 8:entries_end]
           + data[entries_end + 1:entries_end + 1 + matrix_bytes] + data[entries_end + 2 + matrix_bytes:])
    (tmp_path / "old.bin").write_bytes(old)
    close(load_vectors(tmp_path / "old.bin").vectors, composed)


def one_line_error(path):
    with pytest.raises(ModelError) as info:
        load_vectors(path)
    message = str(info.value)
    assert "\n" not in message and repr(str(path)) in message
    return message


@pytest.mark.parametrize("keep", [10, 70, 100, 200, 5000, -100, -1])
def test_a_truncated_bin_is_one_error_line(written, tmp_path, keep):
    data = written[0].read_bytes()
    broken = tmp_path / "cut.bin"
    broken.write_bytes(data[:keep])
    assert "truncated" in one_line_error(broken)


def test_trailing_bytes_are_an_error(written, tmp_path):
    broken = tmp_path / "long.bin"
    broken.write_bytes(written[0].read_bytes() + b"\0" * 4)
    assert "bytes after its output matrix" in one_line_error(broken)


def patched(written, tmp_path, offset, fmt, value):
    data = bytearray(written[0].read_bytes())
    struct.pack_into(fmt, data, offset, value)
    path = tmp_path / "patched.bin"
    path.write_bytes(bytes(data))
    return path


def test_a_newer_format_version_is_refused(written, tmp_path):
    assert "unsupported fastText format version 13" in one_line_error(patched(written, tmp_path, 4, "<i", 13))


def test_a_supervised_model_is_refused(written, tmp_path):
    assert "supervised model" in one_line_error(patched(written, tmp_path, 8 + 28, "<i", 3))


def test_a_quantized_model_is_refused(written, tmp_path):
    input_bytes, output_bytes = 16 + 4 * 8 * (len(WORDS) + SPEC.bucket), 16 + 4 * 8 * len(WORDS)
    quant_input = len(written[0].read_bytes()) - output_bytes - 1 - input_bytes - 1
    assert "quantized fastText models (.ftz)" in one_line_error(patched(written, tmp_path, quant_input, "<?", True))
    pruned = patched(written, tmp_path, 8 + 56 + 20, "<q", 0)  # pruneidx_size 0: a pruned, quantized dictionary
    assert "quantized fastText models (.ftz)" in one_line_error(pruned)


def test_a_corrupt_header_is_one_error_line(written, tmp_path):
    assert "corrupt" in one_line_error(patched(written, tmp_path, 8, "<i", -5))


def test_nan_in_the_matrix_is_one_error_line(written, tmp_path):
    data = written[0].read_bytes()
    matrix = data.index(struct.pack("<2q", len(WORDS) + SPEC.bucket, 8)) + 16
    path = patched(written, tmp_path, matrix, "<f", float("nan"))
    assert "NaN or infinity" in one_line_error(path)


def test_cli_queries_a_bin(gensim_bin):
    model, path = gensim_bin
    result = CliRunner().invoke(cli, ["nearest", "영화", "-m", str(path), "-k", "3"])
    assert result.exit_code == 0, result.output
    expected = [w for w, _ in model.wv.most_similar("영화", topn=3)]
    assert [line.split("\t")[0] for line in result.output.splitlines()] == expected


def test_cli_composes_an_unseen_word_from_a_bin_as_gensim_does(gensim_bin):
    model, path = gensim_bin
    result = CliRunner().invoke(cli, ["nearest", "영화관에서", "-m", str(path), "-k", "3"])
    assert result.exit_code == 0, result.output
    assert [line.split("\t")[0] for line in result.stdout.splitlines()] == \
        [w for w, _ in model.wv.most_similar("영화관에서", topn=3)]
    assert result.stderr.startswith("note: '영화관에서' is not in the vocabulary; its vector is composed from")


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("trained")
    corpus = folder / "corpus.txt"
    corpus.write_text("\n".join(" ".join(s) for s in SENTENCES) + "\n", encoding="utf-8")
    model = folder / "sub.w2v"
    result = run("train", corpus, "-o", model, "--subwords", "--minn", 1, "--maxn", 3, "--bucket", 5000,
                 "--skipgram", "--dim", 16, "--min-count", 1, "--sample", 0, "--epochs", 2, "--threads", 1, "-q")
    assert result.exit_code == 0, result.output
    return folder, corpus, model


def test_export_fasttext_bin_loads_in_gensim_with_the_models_vectors(trained):
    from w2v.vectors.formats import load_model

    folder, _, model_path = trained
    out = folder / "sub.bin"
    result = run("export", "--fasttext-bin", "-m", model_path, "-o", out)
    assert result.exit_code == 0, result.output
    ours = load_vectors(model_path)
    theirs = load_facebook_model(str(out))
    assert list(theirs.wv.index_to_key) == list(ours.words)
    close(np.stack([theirs.wv[w] for w in ours.words]), ours.vectors)
    close(theirs.syn1neg, load_model(model_path).output_ns)
    assert (theirs.wv.min_n, theirs.wv.max_n, theirs.wv.bucket, theirs.sg, theirs.epochs) == (1, 3, 5000, 1, 2)
    for word in OOV:
        close(theirs.wv[word], ours.vector(word) * oov_scale(ours.subwords, word))


def test_queries_on_the_exported_bin_answer_as_on_the_model(trained):
    folder, _, model_path = trained
    out = folder / "same.bin"
    assert run("export", "--fasttext-bin", "-m", model_path, "-o", out).exit_code == 0
    for word in ["영화", "영화관에서", "filming"]:
        on_model = run("nearest", word, "-m", model_path, "-k", 4).stdout
        on_bin = run("nearest", word, "-m", out, "-k", 4).stdout
        assert [line.split("\t")[0] for line in on_bin.splitlines()] == \
            [line.split("\t")[0] for line in on_model.splitlines()]
        close(np.array([float(line.split("\t")[1]) for line in on_bin.splitlines()]),
              np.array([float(line.split("\t")[1]) for line in on_model.splitlines()]))


def test_export_fasttext_bin_refuses_jamo_and_whole_token_models(trained):
    folder, corpus, _ = trained
    jamo = folder / "jamo.w2v"
    assert run("train", corpus, "-o", jamo, "--subwords", "--jamo", "--dim", 8, "--min-count", 1, "--epochs", 1,
               "--threads", 1, "-q").exit_code == 0
    result = run("export", "--fasttext-bin", "-m", jamo, "-o", folder / "jamo.bin")
    assert result.exit_code == 1
    assert result.output.startswith("Error: a model with jamo n-grams cannot be written as a fastText .bin")
    assert not (folder / "jamo.bin").exists()
    whole = folder / "whole.w2v"
    assert run("train", corpus, "-o", whole, "--dim", 8, "--min-count", 1, "--epochs", 1, "-q").exit_code == 0
    result = run("export", "--fasttext-bin", "-m", whole, "-o", folder / "whole.bin")
    assert result.output == f"Error: --fasttext-bin needs a subword model (trained with --subwords): {str(whole)!r}\n"
    assert run("export", "--fasttext-bin", "-m", jamo, "-o", "-").exit_code == 2


def test_convert_a_bin_to_a_small_native_subword_model(gensim_bin, tmp_path):
    from w2v.vectors.formats import load_model

    model, path = gensim_bin
    out = tmp_path / "ft.w2v"
    result = run("convert", path, out)
    assert result.exit_code == 0, result.output
    native, dense = load_vectors(out), load_vectors(path)
    assert list(native.words) == list(dense.words)
    close(native.vectors, dense.vectors)
    table = load_model(out).subwords
    assert table.buckets is not None and 0 < table.buckets.shape[0] < 3000  # only the buckets words use
    close(table.vectors, dense.subwords.vectors[table.buckets])
    for word in OOV:  # composition averages the rows training touched (fastText's also its untrained ones)
        used = [b for b in ngram_buckets(word, table.spec) if b in set(table.buckets.tolist())]
        close(native.vector(word), dense.subwords.vectors[used].mean(axis=0))
    assert out.stat().st_size < path.stat().st_size / 2
