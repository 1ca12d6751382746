import json
import os
import struct

import numpy as np
import pytest

from w2v.errors import ModelError, ParameterError
from w2v.vectors import formats
from w2v.vectors.formats import (MAGIC, format_for_path, load_model, load_vectors, save_model, save_vectors,
                         save_word2vec, write_lines)
from w2v.vectors.query import Vectors

WORDS = ["the", "한국어", "ação", "coração", "naïve", "king", "queen", "</s>"]


def sample(n=len(WORDS), dim=5, seed=0):
    rng = np.random.default_rng(seed)
    words = WORDS[:n] if n <= len(WORDS) else WORDS + [f"w{i}" for i in range(n - len(WORDS))]
    vectors = rng.standard_normal((n, dim)).astype(np.float32)
    counts = np.arange(n, 0, -1, dtype=np.int64) * 10
    return words, vectors, counts


@pytest.fixture
def model_file(tmp_path):
    words, vectors, counts = sample()
    path = tmp_path / "m.w2v"
    save_model(path, words, vectors, counts, params={"dim": 5, "sg": 1}, corpus={"words": 99})
    return str(path)


# -- native model -------------------------------------------------------------------


def test_native_round_trip(tmp_path):
    words, vectors, counts = sample()
    rng = np.random.default_rng(1)
    out_ns = rng.standard_normal(vectors.shape).astype(np.float32)
    out_hs = rng.standard_normal((len(words) - 1, 5)).astype(np.float32)
    path = tmp_path / "m.w2v"
    save_model(path, words, vectors, counts, output_ns=out_ns, output_hs=out_hs,
               params={"dim": 5, "alpha": np.float32(0.025), "negative": np.int64(5)},
               corpus={"path": "text8", "words": 17})
    model = load_model(path)
    assert model.words == words
    np.testing.assert_array_equal(model.vectors, vectors)
    np.testing.assert_array_equal(model.counts, counts)
    np.testing.assert_allclose(model.norms, np.linalg.norm(vectors, axis=1), rtol=1e-6)
    np.testing.assert_array_equal(model.output_ns, out_ns)
    np.testing.assert_array_equal(model.output_hs, out_hs)
    assert model.params == {"dim": 5, "alpha": pytest.approx(0.025), "negative": 5}
    assert model.corpus == {"path": "text8", "words": 17}
    assert (model.vocab_size, model.dim) == (len(words), 5)
    assert isinstance(model.vectors, np.memmap) and not model.vectors.flags.writeable
    header = model.header
    assert header["format_version"] == 1 and header["vocab_size"] == 8 and header["dim"] == 5
    assert {"w2v_version", "params", "corpus"} <= set(header)
    assert "created" not in header  # identical training writes identical bytes
    for name, section in header["sections"].items():
        assert section["offset"] % 64 == 0, name
    assert set(header["sections"]) == {"words", "counts", "norms", "vectors", "output_ns",
                                       "output_hs"}
    with open(path, "rb") as f:
        assert f.read(8) == MAGIC
        assert struct.unpack("<II", f.read(8))[0] == 1


def test_native_optional_sections_absent(tmp_path):
    words, vectors, _ = sample()
    save_model(tmp_path / "m.w2v", words, vectors, None)
    model = load_model(tmp_path / "m.w2v")
    assert model.counts is None and model.output_ns is None and model.output_hs is None
    assert model.params == {} and model.corpus == {}


def test_load_vectors_from_native_model(model_file):
    words, vectors, counts = sample()
    v = load_vectors(model_file)
    assert isinstance(v, Vectors)
    assert v.words == words and v.index("coração") == 3
    np.testing.assert_array_equal(v.vectors, vectors)
    np.testing.assert_array_equal(v.counts, counts)
    limited = load_vectors(model_file, limit=3)
    assert limited.words == words[:3] and len(limited) == 3 and len(limited.counts) == 3
    assert limited.nearest(["the"], k=5)[0][0] in words[1:3]
    assert len(load_vectors(model_file, limit=100)) == len(words)


def test_save_model_rejects_bad_words(tmp_path):
    _, vectors, counts = sample(n=2)
    with pytest.raises(ValueError, match="newline"):
        save_model(tmp_path / "m.w2v", ["a\nb", "c"], vectors, counts)
    with pytest.raises(ValueError, match="empty"):
        save_model(tmp_path / "m.w2v", ["", "c"], vectors, counts)
    with pytest.raises(ValueError):
        save_model(tmp_path / "m.w2v", ["a", "b", "c"], vectors, counts)
    assert os.listdir(tmp_path) == []


def test_truncated_native_file(tmp_path, model_file):
    data = open(model_file, "rb").read()
    header_end = 16 + struct.unpack("<I", data[12:16])[0]
    for cut in [0, 3, 8, 12, 15, 16, 40, header_end - 1, header_end, header_end + 10,
                len(data) // 2, len(data) - 1]:
        path = tmp_path / f"cut{cut}.w2v"
        path.write_bytes(data[:cut])
        with pytest.raises(ModelError) as info:
            load_model(path)
        assert str(info.value) == f"model file is truncated: {str(path)!r}", cut


def test_corrupt_native_files(tmp_path, model_file):
    data = open(model_file, "rb").read()
    header_length = struct.unpack("<I", data[12:16])[0]
    header = json.loads(data[16:16 + header_length])

    def write(name, content):
        path = tmp_path / name
        path.write_bytes(content)
        return str(path)

    def patched(change):
        h = json.loads(json.dumps(header))
        change(h)
        text = json.dumps(h).encode().ljust(header_length)
        assert len(text) == header_length
        return data[:16] + text + data[16 + header_length:]

    p = write("magic.w2v", b"W2VMODEX" + data[8:])
    with pytest.raises(ModelError, match=f"^not a w2v model file: {p!r}$"):
        load_model(p)
    p = write("version.w2v", data[:8] + struct.pack("<I", 2) + data[12:])
    with pytest.raises(ModelError, match=f"^unsupported model format version 2: {p!r}$"):
        load_model(p)
    p = write("json.w2v", data[:16] + b"{not json" + data[25:])
    with pytest.raises(ModelError) as info:
        load_model(p)
    assert str(info.value) == f"model header is corrupt: {p!r}"
    p = write("utf8.w2v", data[:16] + b"\xff" + data[17:])
    with pytest.raises(ModelError, match="^model header is corrupt: "):
        load_model(p)
    p = write("list.w2v", data[:16] + b"[]".ljust(header_length) + data[16 + header_length:])
    with pytest.raises(ModelError, match="^model header is corrupt: "):
        load_model(p)
    p = write("dim.w2v", patched(lambda h: h.update(dim=0)))
    with pytest.raises(ModelError) as info:
        load_model(p)
    assert str(info.value) == f"model file is corrupt (dim 0): {p!r}"
    p = write("shape.w2v", patched(lambda h: h["sections"]["vectors"].update(shape=[8, 4])))
    with pytest.raises(ModelError) as info:
        load_model(p)
    assert str(info.value) == f"model file is corrupt (section 'vectors' is <f4 [8, 4]): {p!r}"
    p = write("nbytes.w2v", patched(lambda h: h["sections"]["norms"].update(nbytes=4)))
    with pytest.raises(ModelError) as info:
        load_model(p)
    assert str(info.value) == f"model file is corrupt (section 'norms' has 4 bytes): {p!r}"
    p = write("missing.w2v", patched(lambda h: h["sections"].pop("vectors")))
    with pytest.raises(ModelError) as info:
        load_model(p)
    assert str(info.value) == f"model file is corrupt (no vectors section): {p!r}"
    p = write("offset.w2v", patched(lambda h: h["sections"]["vectors"].update(offset="x")))
    with pytest.raises(ModelError, match="^model header is corrupt: "):
        load_model(p)
    words_at = header["sections"]["words"]["offset"]
    newline = data.index(b"\n", words_at)
    p = write("words.w2v", data[:newline] + b"_" + data[newline + 1:])
    with pytest.raises(ModelError) as info:
        load_model(p)
    assert str(info.value) == f"model file is corrupt (7 words for vocab_size 8): {p!r}"


def test_missing_files(tmp_path):
    p = str(tmp_path / "nope.w2v")
    with pytest.raises(ModelError, match=f"^model not found: {p!r}$"):
        load_model(p)
    with pytest.raises(ModelError, match=f"^vectors file not found: {p!r}$"):
        load_vectors(p)
    with pytest.raises(ModelError, match=r"^cannot read vectors file: .* \(is a directory\)$"):
        load_vectors(tmp_path)


# -- word2vec text and binary --------------------------------------------------------


def test_text_round_trip(tmp_path):
    words, vectors, _ = sample(n=300, dim=7)
    path = tmp_path / "v.txt"
    save_word2vec(path, words, vectors)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "300 7"
    assert lines[2].split()[0] == "한국어" and len(lines[2].split()) == 8
    assert lines[1] == "the " + " ".join("%.6g" % x for x in vectors[0])
    v = load_vectors(path)
    assert v.words == words
    np.testing.assert_allclose(v.vectors, vectors, rtol=5e-6, atol=1e-7)
    assert v.counts is None


def test_binary_round_trip_is_exact(tmp_path):
    words, vectors, _ = sample(n=300, dim=7)
    path = tmp_path / "v.bin"
    save_word2vec(path, words, vectors, binary=True)
    data = path.read_bytes()
    assert data.startswith(b"300 7\nthe " + vectors[0].astype("<f4").tobytes() + b"\n")
    v = load_vectors(path)
    assert v.words == words
    np.testing.assert_array_equal(v.vectors, vectors)


@pytest.mark.parametrize("binary", [False, True])
def test_limit(tmp_path, binary):
    words, vectors, _ = sample(n=50, dim=4)
    path = tmp_path / "v"
    save_word2vec(path, words, vectors, binary=binary)
    v = load_vectors(path, limit=10)
    assert v.words == words[:10]
    np.testing.assert_allclose(v.vectors, vectors[:10], rtol=5e-6, atol=1e-7)
    assert len(load_vectors(path, limit=500)) == 50
    with pytest.raises(ParameterError, match="^limit must be a positive number of vectors, got 0$"):
        load_vectors(path, limit=0)


def test_large_text_file_in_several_blocks(tmp_path, monkeypatch):
    monkeypatch.setattr(formats, "_BLOCK", 4096)
    words, vectors, _ = sample(n=2000, dim=10)
    path = tmp_path / "v.txt"
    save_word2vec(path, words, vectors)
    v = load_vectors(path)
    assert v.words == words
    np.testing.assert_allclose(v.vectors, vectors, rtol=5e-6, atol=1e-7)
    path = tmp_path / "v.bin"
    save_word2vec(path, words, vectors, binary=True)
    v = load_vectors(path)
    assert v.words == words
    np.testing.assert_array_equal(v.vectors, vectors)


def test_glove_and_fasttext_style_text(tmp_path):
    path = tmp_path / "glove.txt"
    path.write_text("the 0.1 0.2 0.3\nof -1 2e-3 4\n\nça 1 2 3\n", encoding="utf-8")
    v = load_vectors(path)
    assert v.words == ["the", "of", "ça"]
    np.testing.assert_allclose(v.vectors, [[0.1, 0.2, 0.3], [-1, 2e-3, 4], [1, 2, 3]])
    assert load_vectors(path, limit=2).words == ["the", "of"]
    path.write_bytes(b"\xef\xbb\xbfthe 0.1 0.2\n")  # a UTF-8 byte order mark is skipped
    assert load_vectors(path).words == ["the"]
    path.write_bytes(b"\xef\xbb\xbf1 2\nthe 0.1 0.2\n")
    assert load_vectors(path).words == ["the"]
    # fastText .vec / word2vec.c text: trailing spaces, CRLF line endings
    path = tmp_path / "ft.vec"
    path.write_bytes(b"2 3\r\nthe 0.1 0.2 0.3 \r\nzebra 1 2 3 \r\n")
    v = load_vectors(path)
    assert v.words == ["the", "zebra"]
    np.testing.assert_allclose(v.vectors, [[0.1, 0.2, 0.3], [1, 2, 3]])


def test_binary_variants(tmp_path):
    a = np.array([1.5, -2, 0.25], dtype="<f4").tobytes()
    b = np.array([0, 0, 0], dtype="<f4").tobytes()
    # gensim-style (no newline after each vector), with an invalid UTF-8 word
    path = tmp_path / "v.bin"
    path.write_bytes(b"2 3\ncaf\xe9 " + a + "한국 ".encode() + b)
    v = load_vectors(path)
    assert v.words == ["caf\ufffd", "한국"]
    np.testing.assert_array_equal(v.vectors, [[1.5, -2, 0.25], [0, 0, 0]])
    # a vector whose first byte is a newline does not make the file look like text
    c = np.array([np.frombuffer(b"\n\x00\x80\x3f", "<f4")[0], 1, 2], dtype="<f4").tobytes()
    path.write_bytes(b"1 3\nx " + c + b"\n")
    np.testing.assert_array_equal(load_vectors(path).vectors[0], np.frombuffer(c, "<f4"))


def test_text_file_errors(tmp_path):
    def check(content, message):
        path = tmp_path / "bad.txt"
        path.write_bytes(content)
        with pytest.raises(ModelError) as info:
            load_vectors(path)
        assert str(info.value) == message.format(p=repr(str(path)))

    check(b"2 3\na 1 2 3\nb 1 2\n", "line 3 has 2 values, expected 3: {p}")
    check(b"2 3\na 1 2 3 4\nb 1 2 3\n", "line 2 has 4 values, expected 3: {p}")
    check(b"a 1 2 3\nb 1 2 3\nc 1\n", "line 3 has 1 values, expected 3: {p}")
    check(b"2 3\na 1 2 3\nb 1 x 3\n", "line 3 has a value that is not a number: {p}")
    check(b"3 3\na 1 2 3\nb 1 2 3\n",
          "vectors file ends early: header says 3 vectors, found 2: {p}")
    check(b"2 3\n", "vectors file ends early: header says 2 vectors, found 0: {p}")
    check(b"1 3\na 1 2 3\nb 1 2 3\n", "vectors file has more vectors than its header says (1): {p}")
    check(b"2 3\na 1 2 3\nb 1 nan 3\n", "vector for 'b' contains NaN or infinity (line 3): {p}")
    check(b"a 1 2 inf\n", "vector for 'a' contains NaN or infinity (line 1): {p}")
    check(b"0 3\n", "invalid header '0 3': {p}")
    check(b"hello world\n", "unrecognised vectors file format: {p}")
    check(b"", "unrecognised vectors file format: {p}")
    check(struct.pack("<ii", 793712314, 12) + b"rest",
          "fastText model file is truncated (in its header): {p}")
    check(b"W2VMODEL", "model file is truncated: {p}")


def test_many_rows_errors_report_the_right_line(tmp_path, monkeypatch):
    monkeypatch.setattr(formats, "_BLOCK", 1000)
    rows = "".join(f"w{i} 1 2 3\n" for i in range(500))
    path = tmp_path / "bad.txt"
    path.write_text("501 3\n" + rows + "oops 1 2\n")
    with pytest.raises(ModelError, match=r"^line 502 has 2 values, expected 3: "):
        load_vectors(path)


def test_binary_file_errors(tmp_path):
    words, vectors, _ = sample(n=4, dim=3)
    path = tmp_path / "v.bin"
    save_word2vec(path, words, vectors, binary=True)
    data = path.read_bytes()
    p = repr(str(path))

    path.write_bytes(data[:-10])
    with pytest.raises(ModelError) as info:
        load_vectors(path)
    assert str(info.value) == f"vectors file ends early: header says 4 vectors, found 3: {p}"

    path.write_bytes(b"3 3" + data[3:])
    with pytest.raises(ModelError) as info:
        load_vectors(path)
    assert str(info.value) == f"vectors file has more data than its header says (3 x 3): {p}"

    path.write_bytes(b"4 2" + data[3:])  # each row really has three values
    with pytest.raises(ModelError, match=r"^binary vectors file does not match its header"
                                         r" \(4 x 2\) at vector 2: "):
        load_vectors(path)

    bad = vectors.copy()
    bad[2, 1] = np.nan
    save_word2vec(path, words, bad, binary=True)
    with pytest.raises(ModelError) as info:
        load_vectors(path)
    assert str(info.value) == f"vector for 'ação' contains NaN or infinity (vector 3): {p}"


def test_save_word2vec_rejects_whitespace_in_words(tmp_path):
    with pytest.raises(ValueError, match="whitespace"):
        save_word2vec(tmp_path / "v.txt", ["a b", "c"], np.ones((2, 2)))
    with pytest.raises(ValueError, match="whitespace"):
        save_word2vec(tmp_path / "v.txt", ["", "c"], np.ones((2, 2)))
    assert os.listdir(tmp_path) == []


def test_save_word2vec_to_stdout(capsysbinary):
    save_word2vec("-", ["a", "b"], np.array([[1, 0.5], [-2, 3e-8]], dtype=np.float32))
    assert capsysbinary.readouterr().out == b"2 2\na 1 0.5\nb -2 3e-08\n"


# -- atomic writes --------------------------------------------------------------------


def test_failed_write_leaves_old_file_and_no_temp_file(tmp_path, monkeypatch):
    words, vectors, counts = sample()
    path = tmp_path / "m.w2v"
    save_model(path, words, vectors, counts)
    before = path.read_bytes()

    def boom(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(formats.os, "fsync", boom)
    with pytest.raises(KeyboardInterrupt):
        save_model(path, words, vectors * 2, counts)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.w2v"]

    # a failure half-way through a vectors file (bad word in the third block of rows)
    monkeypatch.setattr(formats, "_WRITE_ROWS", 2)
    path = tmp_path / "v.txt"
    path.write_text("old")
    with pytest.raises(ValueError):
        save_word2vec(path, ["a", "b", "c", "d", "e f", "g"], np.ones((6, 2)))
    assert path.read_text() == "old"
    assert sorted(os.listdir(tmp_path)) == ["m.w2v", "v.txt"]


def test_written_files_get_ordinary_permissions(tmp_path):
    words, vectors, counts = sample()
    save_model(tmp_path / "m.w2v", words, vectors, counts)
    mask = os.umask(0)
    os.umask(mask)
    assert os.stat(tmp_path / "m.w2v").st_mode & 0o777 == 0o666 & ~mask


def test_write_errors_are_model_errors(tmp_path):
    words, vectors, counts = sample()
    p = str(tmp_path / "missing" / "m.w2v")
    with pytest.raises(ModelError) as info:
        save_model(p, words, vectors, counts)
    assert str(info.value) == f"cannot write model: {p!r} (no such file or directory)"


def test_rewriting_a_loaded_model_in_place(tmp_path):
    words, vectors, counts = sample()
    path = tmp_path / "m.w2v"
    save_model(path, words, vectors, counts)
    model = load_model(path)
    save_model(path, model.words, model.vectors * 2, model.counts)
    np.testing.assert_array_equal(model.vectors, vectors)  # the old mapping is untouched
    np.testing.assert_array_equal(load_model(path).vectors, vectors * 2)


# -- gensim interoperability (optional) ------------------------------------------------


@pytest.mark.parametrize("binary", [False, True])
def test_gensim_reads_ours_and_we_read_gensims(tmp_path, binary):
    gensim_models = pytest.importorskip("gensim.models")
    KeyedVectors = gensim_models.KeyedVectors
    words, vectors, _ = sample(n=40, dim=6)
    ours = tmp_path / "ours"
    save_word2vec(ours, words, vectors, binary=binary)
    kv = KeyedVectors.load_word2vec_format(str(ours), binary=binary)
    assert list(kv.index_to_key) == words
    np.testing.assert_allclose(kv.vectors, vectors, rtol=5e-6, atol=1e-7)

    if binary:
        np.testing.assert_array_equal(kv.vectors, vectors)

    theirs = tmp_path / "theirs"
    kv = KeyedVectors(vector_size=6)
    kv.add_vectors(words, vectors)
    kv.save_word2vec_format(str(theirs), binary=binary)
    v = load_vectors(theirs)
    assert v.words == words
    # gensim's text holds each float32's shortest exact repr: both formats load exactly.
    np.testing.assert_array_equal(v.vectors, vectors)
    assert v.nearest(["king"], k=3) == [
        (w, pytest.approx(s, abs=1e-5)) for w, s in kv.most_similar("king", topn=3)]


def test_gensim_reads_a_large_binary_file_and_limit(tmp_path):
    KeyedVectors = pytest.importorskip("gensim.models").KeyedVectors
    words, vectors, _ = sample(n=3000, dim=20, seed=4)
    path = tmp_path / "big.bin"
    save_word2vec(path, words, vectors, binary=True)
    kv = KeyedVectors.load_word2vec_format(str(path), binary=True, limit=1000)
    ours = load_vectors(path, limit=1000)
    assert list(kv.index_to_key) == ours.words == words[:1000]
    np.testing.assert_array_equal(kv.vectors, ours.vectors)


# -- any format out ----------------------------------------------------------------------


def test_format_for_path():
    assert [format_for_path(p) for p in ("m.w2v", "v.bin", "v.txt", "v.VEC", "g.glove", "x.dat", "-")] == [
        "native", "binary", "text", "text", "glove", None, None]


@pytest.mark.parametrize("fmt", ["native", "text", "binary", "glove"])
def test_save_vectors_in_every_format_loads_back(tmp_path, fmt):
    words, vectors, counts = sample(n=30, dim=4)
    path = tmp_path / "out"
    save_vectors(path, words, vectors, fmt, counts=counts)
    v = load_vectors(path)
    assert v.words == words
    if fmt in ("native", "binary"):
        np.testing.assert_array_equal(v.vectors, vectors)
    else:
        np.testing.assert_allclose(v.vectors, vectors, rtol=5e-6, atol=1e-7)
    if fmt == "native":
        np.testing.assert_array_equal(v.counts, counts)
    first = path.read_bytes().split(b"\n", 1)[0]
    if fmt == "glove":  # no header: the first line is the first vector
        assert first.decode() == "the " + " ".join("%.6g" % x for x in vectors[0])
    elif fmt != "native":
        assert first == b"30 4"


def test_save_vectors_errors(tmp_path, capsysbinary):
    words, vectors, _ = sample(n=3, dim=2)
    with pytest.raises(ParameterError, match="^unknown vectors format 'csv' \\(choose from native, text, binary,"
                                             " glove\\)$"):
        save_vectors(tmp_path / "x", words, vectors, "csv")
    with pytest.raises(ParameterError, match="^a native model cannot be written to standard output"):
        save_vectors("-", words, vectors, "native")
    with pytest.raises(ModelError, match="^cannot write '.*x.txt': a word in word2vec format cannot be empty or"
                                         " contain whitespace: 'a b'$"):
        save_vectors(str(tmp_path / "x.txt"), ["a b", "c", "d"], vectors, "text")
    assert not (tmp_path / "x.txt").exists()
    save_vectors("-", words, vectors, "glove")
    out = capsysbinary.readouterr().out
    assert out.count(b"\n") == 3 and out.startswith(b"the ")


def test_write_lines(tmp_path, capsysbinary, monkeypatch):
    monkeypatch.setattr(formats, "_WRITE_ROWS", 3)
    lines = [f"w{i}\t{i}" for i in range(10)] + ["한국어\t10"]
    write_lines(tmp_path / "out.tsv", iter(lines))
    assert (tmp_path / "out.tsv").read_text(encoding="utf-8") == "\n".join(lines) + "\n"
    write_lines("-", lines)
    assert capsysbinary.readouterr().out.decode("utf-8") == "\n".join(lines) + "\n"
    with pytest.raises(ModelError, match="^cannot write classes file: '.*nodir/x' \\(no such file or directory\\)$"):
        write_lines(str(tmp_path / "nodir" / "x"), lines, "classes file")


def test_native_text_binary_native_round_trip(tmp_path):
    words, vectors, counts = sample(n=500, dim=9, seed=7)
    save_model(tmp_path / "a.w2v", words, vectors, counts)
    v = load_vectors(tmp_path / "a.w2v")
    save_vectors(tmp_path / "b.txt", v.words, v.vectors, "text")
    t = load_vectors(tmp_path / "b.txt")
    assert t.words == words
    np.testing.assert_allclose(t.vectors, vectors, rtol=5e-6, atol=1e-7)  # the printed precision, %.6g
    save_vectors(tmp_path / "c.bin", t.words, t.vectors, "binary")
    b = load_vectors(tmp_path / "c.bin")
    np.testing.assert_array_equal(b.vectors, t.vectors)  # binary is float32-exact
    save_vectors(tmp_path / "d.w2v", b.words, b.vectors, "native")
    n = load_vectors(tmp_path / "d.w2v")
    assert n.words == words
    np.testing.assert_array_equal(n.vectors, b.vectors)


@pytest.mark.parametrize("content", [b"8 9999999999 ", b"8 9999999999\nw \x00\x00\x80?", b"99999999999999 3\na 1 2 3\n"])
def test_a_header_claiming_more_than_the_file_holds_allocates_nothing_for_it(tmp_path, content):
    path = tmp_path / "huge-header"
    path.write_bytes(content)
    with pytest.raises(ModelError, match="vectors file ends early"):
        load_vectors(path)
