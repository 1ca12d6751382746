import io
import os
import random
import sys
from collections import Counter

import numpy as np
import pytest

from w2v.errors import CorpusError, ParameterError
from w2v.text import phrase_kernels, phrases
from w2v.text.phrases import PhraseStats, learn_phrases


def reference_phrases(text, min_count=5, threshold=100.0, delimiter="_"):
    """word2phrase.c the slow, obvious way, for text of words separated by spaces and newlines.

    The second pass follows the C code step by step (pa, pb, li; pb = 0 after a join;
    the score in float32). Where w2v differs on purpose, this does what w2v does:
    bigrams are counted within lines only, the last word of a file without a final
    newline is kept, and lines carry no leading space.
    """
    lines = text.split("\n")
    unigrams, bigrams = Counter(), Counter()
    for line in lines:
        words = line.split()
        unigrams.update(words)
        bigrams.update(zip(words, words[1:]))
    train_words = np.float32(sum(unigrams.values()))
    vocab = {w: c for w, c in unigrams.items() if c >= min_count}
    bigram_vocab = {b: c for b, c in bigrams.items() if c >= min_count}
    limit = np.float32(threshold)
    pa = pb = 0
    li = -1
    out = []
    for line in lines:
        pieces = []
        last = None  # C's last_word is "\n" here: no bigram is ever found
        for word in line.split():
            oov = False
            if word in vocab:
                pb = vocab[word]
            else:
                oov = True
            if li == -1:
                oov = True
            li = 0 if word in vocab else -1
            pab = bigram_vocab.get((last, word))
            if pab is None:
                oov = True
            if pa < min_count or pb < min_count:
                oov = True
            score = np.float32(0) if oov else (
                np.float32(pab - min_count) / np.float32(pa) / np.float32(pb) * train_words)
            if score > limit:
                pieces.append(delimiter + word)
                pb = 0
            else:
                pieces.append(" " + word)
            pa = pb
            last = word
        out.append("".join(pieces)[1:])
    return "\n".join(out)


def run(tmp_path, text, name="in.txt", **kwargs):
    source = tmp_path / name
    if isinstance(text, str):
        text = text.encode("utf-8")
    source.write_bytes(text)
    output = tmp_path / ("out-" + name)
    stats = learn_phrases(str(source), str(output), workdir=str(tmp_path), **kwargs)
    return output.read_text(encoding="utf-8"), stats


def planted_text(lines=400, seed=0, pair=("new", "york"), cross_lines=False):
    """Random filler words, with ``pair`` planted in half the lines (split across two lines if asked)."""
    rng = random.Random(seed)
    filler = [f"w{i}" for i in range(40)]
    out = []
    for n in range(lines):
        words = [rng.choice(filler) for _ in range(rng.randint(3, 9))]
        if n % 2 == 0:
            if cross_lines:
                words.append(pair[0])
            else:
                words[rng.randrange(len(words) + 1):0] = list(pair)
        elif cross_lines and out:
            words.insert(0, pair[1])
        out.append(" ".join(words))
    return "\n".join(out) + "\n"


def random_text(seed, lines=300, vocab=200):
    """Zipf-like words, some planted pairs, empty lines; no final newline for even seeds."""
    rng = random.Random(seed)
    words = [f"v{i}" for i in range(vocab)]
    weights = [1 / (i + 1) for i in range(vocab)]
    pairs = [(rng.choice(words[20:]), rng.choice(words[20:])) for _ in range(6)]
    out = []
    for _ in range(lines):
        line = []
        for _ in range(rng.randint(0, 10)):
            if rng.random() < 0.1:
                line.extend(rng.choice(pairs))
            else:
                line.append(rng.choices(words, weights)[0])
        out.append(" ".join(line))
    return "\n".join(out) + ("\n" if seed % 2 else "")


# -- word2phrase's behaviour ------------------------------------------------------------------


def test_planted_pair_becomes_a_phrase_and_random_pairs_do_not(tmp_path):
    text = planted_text()
    out, stats = run(tmp_path, text, threshold=10)
    assert out.count("new_york") == text.count("new york") == 200
    assert " new " not in f" {out} " and " york " not in f" {out} "
    assert [t for t in out.split() if "_" in t] == ["new_york"] * 200
    assert stats.phrases == 1 and stats.phrase_tokens == 200
    assert out.replace("new_york", "new york") == text


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("min_count, threshold",
                         [(5, 40.0), (5, 50.0), (3, 20.0), (1, 5.0), (10, 1.0), (2, 0.0)])
def test_same_text_as_a_reference_word2phrase(tmp_path, seed, min_count, threshold):
    text = random_text(seed)
    out, stats = run(tmp_path, text, min_count=min_count, threshold=threshold)
    expected = reference_phrases(text, min_count, threshold)
    assert out == expected
    assert stats.phrase_tokens == sum(t.count("_") for t in expected.split())
    assert stats.tokens == len(text.split())
    assert stats.lines == text.count("\n")
    assert stats.words == len(set(text.split()))


def test_reference_comparison_forms_phrases(tmp_path):
    # the comparison above is worth something only if phrases do form (and not everywhere)
    text = random_text(3)
    out, stats = run(tmp_path, text, min_count=3, threshold=20.0)
    assert 0 < stats.phrase_tokens < stats.tokens // 4


def test_score_is_float32_arithmetic_as_in_word2phrase():
    rng = np.random.default_rng(0)
    f32 = np.float32
    for _ in range(2000):
        min_count = int(rng.integers(0, 10))
        count_a, count_b = (int(c) for c in rng.integers(min_count + 1, 10**7, size=2))
        count_ab = int(rng.integers(min_count, min(count_a, count_b) + 1))
        train_words = f32(rng.integers(max(count_a, count_b), 10**9))
        score = f32(count_ab - min_count) / f32(count_a) / f32(count_b) * train_words
        for threshold in (score, np.nextafter(score, f32(0)), np.nextafter(score, f32(np.inf))):
            expected = score > threshold
            assert phrase_kernels._joins(count_ab, count_a, count_b, min_count, train_words,
                                         f32(threshold)) == expected
    assert phrase_kernels._joins(6, 3, 7, 3, f32(21), f32(0.0)) is True
    assert phrase_kernels._joins(6, 3, 7, 5, f32(21), f32(0.0)) is False  # a word under min_count
    assert phrase_kernels._joins(4, 7, 7, 5, f32(21), f32(-1.0)) is False  # the bigram under min_count


def test_float32_score_decides_as_word2phrase_does(tmp_path):
    # (6 - 5) / 6 / 10 * 1200 is 20 exactly, but 20.000002 in word2phrase's float32 arithmetic
    assert (6 - 5) / 6 / 10 * 1200 == 20.0
    lines = ["a b"] * 6 + ["b"] * 4 + [" ".join(f"x{i}-{j}" for j in range(8)) for i in range(148)]
    text = "\n".join(lines) + "\n"
    assert len(text.split()) == 1200
    out, stats = run(tmp_path, text, min_count=5, threshold=20.0)
    assert stats.phrase_tokens == 6 and out.count("a_b") == 6
    out, stats = run(tmp_path, text, min_count=5, threshold=float(np.nextafter(np.float32(20.000002), 1e9)))
    assert stats.phrase_tokens == 0


def test_a_word_that_ends_a_phrase_does_not_begin_one(tmp_path):
    text = "a b c\n" * 50
    out, _ = run(tmp_path, text, min_count=1, threshold=0.0)
    assert out == "a_b c\n" * 50
    out, _ = run(tmp_path, text, min_count=0, threshold=0.0)
    assert out == "a_b c\n" * 50


def test_bigrams_do_not_cross_lines(tmp_path):
    text = planted_text(cross_lines=True)
    assert text.count("new\nyork") == 200 and "new york" not in text
    out, stats = run(tmp_path, text, min_count=1, threshold=0.0)
    assert "new_york" not in out
    within_lines = {pair for line in text.split("\n") for pair in zip(line.split(), line.split()[1:])}
    assert ("new", "york") not in within_lines and stats.bigrams == len(within_lines)
    assert out.count("\n") == text.count("\n")
    joined, _ = run(tmp_path, text.replace("new\nyork", "new york"), name="joined.txt", threshold=10)
    assert joined.count("new_york") == 200


def test_trigrams_by_running_twice(tmp_path):
    # the demo's thresholds, 200 then 100: "new york times" in 200 of 2000 lines of 30 rare words
    rng = random.Random(1)
    filler = [f"w{i}" for i in range(1000)]
    lines = []
    for n in range(2000):
        words = [rng.choice(filler) for _ in range(30)]
        if n % 10 == 0:
            words[2:2] = ["new", "york", "times"]
        lines.append(" ".join(words))
    source = tmp_path / "in.txt"
    source.write_text("\n".join(lines) + "\n")
    first, second = tmp_path / "p0.txt", tmp_path / "p1.txt"
    learn_phrases(str(source), str(first), threshold=200)
    text = first.read_text()
    assert text.count("new_york times") == 200 and "york_times" not in text
    stats = learn_phrases(str(first), str(second), threshold=100)
    text = second.read_text()
    assert text.count("new_york_times") == 200
    assert stats.phrases == 1
    assert text.replace("_", " ") == source.read_text()


# -- input and output -------------------------------------------------------------------------


def test_stdin_to_stdout(monkeypatch):
    data = planted_text().encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    stdout = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    monkeypatch.setattr(sys, "stdout", stdout)
    stats = learn_phrases("-", "-", threshold=10)
    stdout.flush()
    assert stdout.buffer.getvalue().decode() == data.decode().replace("new york", "new_york")
    assert stats.phrase_tokens == 200


def test_stdout_without_a_byte_buffer(tmp_path, monkeypatch):
    source = tmp_path / "in.txt"
    source.write_text("café crème brûlée\n" * 10)
    stdout = io.StringIO()
    monkeypatch.setattr(sys, "stdout", stdout)
    learn_phrases(str(source), "-", min_count=1, threshold=0.0)
    assert stdout.getvalue() == "café_crème brûlée\n" * 10


@pytest.mark.parametrize("data, expected", [(b"", ""), (b"\n\n", "\n\n"), (b" \t\r\n", "\n")])
def test_empty_input(tmp_path, data, expected):
    out, stats = run(tmp_path, data)
    assert out == expected
    assert stats.tokens == stats.words == stats.bigrams == stats.phrases == stats.phrase_tokens == 0


def test_output_is_the_normalized_text(tmp_path):
    data = b"  a\tb   c \r\nd\x0be\x0cf\x00g\xffh\n\n\r\n  \nlast words"
    out, stats = run(tmp_path, data, min_count=100)
    assert out == "a b c\nd e f g\ufffdh\n\n\n\nlast words"
    assert stats.lines == 5 and stats.tokens == 9


def test_long_and_unicode_words_are_kept_whole(tmp_path):
    long_a, long_b = "x" * 300, "ÿ" * 100
    out, _ = run(tmp_path, f"{long_a} {long_b} end\n" * 20, min_count=1, threshold=0.0)
    assert out == f"{long_a}_{long_b} end\n" * 20


def test_delimiter(tmp_path):
    text = planted_text()
    out, _ = run(tmp_path, text, threshold=10, delimiter="+=")
    assert out == text.replace("new york", "new+=york")


def test_min_count_and_threshold(tmp_path):
    text = planted_text()  # 200 "new york" in 400 lines
    assert run(tmp_path, text, threshold=10, min_count=5)[1].phrase_tokens == 200
    assert run(tmp_path, text, threshold=10, min_count=200)[1].phrase_tokens == 0  # score (200 - 200) / ...
    assert run(tmp_path, text, threshold=10, min_count=201)[1].phrase_tokens == 0  # words too rare
    found = [run(tmp_path, text, min_count=1, threshold=t)[1] for t in (0.0, 1.0, 5.0, 20.0, 1e6)]
    counts = [s.phrases for s in found]
    assert counts == sorted(counts, reverse=True) and counts[0] > 1 and counts[-1] == 0


def test_stats(tmp_path):
    out, stats = run(tmp_path, "a b\nc a b\nd\n", min_count=1, threshold=0.0)
    assert out == "a_b\nc a_b\nd\n"
    assert stats == PhraseStats(tokens=6, lines=3, words=4, bigrams=2, phrases=1, phrase_tokens=2,
                                prunes=0, seconds=stats.seconds)
    assert stats.seconds >= 0


def test_progress_gets_updates_and_a_summary(tmp_path):
    class Recorder:
        def __init__(self):
            self.updates, self.lines = [], []

        def update(self, text):
            self.updates.append(text)

        def line(self, text):
            self.lines.append(text)

    progress = Recorder()
    run(tmp_path, planted_text(), threshold=10, progress=progress)
    assert progress.updates and len(progress.lines) == 1
    assert "1 phrases formed (200 occurrences)" in progress.lines[0]


def test_output_may_replace_its_source(tmp_path):
    source = tmp_path / "in.txt"
    source.write_text(planted_text())
    learn_phrases(str(source), str(source), threshold=10)
    assert source.read_text().count("new_york") == 200
    assert os.listdir(tmp_path) == ["in.txt"]


def test_errors_leave_no_partial_output(tmp_path, monkeypatch):
    source = tmp_path / "in.txt"
    source.write_text(planted_text(lines=2000))
    output = tmp_path / "out.txt"
    output.write_text("old\n")
    real = phrase_kernels.write_phrases
    calls = []

    def failing(*args):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk on fire")
        return real(*args)

    monkeypatch.setattr(phrases, "OUT_BYTES", 256)
    monkeypatch.setattr(phrases.K, "write_phrases", failing)
    with pytest.raises(RuntimeError):
        learn_phrases(str(source), str(output), threshold=10, workdir=str(tmp_path))
    assert output.read_text() == "old\n"
    assert sorted(os.listdir(tmp_path)) == ["in.txt", "out.txt"]

    with pytest.raises(CorpusError, match="corpus not found"):
        learn_phrases(str(tmp_path / "missing.txt"), str(tmp_path / "new.txt"))
    assert sorted(os.listdir(tmp_path)) == ["in.txt", "out.txt"]


def test_unwritable_output(tmp_path):
    source = tmp_path / "in.txt"
    source.write_text("a b\n")
    with pytest.raises(CorpusError, match=r"cannot write phrases: .*no such file or directory"):
        learn_phrases(str(source), str(tmp_path / "nowhere" / "out.txt"))
    with pytest.raises(CorpusError, match="is a directory"):
        learn_phrases(str(source), str(tmp_path))


@pytest.mark.parametrize("kwargs, message", [
    (dict(min_count=-1), "min count must be a whole number >= 0, not -1"),
    (dict(min_count=2.5), "min count"),
    (dict(threshold=-1), "threshold must be a number >= 0, not -1"),
    (dict(threshold=float("nan")), "threshold"),
    (dict(threshold="x"), "threshold"),
    (dict(prune_at=0), "prune-at must be a whole number >= 1, not 0"),
    (dict(delimiter=""), "delimiter"),
    (dict(delimiter="a b"), "delimiter"),
])
def test_bad_parameters(tmp_path, kwargs, message):
    source = tmp_path / "in.txt"
    source.write_text("a b\n")
    with pytest.raises(ParameterError, match=message):
        learn_phrases(str(source), str(tmp_path / "out.txt"), **kwargs)
    assert not (tmp_path / "out.txt").exists()


# -- the tables: growth, pruning, chunking ----------------------------------------------------


def test_small_tables_chunks_and_buffers_give_the_same_text(tmp_path, monkeypatch):
    text = random_text(5, lines=500)
    expected, expected_stats = run(tmp_path, text, min_count=3, threshold=20.0)
    monkeypatch.setattr(phrases._Bigrams, "initial_bits", 1)
    monkeypatch.setattr(phrases, "CHUNK_IDS", 7)
    monkeypatch.setattr(phrases, "OUT_BYTES", 1)
    out, stats = run(tmp_path, text, min_count=3, threshold=20.0)
    assert out == expected
    stats.seconds = expected_stats.seconds
    assert stats == expected_stats


def test_pruning_bounds_the_table_and_keeps_strong_pairs(tmp_path):
    text = planted_text(lines=1000)
    exact, exact_stats = run(tmp_path, text, min_count=1, threshold=10)
    assert exact_stats.prunes == 0 and exact_stats.bigrams > 200
    out, stats = run(tmp_path, text, min_count=1, threshold=10, prune_at=200)
    assert stats.prunes > 0 and stats.bigrams <= 200
    assert out.count("new_york") == 500
    assert out.replace("_", " ") == text
    assert run(tmp_path, text, min_count=1, threshold=10, prune_at=exact_stats.bigrams)[0] == exact
