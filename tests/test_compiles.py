"""What a run compiles: only the specialisations it uses, once each, and nothing the second time.

Each run is a fresh process with its own empty Numba cache directory; a listener on Numba's
compile events records every function compiled (the count is checked, never the time).
"""

import pytest

from tests.compiles import compiled_by


def compiles(tmp_path, cache, *args):
    """The w2v functions a fresh process compiles running ``w2v *args`` with Numba cache ``cache``."""
    records = compiled_by(tmp_path, *args, cache=cache)
    return [name for name, _ in records], records


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("the cat sat on the mat while the dog ran\n" * 300)
    return path


@pytest.mark.parametrize("flags, used, unused", [
    (["--cbow"], "w2v.training.kernels.train_span_cbow", "w2v.training.kernels.train_span_skipgram"),
    (["--skipgram", "--hs", "--negative", "0"], "w2v.training.kernels.train_span_skipgram",
     "w2v.training.kernels.train_span_cbow"),
])
def test_a_training_run_compiles_its_own_kernel_once_and_not_the_other(tmp_path, corpus, flags, used, unused):
    args = ["train", str(corpus), "-o", str(tmp_path / "m.w2v"), "--min-count", "1", "--dim", "8", "--epochs", "1",
            "-q", *flags]
    names, records = compiles(tmp_path, tmp_path / "cache", *args)
    assert names.count(used) == 1
    assert unused not in names
    assert not [name for name in names if name.startswith("w2v.subwords.kernels.train_span")]
    # One specialisation per function: a literal or a differently typed argument at one call site
    # would compile a second one (a cold run pays for each).
    repeated = sorted({name for name in names if names.count(name) > 1})
    assert not repeated, [record for record in records if record[0] in repeated]

    again, _ = compiles(tmp_path, tmp_path / "cache", *args)
    assert again == []  # everything came from the cache


@pytest.mark.parametrize("flags, used, unused", [
    (["--skipgram"], "w2v.subwords.kernels.train_span_skipgram", "w2v.subwords.kernels.train_span_general"),
    (["--cbow"], "w2v.subwords.kernels.train_span_general", "w2v.subwords.kernels.train_span_skipgram"),
    (["--skipgram", "--kernel", "classic"], "w2v.subwords.kernels.train_span_general",
     "w2v.subwords.kernels.train_span_skipgram"),
])
def test_a_subword_run_compiles_its_subword_kernel_and_not_the_others(tmp_path, corpus, flags, used, unused):
    args = ["train", str(corpus), "-o", str(tmp_path / "m.w2v"), "--min-count", "1", "--dim", "8", "--epochs", "1",
            "-q", "--subwords", "--bucket", "1000", *flags]
    names, records = compiles(tmp_path, tmp_path / "cache", *args)
    assert names.count(used) == 1
    assert unused not in names
    assert "w2v.training.kernels.train_span_cbow" not in names
    assert "w2v.training.kernels.train_span_skipgram" not in names
    repeated = sorted({name for name in names if names.count(name) > 1})
    assert not repeated, [record for record in records if record[0] in repeated]
    assert compiles(tmp_path, tmp_path / "cache", *args)[0] == []
