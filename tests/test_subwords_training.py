"""Training a subword model: rare forms learn from their stem, every word gets a vector, models round-trip."""

import gzip
import itertools
import os
import signal
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import w2v.subwords.kernels
from tests.test_resilience import resume_args
from w2v.cli import cli
from w2v.subwords import SubwordSpec
from w2v.training.params import TrainParams
from w2v.training.trainer import train
from w2v.vectors.formats import load_model, load_vectors, save_model
from w2v.vectors.query import Vectors

SHARED_CORPORA = Path(os.environ.get("W2V_CORPORA_MIRROR", Path(__file__).resolve().parents[2] / "shared" / "corpora"))
STEMS = ["kalomir", "vespudan", "trogelin", "mabrisko", "zundefor", "pilvarte", "gostemun", "herpaxil"]
SUFFIXES = ["ing", "ed", "s", "er", "ly", "ness"]


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)


def inflection_corpus(path, sentences=12_000, seed=0):
    """Each stem lives among its topic's words; its inflected forms are rare and seen only among filler.

    A whole-token model learns nothing about a rare form's topic; a subword model gets it from the
    n-grams the form shares with its stem.
    """
    rng = np.random.default_rng(seed)
    lines = []
    for _ in range(sentences):
        topic = int(rng.integers(len(STEMS)))
        words = [STEMS[topic]] + [f"c{topic}x{i}" for i in rng.integers(12, size=5)]
        rng.shuffle(words)
        lines.append(" ".join(words))
    for stem, suffix in itertools.product(STEMS, SUFFIXES):
        for _ in range(3):
            lines.append(" ".join([stem + suffix] + [f"filler{i}" for i in rng.integers(40, size=5)]))
    rng.shuffle(lines)
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def inflections(tmp_path_factory):
    path = tmp_path_factory.mktemp("inflections") / "inflections.txt"
    inflection_corpus(path)
    return str(path)


def forms_next_to_their_stem(vectors) -> float:
    """The share of rare forms whose most similar stem is their own."""
    hits = 0
    for stem, suffix in itertools.product(STEMS, SUFFIXES):
        scores = [vectors.similarity(stem + suffix, other) for other in STEMS]
        hits += STEMS[int(np.argmax(scores))] == stem
    return hits / (len(STEMS) * len(SUFFIXES))


PARAMS = dict(dim=24, window=5, min_count=1, sample=0, epochs=4, threads=1, seed=3)


@pytest.mark.parametrize("architecture", [dict(cbow=False), dict(cbow=False, kernel="classic"), dict(cbow=True)],
                         ids=["skipgram", "skipgram-classic", "cbow"])
def test_rare_inflected_forms_land_next_to_their_stem(inflections, architecture):
    model = train(inflections, TrainParams(**PARAMS, **architecture), quiet=True,
                  subwords=SubwordSpec(minn=3, maxn=5, bucket=200_000))
    assert forms_next_to_their_stem(Vectors(model.vocab.words, model.vectors)) >= 0.9
    losses = model.stats["epoch_loss"]
    assert all(np.isfinite(losses)) and losses[-1] < losses[0]


@pytest.fixture(scope="module")
def hangul_corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("hangul") / "reviews.txt"
    path.write_text("영화가 정말 재밌다\n영화를 또 보고 싶다\n배우 연기가 좋다\n" * 50, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("corpus, options, subwords, alpha", [
    ("inflections", dict(cbow=False), True, 0.0425),  # the subword skip-gram's default for Latin letters
    ("hangul_corpus", dict(cbow=False), True, 0.035),  # and for Hangul, Han and kana
    ("inflections", dict(cbow=False), False, 0.025),  # whole tokens keep word2vec.c's
    ("hangul_corpus", dict(cbow=False), False, 0.025),
    ("inflections", dict(cbow=True), True, 0.05),
    ("hangul_corpus", dict(cbow=True), True, 0.05),
    ("hangul_corpus", dict(cbow=False, alpha=0.02), True, 0.02),  # a given rate is kept
], ids=["subword-skipgram-latin", "subword-skipgram-hangul", "whole-token-skipgram-latin",
        "whole-token-skipgram-hangul", "subword-cbow-latin", "subword-cbow-hangul", "given"])
def test_a_subword_skipgram_run_starts_at_its_scripts_default_rate(request, corpus, options, subwords, alpha):
    spec = SubwordSpec(minn=1, maxn=3, bucket=20_000) if subwords else None  # lengths given: the rate still follows
    model = train(request.getfixturevalue(corpus), TrainParams(**dict(PARAMS, epochs=1), **options), quiet=True,
                  subwords=spec)
    assert model.params.starting_alpha == alpha


@pytest.mark.parametrize("corpus, options, subwords, share", [
    ("inflections", dict(cbow=False), True, 0.1),  # the subword skip-gram's default for Latin letters
    ("hangul_corpus", dict(cbow=False), True, 0.0),  # and for Hangul, Han and kana: fastText's even split
    ("inflections", dict(cbow=True), True, 0.0),  # CBOW: the even split
    ("inflections", dict(cbow=False, word_share=0.25), True, 0.25),  # a given share is kept
    ("inflections", dict(cbow=False), False, 0.0),  # whole tokens have no n-gram rows
], ids=["subword-skipgram-latin", "subword-skipgram-hangul", "subword-cbow", "given", "whole-token"])
def test_a_subword_skipgram_run_takes_its_scripts_word_share(request, corpus, options, subwords, share):
    spec = SubwordSpec(minn=1, maxn=3, bucket=20_000) if subwords else None
    model = train(request.getfixturevalue(corpus), TrainParams(**dict(PARAMS, epochs=1), **options), quiet=True,
                  subwords=spec)
    assert model.params.own_row_share == share


def test_a_word_share_changes_the_trained_vectors(inflections):
    def trained(share):
        params = TrainParams(**dict(PARAMS, epochs=1, threads=1), cbow=False, word_share=share)
        return train(inflections, params, quiet=True, subwords=SubwordSpec(minn=3, maxn=5, bucket=20_000)).vectors

    assert np.array_equal(trained(0.0), trained(0.0))
    assert not np.allclose(trained(0.0), trained(0.3), atol=1e-3)


@pytest.mark.parametrize("options, message", [
    (["--word-share", 0.2], "Error: --word-share needs --subwords: a whole-token model has no n-gram rows"),
    (["--subwords", "--word-share", 1], "Error: --word-share must be a number in [0, 1), got 1.0"),
], ids=["without-subwords", "out-of-range"])
def test_a_bad_word_share_is_one_error_line(inflections, tmp_path, options, message):
    result = run("train", inflections, "-o", tmp_path / "s.w2v", "--skipgram", "--min-count", 1, "--threads", 1,
                 *options)
    assert result.exit_code != 0
    assert result.stderr.strip().splitlines() == [message]


@pytest.mark.parametrize("options, line", [
    ([], "subwords: n-grams 1-4, skip-gram rate 0.035, word share 0 (100% of the vocabulary's letters are Hangul, "
         "syllabic or logographic; --minn/--maxn, --alpha and --word-share choose others)"),
    (["--minn", 1, "--maxn", 3], "subwords: skip-gram rate 0.035, word share 0 (100% of the vocabulary's letters "
                                 "are Hangul, syllabic or logographic; --alpha and --word-share choose others)"),
    (["--alpha", 0.03], "subwords: n-grams 1-4, word share 0 (100% of the vocabulary's letters are Hangul, syllabic "
                        "or logographic; --minn/--maxn and --word-share choose others)"),
    (["--alpha", 0.03, "--word-share", 0.2], "subwords: n-grams 1-4 (100% of the vocabulary's letters are Hangul, "
                                             "syllabic or logographic; --minn/--maxn choose others)"),
    (["--minn", 1, "--maxn", 3, "--word-share", 0.2], "subwords: skip-gram rate 0.035 (100% of the vocabulary's "
                                                      "letters are Hangul, syllabic or logographic; --alpha chooses "
                                                      "another)"),
], ids=["all-chosen", "lengths-given", "rate-given", "rate-and-share-given", "lengths-and-share-given"])
def test_the_log_says_what_the_script_chose(hangul_corpus, tmp_path, options, line):
    result = run("train", hangul_corpus, "-o", tmp_path / "k.w2v", "--subwords", "--skipgram", "--dim", 8,
                 "--min-count", 1, "--threads", 1, "--epochs", 1, *options)
    assert result.exit_code == 0, result.output
    assert line in result.stderr.splitlines()


def test_a_subword_model_given_its_lengths_rate_and_share_says_nothing_was_chosen(hangul_corpus, tmp_path):
    result = run("train", hangul_corpus, "-o", tmp_path / "k.w2v", "--subwords", "--skipgram", "--dim", 8,
                 "--min-count", 1, "--threads", 1, "--epochs", 1, "--minn", 1, "--maxn", 3, "--alpha", 0.03,
                 "--word-share", 0)
    assert result.exit_code == 0, result.output
    assert "subwords:" not in result.stderr


def test_a_whole_token_model_fails_the_same_check(inflections):
    model = train(inflections, TrainParams(**PARAMS, cbow=False), quiet=True)
    assert forms_next_to_their_stem(Vectors(model.vocab.words, model.vectors)) < 0.4


def test_unseen_forms_are_composed_next_to_their_stem(inflections):
    model = train(inflections, TrainParams(**PARAMS, cbow=False), quiet=True,
                  subwords=SubwordSpec(minn=3, maxn=5, bucket=200_000))
    vectors = Vectors(model.vocab.words, model.vectors, subwords=model.subword_table)
    unseen = [stem + "ingly" for stem in STEMS]
    assert not any(word in vectors for word in unseen)
    assert sum(vectors.nearest(word, k=1)[0][0].startswith(stem) for stem, word in zip(STEMS, unseen)) >= 7


def test_the_model_file_keeps_only_the_buckets_its_words_use_and_round_trips(inflections, tmp_path):
    model = train(inflections, TrainParams(**dict(PARAMS, epochs=1), cbow=False), quiet=True,
                  subwords=SubwordSpec(minn=3, maxn=5, bucket=2_000_000))
    path = tmp_path / "m.w2v"
    save_model(path, model.vocab.words, model.vectors, model.vocab.counts, output_ns=model.output_ns,
               subwords=model.subword_table)
    loaded = load_model(path)
    table = loaded.subwords
    assert loaded.header["subwords"] == SubwordSpec(minn=3, maxn=5, bucket=2_000_000).to_dict()
    assert np.all(np.diff(table.buckets) > 0) and table.vectors.shape == (len(table.buckets), 24)
    assert len(table.buckets) == len(model.inputs.buckets) < 10_000  # not two million rows
    assert not table.vectors.flags.writeable and not table.vectors.flags.owndata  # mapped, not read
    assert np.array_equal(table.vectors, model.ngram_vectors)
    # "vectors" are the composed vectors: the average of each word's own row and its n-gram rows
    vectors = load_vectors(path)
    assert vectors.subwords is not None
    word = "kalomiring"
    own = model.vocab.words.index(word)
    n_grams = table.rows(word)
    raw = vectors.vectors[own] * (1 + len(n_grams)) - table.vectors[n_grams].sum(axis=0)
    assert np.allclose((raw + table.vectors[n_grams].sum(axis=0)) / (1 + len(n_grams)), vectors.vectors[own])
    assert np.allclose(vectors.vector("kalomiringly"), table.compose("kalomiringly"))


def test_a_whole_token_model_file_has_no_subword_sections(tmp_path):
    path = tmp_path / "w.w2v"
    save_model(path, ["a", "b"], np.ones((2, 3), np.float32), [2, 1])
    header = load_model(path).header
    assert "subwords" not in header and "ngram_vectors" not in header["sections"]
    assert load_vectors(path).subwords is None


def test_the_cli_trains_a_subword_model_and_answers_for_unseen_words(inflections, tmp_path):
    out = tmp_path / "s.w2v"
    result = run("train", inflections, "-o", out, "--subwords", "--skipgram", "--dim", 24, "--min-count", 1,
                 "--sample", 0, "--threads", 1, "--epochs", 3)
    assert result.exit_code == 0, result.output
    assert ("subwords: n-grams 3-6, skip-gram rate 0.0425, word share 0.1 (100% of the vocabulary's letters are "
            "Latin etc., alphabetic; --minn/--maxn, --alpha and --word-share choose others)") in result.stderr
    assert load_model(out).params["alpha"] == 0.0425
    assert load_model(out).params["word_share"] == 0.1
    query = run("nearest", "kalomiringly", "-m", out, "-k", 3)
    assert query.exit_code == 0, query.output
    lines = query.stdout.splitlines()
    assert len(lines) == 3 and lines[0].startswith("kalomir")
    assert query.stderr == ("note: 'kalomiringly' is not in the vocabulary; its vector is composed from 31 of its "
                            "42 character n-grams\n")
    as_json = run("nearest", "kalomiringly", "-m", out, "-k", 1, "--json")
    assert '"composed": ["kalomiringly"]' in as_json.stdout
    similar = run("similarity", "kalomiringly", "kalomir", "-m", out)
    assert similar.exit_code == 0 and float(similar.stdout) > 0.5
    assert run("vectors", "kalomiringly", "-m", out).stdout.startswith("kalomiringly ")
    assert run("odd-one-out", "kalomiringly", "kalomir", "kalomired", "vespudan", "-m", out).stdout == "vespudan\n"
    analogy = run("analogy", "kalomir", "kalomiring", "vespudaningly", "-m", out, "-k", 1)
    assert analogy.exit_code == 0
    # a word none of whose n-grams was trained is still unknown
    unknown = run("nearest", "QQQQ", "-m", out)
    assert unknown.exit_code == 1
    assert unknown.stderr.startswith("Error: word not in vocabulary: 'QQQQ'")
    # a whole-token model does not compose
    whole = tmp_path / "w.w2v"
    assert run("train", inflections, "-o", whole, "--dim", 8, "--min-count", 1, "--epochs", 1, "-q").exit_code == 0
    assert run("nearest", "kalomiringly", "-m", whole).exit_code == 1


def test_eval_scores_out_of_vocabulary_items_through_their_ngrams(inflections, tmp_path):
    out = tmp_path / "s.w2v"
    assert run("train", inflections, "-o", out, "--subwords", "--skipgram", "--dim", 24, "--min-count", 1,
               "--sample", 0, "--threads", 1, "--epochs", 2, "-q").exit_code == 0
    pairs = "kalomir\tkalomiringly\t9\nkalomir\tvespudan\t1\nvespudaningly\tvespudan\t8\nQQQQ\tkalomir\t5\n"
    result = run("eval", "similarity", "-", "-m", out, "--json", input=pairs)
    assert result.exit_code == 0, result.output
    assert '"used": 3' in result.stdout and '"pairs": 4' in result.stdout and '"composed": 2' in result.stdout
    questions = ": inflections\nkalomir kalomiring vespudan vespudaning\nkalomiringly kalomir vespudaningly vespudan\n"
    analogies = run("eval", "analogies", "-", "-m", out, input=questions)
    assert analogies.exit_code == 0, analogies.output
    assert "questions seen: 2 of 2 (100.0 %)" in analogies.stdout
    assert "1 of them through vectors composed from n-grams" in analogies.stdout


@pytest.mark.parametrize("flags, message", [
    (["--minn", "2"], "Error: --minn needs --subwords"),
    (["--jamo"], "Error: --jamo needs --subwords"),
    (["--subwords", "--minn", "5", "--maxn", "3"], "Error: --minn 5 is greater than --maxn 3"),
    (["--subwords", "--bucket", "0"], "Error: --bucket must be between 1 and 2147483647, got 0"),
])
def test_subword_options_are_checked(inflections, tmp_path, flags, message):
    result = run("train", inflections, "-o", tmp_path / "x.w2v", *flags)
    assert result.exit_code != 0 and result.stderr.strip() == message


def test_interrupt_and_resume_a_subword_run_gives_the_same_bytes(inflections, tmp_path, monkeypatch):
    flags = ["--subwords", "--skipgram", "--dim", 16, "--min-count", 1, "--sample", 0, "--threads", 1,
             "--epochs", 3, "--seed", 5, "-q", "--bucket", 100_000]
    full = tmp_path / "full.w2v"
    assert run("train", inflections, "-o", full, *flags).exit_code == 0
    original = w2v.subwords.kernels.train_span
    calls = []

    def counting(*args):
        original(*args)
        calls.append(1)
        if len(calls) == 2:
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(w2v.subwords.kernels, "train_span", counting)
    out = tmp_path / "m.w2v"
    first = run("train", inflections, "-o", out, *flags)
    assert first.exit_code == 130, first.output
    monkeypatch.undo()
    args, _ = resume_args(first.stderr)
    assert run(*args).exit_code == 0
    assert out.read_bytes() == full.read_bytes()


def test_init_continues_a_subword_model(inflections, tmp_path):
    first = tmp_path / "first.w2v"
    flags = ["--skipgram", "--dim", 16, "--min-count", 1, "--threads", 1, "--epochs", 1, "-q"]
    assert run("train", inflections, "-o", first, "--subwords", "--bucket", 100_000, *flags).exit_code == 0
    more = tmp_path / "more.txt"
    more.write_text("kalomir brandnewword c0x1 c0x2\n" * 20, encoding="utf-8")
    grown = tmp_path / "grown.w2v"
    assert run("train", more, "-o", grown, "--init", first, *flags).exit_code == 0
    before, after = load_vectors(first), load_vectors(grown)
    assert after.subwords.spec == before.subwords.spec
    assert "brandnewword" in after and len(after.subwords.buckets) > len(before.subwords.buckets)
    # an untouched word keeps its vector (its raw row and n-gram rows were carried over)
    assert np.allclose(after.vector("herpaxilness"), before.vector("herpaxilness"), atol=1e-6)
    whole = tmp_path / "whole.w2v"
    assert run("train", inflections, "-o", whole, *flags).exit_code == 0
    refused = run("train", more, "-o", tmp_path / "x.w2v", "--init", whole, "--subwords", *flags)
    assert refused.exit_code != 0
    assert refused.stderr.strip() == (f"Error: --init {str(whole)!r} is a whole-token model: it cannot continue "
                                      f"as a subword model")


def test_real_korean_text_gives_forms_of_the_same_word(tmp_path):
    """A slice of NSMC (raw Korean reviews): an unseen form of 영화 (film) lands among forms of 영화."""
    archive = SHARED_CORPORA / "nsmc_reviews.txt.gz"
    if not archive.exists():
        pytest.skip(f"NSMC not available at {archive}")
    corpus = tmp_path / "nsmc-slice.txt"
    with gzip.open(archive, "rt", encoding="utf-8") as source:
        corpus.write_text("".join(itertools.islice(source, 60_000)), encoding="utf-8")
    params = TrainParams(cbow=False, epochs=2, threads=1, dim=50)  # one thread: deterministic
    model = train(str(corpus), params, quiet=True, subwords=SubwordSpec(minn=None, maxn=None))
    assert (model.subwords.minn, model.subwords.maxn) == (1, 4)  # chosen for Hangul
    vectors = Vectors(model.vocab.words, model.vectors, subwords=model.subword_table)
    unseen = "영화관에서였다"
    assert unseen not in vectors
    neighbours = [word for word, _ in vectors.nearest(unseen, k=10)]
    assert sum("영화" in word for word in neighbours) >= 5, neighbours
    # and forms of a word (배우, actor: 주연배우, 배우와, ...) are near it, where whole tokens find none
    assert sum("배우" in word for word, _ in vectors.nearest("배우", k=10)) >= 3
    whole = train(str(corpus), params, quiet=True)
    assert sum("배우" in word for word, _ in Vectors(whole.vocab.words, whole.vectors).nearest("배우", k=10)) <= 1
