"""Property-based fuzzing of the model and vectors readers.

Random truncations, byte flips, inserted and deleted bytes, and overwritten runs of
valid files (native model, word2vec text, word2vec binary, GloVe text) must give
either a clean ModelError or a loaded result that is internally consistent, never
another exception, a hang or a crash.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from w2v.errors import ModelError, W2VError
from w2v.vectors.formats import load_model, load_vectors, save_model, save_word2vec

WORDS = ["the", "of", "café", "日本", "x", "naïve", "a-b", "z"]
VECTORS = np.random.default_rng(0).normal(size=(len(WORDS), 5)).astype(np.float32)


def _bytes_of(write) -> bytes:
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "f")
        write(path)
        with open(path, "rb") as f:
            return f.read()


VALID = {
    "native": _bytes_of(lambda p: save_model(p, WORDS, VECTORS, np.arange(8, 0, -1), output_ns=VECTORS,
                                             output_hs=VECTORS[:-1], params={"dim": 5}, corpus={"path": "x"})),
    "text": _bytes_of(lambda p: save_word2vec(p, WORDS, VECTORS)),
    "binary": _bytes_of(lambda p: save_word2vec(p, WORDS, VECTORS, binary=True)),
}
VALID["glove"] = VALID["text"].split(b"\n", 1)[1]


@st.composite
def mutated(draw):
    kind = draw(st.sampled_from(sorted(VALID)))
    data = bytearray(VALID[kind])
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["truncate", "flip", "insert", "delete", "overwrite"]))
        if action == "truncate":
            del data[at:]
        elif action == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif action == "delete":
            del data[at:at + draw(st.integers(1, 16))]
        else:
            chunk = draw(st.sampled_from([b"\xff" * 8, b"\x00" * 8, b"\x7f\x80\x00\x00" * 2, b"nan inf ", b"\n\n",
                                          b"9999999999 ", b" ", b"\x80", b'"', b"}"]))
            data[at:at + len(chunk)] = chunk
    return kind, bytes(data)


def check_consistent(vectors):
    n = len(vectors)
    assert n >= 1
    assert vectors.vectors.shape[0] == n and vectors.vectors.ndim == 2 and vectors.vectors.shape[1] >= 1
    words = list(vectors.words)
    assert len(words) == n and all(isinstance(w, str) for w in words)
    try:  # and it answers a query (or says clearly why not)
        vectors.nearest([words[0]], k=3)
    except W2VError:
        pass


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutated())
def test_mutated_files_load_or_fail_with_a_model_error(tmp_path, case):
    kind, data = case
    path = tmp_path / "mutated"
    path.write_bytes(data)
    try:
        vectors = load_vectors(str(path))
    except ModelError as error:
        message = str(error)
        assert "\n" not in message and str(path) in message
    else:
        check_consistent(vectors)
    if kind == "native":
        try:
            model = load_model(str(path))
        except ModelError:
            pass
        else:
            assert model.vectors.shape == (model.vocab_size, model.dim)
            assert len(model.words) == model.vocab_size


@pytest.mark.parametrize("kind", sorted(VALID))
def test_every_truncation_of_a_small_file_fails_cleanly_or_loads(tmp_path, kind):
    data = VALID[kind]
    path = tmp_path / "cut"
    step = max(1, len(data) // 300)
    for end in range(0, len(data), step):
        path.write_bytes(data[:end])
        try:
            check_consistent(load_vectors(str(path)))
        except ModelError:
            pass


def test_the_unmutated_files_load_exactly(tmp_path):
    for kind, data in VALID.items():
        path = tmp_path / kind
        path.write_bytes(data)
        vectors = load_vectors(str(path))
        assert list(vectors.words) == WORDS
        tolerance = 1e-5 if kind in ("text", "glove") else 0
        np.testing.assert_allclose(vectors.vectors, VECTORS, rtol=tolerance, atol=tolerance)
