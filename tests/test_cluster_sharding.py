"""The cluster run's corpus and vocabulary, without Ray: shards cut at token boundaries, counts merged."""

import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from w2v.cli import cli
from w2v.cluster.counting import CountMerger, ShardCount, count_shard
from w2v.cluster.sharding import Shard, ShardReader, assign, corpus_files, plan_shards
from w2v.errors import CorpusError
from w2v.text.corpus import scan_corpus
from w2v.text.vocab import Vocab

TEXT = ("the quick brown fox\tjumps over\n\nthe lazy dog\r\nand  the café ünïcödé words \x00again\v\fand\n"
        * 40 + "last line without an end")


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_bytes(TEXT.encode("utf-8") + b"\xff\xfe broken bytes")
    return str(path)


def read(shard):
    with open(shard.path, "rb") as f:
        f.seek(shard.start)
        return f.read(shard.size)


@pytest.mark.parametrize("pieces", [1, 2, 3, 7, 50, 5000])
def test_shards_are_the_file_cut_between_tokens(corpus, pieces):
    shards = plan_shards([corpus], pieces)
    assert b"".join(read(s) for s in shards) == open(corpus, "rb").read()
    assert all(s.size > 0 for s in shards)
    for shard in shards[1:]:
        assert read(Shard(shard.path, shard.start - 1, shard.start)) in (b" ", b"\t", b"\n", b"\v", b"\f", b"\0")
    if pieces <= 7:
        assert len(shards) == pieces


def test_a_file_without_separators_is_one_shard(tmp_path):
    path = tmp_path / "one.txt"
    path.write_bytes(b"x" * 10_000)
    assert plan_shards([str(path)], 4) == [Shard(str(path), 0, 10_000)]


def test_files_globs_and_directories(tmp_path):
    (tmp_path / "d" / "sub").mkdir(parents=True)
    for name in ("d/b.txt", "d/a.txt", "d/sub/c.txt", "d/.hidden", "e1.txt", "e2.txt"):
        (tmp_path / name).write_text("w " * 10)
    files = corpus_files([tmp_path / "d", str(tmp_path / "e*.txt"), tmp_path / "d" / "a.txt"])
    names = [f[len(str(tmp_path)) + 1:] for f in files]
    assert names == ["d/a.txt", "d/b.txt", "d/sub/c.txt", "e1.txt", "e2.txt"]
    with pytest.raises(CorpusError, match="no file matches"):
        corpus_files([str(tmp_path / "nothing*")])
    with pytest.raises(CorpusError, match="corpus not found"):
        corpus_files([str(tmp_path / "missing.txt")])
    with pytest.raises(CorpusError, match="standard input"):
        corpus_files(["-"])


def test_workers_get_contiguous_runs_of_about_equal_bytes():
    shards = [Shard("f", 0, 10)] * 8
    assert assign(shards, 4) == [[0, 1], [2, 3], [4, 5], [6, 7]]
    assert assign(shards, 1) == [list(range(8))]
    assert sum(assign(shards, 3), []) == list(range(8))


def test_merged_shard_counts_equal_the_single_process_count(corpus, tmp_path):
    with scan_corpus(corpus, workdir=tmp_path) as single:
        expected = (single.words, single.counts.tolist(), single.n_tokens)
    for pieces in (1, 3, 16):
        merger = CountMerger()
        for shard in plan_shards([corpus], pieces):
            merger.add(count_shard(shard, workdir=str(tmp_path)))
        words, counts = merger.result()
        assert (words, counts.tolist(), merger.n_tokens) == expected
        mine, theirs = Vocab.from_counts(words, counts, 1)[0], Vocab.from_counts(*expected[:2], 1)[0]
        assert (mine.words, mine.counts.tolist()) == (theirs.words, theirs.counts.tolist())


def test_a_shard_reads_as_a_stream(corpus, tmp_path):
    shard = plan_shards([corpus], 3)[1]
    with ShardReader(shard) as reader:
        buffer = bytearray(shard.size + 100)
        got = reader.readinto(memoryview(buffer))
        assert bytes(buffer[:got]) == read(shard)
        assert reader.readinto(memoryview(buffer)) == 0


def test_merging_prunes_the_rarest_words_like_word2vec_c():
    merger = CountMerger(prune_at=3)
    merger.add(ShardCount(["a", "b", "c"], np.array([5, 1, 2]), 8, 0))
    assert merger.result()[0] == ["a", "b", "c"]
    merger.add(ShardCount(["d"], np.array([1]), 1, 0))  # 4 words: drop count <= 1
    assert merger.result()[0] == ["a", "c"]
    merger.add(ShardCount(["e", "f", "c"], np.array([2, 3, 1]), 6, 0))  # 4 words: drop count <= 2
    words, counts = merger.result()
    assert (words, counts.tolist()) == (["a", "c", "f"], [5, 3, 3])
    assert merger.n_tokens == 15


def test_cluster_without_ray_says_how_to_install_it(tmp_path):
    (tmp_path / "c.txt").write_text("a b c\n" * 10)
    code = ("import sys; sys.modules['ray'] = None\n"
            "from w2v.cli import main\n"
            "sys.argv = ['w2v', 'train', sys.argv[1], '-o', sys.argv[2], '--cluster', 'local', '--min-count', '1']\n"
            "main()")
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path / "c.txt"), str(tmp_path / "m.w2v")],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "Error: --cluster needs Ray, which is not installed: pip install 'w2v[cluster]'"]
    assert not (tmp_path / "m.w2v").exists()


@pytest.mark.parametrize("flags, message", [
    (["--word-share", "0.1"], "--word-share needs --subwords, which --cluster does not take yet"),
    (["--tied"], "--tied does not work with --cluster yet: the workers keep two matrices"),
], ids=["word-share", "tied"])
def test_an_option_the_cluster_does_not_take_is_an_error_not_ignored(tmp_path, flags, message):
    (tmp_path / "c.txt").write_text("a b c\n" * 10)
    result = CliRunner().invoke(cli, ["train", str(tmp_path / "c.txt"), "-o", str(tmp_path / "m.w2v"),
                                       "--cluster", "local", "--min-count", "1", *flags])
    assert result.exit_code != 0
    assert result.output.strip().splitlines() == [f"Error: {message}"]
    assert not (tmp_path / "m.w2v").exists()


def test_several_corpora_need_cluster(tmp_path):
    (tmp_path / "c.txt").write_text("a b c\n")
    code = "import sys; from w2v.cli import main; main()"
    result = subprocess.run([sys.executable, "-c", code, "train", str(tmp_path / "c.txt"), str(tmp_path / "c.txt")],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert "need --cluster" in result.stderr
