"""Training learns, not just runs: planted analogies, and neighbours on real English text."""

import os
import zipfile
from pathlib import Path

import numpy as np
import pytest

from tests.planted import planted_analogies, planted_corpus
from w2v.training.params import TrainParams
from w2v.training.trainer import train
from w2v.vectors.query import Vectors

SHARED_CORPORA = Path(os.environ.get("W2V_CORPORA_MIRROR", Path(__file__).resolve().parents[2] / "shared" / "corpora"))


@pytest.fixture(scope="module")
def planted_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("planted") / "planted.txt"
    planted_corpus(path)
    return str(path)


def solved_share(model) -> float:
    vectors = Vectors(model.vocab.words, model.vectors)
    questions = list(planted_analogies())
    solved = sum(vectors.analogy(a, b, c, k=1)[0][0] == expected for a, b, c, expected in questions)
    return solved / len(questions)


@pytest.mark.parametrize(
    "architecture, required",
    [
        (dict(cbow=False, kernel="batched"), 0.95),
        (dict(cbow=False, kernel="classic"), 0.95),
        (dict(cbow=True), 0.95),
        # Hierarchical softmax learns this flat-frequency vocabulary more slowly (measured: 0.87, 0.72).
        (dict(cbow=False, hs=True, negative=0), 0.75),
        (dict(cbow=True, hs=True, negative=0), 0.6),
    ],
    ids=["skipgram-batched", "skipgram-classic", "cbow", "skipgram-hs", "cbow-hs"],
)
def test_trained_vectors_solve_the_planted_analogies(planted_path, architecture, required):
    # One thread and a fixed seed: the run is deterministic, so this cannot flake.
    params = TrainParams(dim=24, window=5, min_count=1, sample=0, epochs=3, threads=1, seed=3, **architecture)
    model = train(planted_path, params, quiet=True)
    assert solved_share(model) >= required
    losses = model.stats["epoch_loss"]
    assert all(np.isfinite(loss) and 0 < loss < 10 for loss in losses)
    assert losses[-1] < losses[0]


def test_untrained_vectors_do_not_solve_them(planted_path):
    """The check above can fail: random vectors of the same vocabulary solve almost nothing."""
    params = TrainParams(dim=24, min_count=1, sample=0, epochs=1, threads=1, alpha=1e-9)
    model = train(planted_path, params, quiet=True)
    assert solved_share(model) < 0.2


def test_one_thread_and_a_seed_give_identical_vectors(planted_path):
    params = dict(dim=16, min_count=1, epochs=1, threads=1, seed=7, cbow=False)
    first = train(planted_path, TrainParams(**params), quiet=True)
    second = train(planted_path, TrainParams(**params), quiet=True)
    other_seed = train(planted_path, TrainParams(**dict(params, seed=8)), quiet=True)
    assert np.array_equal(first.vectors, second.vectors)
    assert np.array_equal(first.output_ns, second.output_ns)
    assert not np.array_equal(first.vectors, other_seed.vectors)


def text8_slice(path, n_bytes: int) -> None:
    archive = SHARED_CORPORA / "text8.zip"
    if not archive.exists():
        pytest.skip(f"text8 not available at {archive}")
    with zipfile.ZipFile(archive) as zipped, zipped.open("text8") as source:
        data = source.read(n_bytes)
    with open(path, "wb") as handle:
        handle.write(data[: data.rfind(b" ")])


def test_real_english_text_gives_sensible_neighbours(tmp_path):
    """A 25 MB slice of text8 (~4M words): neighbours of common words are related words."""
    corpus = tmp_path / "text8-slice"
    text8_slice(corpus, 25_000_000)
    params = TrainParams(cbow=True, sample=1e-4, epochs=3, threads=2, min_count=5)
    model = train(str(corpus), params, quiet=True)
    vectors = Vectors(model.vocab.words, model.vectors)

    numbers = {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "zero"}
    assert len(numbers & {word for word, _ in vectors.nearest(["four"], k=5)}) >= 3
    months = {"january", "february", "march", "april", "may", "june", "july", "august", "september",
              "october", "november", "december"}
    assert len(months & {word for word, _ in vectors.nearest(["june"], k=5)}) >= 3
    countries = {"germany", "italy", "spain", "england", "russia", "britain", "austria", "netherlands",
                 "belgium", "poland", "portugal", "sweden", "europe", "french", "paris"}
    assert len(countries & {word for word, _ in vectors.nearest(["france"], k=10)}) >= 3
