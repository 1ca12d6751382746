"""Corpora as users have them (issue 15): compressed, in legacy encodings, or not text at all.

Each case either reads exactly the words of the plain UTF-8 text (the same vocabulary and
counts) or fails with one exact 'Error:' line and writes nothing. None trains on garbage.
"""

import bz2
import codecs
import gzip
import io
import lzma
import os
import random
import re
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from w2v.cli import cli
from w2v.text import sources
from w2v.text.corpus import scan_corpus
from w2v.text.sources import guess_encoding, open_source, vocabulary_warning
from w2v.vectors.formats import load_model, save_model

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpora"
FLAGS = ["--dim", "8", "--min-count", "1", "--epochs", "1", "--threads", "1", "-q"]

# Real sentences in the scripts our users write, each repeated so that the files are a few kB.
SAMPLES = {
    "english": "the king and the queen walked to the old castle by the river\n"
               "a quick brown fox jumps over the lazy dog while the cat sleeps\n",
    "korean": "이 영화 정말 재미있어요 배우들의 연기가 훌륭했습니다\n"
              "스토리가 지루하고 결말이 너무 실망스러웠다 다시는 안 본다\n"
              "음악과 영상미가 아름다운 작품입니다 강력 추천합니다\n",
    "portuguese": "a ação do filme começa na pequena vila onde a população espera\n"
                  "não há informação sobre a decisão da comissão até à próxima reunião\n",
    "chinese": "今天 天气 很好 我们 一起 去 公园 散步 吧\n"
               "这 部 电影 的 故事 非常 感人 演员 的 表演 也 很 出色\n",
    "japanese": "きょう は とても いい 天気 です ね 散歩 に 行きましょう\n"
                "この 映画 の 物語 は とても 感動的 でした\n",
    "russian": "мальчик пошёл в школу рано утром вместе со своим младшим братом\n"
               "новая книга рассказывает об истории старого города и его жителей\n",
    "arabic": "ذهب الولد إلى المدرسة في الصباح الباكر مع أخيه الصغير\n"
              "الكتاب الجديد يتحدث عن تاريخ المدينة القديمة وأهلها\n",
    "emoji": "great movie 😀 loved it ❤️ 👍 would watch again 🎬🍿\n"
             "terrible ending 😡 so sad 😢 but the music 🎵 was nice 👌🏽\n",
}


def repeated(text, size=20_000):
    return text * (size // len(text) + 1)


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)


def one_error_line(result, exit_code=1):
    assert result.exit_code == exit_code, result.output
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    return result.stderr.strip()


def vocab_of(path, *flags, input=None):
    result = run("vocab", path, "--min-count", "1", *flags, input=input)
    assert result.exit_code == 0, result.output
    return result.stdout


def expected_vocab(text):
    """'word count' lines of ``text`` as w2v vocab writes them (most frequent first, ties in first-seen order)."""
    counts = Counter(text.split())
    order = {w: i for i, w in enumerate(dict.fromkeys(text.split()))}
    ranked = sorted(counts, key=lambda w: (-counts[w], order[w]))
    return "".join(f"{w} {counts[w]}\n" for w in ranked)


def zipped(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def zstd(data):
    zstandard = pytest.importorskip("zstandard")
    return zstandard.ZstdCompressor().compress(data)


TEXT = repeated(SAMPLES["english"] + SAMPLES["korean"] + SAMPLES["emoji"], 200_000)
PLAIN = TEXT.encode()
COMPRESSORS = {"gzip": gzip.compress, "bzip2": bz2.compress, "xz": lzma.compress, "zstd": zstd,
               "zip": lambda data: zipped({"corpus.txt": data})}


# -- compressed -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", COMPRESSORS)
def test_a_compressed_corpus_has_the_words_and_counts_of_the_plain_file(tmp_path, kind):
    # named .txt on purpose: the format is found from the bytes, not the name
    path = tmp_path / "corpus.txt"
    path.write_bytes(COMPRESSORS[kind](PLAIN))
    assert vocab_of(path) == expected_vocab(TEXT)


@pytest.mark.parametrize("kind", ["gzip", "bzip2", "xz", "zstd"])
def test_a_compressed_corpus_from_stdin(kind):
    assert vocab_of("-", input=COMPRESSORS[kind](PLAIN)) == expected_vocab(TEXT)


def test_train_on_a_gzip_file_learns_the_real_words(tmp_path):
    # the first row: the compressed bytes used to be read as text ("6 words")
    (tmp_path / "corpus.txt.gz").write_bytes(gzip.compress(PLAIN))
    result = run("train", tmp_path / "corpus.txt.gz", "-o", tmp_path / "m.w2v", *FLAGS)
    assert result.exit_code == 0, result.output
    model = load_model(tmp_path / "m.w2v")
    counts = Counter(TEXT.split())
    assert dict(zip(model.words, model.counts.tolist())) == counts
    assert run("nearest", "king", "-m", tmp_path / "m.w2v").exit_code == 0


def test_the_summary_says_what_was_read(tmp_path):
    (tmp_path / "c.bz2").write_bytes(bz2.compress(PLAIN))
    result = run("train", tmp_path / "c.bz2", "-o", tmp_path / "m.w2v", *FLAGS[:-1])
    assert result.exit_code == 0, result.output
    assert f"read {len(TEXT.split()):,} words (bzip2)," in result.stderr


def test_progress_goes_through_the_compressed_bytes(tmp_path):
    path = tmp_path / "c.gz"
    path.write_bytes(gzip.compress(PLAIN))
    seen = []
    with scan_corpus(path, progress=seen.append, chunk_bytes=1 << 16) as scanned:
        assert scanned.n_bytes == len(PLAIN)
    assert seen == sorted(seen) and seen[-1] == path.stat().st_size
    assert len(seen) > 2


@pytest.mark.parametrize("kind", ["gzip", "bzip2", "xz", "zstd"])
def test_a_truncated_file_is_an_error_and_nothing_is_saved(tmp_path, kind):
    data = COMPRESSORS[kind](PLAIN)
    (tmp_path / "corpus.gz").write_bytes(data[: len(data) - 100])
    result = run("train", tmp_path / "corpus.gz", "-o", tmp_path / "m.w2v", *FLAGS)
    assert one_error_line(result) == (f"Error: '{tmp_path / 'corpus.gz'}' is truncated: the {kind} data ends early "
                                      f"(was the download or copy cut short?)")
    assert os.listdir(tmp_path) == ["corpus.gz"]


@pytest.mark.parametrize("kind", ["gzip", "bzip2", "xz", "zstd"])
def test_corrupt_compressed_data_is_an_error(tmp_path, kind):
    data = bytearray(COMPRESSORS[kind](PLAIN))
    data[len(data) // 2: len(data) // 2 + 64] = bytes(64)
    (tmp_path / "c").write_bytes(bytes(data))
    message = one_error_line(run("vocab", tmp_path / "c"))
    assert message.startswith(f"Error: '{tmp_path / 'c'}' is not valid {kind} data (")


def test_text8_zip_style_single_member(tmp_path):
    (tmp_path / "text8.zip").write_bytes(zipped({"text8": PLAIN, "__MACOSX/._text8": b"\x00\x05\x16\x07"}))
    assert vocab_of(tmp_path / "text8.zip") == expected_vocab(TEXT)


def test_a_zip_of_several_files_lists_them(tmp_path):
    (tmp_path / "c.zip").write_bytes(zipped({"a.txt": b"x\n", "b.txt": b"y\n", "sub/c.txt": b"z\n"}))
    assert one_error_line(run("train", tmp_path / "c.zip", "-o", tmp_path / "m.w2v", *FLAGS)) == (
        f"Error: '{tmp_path / 'c.zip'}' is a zip archive of 3 files (a.txt, b.txt, sub/c.txt): a corpus zip must "
        f"hold one; extract it and give one file, or join them: unzip -p FILE | w2v ... -")
    assert os.listdir(tmp_path) == ["c.zip"]


def test_a_zip_from_stdin_says_how_to_read_it():
    assert one_error_line(run("vocab", "-", input=zipped({"a.txt": PLAIN}))) == (
        "Error: standard input is a zip archive, which cannot be read from a pipe (its index is at the end): "
        "give its path, or unzip it on the way in: unzip -p FILE | w2v ... -")


def test_zstd_without_its_package_names_the_fix(tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_zstandard(name, *args, **kwargs):
        if name == "zstandard":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    (tmp_path / "c.zst").write_bytes(b"\x28\xb5\x2f\xfd" + bytes(100))
    monkeypatch.setattr(builtins, "__import__", no_zstandard)
    assert one_error_line(run("vocab", tmp_path / "c.zst")) == (
        f"Error: '{tmp_path / 'c.zst'}' is zstd-compressed: install the zstandard package (pip install zstandard), "
        f"or decompress it on the way in: zstd -dc FILE | w2v ... -")


@pytest.mark.skipif(not (SHARED / "text8.zip").exists(), reason="no shared corpora here")
def test_text8_zip_counts_equal_those_of_text8():
    with zipfile.ZipFile(SHARED / "text8.zip") as z, z.open("text8") as unzipped:
        with scan_corpus(unzipped) as plain:
            words, counts, tokens = plain.words, plain.counts, plain.n_tokens
    with scan_corpus(SHARED / "text8.zip") as zipped_scan:
        assert zipped_scan.found == "zip member text8"
        assert zipped_scan.n_tokens == tokens > 10_000_000
        assert zipped_scan.words == words
        assert np.array_equal(zipped_scan.counts, counts)


# -- encodings ------------------------------------------------------------------------------------


@pytest.mark.parametrize("codec", ["utf-8-sig", "utf-16", "utf-16-le-bom", "utf-16-be-bom", "utf-32"])
def test_a_byte_order_mark_selects_the_encoding(tmp_path, codec):
    marks = {"utf-16-le-bom": (codecs.BOM_UTF16_LE, "utf-16-le"), "utf-16-be-bom": (codecs.BOM_UTF16_BE, "utf-16-be")}
    mark, name = marks.get(codec, (b"", codec))
    (tmp_path / "c.txt").write_bytes(mark + TEXT.encode(name))
    assert vocab_of(tmp_path / "c.txt") == expected_vocab(TEXT)


def test_utf16_without_a_mark_names_the_fix(tmp_path):
    (tmp_path / "c.txt").write_bytes(TEXT.encode("utf-16-le"))
    assert one_error_line(run("vocab", tmp_path / "c.txt")) == (
        f"Error: '{tmp_path / 'c.txt'}' looks like UTF-16-LE text without a byte-order mark: give --encoding "
        f"utf-16-le, or convert it: iconv -f utf-16-le -t utf-8 {tmp_path / 'c.txt'} > {tmp_path / 'c.utf8.txt'}")
    assert vocab_of(tmp_path / "c.txt", "--encoding", "utf-16-le") == expected_vocab(TEXT)


KOREAN = repeated(SAMPLES["korean"])
PORTUGUESE = repeated(SAMPLES["portuguese"])


def test_cp949_korean_without_encoding_is_refused_with_the_fix(tmp_path):
    (tmp_path / "ko.txt").write_bytes(KOREAN.encode("cp949"))
    result = run("train", tmp_path / "ko.txt", "-o", tmp_path / "m.w2v", *FLAGS)
    # CP949 bytes are valid UTF-8 by chance now and then (C2-C8 followed by A1-BF), so not all are invalid
    assert re.fullmatch(
        re.escape(f"Error: '{tmp_path / 'ko.txt'}' is not UTF-8 (") + r"[3-9]\d" + re.escape(
            "% of its non-ASCII bytes are invalid UTF-8); it looks like CP949 / EUC-KR (Korean): give --encoding "
            f"cp949, or convert it: iconv -f cp949 -t utf-8 {tmp_path / 'ko.txt'} > {tmp_path / 'ko.utf8.txt'}"),
        one_error_line(result))
    assert os.listdir(tmp_path) == ["ko.txt"]


@pytest.mark.parametrize("codec", ["cp949", "euc-kr"])
def test_cp949_korean_with_encoding_trains_on_the_real_words(tmp_path, codec):
    (tmp_path / "ko.txt").write_bytes(KOREAN.encode(codec))
    result = run("train", tmp_path / "ko.txt", "-o", tmp_path / "m.w2v", "--encoding", codec, *FLAGS)
    assert result.exit_code == 0, result.output
    model = load_model(tmp_path / "m.w2v")
    assert dict(zip(model.words, model.counts.tolist())) == Counter(KOREAN.split())
    assert "영화" in model.words


def test_cp1252_portuguese(tmp_path):
    (tmp_path / "pt.txt").write_bytes(PORTUGUESE.encode("cp1252"))
    message = one_error_line(run("vocab", tmp_path / "pt.txt"))
    assert message.endswith("it looks like CP1252 / Latin-1 (Western European): give --encoding cp1252, or "
                            f"convert it: iconv -f cp1252 -t utf-8 {tmp_path / 'pt.txt'} > {tmp_path / 'pt.utf8.txt'}")
    assert vocab_of(tmp_path / "pt.txt", "--encoding", "cp1252") == expected_vocab(PORTUGUESE)
    assert vocab_of(tmp_path / "pt.txt", "--encoding", "latin-1") == expected_vocab(PORTUGUESE)


def test_a_gzip_of_cp949_text_is_refused_too(tmp_path):
    (tmp_path / "ko.gz").write_bytes(gzip.compress(KOREAN.encode("cp949")))
    message = one_error_line(run("vocab", tmp_path / "ko.gz"))
    assert "(decompressed) is not UTF-8" in message and message.endswith("iconv -f cp949 -t utf-8 FILE > FILE.utf8")
    assert vocab_of(tmp_path / "ko.gz", "--encoding", "cp949") == expected_vocab(KOREAN)


@pytest.mark.parametrize("codec, text, guess", [
    ("cp949", SAMPLES["korean"], "cp949"),
    ("euc-kr", SAMPLES["korean"], "cp949"),
    ("shift_jis", SAMPLES["japanese"], "shift_jis"),
    ("gbk", SAMPLES["chinese"], "gb18030"),
    ("cp1252", SAMPLES["portuguese"], "cp1252"),
    ("latin-1", SAMPLES["portuguese"], "cp1252"),
    ("cp1251", SAMPLES["russian"], "cp1251"),
    ("koi8-r", SAMPLES["russian"], "koi8-r"),
])
def test_the_likely_encoding_is_named_from_byte_statistics(codec, text, guess):
    assert guess_encoding(repeated(text).encode(codec))[0] == guess


def test_no_guess_for_bytes_that_fit_no_script():
    rng = random.Random(0)
    noise = bytes(rng.choice(b"abc \x80\x8d\x90\x9d\xa0\xff") for _ in range(20_000))
    assert guess_encoding(noise) == (None, "a legacy (non-UTF-8) encoding")


@pytest.mark.skipif(not (SHARED / "nsmc_reviews.txt.gz").exists(), reason="no shared corpora here")
def test_real_korean_reviews_in_cp949(tmp_path):
    with gzip.open(SHARED / "nsmc_reviews.txt.gz", "rb") as f:
        text = f.read(3 << 20).decode("utf-8", "ignore")
    text = text[: text.rindex("\n") + 1]
    (tmp_path / "utf8.txt").write_bytes(text.encode())
    assert vocab_of(tmp_path / "utf8.txt") == expected_vocab(text)  # real Korean in UTF-8 is never refused
    (tmp_path / "nsmc.txt").write_bytes(text.encode("cp949", "replace"))
    assert "looks like CP949 / EUC-KR (Korean)" in one_error_line(run("vocab", tmp_path / "nsmc.txt"))
    expected = text.encode("cp949", "replace").decode("cp949")
    assert vocab_of(tmp_path / "nsmc.txt", "--encoding", "cp949") == expected_vocab(expected)


@pytest.mark.parametrize("codec", ["cp949", "utf-16", "shift_jis", "utf-8-sig"])
def test_characters_split_across_transcoding_chunks_are_decoded_whole(codec, monkeypatch):
    monkeypatch.setattr(sources, "TRANSCODE_BYTES", 7)
    text = SAMPLES["korean"] if codec == "cp949" else SAMPLES["japanese"]
    with open_source(io.BytesIO(repeated(text, 3000).encode(codec)), encoding=codec) as opened:
        assert opened.stream.read() == repeated(text, 3000).encode()


def test_an_unknown_encoding(tmp_path):
    (tmp_path / "c.txt").write_bytes(PLAIN)
    assert one_error_line(run("vocab", tmp_path / "c.txt", "--encoding", "klingon")) == (
        "Error: unknown encoding 'klingon' (any Python codec works: utf-8, cp949, euc-kr, cp1252, latin-1, "
        "shift_jis, gb18030, utf-16...)")


def test_a_few_invalid_bytes_in_utf8_are_replaced_and_counted(tmp_path):
    data = bytearray(PLAIN)
    for at in (1000, 50_000, 123_456):  # an ASCII letter each: one bad byte, one U+FFFD
        at = next(i for i in range(at, len(data)) if 0x61 <= data[i] <= 0x7A)
        data[at] = 0xFF
    (tmp_path / "c.txt").write_bytes(bytes(data))
    result = run("train", tmp_path / "c.txt", "-o", tmp_path / "m.w2v", *FLAGS[:-1])
    assert result.exit_code == 0, result.output
    assert "; 3 invalid byte sequences replaced" in result.stderr
    assert "\ufffd" in "".join(load_model(tmp_path / "m.w2v").words)


def test_invalid_bytes_in_the_given_encoding_are_counted(tmp_path):
    data = KOREAN.encode("cp949") + b"\xff\xff tail\n"
    with scan_corpus(io.BytesIO(data), encoding="cp949") as scanned:
        assert scanned.replaced == 2 and scanned.found == "cp949"


# -- not text -------------------------------------------------------------------------------------


def test_a_random_binary_blob_is_refused(tmp_path):
    (tmp_path / "blob").write_bytes(np.random.default_rng(1).bytes(1 << 16))
    result = run("train", tmp_path / "blob", "-o", tmp_path / "m.w2v", *FLAGS)
    assert one_error_line(result) == (f"Error: '{tmp_path / 'blob'}' looks binary, not text (10% of its first "
                                      f"65,536 bytes are control bytes): a corpus must be a text file")
    assert os.listdir(tmp_path) == ["blob"]


@pytest.mark.parametrize("header, kind", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a PNG image"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "a PDF document (extract its text first, e.g. pdftotext FILE FILE.txt)"),
    (b"\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", "a NumPy .npy array"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "a JPEG image"),
])
def test_known_binary_formats_are_named(tmp_path, header, kind):
    (tmp_path / "f").write_bytes(header + b"some words after the header\n" * 100)
    assert one_error_line(run("vocab", tmp_path / "f")) == (
        f"Error: '{tmp_path / 'f'}' is {kind}, not text: a corpus must be a text file")


def test_a_model_file_is_not_a_corpus(tmp_path):
    save_model(tmp_path / "m.w2v", ["a", "b"], np.ones((2, 4), dtype=np.float32), np.array([2, 1]))
    assert one_error_line(run("train", tmp_path / "m.w2v", "-o", tmp_path / "n.w2v", *FLAGS)) == (
        f"Error: '{tmp_path / 'm.w2v'}' is a w2v model, not text: a corpus must be a text file")


def test_a_word2vec_binary_vectors_file_is_not_a_corpus(tmp_path):
    words = [f"w{i}" for i in range(500)]
    rng = np.random.default_rng(0)
    save_model(tmp_path / "m.w2v", words, rng.standard_normal((500, 50)).astype(np.float32), np.arange(500, 0, -1))
    assert run("export", "-m", tmp_path / "m.w2v", "-o", tmp_path / "v.bin", "--binary").exit_code == 0
    assert "looks binary, not text" in one_error_line(run("vocab", tmp_path / "v.bin"))


@pytest.mark.parametrize("script", SAMPLES)
def test_real_text_in_every_script_is_never_refused(script):
    text = repeated(SAMPLES[script])
    with scan_corpus(io.BytesIO(text.encode())) as scanned:
        assert scanned.replaced == 0
        assert dict(zip(scanned.words, scanned.counts.tolist())) == Counter(text.split())


def test_real_text_with_tabs_page_breaks_and_crlf_is_text(tmp_path):
    text = repeated("col1\tcol2\tcol3\r\n\fnew page\x1b[1m bold\x1b[0m\n")
    with open_source(io.BytesIO(text.encode())) as opened:
        assert opened.stream.read() == text.encode()


def test_a_python_stream_of_sentences_is_read_as_is():
    # the Python API passes file objects; they are read, sniffed like files, and not closed
    stream = io.BytesIO(PLAIN)
    with scan_corpus(stream) as scanned:
        assert scanned.n_tokens == len(TEXT.split())
    assert not stream.closed


# -- nothing silent -------------------------------------------------------------------------------


def test_a_tiny_vocabulary_from_a_big_file_warns(tmp_path):
    rng = random.Random(0)
    (tmp_path / "c.txt").write_text("\n".join(" ".join(rng.choice("ab") for _ in range(50)) for _ in range(12_000)))
    result = run("train", tmp_path / "c.txt", "-o", tmp_path / "m.w2v", "--dim", "4", "--epochs", "1", "-q")
    assert result.exit_code == 0
    assert result.stderr.startswith("warning: only 2 distinct words occur at least 5 times in 1.2 MB of text; ")


def test_the_warning_rule_against_measured_real_text():
    # (bytes, words kept at min count, min count) measured on text8 and NSMC (benchmarks/RESULTS_inputs.md)
    for n_bytes, kept, min_count in [(1e6, 4_038, 5), (1e8, 82_208, 5), (1e8, 10_789, 100), (62.5e6, 5_489, 100)]:
        assert vocabulary_warning(int(n_bytes), kept, min_count) is None
    # the garbage of issue 15: a .gz read as text (6 words from 2 MB), zip bytes (1,158 from 32 MB)
    assert vocabulary_warning(2_000_000, 6, 5) is not None
    assert vocabulary_warning(32_000_000, 1_158, 1) is not None
    assert vocabulary_warning(500_000, 1, 5) is None  # small files may be small


def test_eval_files_may_be_compressed(tmp_path):
    pairs = "king\tqueen\t8.5\nking\tcastle\t6.0\ndog\tcat\t7.0\nfox\triver\t1.0\n"
    (tmp_path / "pairs.gz").write_bytes(gzip.compress(pairs.encode()))
    (tmp_path / "c.txt").write_bytes(PLAIN)
    assert run("train", tmp_path / "c.txt", "-o", tmp_path / "m.w2v", *FLAGS).exit_code == 0
    plain = tmp_path / "pairs.tsv"
    plain.write_text(pairs)
    got = run("eval", "similarity", tmp_path / "pairs.gz", "-m", tmp_path / "m.w2v", "--json")
    want = run("eval", "similarity", plain, "-m", tmp_path / "m.w2v", "--json")
    assert got.exit_code == 0, got.output
    assert got.stdout.replace("pairs.gz", "pairs.tsv") == want.stdout


def test_a_compressed_corpus_in_another_encoding_resumes_to_the_same_model(tmp_path, monkeypatch):
    from tests.planted import planted_corpus
    from tests.test_resilience import interrupt_after_spans, resume_args

    planted_corpus(tmp_path / "plain.txt", sentences=10_000)  # two spans an epoch
    text = (tmp_path / "plain.txt").read_text() + KOREAN
    corpus = tmp_path / "corpus.gz"
    corpus.write_bytes(gzip.compress(text.encode("cp949")))
    flags = ["--encoding", "cp949", "--threads", "1", "--epochs", "3", "--dim", "8", "--min-count", "1", "-q"]
    assert run("train", corpus, "-o", tmp_path / "full.w2v", *flags).exit_code == 0
    interrupt_after_spans(monkeypatch, 3)
    out = tmp_path / "m.w2v"
    interrupted = run("train", corpus, "-o", out, *flags)
    assert interrupted.exit_code == 130, interrupted.output
    monkeypatch.undo()
    args, _ = resume_args(interrupted.stderr)  # the ids are in the checkpoint: no --encoding needed
    assert "--encoding" not in args
    assert run(*args).exit_code == 0
    assert out.read_bytes() == (tmp_path / "full.w2v").read_bytes()
    assert "영화" in load_model(out).words


def test_word2vec_and_phrases_read_compressed_and_encoded_input(tmp_path):
    (tmp_path / "c.xz").write_bytes(lzma.compress(KOREAN.encode("cp949")))
    result = run("word2vec", "-train", tmp_path / "c.xz", "-encoding", "cp949", "-save-vocab", tmp_path / "v.txt",
                 "-min-count", "1", "-debug", "0")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "v.txt").read_text().splitlines()[1:] == expected_vocab(KOREAN).splitlines()
    result = run("phrases", tmp_path / "c.xz", tmp_path / "p.txt", "--encoding", "cp949", "-threshold", "1", "-q")
    assert result.exit_code == 0, result.output
    joined = (tmp_path / "p.txt").read_text(encoding="utf-8")
    assert "이_영화" in joined and joined.replace("_", " ") == KOREAN
    assert "is not UTF-8" in one_error_line(run("phrases", tmp_path / "c.xz", tmp_path / "p2.txt", "-q"))
    assert not (tmp_path / "p2.txt").exists()


def test_a_few_stray_latin1_bytes_in_a_big_utf8_file_are_not_a_reason_to_refuse(tmp_path):
    # 20 stray bytes in 1 MB: fewer than one per INVALID_PER_BYTES, so they are replaced, not refused
    data = bytearray(repeated(SAMPLES["english"], 1 << 20).encode())
    for at in range(0, len(data), len(data) // 20)[:20]:
        data[at] = 0xE9  # Latin-1 é
    (tmp_path / "c.txt").write_bytes(bytes(data))
    with scan_corpus(tmp_path / "c.txt") as scanned:
        assert scanned.replaced == 20


def test_closing_early_stops_the_reading_thread(tmp_path):
    import threading

    (tmp_path / "c.gz").write_bytes(gzip.compress(PLAIN * 8))
    with open_source(tmp_path / "c.gz") as opened:
        assert opened.stream.read(10) == PLAIN[:10]
    assert not any(t.name == "w2v-reader" for t in threading.enumerate())


def test_an_interrupted_read_of_a_silent_pipe_does_not_hang():
    # Ctrl-C while the reading thread waits on a pipe whose writer has gone quiet (past the sample)
    import signal
    import threading
    import time

    data = gzip.compress(PLAIN * 40)
    read_end, write_end = os.pipe()
    writer = threading.Thread(target=os.write, args=(write_end, data[: len(data) * 9 // 10]), daemon=True)
    writer.start()

    def interrupt(*_):
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGALRM, interrupt)
    started = time.monotonic()
    try:
        with open(read_end, "rb", buffering=0) as pipe, pytest.raises(KeyboardInterrupt):
            with open_source(pipe) as opened:
                assert opened.stream.read(10) == PLAIN[:10]  # the sample came through
                signal.setitimer(signal.ITIMER_REAL, 0.3)
                while opened.stream.read(1 << 20):
                    pass
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        os.close(write_end)
    assert time.monotonic() - started < 10
