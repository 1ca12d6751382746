"""The rest of the word2vec suite and the interoperability commands.

``word2vec`` (word2vec.c's flags, drop-in), ``phrases`` (word2phrase), ``classes``
(k-means word clusters), ``convert`` (any vectors format to any other), ``vectors``
(fastText's print-word-vectors), ``odd-one-out`` (gensim's doesnt_match) and
``projector`` (TensorBoard projector files).

``register(cli)`` at the end of w2v/cli/commands.py adds them to the ``w2v`` group: import
w2v.cli, not this module, to get the whole command line. Training modules (numba)
are imported inside the commands that need them.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from contextlib import contextmanager

import click

from w2v.cli import common
from w2v.errors import ParameterError

SENTENCE_END = "</s>"
PROJECTOR_FILES = ("vectors.tsv", "metadata.tsv", "projector_config.pbtxt")


class DropInCommand(click.Command):
    """A command that takes word2vec.c's single-dash long flags (``-size 200``; ``--size`` too).

    Any problem with the flags is one ``Error: ...`` line: an unknown flag is named
    whole (click alone would read ``-foo`` as ``-f oo``), and no arguments at all
    print the help, as the C tools do.
    """

    def parse_args(self, ctx, args):
        if not args:
            click.echo(ctx.get_help())
            ctx.exit(0)
        known = set(ctx.help_option_names)
        for param in self.get_params(ctx):
            known.update(getattr(param, "opts", ()))
            known.update(getattr(param, "secondary_opts", ()))
        for arg in args:
            name = arg.split("=", 1)[0]
            if arg.startswith("-") and arg not in ("-", "--") and name not in known and not _is_number(arg):
                raise ParameterError(f"unknown option {name!r} (see 'w2v {ctx.info_name} --help')")
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as error:
            raise ParameterError(_one_line(error.format_message())) from None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _one_line(message: str) -> str:
    """A click message in this project's style: one line, lower-case start, no final period."""
    message = " ".join(message.split()).rstrip(".")
    return message[:1].lower() + message[1:]


def _progress(quiet: bool):
    if quiet:
        return None
    from w2v.training.trainer import Progress

    return Progress(sys.stderr)


# -- word2vec: the C tool's flags --------------------------------------------------------------


def _c_flag(name: str, metavar: str, help: str, **kwargs):
    return click.option(f"-{name}", f"--{name}", name.replace("-", "_"), metavar=metavar, help=help, **kwargs)


# ParameterError messages name w2v's options; the drop-in command names the C flags.
_C_NAMES = {"--dim": "-size", "--epochs": "-iter", "--hs": "-hs 1", "--window": "-window",
            "--negative": "-negative", "--sample": "-sample", "--alpha": "-alpha",
            "--min-count": "-min-count", "--threads": "-threads", "--seed": "-seed", "--kernel": "-kernel"}
_C_NAME_PATTERN = re.compile("|".join(re.escape(name) + r"\b" for name in _C_NAMES))


def _c_message(message: str) -> str:
    return _C_NAME_PATTERN.sub(lambda m: _C_NAMES[m.group(0)], message)


def c_sentence_end_vector(size: int):
    """word2vec.c's vector for "</s>": row 0 of its initialisation, never trained after.

    The C tool draws ``next_random = next_random * 25214903917 + 11`` (from 1) for
    every weight in row order and sets ``((next_random & 0xFFFF) / 65536 - 0.5) / size``;
    "</s>" ends every sentence and is never inside one, so it keeps that value.
    """
    import numpy as np

    state, values = 1, []
    for _ in range(size):
        state = (state * 25214903917 + 11) & 0xFFFFFFFFFFFFFFFF
        values.append(((state & 0xFFFF) / 65536 - 0.5) / size)
    return np.array(values, dtype=np.float32)


def with_sentence_end(words, vectors):
    """The rows as word2vec.c writes them: "</s>" first (its untrained vector), then the vocabulary."""
    import numpy as np

    words = list(words)
    if SENTENCE_END in words:  # a corpus that spells out "</s>": keep its vector, move it first
        i = words.index(SENTENCE_END)
        order = [i] + [j for j in range(len(words)) if j != i]
        return [words[j] for j in order], np.asarray(vectors)[order]
    row = c_sentence_end_vector(vectors.shape[1])
    return [SENTENCE_END] + words, np.vstack([row[None, :], vectors]).astype(np.float32, copy=False)


def _c_vocab_lines(words, counts, lines: int):
    """word2vec.c's -save-vocab file: "</s> <line ends>" first, then "word count" lines."""
    yield f"{SENTENCE_END} {lines}"
    for word, count in zip(words, counts.tolist()):
        if word != SENTENCE_END:
            yield f"{word} {count}"


@contextmanager
def _vocab_at_min_count(read_vocab: str | None, min_count: int, workdir: str | None):
    """The -read-vocab file with words under -min-count dropped, as word2vec.c's SortVocab does."""
    if read_vocab is None:
        yield None
        return
    from w2v.text.vocab import Vocab

    vocab = Vocab.load(read_vocab)
    keep = vocab.counts >= min_count
    if keep.all():
        yield read_vocab
        return
    if not keep.any():
        raise ParameterError(f"no word in {read_vocab!r} has a count of at least {min_count} (lower -min-count)")
    with tempfile.TemporaryDirectory(dir=workdir, prefix="w2v-vocab-") as directory:
        path = os.path.join(directory, "vocab.txt")
        Vocab([w for w, k in zip(vocab.words, keep) if k], vocab.counts[keep]).save(path)
        yield path


@click.command(cls=DropInCommand, context_settings={"max_content_width": 100})
@_c_flag("train", "FILE", "Use text data from FILE to train the model (- for stdin).")
@_c_flag("output", "FILE", "Use FILE to save the resulting word vectors / word clusters (- for stdout).")
@_c_flag("size", "INT", "Set size of word vectors; default is 100.", type=int, default=100)
@_c_flag("window", "INT", "Set max skip length between words; default is 5.", type=int, default=5)
@_c_flag("sample", "FLOAT", "Set threshold for occurrence of words. Those that appear with higher frequency "
         "in the training data will be randomly down-sampled; default is 1e-3, useful range is (0, 1e-5).",
         type=float, default=1e-3)
@_c_flag("hs", "INT", "Use Hierarchical Softmax; default is 0 (not used).", type=int, default=0)
@_c_flag("negative", "INT", "Number of negative examples; default is 5, common values are 3 - 10 "
         "(0 = not used).", type=int, default=5)
@_c_flag("threads", "INT", "Use INT threads; default is the number of cores (word2vec.c: 12).",
         type=int, default=None)
@_c_flag("iter", "INT", "Run more training iterations; default is 5.", type=int, default=5)
@_c_flag("min-count", "INT", "This will discard words that appear less than INT times; default is 5.",
         type=int, default=5)
@_c_flag("alpha", "FLOAT", "Set the starting learning rate; default is 0.025 for skip-gram and 0.05 for CBOW.",
         type=float, default=None)
@_c_flag("classes", "INT", "Output word classes rather than word vectors; default number of classes is 0 "
         "(vectors are written).", type=int, default=0)
@_c_flag("debug", "INT", "Set the debug mode (default = 2 = more info during training; 0 = silent).",
         type=int, default=2)
@_c_flag("binary", "INT", "Save the resulting vectors in binary mode; default is 0 (off).", type=int, default=0)
@_c_flag("save-vocab", "FILE", "The vocabulary will be saved to FILE.")
@_c_flag("read-vocab", "FILE", "The vocabulary will be read from FILE, not constructed from the training data.")
@_c_flag("cbow", "INT", "Use the continuous bag of words model; default is 1 (use 0 for skip-gram model).",
         type=int, default=1)
@_c_flag("seed", "INT", "w2v only: random seed; default is 1 (with -threads 1, reproducible bit for bit).",
         type=int, default=1)
@_c_flag("kernel", "NAME", "w2v only: negative-sampling update, 'batched' (default, faster) or "
         "'classic' (word2vec.c's one-at-a-time update).", default="batched")
@_c_flag("encoding", "NAME", "w2v only: the text's encoding (cp949, cp1252, ...); default UTF-8. Compressed "
         "-train files (gzip, bzip2, xz, zip) are read as is.")
def word2vec(train, output, size, window, sample, hs, negative, threads, iter, min_count, alpha, classes,
             debug, binary, save_vocab, read_vocab, cbow, seed, kernel, encoding):
    """word2vec.c's command line: the same flags, defaults and output files.

    Existing scripts run by changing the program name from ./word2vec to
    'w2v word2vec'. Vectors go to -output in word2vec's text format (-binary 1:
    binary), with word2vec.c's "</s>" as the first row, so row numbers match the
    C tool's files; with -classes K, -output gets 'word class' lines instead
    (k-means as word2vec.c computes it). -save-vocab writes "</s>" first too.
    Without -output only the vocabulary is built (and saved), as in the C tool.
    Progress goes to stderr. For w2v's own model format use 'w2v train'.

    \b
    Example:
      w2v word2vec -train text8 -output vectors.bin -cbow 1 -size 200 -window 8 \\
          -negative 25 -hs 0 -sample 1e-4 -threads 20 -binary 1 -iter 15
      w2v word2vec -train text8 -output classes.txt -cbow 1 -size 200 -window 8 \\
          -negative 25 -hs 0 -sample 1e-4 -threads 20 -iter 15 -classes 500
    """
    from w2v.training.params import TrainParams

    if not train:
        raise ParameterError("-train FILE is required: the text to train on")
    if classes < 0:
        raise ParameterError(f"-classes must be 0 (write vectors) or a number of classes, got {classes}")
    if kernel not in ("batched", "classic"):
        raise ParameterError(f"-kernel must be batched or classic, got {kernel!r}")
    values = dict(dim=size, window=window, negative=negative, hs=bool(hs), sample=sample, min_count=min_count,
                  alpha=alpha, epochs=iter, cbow=bool(cbow), seed=seed, kernel=kernel)
    if threads is not None:
        values["threads"] = threads
    try:
        params = TrainParams(**values).validate()
    except ParameterError as error:
        raise ParameterError(_c_message(str(error))) from None
    quiet = debug <= 0
    for path in (output, save_vocab):
        if path and path != "-":
            common.check_writable(path)
    if not output:
        _word2vec_vocab_only(train, params, read_vocab, save_vocab, quiet, encoding)
        return

    from w2v.training.trainer import train as train_model
    from w2v.vectors.formats import save_word2vec, write_lines

    with _vocab_at_min_count(read_vocab, min_count, None) as vocab_path:
        model = train_model(train, params, read_vocab=vocab_path, quiet=quiet, encoding=encoding)
    if save_vocab:
        write_lines(save_vocab, _c_vocab_lines(model.vocab.words, model.vocab.counts,
                                               model.corpus.get("lines", 0)), "vocabulary")
    words, vectors = with_sentence_end(model.vocab.words, model.vectors)
    if classes:
        from w2v.vectors.clusters import word2vec_classes

        labels = word2vec_classes(vectors, classes).labels
        write_lines(output, (f"{w} {c}" for w, c in zip(words, labels.tolist())), "classes file")
        written = f"{len(words):,} words in {classes:,} classes"
    else:
        save_word2vec(output, words, vectors, binary=bool(binary))
        written = f"{len(words):,} vectors x {params.dim} ({'binary' if binary else 'text'})"
    if not quiet:
        stats = model.stats
        click.echo(f"trained {stats['words']:,} words in {stats['train_seconds']:.2f} s, "
                   f"{stats['words_per_second']:,.0f} words/s ({stats['threads']} threads); "
                   f"wrote {written} to {output}", err=True)


def _word2vec_vocab_only(train, params, read_vocab, save_vocab, quiet, encoding=None):
    from w2v.errors import CorpusError
    from w2v.text.corpus import scan_corpus
    from w2v.text.vocab import Vocab
    from w2v.vectors.formats import write_lines

    with scan_corpus(train, encoding=encoding) as scanned:
        if scanned.n_tokens == 0:
            raise CorpusError(f"corpus is empty: {'standard input' if train == '-' else repr(train)}")
        if read_vocab:
            vocab = Vocab.load(read_vocab)
            keep = vocab.counts >= params.min_count
            vocab = Vocab([w for w, k in zip(vocab.words, keep) if k], vocab.counts[keep])
        else:
            vocab, _ = scanned.vocabulary(params.min_count, params.max_vocab)
        lines = scanned.n_lines
    if save_vocab:
        write_lines(save_vocab, _c_vocab_lines(vocab.words, vocab.counts, lines), "vocabulary")
    if not quiet:
        click.echo(f"vocabulary: {len(vocab) + 1:,} words (with {SENTENCE_END}), {scanned.n_tokens:,} words "
                   f"in the training file; no -output given, so nothing was trained", err=True)


# -- phrases -----------------------------------------------------------------------------------


@click.command(cls=DropInCommand)
@click.argument("source", metavar="[INPUT]", required=False)
@click.argument("target", metavar="[OUTPUT]", required=False)
@click.option("-train", "--train", "train_file", metavar="FILE", help="The input text (as INPUT; - for stdin).")
@click.option("-o", "-output", "--output", "output_file", metavar="FILE",
              help="Where to write the text with phrases (as OUTPUT; default: stdout).")
@click.option("-min-count", "--min-count", "min_count", type=int, default=5, show_default=True,
              help="Words and word pairs seen fewer times never form a phrase.")
@click.option("-threshold", "--threshold", type=float, default=100.0, show_default=True,
              help="Join a pair when (count(ab) - min_count) / (count(a) count(b)) * total_words exceeds "
                   "this; higher means fewer phrases.")
@click.option("-debug", "--debug", type=int, default=2, show_default=True,
              help="0 prints nothing on stderr; otherwise progress and a summary.")
@click.option("--delimiter", default="_", show_default=True, help="What joins the words of a phrase.")
@click.option("--workdir", metavar="DIR", default=None,
              help="Directory for the temporary token file (default: the system temp directory).")
@click.option("-q", "--quiet", is_flag=True, help="No progress output (as -debug 0).")
@common.encoding_option
def phrases(source, target, train_file, output_file, min_count, threshold, debug, delimiter, workdir, quiet,
            encoding):
    """Join frequent word pairs into phrases ("new york" -> new_york), as word2phrase does.

    Reads INPUT (a file, or - for stdin) and writes the same text with each
    pair whose score passes -threshold joined by '_', to OUTPUT (default:
    stdout). Run it twice to get phrases of three and four words. The output
    feeds 'w2v train'. word2phrase's flags (-train, -output, -min-count,
    -threshold, -debug) work too.

    \b
    Example:
      w2v phrases text8 text8-phrase -threshold 200
      w2v phrases text8-phrase text8-phrase2 -threshold 100
      cat corpus.txt | w2v phrases - | w2v phrases - | w2v train - -o phrases.w2v
    """
    from w2v.text.phrases import learn_phrases

    if source is not None and train_file is not None:
        raise ParameterError("give the input once: as INPUT or with -train, not both")
    if target is not None and output_file is not None:
        raise ParameterError("give the output once: as OUTPUT or with -output, not both")
    source = source if source is not None else train_file
    if source is None:
        raise ParameterError("no input given: w2v phrases INPUT [OUTPUT] (- for stdin)")
    output = target or output_file or "-"
    if output != "-":
        common.check_writable(output)
    learn_phrases(source, output, min_count=min_count, threshold=threshold, workdir=workdir,
                  progress=_progress(quiet or debug <= 0), delimiter=delimiter, encoding=encoding)


# -- classes -----------------------------------------------------------------------------------


@click.command()
@click.option("-k", "--classes", "k", type=click.IntRange(min=1), required=True, help="Number of classes.")
@common.model_option
@click.option("-o", "--output", metavar="FILE", default="-", show_default=True,
              help="Where to write 'word<TAB>class' lines (- for stdout).")
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed of the k-means++ seeding.")
@click.option("--iterations", type=click.IntRange(min=1), default=None,
              help="Most k-means passes [default: 20; word2vec.c's method: 10].")
@click.option("--method", type=click.Choice(["kmeans++", "word2vec"]), default="kmeans++", show_default=True,
              help="'kmeans++': k-means++ seeding, then Lloyd's iterations on the unit vectors until no word "
                   "moves. 'word2vec': word2vec.c's -classes procedure (no randomness).")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Only the N most frequent words.")
@common.vectors_option
@common.json_option
def classes(k, model_path, output, seed, iterations, method, limit, which, as_json):
    """Cluster the words into K classes with k-means (word2vec.c's -classes).

    Prints 'word<TAB>class' lines in vocabulary order (classes are numbered from
    0); --json prints {"word", "class"} lines. The same seed gives the same classes.

    \b
    Example:
      w2v classes -k 500 -m text8.w2v -o classes.txt
      w2v classes -k 50 --limit 5000 | sort -t$'\\t' -k2,2n -k1,1 | head
      w2v classes -k 50 --vectors sum
    """
    from w2v.vectors.clusters import kmeans, unit_rows, word2vec_classes
    from w2v.vectors.formats import write_lines

    vectors = common.load_query_vectors(model_path, limit=limit, which=which)
    if k > len(vectors):
        raise ParameterError(f"-k must be at most the number of words ({len(vectors):,}), got {k:,}")
    if method == "word2vec":
        result = word2vec_classes(vectors.vectors, k, iterations or 10)
    else:
        result = kmeans(unit_rows(vectors.vectors), k, seed=seed, max_iterations=iterations or 20)
    words = vectors.words
    labels = result.labels.tolist()
    if as_json:
        lines = (json.dumps({"word": w, "class": c}, ensure_ascii=False) for w, c in zip(words, labels))
    else:
        lines = (f"{w}\t{c}" for w, c in zip(words, labels))
    write_lines(output, lines, "classes file")
    state = "converged" if result.converged else "stopped"
    click.echo(f"{len(words):,} words in {k:,} classes ({method}): {state} after {result.iterations} passes, "
               f"inertia {result.inertia:.4f}", err=True)


# -- convert -----------------------------------------------------------------------------------


@click.command()
@click.argument("source", metavar="IN")
@click.argument("target", metavar="OUT")
@click.option("--to", "fmt", type=click.Choice(["native", "text", "binary", "glove"]), default=None,
              help="Output format [default: from OUT's extension: .w2v native, .bin binary, .txt/.vec text, "
                   ".glove GloVe].")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Only the first (most frequent) N words.")
@common.vectors_option
def convert(source, target, fmt, limit, which):
    """Convert vectors between formats: native .w2v, word2vec text or binary, GloVe.

    IN may be any format w2v reads (native model, word2vec text or binary,
    fastText .vec, headerless GloVe text; - for stdin), detected from its content.
    'text' is word2vec's text format (also fastText's .vec); 'glove' is the same
    without the 'V d' header line. OUT - writes to stdout (give --to). A subword
    model (a fastText .bin too) stays one in native OUT: its trained n-gram rows
    are kept, so unseen words are still composed, and queries then start at once.

    \b
    Example:
      w2v convert GoogleNews-vectors-negative300.bin news.w2v --limit 500000
      w2v convert text8.w2v vectors.txt
      w2v convert glove.6B.100d.txt glove.w2v
      w2v convert cc.ko.300.bin ko.w2v                 # fastText's vectors, n-grams too
      w2v convert text8.w2v output-vectors.txt --vectors out
    """
    from w2v.vectors.formats import format_for_path, load_vectors, save_vectors

    if fmt is None:
        fmt = format_for_path(target) if target != "-" else None
        if fmt is None:
            raise ParameterError(f"cannot tell the output format from {target!r}: give --to native, text, "
                                 f"binary or glove (or name it .w2v, .txt, .vec, .bin or .glove)")
    with _spooled(source) as path:
        vectors = load_vectors(path, limit=limit, which=which)
    save_vectors(target, vectors.words, vectors.vectors, fmt, counts=vectors.counts, subwords=vectors.subwords)
    where = "standard output" if target == "-" else target
    click.echo(f"wrote {len(vectors):,} vectors x {vectors.dim} dimensions to {where} ({fmt})", err=True)


@contextmanager
def _spooled(path: str):
    """path itself, or for "-" a temporary copy of stdin (the readers need a file they can seek)."""
    if path != "-":
        yield path
        return
    import shutil

    with tempfile.TemporaryDirectory(prefix="w2v-stdin-") as directory:
        copy = os.path.join(directory, "stdin")
        with open(copy, "wb") as f:
            shutil.copyfileobj(common.stdin_bytes(), f, 1 << 20)
        yield copy


# -- pipelines ---------------------------------------------------------------------------------


def _words_from(words):
    """The command-line words, or with "-" every word of stdin (any whitespace between them)."""
    if list(words) == ["-"]:
        for line in common.read_stdin_lines():
            yield from line.split()
    else:
        yield from words


@click.command(name="vectors")
@click.argument("words", nargs=-1, required=True)
@common.model_option
@common.vectors_option
@common.limit_option
@common.json_option
def vectors_command(words, model_path, which, limit, as_json):
    """Print the vectors of WORDS (- reads words from stdin), like fastText's print-word-vectors.

    Prints 'word v1 v2 ... vd' lines (space-separated, as in word2vec's text
    format, so the output loads back as a GloVe-style vectors file). An unknown
    word is reported on stderr, the others are printed, and the exit status is 1.
    --json prints {"word", "vector"} lines with float32-exact values.

    \b
    Example:
      w2v vectors king queen
      echo 'paris rome' | w2v vectors - -m text8.w2v > some.glove
      w2v vectors king --vectors out
    """
    from w2v.vectors.formats import TEXT_FLOAT_FORMAT

    vectors = common.load_query_vectors(model_path, limit, which)

    def emit(word, row):
        if as_json:
            values = ",".join(str(v) for v in row.astype("float32"))  # shortest exact float32 text
            composed = ', "composed": true' if common.composed_words(vectors, [word]) else ""
            click.echo(f'{{"word": {json.dumps(word, ensure_ascii=False)}, "vector": [{values}]{composed}}}')
        else:
            click.echo(word + " " + " ".join(TEXT_FLOAT_FORMAT % v for v in row.tolist()))

    def answer(word):
        common.note_composed(vectors, [word])
        return vectors.vector(word)

    common.answer_each(_words_from(words), answer, emit, fail_alone=True)


@click.command(name="odd-one-out")
@click.argument("words", nargs=-1, required=True)
@common.model_option
@common.vectors_option
@common.limit_option
@common.json_option
def odd_one_out(words, model_path, which, limit, as_json):
    """The word that does not belong with the others (gensim's doesnt_match).

    Prints the word whose vector is furthest from the mean of the words' unit
    vectors. With - as the only word, reads one group of words per line from
    stdin and prints 'group<TAB>word'. --json adds each word's cosine to the mean.

    \b
    Example:
      w2v odd-one-out breakfast cereal dinner lunch     # cereal
      printf 'paris berlin london apple\\n' | w2v odd-one-out - --json
      w2v odd-one-out breakfast cereal dinner lunch --vectors sum --limit 30000
    """
    vectors = common.load_query_vectors(model_path, limit, which)
    from_stdin = list(words) == ["-"]

    def emit(group, ranked):
        if as_json:
            record = {"words": group.split(), "odd_one_out": ranked[0][0],
                      "scores": [{"word": w, "score": round(s, 6)} for w, s in ranked]}
            click.echo(json.dumps(common.with_composed(record, vectors, group.split()), ensure_ascii=False))
        elif from_stdin:
            click.echo(f"{group}\t{ranked[0][0]}")
        else:
            click.echo(ranked[0][0])

    common.answer_each(common.read_stdin_lines() if from_stdin else [" ".join(words)],
                       lambda group: (common.note_composed(vectors, group.split()),
                                      vectors.odd_one_out(group.split()))[1],
                       emit, fail_alone=from_stdin)


@click.command()
@common.model_option
@click.option("-o", "--output", "directory", metavar="DIR", required=True,
              help="Directory to write into (created if missing).")
@click.option("-n", "--top", "n", type=click.IntRange(min=1), default=10_000, show_default=True,
              help="How many of the most frequent words.")
@common.vectors_option
def projector(model_path, directory, n, which):
    """Write TensorBoard projector files for the N most frequent words.

    DIR gets vectors.tsv (one tab-separated vector per line), metadata.tsv (the
    words; a 'word<TAB>count' table when the model has counts) and
    projector_config.pbtxt. Load the two .tsv files at
    https://projector.tensorflow.org, or run 'tensorboard --logdir DIR'.

    \b
    Example:
      w2v projector -m text8.w2v -o projector/ -n 5000
      w2v projector -m text8.w2v -o projector-sum/ --vectors sum
    """
    from w2v.errors import ModelError
    from w2v.vectors.formats import TEXT_FLOAT_FORMAT, write_lines

    vectors = common.load_query_vectors(model_path, limit=n, which=which)
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as error:
        raise ModelError(f"cannot create directory: {directory!r} ({(error.strerror or str(error)).lower()})") \
            from None
    line = "\t".join([TEXT_FLOAT_FORMAT] * vectors.dim)
    rows = (line % tuple(row) for row in vectors.vectors.tolist())
    write_lines(os.path.join(directory, "vectors.tsv"), rows, "projector file")
    words = vectors.words
    if vectors.counts is not None:
        metadata = ["word\tcount"] + [f"{w}\t{c}" for w, c in zip(words, vectors.counts.tolist())]
    else:
        metadata = words  # one column: TensorBoard wants no header then
    write_lines(os.path.join(directory, "metadata.tsv"), metadata, "projector file")
    name = os.path.basename(model_path or common.default_model_path())
    config = ["embeddings {", f"  tensor_name: {json.dumps(name)}", f'  tensor_shape: {len(words)}',
              f"  tensor_shape: {vectors.dim}", '  tensor_path: "vectors.tsv"', '  metadata_path: "metadata.tsv"',
              "}"]
    write_lines(os.path.join(directory, "projector_config.pbtxt"), config, "projector file")
    click.echo(f"wrote {len(words):,} vectors x {vectors.dim} dimensions to {os.path.join(directory, '')}"
               f"{{{','.join(PROJECTOR_FILES)}}}", err=True)


COMMANDS = (word2vec, phrases, classes, convert, vectors_command, odd_one_out, projector)


def register(group: click.Group) -> None:
    """Add this module's commands to the ``w2v`` group."""
    for command in COMMANDS:
        group.add_command(command)
