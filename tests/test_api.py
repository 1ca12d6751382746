"""The Python library: w2v.train on every kind of corpus, w2v.load, the query face, gensim, progress, Ctrl-C."""

import inspect
import os
import signal
import subprocess
import sys
import types

import numpy as np
import pytest

import w2v
import w2v.training.trainer
from tests.planted import planted_analogies, planted_corpus
from w2v.training.params import TrainParams
from w2v.training.progress import NotebookProgress, Reporter, in_notebook

FAST = dict(dim=16, epochs=2, threads=1, seed=3, min_count=1, quiet=True)


@pytest.fixture(scope="module")
def planted_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("planted") / "planted.txt"
    planted_corpus(path, sentences=6000)
    return str(path)


@pytest.fixture(scope="module")
def lines(planted_path):
    with open(planted_path, encoding="utf-8") as f:
        return f.read().splitlines()


@pytest.fixture(scope="module")
def model(lines):
    return w2v.train([line.split() for line in lines], dim=24, epochs=10, threads=1, seed=1, min_count=1,
                     cbow=False, quiet=True)


# -- corpus kinds ----------------------------------------------------------------------------------


def test_every_kind_of_corpus_gives_the_same_vectors(planted_path, lines):
    from pathlib import Path

    by_path = w2v.train(planted_path, **FAST)
    kinds = {
        "pathlib": Path(planted_path),
        "token lists": [line.split() for line in lines],
        "token tuples": [tuple(line.split()) for line in lines],
        "strings": list(lines),
        "bytes": [line.encode("utf-8") for line in lines],
        "generator": (line.split() for line in lines),
        "one string with newlines": ["\n".join(lines)],
    }
    for kind, corpus in kinds.items():
        model = w2v.train(corpus, **FAST)
        assert model.words == by_path.words, kind
        assert np.array_equal(model.vectors, by_path.vectors), kind
        assert np.array_equal(model.counts, by_path.counts), kind


def test_a_generator_is_read_once(lines):
    reads = []

    def sentences():
        reads.append(1)
        for line in lines:
            yield line.split()

    model = w2v.train(sentences(), **FAST)
    assert reads == [1]
    assert model.corpus["sentences"] == len(lines)


def test_the_model_learns_from_python_sentences(model):
    questions = list(planted_analogies())
    solved = sum(model.analogy(a, b, c, k=1)[0][0] == expected for a, b, c, expected in questions)
    assert solved / len(questions) > 0.9


def test_empty_tokens_are_skipped_like_the_reader_skips_double_spaces(lines):
    plain = w2v.train([line.split() for line in lines], **FAST)
    padded = w2v.train([[""] + line.split() + [""] for line in lines] + [[]], **FAST)
    assert np.array_equal(plain.vectors, padded.vectors)


@pytest.mark.parametrize("corpus, message", [
    ([], "corpus is empty: the sentences given"),
    ([[], []], "corpus is empty: the sentences given"),
    ([""], "corpus is empty: the sentences given"),
    ([["a", 1]], "sentence 1 holds a token of type int (1): tokens must be str"),
    ([["a"], ["new york", "city"]], "sentence 2 holds a token with whitespace ('new york'): a token is one word"),
    ([["a\tb"]], "sentence 1 holds a token with whitespace ('a\\tb')"),
    ([["a"], "b c"], "sentence 2 is a str ('b c'), not a list of tokens, like the first one"),
    (["a b", ["c"]], "sentence 2 is a list (['c']), not a string"),
    ([["a"], 5], "sentence 2 is a int (5), not a list of tokens"),
    (5, "the corpus must be a path or an iterable of sentences (token lists or strings), got int"),
    ("/no/such/corpus.txt", "corpus not found: '/no/such/corpus.txt'"),
])
def test_unusable_corpora_are_clear_errors(corpus, message):
    with pytest.raises(w2v.CorpusError) as error:
        w2v.train(corpus, **FAST)
    assert message in str(error.value)


def test_a_words_below_min_count_corpus_says_so():
    with pytest.raises(w2v.CorpusError, match="no word occurs at least 5 times in the sentences given"):
        w2v.train([["a", "b"]], quiet=True)


# -- keywords --------------------------------------------------------------------------------------


def test_every_training_parameter_is_a_keyword_with_the_cli_default():
    signature = inspect.signature(w2v.train)
    for field in TrainParams.__dataclass_fields__.values():
        if field.default is not field.default_factory:  # threads: None means the number of cores
            expected = None if field.name == "threads" else field.default
            assert signature.parameters[field.name].default == expected, field.name
        assert f"    {field.name}=" in w2v.train.__doc__, field.name
    for name in ("quiet", "on_epoch", "callbacks", "prune_at"):
        assert name in signature.parameters


def test_help_lists_every_parameter(capsys):
    help(w2v.train)
    text = capsys.readouterr().out
    for name in inspect.signature(w2v.train).parameters:
        assert name in text


def test_an_unknown_keyword_is_a_type_error_naming_the_close_ones():
    with pytest.raises(TypeError, match=r"train\(\) got an unexpected keyword argument 'windows'; "
                                        r"did you mean 'window'\?"):
        w2v.train([["a"]], windows=3)
    with pytest.raises(TypeError, match="'vector_size'; w2v calls it dim"):
        w2v.train([["a"]], vector_size=3)


@pytest.mark.parametrize("options, message", [
    (dict(dim=0), "--dim must be between 1 and 10000, got 0"),
    (dict(dim=2.5), "--dim must be an integer, got 2.5"),
    (dict(cbow="yes"), "--cbow must be True or False, got 'yes'"),
    (dict(negative=0), "nothing to train: use --negative N (N > 0) or --hs"),
    (dict(kernel="fast"), "--kernel must be one of batched, classic, got 'fast'"),
    (dict(sample="1e-3"), "--sample must be a number, got '1e-3'"),
])
def test_bad_values_are_parameter_errors_with_the_cli_messages(options, message):
    with pytest.raises(w2v.ParameterError) as error:
        w2v.train([["a"]], **options)
    assert str(error.value) == message


def test_whole_numbers_and_numpy_scalars_are_accepted(lines):
    model = w2v.train([line.split() for line in lines[:500]], **{**FAST, "dim": np.int64(8), "epochs": 1.0})
    assert model.dim == 8 and model.params.epochs == 1


# -- the query face --------------------------------------------------------------------------------


def test_query_face(model):
    assert len(model) == len(model.words) == model.vectors.shape[0]
    assert model.dim == 24
    assert "t1_m" in model and "nope" not in model
    assert list(model)[:3] == model.words[:3]
    assert model.counts.dtype == np.int64 and model.counts[0] >= model.counts[-1]
    king = model["t1_m"]
    assert king.shape == (24,) and king.dtype == np.float32
    assert model[["t1_m", "t2_f"]].shape == (2, 24)
    neighbours = model.nearest("t1_m", k=5)
    assert len(neighbours) == 5 and all(isinstance(w, str) and isinstance(s, float) for w, s in neighbours)
    assert "t1_m" not in dict(neighbours)
    assert model.nearest(["t1_m", "t2_f"], 3, negative=["t1_f"])[0][0] == "t2_m"
    assert model.analogy("t1_m", "t1_f", "t2_f", k=1)[0][0] == "t2_m"
    assert model.analogy("t1_m", "t1_f", "t2_f", k=1, cosmul=True)[0][0] == "t2_m"
    assert model.nearest_to_vector(model["t3_f"], k=1)[0][0] == "t3_f"
    assert model.similarity("t1_m", "t1_m") == pytest.approx(1.0, abs=1e-5)
    odd = model.odd_one_out(["c1_0", "c1_1", "c1_2", "c5_0"])
    assert odd[0][0] == "c5_0"
    assert model.get("nope") is None


def test_vectors_are_read_only_and_shared_with_numpy_libraries(model):
    with pytest.raises(ValueError):
        model.vectors[0, 0] = 1.0
    assert np.shares_memory(np.asarray(model.vectors), model.vectors)


def test_an_unknown_word_names_suggestions(model):
    with pytest.raises(w2v.UnknownWordError) as error:
        model["t1_x"]
    assert error.value.word == "t1_x"
    assert "t1_m" in error.value.suggestions
    assert str(error.value).startswith("word not in vocabulary: 't1_x'; did you mean: ")
    assert isinstance(error.value, w2v.W2VError) and isinstance(error.value, KeyError)
    from w2v.errors import WordNotFound

    assert WordNotFound is w2v.UnknownWordError  # the CLI's name for it


# -- files -----------------------------------------------------------------------------------------


def maps_a_file(array) -> bool:
    import mmap

    while array is not None and not isinstance(array, mmap.mmap):
        array = getattr(array, "base", None)
    return array is not None


def test_save_and_load_a_native_model(model, tmp_path):
    path = tmp_path / "m.w2v"
    model.save(path)
    loaded = w2v.load(path)
    assert isinstance(loaded, w2v.Model)
    assert loaded.words == model.words
    assert np.array_equal(loaded.vectors, model.vectors)
    assert np.array_equal(loaded.counts, model.counts)
    assert np.array_equal(loaded.output_ns, model.output_ns)
    assert loaded.params.to_dict() == model.params.to_dict()
    assert loaded.epoch_loss == pytest.approx(model.epoch_loss)
    assert maps_a_file(loaded.vectors) and not loaded.vectors.flags.writeable
    assert loaded.nearest("t1_m", k=3) == model.nearest("t1_m", k=3)
    limited = w2v.load(path, limit=5)
    assert limited.words == model.words[:5]


def test_the_cli_reads_a_saved_model(model, tmp_path):
    path = tmp_path / "m.w2v"
    model.save(path)
    out = subprocess.run([sys.executable, "-m", "w2v", "nearest", "t1_m", "-m", str(path), "-k", "1"],
                         capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=os.getcwd()))
    assert out.stdout.split("\t")[0] == model.nearest("t1_m", k=1)[0][0]


@pytest.mark.parametrize("binary", [False, True])
def test_export_and_load_word2vec_files(model, tmp_path, binary):
    path = tmp_path / ("v.bin" if binary else "v.txt")
    model.export(path, binary=binary)
    loaded = w2v.load(path)
    assert type(loaded) is w2v.Vectors
    assert loaded.words == model.words
    np.testing.assert_allclose(loaded.vectors, model.vectors, rtol=1e-5, atol=1e-6)
    assert [w for w, _ in loaded.nearest("t1_m")] == [w for w, _ in model.nearest("t1_m")]


def test_loading_a_bad_file_is_a_model_error(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("2 3\nа 1 2\n")
    with pytest.raises(w2v.ModelError, match="line 2 has 2 values, expected 3"):
        w2v.load(path)
    with pytest.raises(w2v.ModelError, match="vectors file not found"):
        w2v.load(tmp_path / "missing.bin")


# -- gensim ----------------------------------------------------------------------------------------


def test_to_gensim_gives_the_same_neighbours(model):
    kv = model.to_gensim()
    assert kv.index_to_key == model.words
    assert np.shares_memory(kv.vectors, model.vectors)
    assert kv.get_vecattr("t1_m", "count") == model.counts[model.index("t1_m")]
    ours = model.nearest("t1_m", k=10)
    theirs = kv.most_similar("t1_m", topn=10)
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], atol=1e-5)


def test_from_gensim_keyed_vectors_and_word2vec(lines):
    from gensim.models import Word2Vec

    sentences = [line.split() for line in lines]
    gensim_model = Word2Vec(sentences, vector_size=16, min_count=1, epochs=2, workers=1, seed=1)
    from_kv = w2v.from_gensim(gensim_model.wv)
    assert from_kv.words == list(gensim_model.wv.index_to_key)
    assert [w for w, _ in from_kv.nearest("t1_m", k=5)] == \
        [w for w, _ in gensim_model.wv.most_similar("t1_m", topn=5)]
    whole = w2v.from_gensim(gensim_model)
    assert whole.params.dim == 16 and whole.params.cbow and whole.output_ns is not None
    assert np.array_equal(whole.counts, [gensim_model.wv.get_vecattr(w, "count") for w in whole.words])
    whole.train_more([s + ["newword"] for s in sentences[:3000]], epochs=1, threads=1, quiet=True)
    assert "newword" in whole


def test_to_gensim_without_gensim_says_what_to_install(model, monkeypatch):
    monkeypatch.setitem(sys.modules, "gensim", None)
    monkeypatch.setitem(sys.modules, "gensim.models", None)
    with pytest.raises(ImportError, match="pip install gensim"):
        model.to_gensim()


# -- continued training ----------------------------------------------------------------------------


def test_train_more_grows_the_vocabulary(lines, tmp_path):
    first = w2v.train([line.split() for line in lines[:3000]], **FAST)
    path = tmp_path / "first.w2v"
    first.save(path)
    loaded = w2v.load(path)
    grown = loaded.train_more([line.split() + ["fresh"] for line in lines[3000:]], epochs=1, quiet=True)
    assert grown is loaded and "fresh" in grown and grown.params.epochs == 1
    assert len(grown) == len(first) + 1
    assert grown.counts[grown.index("fresh")] == len(lines) - 3000
    assert grown.corpus["init"] == str(path)
    # in memory too, without a file
    again = first.train_more([["fresh"] * 5], epochs=1, quiet=True)
    assert "fresh" in again
    with pytest.raises(w2v.ParameterError, match="--dim 8 differs from the model's 16"):
        first.train_more(lines, dim=8)


# -- progress, callbacks and Ctrl-C ----------------------------------------------------------------


def test_the_callbacks_receive_every_epochs_loss(lines):
    seen, more = [], []
    model = w2v.train([line.split() for line in lines], **{**FAST, "epochs": 3},
                      on_epoch=lambda epoch, loss, words: seen.append((epoch, loss, words)),
                      callbacks=[lambda *args: more.append(args)])
    assert [epoch for epoch, _, _ in seen] == [1, 2, 3]
    assert [loss for _, loss, _ in seen] == pytest.approx(model.epoch_loss)
    assert all(words == 7 * len(lines) for _, _, words in seen)
    assert more == seen


def test_a_failing_callback_stops_training_and_raises(lines):
    def fail(epoch, loss, words):
        raise ValueError("plot failed")

    with pytest.raises(ValueError, match="plot failed"):
        w2v.train([line.split() for line in lines], **{**FAST, "epochs": 3}, on_epoch=fail)


def test_progress_on_a_stream_is_the_cli_text(lines, capsys):
    w2v.train([line.split() for line in lines], **{**FAST, "quiet": False})
    err = capsys.readouterr().err
    assert "read 42,000 words, " in err
    assert "epoch 1/2: loss " in err and "epoch 2/2: loss " in err
    assert "trained 84,000 words in " in err


class FakeHandle:
    def __init__(self, shown):
        self.shown = shown

    def update(self, bundle, raw=False):
        assert raw
        self.shown.append(bundle["text/plain"])


class FakeDisplay:
    """IPython.display.display: records what is shown, returns a handle when display_id=True."""

    def __init__(self):
        self.calls, self.shown = 0, []

    def __call__(self, bundle, raw=False, display_id=None):
        assert raw and display_id is True
        self.calls += 1
        self.shown.append(bundle["text/plain"])
        return FakeHandle(self.shown)


def test_the_notebook_renderer_redraws_one_output():
    display = FakeDisplay()
    progress = NotebookProgress(display, interval=0)
    progress.update("reading: 1 MB")
    progress.line("read 10 words")
    for percent in range(0, 100, 10):
        progress.update(f"{percent}%")
    progress.epoch(1, 1, 2.5, 10, 10)
    assert display.calls == 1
    assert display.shown[-1] == "read 10 words\nepoch 1/1: loss 2.5000 over 10 predictions"
    assert display.shown[-2] == "read 10 words\n90%"


@pytest.fixture
def fake_notebook(monkeypatch):
    class ZMQInteractiveShell:
        pass

    class Colab(ZMQInteractiveShell):  # notebook front ends subclass the kernel's shell
        pass

    display = FakeDisplay()
    ipython = types.ModuleType("IPython")
    ipython.get_ipython = lambda: Colab()
    ipython_display = types.ModuleType("IPython.display")
    ipython_display.display = display
    ipython.display = ipython_display
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setitem(sys.modules, "IPython.display", ipython_display)
    return display


def test_a_notebook_is_detected_and_gets_one_updating_output(fake_notebook, lines, capsys):
    assert in_notebook()
    w2v.train([line.split() for line in lines], **{**FAST, "quiet": False})
    assert fake_notebook.calls == 1
    final = fake_notebook.shown[-1].splitlines()
    assert final[0].startswith("read 42,000 words")
    assert final[1].startswith("epoch 1/2") and final[2].startswith("epoch 2/2")
    assert final[3].startswith("trained 84,000 words")
    assert capsys.readouterr().err == ""


def test_a_terminal_ipython_is_not_a_notebook(monkeypatch):
    class TerminalInteractiveShell:
        pass

    ipython = types.ModuleType("IPython")
    ipython.get_ipython = lambda: TerminalInteractiveShell()
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    assert not in_notebook()
    ipython.get_ipython = lambda: None  # IPython imported, but not running
    assert not in_notebook()


def test_ctrl_c_while_training_returns_the_partial_model_with_a_warning(lines, monkeypatch):
    original = w2v.training.trainer.train_span
    calls = []

    def interrupt_on_second_span(*args):
        original(*args)
        calls.append(1)
        if len(calls) == 2:
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(w2v.training.trainer, "train_span", interrupt_on_second_span)
    sentences = [line.split() for line in lines] * 4  # 168,000 words: three spans an epoch
    with pytest.warns(w2v.TrainingInterruptedWarning, match=r"^interrupted by SIGINT at [\d.]+% \(epoch \d/5\): the model "
                                                                  r"returned holds the vectors trained so far$") as caught:
        model = w2v.train(sentences, **{**FAST, "epochs": 5})
    assert caught[0].filename == __file__
    assert model.interrupted
    assert len(calls) <= 3 and model.stats["words"] <= 3 * 65_536  # the span a worker had already begun
    assert model.nearest("t1_m", k=1)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_while_reading_raises_keyboard_interrupt(lines):
    def sentences():
        yield lines[0].split()
        os.kill(os.getpid(), signal.SIGINT)
        yield lines[1].split()

    with pytest.raises(KeyboardInterrupt):
        w2v.train(sentences(), **FAST)


def test_reporter_calls_back_even_when_quiet():
    seen = []
    Reporter(None, [lambda *a: seen.append(a)]).epoch(2, 5, 1.5, 10, 20)
    assert seen == [(2, 1.5, 20)]


# -- import cost -----------------------------------------------------------------------------------


def test_import_w2v_and_querying_never_import_numba(tmp_path, model):
    path = tmp_path / "m.w2v"
    model.save(path)
    code = ("import sys, w2v; m = w2v.load(sys.argv[1]); m.nearest('t1_m'); w2v.Model; w2v.W2VError; "
            "w2v.train.__doc__; print('numba' in sys.modules, 'gensim' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=os.getcwd()))
    assert out.stdout == "False False\n", out.stderr


def test_every_public_name_has_a_docstring():
    for name in w2v.__all__:
        value = getattr(w2v, name)
        if callable(value):
            assert inspect.getdoc(value), name
    for cls in (w2v.Vectors, w2v.Model):
        for name, member in vars(cls).items():
            if not name.startswith("_") and callable(member) or isinstance(member, property):
                assert inspect.getdoc(member), f"{cls.__name__}.{name}"


# -- subword models --------------------------------------------------------------------------------


def test_a_subword_model_composes_unknown_words_and_keeps_its_ngrams(lines, tmp_path):
    model = w2v.train([line.split() for line in lines], **FAST, subwords=True, minn=2, maxn=3, bucket=50_000)
    assert model.subwords is not None and "t1_mx" not in model
    composed = model["t1_mx"]  # not a vocabulary word: its n-grams' average, as the CLI composes it
    assert composed.shape == (16,) and np.isfinite(composed).all()
    assert model.nearest("t1_mx", k=3)
    path = tmp_path / "sub.w2v"
    model.save(path)
    loaded = w2v.load(path)
    assert np.array_equal(loaded["t1_mx"], composed)
    assert loaded.train_more([line.split() for line in lines[:500]], epochs=1, quiet=True).subwords is not None


def test_subword_options_need_subwords():
    with pytest.raises(w2v.ParameterError, match="^--minn needs --subwords$"):
        w2v.train([["a"]], minn=2)


def test_the_learners_options_are_keywords_too(lines, tmp_path):
    model = w2v.train([line.split() for line in lines], **FAST, tied=True, ns_exponent=0.5)
    assert model.params.tied and model.params.ns_exponent == 0.5 and model.output_ns is None
    assert "tied=False" in w2v.train.__doc__ and "ns_exponent=0.75" in w2v.train.__doc__
    path = tmp_path / "tied.w2v"
    model.save(path)
    assert type(w2v.load(path, vectors="sum")) is w2v.Vectors
    assert model.train_more([["fresh"] * 5], epochs=1, quiet=True).params.tied
    with pytest.raises(w2v.ParameterError, match="--ns-exponent must be between -1 and 1, got 2.0"):
        w2v.train([["a"]], ns_exponent=2)


def test_the_sentence_stream_is_the_text_of_a_corpus_file_read_in_any_pieces(monkeypatch, lines):
    import w2v.text.sentences as sentences_module
    from w2v.text.sentences import SentenceStream

    monkeypatch.setattr(sentences_module, "BATCH_BYTES", 500)  # many batches
    expected = ("\n".join(lines) + "\n").encode("utf-8")
    for piece in (1, 7, 4096, 1 << 20):
        stream = SentenceStream(line.split() for line in lines)
        got, buffer = bytearray(), bytearray(piece)
        while n := stream.readinto(buffer):
            got += buffer[:n]
        assert bytes(got) == expected, piece
        assert stream.sentences == len(lines)
    assert SentenceStream(["é ü", "\udcff\udcfe x"]).read() == "é ü\n\ufffd\ufffd x\n".encode()


def test_python_text_is_never_sniffed_like_a_file():
    # NUL separates tokens (as in a file) and would look like UTF-16 to a file's sniffing
    model = w2v.train(["x\x00y z"] * 100 + ["\udcff x"] * 100, **FAST)
    assert sorted(model.words) == ["x", "y", "z", "\ufffd"]
    with pytest.raises(w2v.ParameterError, match="encoding is for a corpus file"):
        w2v.train([["a"]], encoding="cp1252")
