import io
import os
import random
import re
import sys
import threading
from collections import Counter

import numpy as np
import pytest

from w2v.errors import CorpusError
from w2v.text import corpus, scan_kernels, sources
from w2v.text.corpus import ids_array, remap_ids, scan_corpus
from w2v.text.vocab import Vocab

SEPARATORS = re.compile(rb"[ \t\v\f\x00]+")


def naive_scan(data, max_vocab_size=None):
    """Reference: (words, counts, stream) the slow, obvious way.

    ``stream`` holds each token's id in the final numbering and -1 for each line end;
    a token whose word was pruned after it (that occurrence is forgotten) is None.
    """
    text = data.decode("utf-8", "replace").encode("utf-8").replace(b"\r", b"")
    lines = text.split(b"\n")
    stream, live = [], {}  # live: word -> (count, life); a life ends at a prune
    lives = 0
    min_reduce = 0
    for n, line in enumerate(lines):
        for token in SEPARATORS.split(line):
            if not token:
                continue
            word = token.decode("utf-8")
            if word in live:
                count, life = live[word]
                live[word] = (count + 1, life)
            else:
                lives += 1
                live[word] = (1, lives)
                life = lives
            stream.append((word, life))
            if max_vocab_size and len(live) > max_vocab_size:
                min_reduce += 1
                live = {w: v for w, v in live.items() if v[0] > min_reduce}
        if n < len(lines) - 1:
            stream.append(None)
    order = sorted(live, key=lambda w: live[w][1])  # first-seen order of the surviving lives
    index = {w: i for i, w in enumerate(order)}
    ids = []
    for item in stream:
        if item is None:
            ids.append(-1)
        else:
            word, life = item
            ids.append(index[word] if word in live and live[word][1] == life else None)
    return order, [live[w][0] for w in order], ids


def collapse_line_ends(stream):
    """What remap_ids does to a stream: drop None, collapse runs of line ends, drop a leading one."""
    out = []
    for x in stream:
        if x is None:
            continue
        if x >= 0 or (out and out[-1] != -1):
            out.append(x)
    return out


def scan_bytes(tmp_path, data, **kwargs):
    path = tmp_path / "corpus.txt"
    path.write_bytes(data)
    return scan_corpus(str(path), workdir=str(tmp_path), **kwargs)


def ids_of(scanned):
    return np.fromfile(scanned.ids_path, dtype=np.int32).tolist()


def tokens_of(scanned):
    return [scanned.words[i] if i >= 0 else "\n" for i in ids_of(scanned)]


def check_against_naive(tmp_path, data, **kwargs):
    max_vocab_size = kwargs.get("max_vocab_size")
    with scan_bytes(tmp_path, data, **kwargs) as s:
        words, counts, ids = naive_scan(data, max_vocab_size)
        assert s.words == words
        assert s.counts.dtype == np.int64
        assert s.counts.tolist() == counts
        assert s.n_ids == len(ids)
        assert s.n_tokens == sum(1 for i in ids if i != -1)
        assert s.n_lines == ids.count(-1)
        assert s.n_bytes == len(data)
        if s.segments:
            n_ids, n_words = remap_ids(s, np.arange(len(words), dtype=np.int32), chunk_ids=7)
            expected = collapse_line_ends(ids)
            assert ids_array(s.ids_path, n_ids).tolist() == expected
            assert n_words == sum(1 for i in expected if i >= 0)
        else:
            assert None not in ids
            assert ids_of(s) == ids
        return s


@pytest.fixture
def tiny_tables(monkeypatch):
    """Start every growing array at its smallest, so that each growth path runs."""
    monkeypatch.setattr(corpus._Tables, "initial_pool", 1)
    monkeypatch.setattr(corpus._Tables, "initial_words", 1)
    monkeypatch.setattr(corpus._Tables, "initial_table", 1)


def test_splits_on_spaces_tabs_and_newlines(tmp_path):
    with scan_bytes(tmp_path, b"the cat\tsat  on\n\tthe mat\n") as s:
        assert s.words == ["the", "cat", "sat", "on", "mat"]
        assert s.counts.tolist() == [2, 1, 1, 1, 1]
        assert ids_of(s) == [0, 1, 2, 3, -1, 0, 4, -1]
        assert (s.n_tokens, s.n_lines, s.n_ids, s.n_bytes) == (6, 2, 8, 25)


def test_crlf_reads_like_lf(tmp_path):
    with scan_bytes(tmp_path, b"a b\r\nc\r\n") as s:
        assert tokens_of(s) == ["a", "b", "\n", "c", "\n"]


def test_carriage_return_inside_a_token_is_deleted(tmp_path):
    with scan_bytes(tmp_path, b"a\rb \r x\r") as s:
        assert tokens_of(s) == ["ab", "x"]


def test_empty_lines_each_write_a_line_end(tmp_path):
    with scan_bytes(tmp_path, b"\n\na\n\n\nb") as s:
        assert ids_of(s) == [-1, -1, 0, -1, -1, -1, 1]
        assert s.n_lines == 5


def test_nul_vertical_tab_and_form_feed_separate(tmp_path):
    with scan_bytes(tmp_path, b"a\x00b\x0bc\x0cd\x00\x00") as s:
        assert tokens_of(s) == ["a", "b", "c", "d"]


def test_invalid_utf8_becomes_replacement_character(tmp_path):
    with scan_bytes(tmp_path, b"ok caf\xc3\xa9 bad\xff \xe9t\xc3\n\xed\xa0\x80") as s:
        assert s.words == ["ok", "café", "bad\ufffd", "\ufffdt\ufffd", "\ufffd\ufffd\ufffd"]


@pytest.mark.parametrize("chunk_bytes", [1, 2, 3, 5])
def test_multibyte_characters_across_chunk_boundaries(tmp_path, chunk_bytes):
    data = "naïve 日本語 😀x é\n😀x".encode("utf-8")
    with scan_bytes(tmp_path, data, chunk_bytes=chunk_bytes) as s:
        assert tokens_of(s) == ["naïve", "日本語", "😀x", "é", "\n", "😀x"]


def test_token_longer_than_a_chunk_is_one_token(tmp_path, tiny_tables):
    long = b"x" * 10_000 + b"\r" + b"y" * 5_000
    with scan_bytes(tmp_path, b"a " + long + b" b\n" + long, chunk_bytes=7) as s:
        assert s.words == ["a", "x" * 10_000 + "y" * 5_000, "b"]
        assert ids_of(s) == [0, 1, 2, -1, 1]


def test_long_line_without_newline(tmp_path, tiny_tables):
    words = [f"w{i % 97}" for i in range(20_000)]
    s = check_against_naive(tmp_path, " ".join(words).encode(), chunk_bytes=64)
    assert s.n_lines == 0
    assert s.n_tokens == 20_000
    assert len(s.words) == 97


def test_matches_naive_reference_on_random_text(tmp_path, tiny_tables):
    rng = random.Random(5)
    alphabet = [b"a", b"b", b"c", "é".encode(), "日".encode(), "😀".encode(), b"\xff", b"\xe2\x82",
                b"\r", b" ", b" ", b"\t", b"\n", b"\n", b"\x00", b"\x0b"]
    vocab = [b"".join(rng.choice(alphabet[:9]) for _ in range(rng.randint(1, 6))) for _ in range(300)]
    for trial in range(6):
        parts = []
        for _ in range(3000):
            parts.append(vocab[min(int(rng.paretovariate(1.0)) - 1, len(vocab) - 1)]
                         if rng.random() < 0.7 else rng.choice(alphabet))
        data = b"".join(parts)
        s = check_against_naive(tmp_path, data, chunk_bytes=[1, 3, 17, 100, 4096, 1 << 24][trial])
        expected = Counter(SEPARATORS.split(
            data.decode("utf-8", "replace").encode().replace(b"\r", b"").replace(b"\n", b" ")))
        del expected[b""]
        assert dict(zip(s.words, s.counts.tolist())) == {k.decode(): v for k, v in expected.items()}


@pytest.mark.parametrize("max_vocab_size", [1, 2, 5, 20])
def test_max_vocab_size_prunes_like_word2vec(tmp_path, tiny_tables, max_vocab_size):
    rng = random.Random(max_vocab_size)
    words = [f"w{min(int(rng.paretovariate(0.8)), 60)}" for _ in range(2000)]
    data = "\n".join(" ".join(words[i:i + 9]) for i in range(0, len(words), 9)).encode()
    s = check_against_naive(tmp_path, data, max_vocab_size=max_vocab_size, chunk_bytes=50)
    assert len(s.words) <= max_vocab_size
    assert len(s.words) == len(set(s.words))
    assert (s.counts > 0).all()


@pytest.mark.parametrize("max_vocab_size", [None, 7])
@pytest.mark.parametrize("min_count, max_vocab", [(1, None), (3, None), (2, 5)])
def test_the_vocabulary_decodes_only_its_words_and_equals_from_counts(tmp_path, tiny_tables, max_vocab_size,
                                                                      min_count, max_vocab):
    rng = random.Random(7)
    words = [f"말{min(int(rng.paretovariate(0.9)), 40)}" for _ in range(3000)]
    data = "\n".join(" ".join(words[i:i + 9]) for i in range(0, len(words), 9)).encode()
    with scan_bytes(tmp_path, data, max_vocab_size=max_vocab_size, chunk_bytes=64) as s:
        vocab, final = s.vocabulary(min_count, max_vocab)
        assert s._words is None  # nothing decoded beyond the vocabulary's own words
        expected, expected_final = Vocab.from_counts(s.words, s.counts, min_count, max_vocab)
        assert vocab.words == expected.words and len(vocab) > 0
        assert vocab.counts.tolist() == expected.counts.tolist()
        assert final.tolist() == expected_final.tolist()


def test_pruned_word_seen_again_starts_again(tmp_path):
    # after "c" arrives, 3 words are held > 2: those with count <= 1 ("b", "c") go
    with scan_bytes(tmp_path, b"a a b c b", max_vocab_size=2) as s:
        assert s.words == ["a", "b"]
        assert s.counts.tolist() == [2, 1]
        assert s.segments == [(4, 3)]  # one prune after 4 ids, renumbering 3 words
        assert remap_ids(s, np.arange(2, dtype=np.int32)) == (3, 3)
        assert ids_array(s.ids_path, 3).tolist() == [0, 0, 1]  # the first "b" was forgotten
    assert not os.path.exists(s.remap_path)


def test_memory_is_bounded_by_the_prune_threshold(tmp_path, tiny_tables):
    # 200,000 distinct words and a few frequent ones: the tables stay near the threshold's size
    rng = np.random.default_rng(0)
    rare = [f"rare{i}" for i in range(200_000)]
    frequent = [f"f{i}" for i in range(50)]
    tokens = rare + [frequent[i] for i in rng.integers(0, 50, 200_000)]
    rng.shuffle(tokens)
    data = "\n".join(" ".join(tokens[i:i + 20]) for i in range(0, len(tokens), 20)).encode()
    tables = []
    original = corpus._Tables.release

    def keep(self):  # the tables at their largest: as the scan ends
        tables.append((self.pool.shape[0], self.word_pos.shape[0], self.counts.shape[0], self.table.shape[0]))
        return original(self)

    corpus._Tables.release = keep
    try:
        with scan_bytes(tmp_path, data, max_vocab_size=1000, chunk_bytes=4096) as s:
            assert len(s.words) <= 1000
            assert set(frequent) <= set(s.words)
            n_ids, n_words = remap_ids(s, np.arange(len(s.words), dtype=np.int32))
            assert n_words > 190_000  # the frequent words' tokens are all there
    finally:
        corpus._Tables.release = original
    pool, word_pos, counts, table = tables[0]
    # without compaction these would have grown to hold all 200,050 words (1.8 MB of text)
    assert pool <= 32768 and word_pos <= 2048 and counts <= 2048 and table <= 4096


def test_stdin(monkeypatch, tmp_path):
    class FakeStdin:
        buffer = io.BytesIO(b"x y\nx\n")

    monkeypatch.setattr(sys, "stdin", FakeStdin())
    with scan_corpus("-", workdir=str(tmp_path)) as s:
        assert tokens_of(s) == ["x", "y", "\n", "x", "\n"]
        assert s.n_bytes == 6


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")
def test_fifo(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)

    def writer():
        with open(fifo, "wb") as f:
            for _ in range(100):
                f.write(b"in the pipe\n")

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    with scan_corpus(str(fifo), workdir=str(tmp_path), chunk_bytes=64) as s:
        assert s.words == ["in", "the", "pipe"]
        assert s.counts.tolist() == [100, 100, 100]
    thread.join()


def test_missing_corpus(tmp_path):
    path = str(tmp_path / "nope.txt")
    with pytest.raises(CorpusError) as err:
        scan_corpus(path)
    assert str(err.value) == f"corpus not found: '{path}'"


def test_directory_corpus(tmp_path):
    with pytest.raises(CorpusError) as err:
        scan_corpus(str(tmp_path))
    assert str(err.value) == f"corpus is a directory: '{tmp_path}'"


def test_unreadable_corpus(tmp_path, monkeypatch):
    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(sources, "open", denied, raising=False)
    with pytest.raises(CorpusError) as err:
        scan_corpus("secret.txt")
    assert str(err.value) == "corpus is not readable: 'secret.txt' (permission denied)"


def test_bad_workdir(tmp_path):
    path = tmp_path / "c.txt"
    path.write_bytes(b"a")
    missing = str(tmp_path / "missing")
    with pytest.raises(CorpusError) as err:
        scan_corpus(str(path), workdir=missing)
    assert str(err.value) == f"cannot create the token ids file in '{missing}': no such file or directory"


def test_empty_corpus_is_not_an_error_here(tmp_path):
    with scan_bytes(tmp_path, b"") as s:
        assert (s.words, s.counts.tolist(), s.n_ids, s.n_tokens, s.n_bytes) == ([], [], 0, 0, 0)
        assert remap_ids(s, np.zeros(0, dtype=np.int32)) == (0, 0)


def test_progress_reports_bytes_read(tmp_path):
    seen = []
    with scan_bytes(tmp_path, b"abc def ghi\n" * 10, chunk_bytes=16, progress=seen.append):
        pass
    assert seen == sorted(seen) and seen[-1] == 120 and len(seen) >= 8


def test_close_deletes_the_ids_file(tmp_path):
    s = scan_bytes(tmp_path, b"a b")
    assert os.path.exists(s.ids_path) and os.path.dirname(s.ids_path) == str(tmp_path)
    assert os.path.basename(s.ids_path).startswith("w2v-ids-")
    s.close()
    s.close()
    assert not os.path.exists(s.ids_path)
    with scan_bytes(tmp_path, b"a b") as s:
        path = s.ids_path
    assert not os.path.exists(path)


def test_error_while_reading_removes_the_ids_file(tmp_path, monkeypatch):
    class Broken(io.RawIOBase):
        def readinto(self, view):
            raise OSError(5, "Input/output error")

    class FakeStdin:
        buffer = Broken()

    monkeypatch.setattr(sys, "stdin", FakeStdin())
    with pytest.raises(CorpusError, match="cannot read corpus from standard input: input/output error"):
        scan_corpus("-", workdir=str(tmp_path))
    assert not list(tmp_path.glob("w2v-ids-*"))


def test_remap_drops_tokens_and_collapses_line_ends(tmp_path):
    # words: a b c d; drop b and d
    with scan_bytes(tmp_path, b"b\n\na b c\nb d\n\nc a\nd\n") as s:
        assert s.words == ["b", "a", "c", "d"]
        n_ids, n_words = remap_ids(s, np.array([-1, 0, 1, -1], dtype=np.int32), chunk_ids=3)
        assert n_ids == 6
        assert ids_array(s.ids_path, n_ids).tolist() == [0, 1, -1, 1, 0, -1]
        assert n_words == 4
        assert s.n_ids == 6
        assert os.path.getsize(s.ids_path) == 6 * 4
        with pytest.raises(ValueError, match="already remapped"):
            remap_ids(s, np.array([-1, 0, 1, -1], dtype=np.int32))


def test_remap_keeps_everything_with_identity(tmp_path):
    with scan_bytes(tmp_path, b"x y\nz\n") as s:
        n_ids, n_words = remap_ids(s, np.arange(3, dtype=np.int32))
        assert ids_array(s.ids_path, n_ids).tolist() == [0, 1, -1, 2, -1] and n_words == 3


def test_remap_dropping_everything_gives_an_empty_stream(tmp_path):
    with scan_bytes(tmp_path, b"x y\nz\n") as s:
        assert remap_ids(s, np.full(3, -1, dtype=np.int32)) == (0, 0)
        assert os.path.getsize(s.ids_path) == 0


def test_remap_checks_the_mapping_length(tmp_path):
    with scan_bytes(tmp_path, b"x y") as s:
        with pytest.raises(ValueError, match="one entry per provisional word"):
            remap_ids(s, np.zeros(5, dtype=np.int32))


def test_remap_matches_naive_reference(tmp_path):
    rng = np.random.default_rng(3)
    words = rng.integers(0, 50, 5000)
    lines = [" ".join(f"w{w}" for w in words[i:i + rng.integers(0, 8)]) for i in range(0, 5000, 4)]
    with scan_bytes(tmp_path, "\n".join(lines).encode()) as s:
        raw = ids_of(s)
        final = np.where(rng.random(len(s.words)) < 0.5, -1, rng.integers(0, 99, len(s.words)))
        final = final.astype(np.int32)
        expected = []
        for i in raw:
            if i >= 0 and final[i] >= 0:
                expected.append(int(final[i]))
            elif i < 0 and expected and expected[-1] != -1:
                expected.append(-1)
        n_ids, n_words = remap_ids(s, final, chunk_ids=13)
        assert ids_array(s.ids_path, n_ids).tolist() == expected
        assert n_words == sum(1 for i in expected if i >= 0)


def test_utf8_check_and_repair_agree_with_python():
    rng = random.Random(11)
    pieces = [b"a", b" ", b"\x80", b"\xbf", b"\xc0", b"\xc1", b"\xc2", b"\xdf", b"\xe0", b"\xe1",
              b"\xed", b"\xef", b"\xf0", b"\xf4", b"\xf5", b"\xff", b"\x90", b"\xa0", b"\x9f",
              b"\x8f", "é".encode(), "日".encode(), "😀".encode(), b"abcdefghijklmnopq"]
    for _ in range(20_000):
        data = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 7)))
        expected = data.decode("utf-8", "replace").encode("utf-8")
        try:
            data.decode("utf-8")
            valid = True
        except UnicodeDecodeError:
            valid = False
        arr = np.frombuffer(bytearray(data), dtype=np.uint8)
        assert scan_kernels.utf8_check(arr, arr.shape[0]) == (valid, len(expected)), data
        dst = np.zeros(len(expected), dtype=np.uint8)
        assert scan_kernels.utf8_repair(arr, arr.shape[0], dst) == len(expected)
        assert dst.tobytes() == expected, data


def test_training_decodes_only_the_vocabulary_words(tmp_path, monkeypatch):
    """The scan's rare words stay bytes: a long tail of them must not become Python strings."""
    from w2v.training.params import TrainParams
    from w2v.training.trainer import train

    rare = [f"rare{i}" for i in range(5000)]
    text = "\n".join(f"the cat sat on {word} mat the dog" for word in rare) + "\n"
    (tmp_path / "c.txt").write_text(text)
    decoded = []
    original = corpus._Tables.words

    def counting(self, ids):
        decoded.append(len(ids))
        return original(self, ids)

    monkeypatch.setattr(corpus._Tables, "words", counting)
    model = train(str(tmp_path / "c.txt"), TrainParams(min_count=2, dim=8, epochs=1, threads=1), quiet=True)
    assert len(model.vocab) == 6
    assert decoded == [6]
