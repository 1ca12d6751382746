"""The ``w2v`` group and its main commands: train, vocab, tokenize, the queries, export, eval.

The rest of the suite (``w2v.cli.suite``) and the learning commands (``w2v.cli.learning``) are
added to the group at the end; ``w2v.cli.common`` holds what they all share.
"""

from __future__ import annotations

import json
import os
import sys

import click

from w2v import __version__
from w2v.cli import learning, suite
from w2v.cli.common import (DEFAULT_MODEL, MODEL_ENV, W2VGroup, answer_each, check_writable, composed_words,
                            default_model_path, encoding_option, json_option, limit_option, load_query_vectors,
                            model_option, note_composed, read_stdin_lines, vectors_option, with_composed)


def format_score(score: float) -> str:
    return f"{score:.6f}"


@click.group(cls=W2VGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="w2v")
def cli():
    """Train word2vec embeddings fast and query them instantly.

    \b
    Example:
      w2v train text8              # writes ./model.w2v
      w2v nearest king
      w2v analogy king man woman   # king - man + woman
    """


# -- training ---------------------------------------------------------------------------------


def training_options(function):
    options = [
        click.option("--cbow/--skipgram", "cbow", default=True, show_default=True,
                     help="Architecture: continuous bag of words or skip-gram (word2vec.c's -cbow)."),
        click.option("--dim", "--size", "dim", type=int, default=100, show_default=True,
                     help="Vector dimensions."),
        click.option("--window", type=int, default=5, show_default=True, help="Maximum context distance."),
        click.option("--negative", type=int, default=5, show_default=True,
                     help="Noise words per prediction for negative sampling (0 turns it off)."),
        click.option("--hs/--no-hs", default=False, show_default=True, help="Hierarchical softmax."),
        click.option("--sample", type=float, default=1e-3, show_default=True,
                     help="Subsampling threshold for frequent words (0 turns it off)."),
        click.option("--min-count", type=int, default=5, show_default=True,
                     help="Discard words seen fewer times."),
        click.option("--max-vocab", type=int, default=None,
                     help="Keep at most this many of the most frequent words."),
        click.option("--alpha", type=float, default=None,
                     help="Starting learning rate [default: 0.05 for CBOW, 0.025 for skip-gram; with --subwords, "
                          "skip-gram starts at 0.035 on Hangul, Han or kana and 0.0425 on alphabetic scripts]."),
        click.option("--epochs", "--iter", "epochs", type=int, default=5, show_default=True,
                     help="Passes over the corpus."),
        click.option("--threads", type=int, default=None,
                     help="Training threads [default: the number of cores]."),
        click.option("--seed", type=int, default=1, show_default=True,
                     help="Random seed; with --threads 1 the result is reproducible bit for bit."),
        click.option("--kernel", type=click.Choice(["batched", "classic"]), default="batched", show_default=True,
                     help="Negative-sampling update: 'batched' shares noise words across a "
                          "skip-gram window (with --subwords: the centre is composed once a window) and "
                          "scores all of a CBOW prediction's targets before updating (faster); "
                          "'classic' is word2vec.c's one-at-a-time update."),
        click.option("--ns-exponent", type=float, default=0.75, show_default=True,
                     help="Noise words are drawn with probability count^E: 1 is the unigram distribution, "
                          "0 uniform, between -1 and 1 (gensim's ns_exponent)."),
        click.option("--tied", is_flag=True,
                     help="One matrix for both roles: a word's output vector is its input vector "
                          "(negative sampling only; the model stores one matrix)."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def subword_options(function):
    options = [
        click.option("--subwords", is_flag=True,
                     help="fastText's subword model: a word's vector is the average of its own and its character "
                          "n-grams' vectors, so related forms share evidence and every word gets a vector."),
        click.option("--minn", type=int, default=None,
                     help="Shortest n-gram, in characters [default: 1 for Hangul, Han or kana text, else 3]."),
        click.option("--maxn", type=int, default=None,
                     help="Longest n-gram, in characters [default: 4 for Hangul, Han or kana text, else 6]."),
        click.option("--bucket", type=int, default=None,
                     help="Hash buckets for n-grams [default: 2000000, fastText's]; the model keeps only "
                          "the buckets its words use."),
        click.option("--jamo", is_flag=True,
                     help="Also take n-grams of Hangul jamo (each syllable as initial, medial and final "
                          "consonant or vowel; Park, Lee & Kim 2018)."),
        click.option("--word-share", type=float, default=None,
                     help="Share of each update that a word's own row takes, the rest going to its n-grams; "
                          "0 splits it evenly, as fastText does [default: for skip-gram 0.1 on alphabetic "
                          "scripts, 0 on Hangul, Han or kana; 0 for CBOW]."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


class _WordsOrAuto(click.ParamType):
    """A number of words, or "auto"."""

    name = "WORDS|auto"

    def convert(self, value, param, ctx):
        if isinstance(value, int) or value == "auto":
            return value
        try:
            return int(str(value).replace("_", "").replace(",", ""))
        except ValueError:
            self.fail(f"{value!r} is neither a number of words nor auto", param, ctx)


SYNC_EVERY = _WordsOrAuto()


def cluster_options(function):
    options = [
        click.option("--cluster", metavar="ADDRESS", default=None,
                     help="Train on a Ray cluster: its address, 'auto' (the cluster this machine is in) or "
                          "'local' (start Ray here). CORPUS is then files, globs or directories every node "
                          "reads; --threads is per worker. Needs: pip install 'w2v[cluster]'."),
        click.option("--workers", type=int, default=None,
                     help="With --cluster: training workers (Ray actors) [default: one a node]."),
        click.option("--sync-every", type=SYNC_EVERY, default="auto", show_default=True,
                     help="With --cluster: words each worker trains between two syncs; auto: "
                          "2^21 / workers for skip-gram, 2^20 / workers^2 for CBOW, at least 16,384 "
                          "(fewer syncs: faster, less accurate)."),
        click.option("--sync-hot-rows", type=int, default=4096, show_default=True,
                     help="With --cluster: rows of the most frequent words, sent at every sync."),
        click.option("--sync-full-every", type=int, default=8, show_default=True,
                     help="With --cluster: every this many syncs, all rows are sent."),
        click.option("--sync-saturation", type=click.FloatRange(min=0), default=500.0, show_default=True,
                     help="With --cluster: a word occurring this many times in a worker's round steps at "
                          "alpha, a rare word at workers x alpha; 0: every word at workers x alpha."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _cluster_training(address, workers, sync_every, hot_rows, full_every, saturation):
    """The cluster's training function and checkpoint module (Ray is imported by the first)."""
    import functools

    from w2v.cluster import state, train
    from w2v.cluster.schedule import SyncSchedule

    schedule = SyncSchedule(every_words=sync_every, hot_rows=hot_rows, full_every=full_every,
                            saturation=saturation).validate()
    return functools.partial(train, address=address, workers=workers, schedule=schedule), state


def make_params(**values):
    from w2v.training.params import TrainParams

    if values.get("threads") is None:
        values.pop("threads", None)
    return TrainParams(**values).validate()


@cli.command()
@click.argument("corpus", metavar="CORPUS...", nargs=-1, required=True)
@click.option("-o", "--output", metavar="MODEL", default=None,
              help=f"Where to write the model [default: ${MODEL_ENV}, else ./{DEFAULT_MODEL}].")
@training_options
@cluster_options
@click.option("--read-vocab", metavar="FILE", default=None,
              help="Use this 'word count' vocabulary instead of counting the corpus.")
@click.option("--save-vocab", metavar="FILE", default=None, help="Also write the vocabulary ('word count' lines).")
@click.option("--prune-at", type=int, default=21_000_000, show_default=True,
              help="While counting, drop the rarest words whenever more distinct words than this are held "
                   "(like word2vec.c; memory is about 100 bytes a word held, whatever the corpus size).")
@click.option("--workdir", metavar="DIR", default=None,
              help="Directory for the temporary encoded corpus (4 bytes a word) [default: MODEL.ckpt/ "
                   "beside the model].")
@click.option("--init", "init", metavar="MODEL", default=None,
              help="Continue training this native model: its vectors and output weights are the start, and "
                   "its vocabulary grows with the corpus's new words seen --min-count times.")
@click.option("--checkpoint-every", metavar="DURATION", default="30m", show_default=True,
              help="Save a checkpoint in MODEL.ckpt/ this often (seconds, or a number ending in s, m or h; "
                   "0 turns it off). Ctrl-C and SIGTERM always save one.")
@click.option("--resume", is_flag=True,
              help="Continue the interrupted run saved in MODEL.ckpt/ (with its options) to the model an "
                   "uninterrupted run would have written.")
@subword_options
@click.option("-q", "--quiet", is_flag=True, help="No progress output.")
@encoding_option
@click.pass_context
def train(ctx, corpus, output, read_vocab, save_vocab, prune_at, workdir, init, checkpoint_every, resume, quiet,
          encoding, subwords, minn, maxn, bucket, jamo, word_share, cluster, workers, sync_every, sync_hot_rows,
          sync_full_every, sync_saturation, **training):
    """Train word vectors on CORPUS (a UTF-8 text file, or - for stdin; may be compressed).

    Tokens are separated by whitespace; each line is a sentence. Defaults are
    word2vec.c's (CBOW, 100 dimensions, window 5, 5 noise words, 5 epochs).

    Ctrl-C (or SIGTERM) stops after the current span of words, saves a checkpoint
    in MODEL.ckpt/ and prints the command that resumes; so does a crash after a
    periodic checkpoint. The model file is replaced atomically: it is never half-written.

    \b
    Example:
      w2v train text8 --skipgram --sample 1e-4 -o text8.w2v
      w2v train corpus.txt.gz -o corpus.w2v         # gzip, bzip2, xz, zip: read as is
      w2v train reviews-cp949.txt --encoding cp949
      w2v train text8 -o text8.w2v --resume        # after Ctrl-C
      w2v train more.txt --init text8.w2v -o more.w2v
      w2v train reviews.txt --subwords --skipgram -o ko.w2v   # a vector for every word
      w2v train text8 --tied --ns-exponent 0.5 -o tied.w2v
      w2v train 'shards/*.txt' -o big.w2v --cluster auto --workers 8
    """
    import shlex

    from w2v.errors import ParameterError
    from w2v.training import checkpoint as ckpt
    from w2v.vectors.formats import save_model

    state = ckpt
    if cluster is None and len(corpus) != 1:
        raise ParameterError("one CORPUS at a time (several files, globs or directories need --cluster)")
    spec = _subword_spec(subwords, minn, maxn, bucket, jamo)
    training["word_share"] = word_share
    reading = {"encoding": encoding, "subwords": spec}
    if cluster is not None:
        if spec is not None or encoding is not None:
            raise ParameterError(f"--cluster does not take {'--subwords' if spec is not None else '--encoding'} yet: "
                                 f"train on one machine, or give UTF-8 files without it")
        train_model, state = _cluster_training(cluster, workers, sync_every, sync_hot_rows, sync_full_every,
                                                sync_saturation)
        reading = {}
    else:
        from w2v.training.trainer import train as train_model

        corpus = corpus[0]
    output = output or default_model_path()
    _check_prune_at(prune_at)
    every = _duration(checkpoint_every)
    check_writable(output)
    # A checkpoint lives beside a model file; not beside /dev/null or a named pipe.
    special = os.path.exists(output) and not os.path.isfile(output)
    checkpoint = None if special else ckpt.checkpoint_dir(output)
    explicit = {name for name in training if ctx.get_parameter_source(name) in _GIVEN}
    if resume:
        if checkpoint is None:
            raise ParameterError(f"cannot resume: {output!r} is not a regular file, so it has no checkpoint")
        if init or read_vocab:
            raise ParameterError(f"--resume continues with the checkpoint's own vocabulary and weights: "
                                 f"leave {'--init' if init else '--read-vocab'} out")
        params = None
        _check_resume_options(checkpoint, explicit, training, state.read_params)
    else:
        if init and "dim" not in explicit:
            from w2v.vectors.formats import load_model

            training["dim"] = load_model(init).dim
        params = make_params(**training)
    ckpt.remove_stale_files(os.path.dirname(os.path.abspath(output)))
    resume_command = f"w2v train {shlex.join([corpus] if cluster is None else corpus)} -o {shlex.quote(output)} --resume"
    if cluster is not None:
        resume_command += f" --cluster {shlex.quote(cluster)}"
    with ckpt.StopSignals() as signals:
        model = train_model(corpus, params, read_vocab=read_vocab, save_vocab=save_vocab, workdir=workdir,
                            prune_at=prune_at, init=init, checkpoint=checkpoint, checkpoint_every=every,
                            resume=resume, resume_command=resume_command, signals=signals, quiet=quiet,
                            **reading)
        params = model.params
        stats = model.stats
        # Nothing that varies between identical runs (times, dates) goes into the file.
        corpus_info = dict(model.corpus, words_trained=stats["words"], epoch_loss=stats["epoch_loss"])
        save_model(output, model.vocab.words, model.vectors, model.vocab.counts, output_ns=model.output_ns,
                   output_hs=model.output_hs, params=params.to_dict(), corpus=corpus_info,
                   subwords=model.subword_table)
        if checkpoint is not None:
            state.remove(checkpoint)
    if not quiet:
        click.echo(f"trained {stats['words']:,} words in {stats['train_seconds']:.2f} s, "
                   f"{stats['words_per_second']:,.0f} words/s ({stats['threads']} threads, "
                   f"{len(model.vocab):,} words x {params.dim} dimensions, total {stats['wall_seconds']:.1f} s)",
                   err=True)
        click.echo(f"saved model to {output}", err=True)


_GIVEN = (click.core.ParameterSource.COMMANDLINE, click.core.ParameterSource.ENVIRONMENT)


def _subword_spec(subwords: bool, minn, maxn, bucket, jamo):
    """The SubwordSpec of --subwords and its options (None without --subwords; lengths None: chosen)."""
    from w2v.subwords import SubwordSpec

    return SubwordSpec.from_options(subwords, minn, maxn, bucket, jamo)


def _check_prune_at(prune_at: int) -> None:
    from w2v.errors import ParameterError

    if prune_at < 1:
        raise ParameterError(f"--prune-at must be at least 1, got {prune_at}")


def _duration(text: str) -> float | None:
    """Seconds in '90', '90s', '15m' or '2h'; None for 0 (off)."""
    from w2v.errors import ParameterError

    units = {"s": 1, "m": 60, "h": 3600}
    value = text.strip().lower()
    scale = units.get(value[-1:], None)
    try:
        seconds = float(value[:-1] if scale else value) * (scale or 1)
    except ValueError:
        seconds = float("nan")
    if not (seconds >= 0 and seconds != float("inf")):
        raise ParameterError(f"--checkpoint-every must be seconds, or a number ending in s, m or h, got {text!r}")
    return seconds or None


def _check_resume_options(checkpoint: str, explicit: set, training: dict, read_params) -> None:
    """Training options given with --resume must agree with the checkpoint's (which are used)."""
    from w2v.errors import ParameterError

    saved = read_params(checkpoint)
    given = make_params(**{name: value for name, value in training.items() if name in explicit or name == "threads"})
    for name in sorted(explicit):
        mine = given.starting_alpha if name == "alpha" else getattr(given, name)
        theirs = saved.starting_alpha if name == "alpha" else getattr(saved, name)
        if mine != theirs:
            flag = "--" + name.replace("_", "-")
            raise ParameterError(f"{flag} {mine} differs from the checkpoint's {theirs}: a resumed run uses the "
                                 f"checkpoint's options; leave {flag} out")


@cli.command()
@click.argument("corpus", metavar="CORPUS")
@click.option("-o", "--output", metavar="FILE", default="-", show_default=True,
              help="Where to write 'word count' lines (- for stdout).")
@click.option("--min-count", type=int, default=5, show_default=True, help="Discard words seen fewer times.")
@click.option("--max-vocab", type=int, default=None, help="Keep at most this many of the most frequent words.")
@click.option("--prune-at", type=int, default=21_000_000, show_default=True,
              help="While counting, drop the rarest words whenever more distinct words than this are held.")
@encoding_option
def vocab(corpus, output, min_count, max_vocab, prune_at, encoding):
    """Count the words of CORPUS and write word2vec's vocabulary format.

    One 'word count' line per word, most frequent first (word2vec.c's -save-vocab;
    read back with 'w2v train --read-vocab').

    \b
    Example:
      w2v vocab text8 --min-count 5 -o vocab.txt
    """
    from w2v.errors import CorpusError
    from w2v.text.corpus import scan_corpus
    from w2v.training.params import TrainParams

    TrainParams(min_count=min_count, max_vocab=max_vocab).validate()
    _check_prune_at(prune_at)
    with scan_corpus(corpus, max_vocab_size=prune_at, encoding=encoding) as scanned:
        if scanned.n_tokens == 0:
            raise CorpusError(f"corpus is empty: {'standard input' if corpus == '-' else repr(corpus)}")
        vocabulary, _ = scanned.vocabulary(min_count, max_vocab)
    vocabulary.save(output)


@cli.command()
@click.argument("text", metavar="[FILE]", default="-")
@click.option("--lower/--no-lower", default=True, show_default=True, help="Lower-case the text.")
@encoding_option
def tokenize(text, lower, encoding):
    """Split raw text into tokens for training; FILE (default - for stdin) to stdout.

    \b
    Rules, in order, for every line (one output line per input line):
      1. invalid UTF-8 becomes U+FFFD, kept inside its word;
      2. NFKC: full-width letters become ASCII, ligatures are spelled out
         (Hangul compatibility jamo such as ㅋ are kept as typed);
      3. lower case (--no-lower keeps the case);
      4. punctuation and symbols are split off words, a run of one repeated
         character as one token (영화... -> 영화 ...); an apostrophe or hyphen
         between letters (don't, e-mail) and . or , between digits (3.5) stay;
      5. jamo emoticons are their own tokens (재밌다ㅋㅋ -> 재밌다 ㅋㅋ);
      6. whitespace runs become one space.
    Memory is bounded whatever the line length. FILE may be gzip, bzip2, xz
    or zip compressed, in any --encoding, as for train.

    \b
    Example:
      w2v tokenize raw.txt | w2v train - --skipgram -o model.w2v
      w2v tokenize reviews.txt.gz --encoding cp949 > reviews.tok.txt
    """
    from w2v.text.sources import open_source
    from w2v.text.tokenize import tokenize_stream

    with open_source(text, encoding, what="text") as opened:  # compressed, other encodings: as train reads
        sys.stdout.flush()
        tokenize_stream(opened.stream, sys.stdout.buffer, lower=lower)
    sys.stdout.buffer.flush()


# -- queries ----------------------------------------------------------------------------------


def print_results(query: str, results, as_json: bool, with_query: bool, key: str = "neighbours",
                  composed=()) -> None:
    if as_json:
        record = {"query": query, key: [{"word": w, "score": round(float(s), 6)} for w, s in results]}
        if composed:
            record["composed"] = list(composed)
        click.echo(json.dumps(record, ensure_ascii=False))
        return
    prefix = query + "\t" if with_query else ""
    for word, score in results:
        click.echo(f"{prefix}{word}\t{format_score(score)}")


def interactive(words) -> bool:
    """No words: True with a terminal on stdin (the commands then prompt), else a usage error."""
    from w2v.cli.prompt import stdin_is_terminal

    if words:
        return False
    if not stdin_is_terminal():
        raise click.UsageError("Missing argument 'WORDS...'.")
    return True


def ask(prompt: str, answer, emit) -> None:
    from w2v.cli.prompt import ask as prompt_loop

    prompt_loop(prompt + " (EXIT to end): ", answer, emit, usage_errors=(click.UsageError,))


def run_queries(queries, answer, as_json: bool, with_query: bool, key: str, vectors=None, words_of=None) -> None:
    """Ranked-word queries: 'word<TAB>score' lines, prefixed by the query when several are read.

    With ``vectors`` and ``words_of`` (query -> its words), composed query words are noted.
    """
    if vectors is not None and vectors.subwords is not None:
        plain = answer

        def answer(query):
            note_composed(vectors, words_of(query))
            return plain(query)

    def emit(query, results):
        composed = composed_words(vectors, words_of(query)) if vectors is not None and vectors.subwords else ()
        print_results(query, results, as_json, with_query, key, composed)

    answer_each(queries, answer, emit, fail_alone=with_query)


@cli.command()
@click.argument("words", nargs=-1)
@model_option
@click.option("-k", "--top", "k", type=click.IntRange(min=1), default=10, show_default=True, help="How many neighbours.")
@click.option("--minus", "negative", multiple=True, metavar="WORD", help="Subtract this word's vector (repeatable).")
@vectors_option
@limit_option
@json_option
def nearest(words, model_path, k, negative, which, limit, as_json):
    """The words closest to WORDS by cosine similarity (several words are summed).

    Prints 'word<TAB>cosine' lines. With - as the only word, reads one query per
    line from stdin (words on a line are summed) and prints 'query<TAB>word<TAB>cosine'.
    With no words and a terminal on stdin, asks for queries at a prompt
    (EXIT, Ctrl-D or Ctrl-C ends it).

    \b
    Example:
      w2v nearest king
      w2v nearest paris france --minus germany -k 5
      printf 'king\\nparis\\n' | w2v nearest -
      w2v nearest king --vectors sum --limit 30000
      w2v nearest -m text8.w2v                       # a prompt: load once, ask often
    """
    prompting = interactive(words)
    vectors = load_query_vectors(model_path, limit, which)
    if prompting:
        ask("Enter a word or words", lambda q: vectors.nearest(q.split(), list(negative), k=k),
            lambda q, results: print_results(q, results, as_json, False, "neighbours"))
    elif list(words) == ["-"]:
        run_queries(read_stdin_lines(), lambda q: vectors.nearest(q.split(), list(negative), k=k),
                    as_json, True, "neighbours", vectors, lambda q: q.split() + list(negative))
    else:
        run_queries([" ".join(words)], lambda q: vectors.nearest(list(words), list(negative), k=k),
                    as_json, False, "neighbours", vectors, lambda q: list(words) + list(negative))


@cli.command()
@click.argument("words", nargs=-1)
@model_option
@click.option("-k", "--top", "k", type=click.IntRange(min=1), default=10, show_default=True, help="How many answers.")
@click.option("--cosmul", is_flag=True, help="Use 3CosMul (Levy & Goldberg) instead of 3CosAdd.")
@vectors_option
@limit_option
@json_option
def analogy(words, model_path, k, cosmul, which, limit, as_json):
    """The words nearest A - B + C:  'king man woman' answers queen.

    Given as A B C (king - man + woman), as gensim's most_similar(positive=[A, C],
    negative=[B]). Input words are excluded. With - reads 'A B C' lines from stdin;
    with no words and a terminal on stdin, asks at a prompt.

    \b
    Example:
      w2v analogy king man woman        # queen
      w2v analogy paris france italy    # rome
      w2v analogy king man woman --vectors out --limit 30000
      w2v analogy -m text8.w2v                       # a prompt
    """
    prompting = interactive(words)
    vectors = load_query_vectors(model_path, limit, which)

    def answer(query: str):
        parts = query.split()
        if len(parts) != 3:
            raise click.UsageError(f"an analogy takes three words A B C, got {len(parts)}: {query!r}")
        a, b, c = parts
        return vectors.analogy(a, b, c, k=k, cosmul=cosmul)

    if prompting:
        ask("Enter three words A B C", answer, lambda q, results: print_results(q, results, as_json, False, "answers"))
    elif list(words) == ["-"]:
        run_queries(read_stdin_lines(), answer, as_json, True, "answers", vectors, str.split)
    else:
        run_queries([" ".join(words)], answer, as_json, False, "answers", vectors, str.split)


@cli.command()
@click.argument("words", nargs=-1)
@model_option
@vectors_option
@limit_option
@json_option
def similarity(words, model_path, which, limit, as_json):
    """Cosine similarity of two words, or of each 'A B' line from stdin with -.

    With no words and a terminal on stdin, asks for pairs at a prompt.

    \b
    Example:
      w2v similarity man woman
      printf 'cat dog\\ncar train\\n' | w2v similarity -
      w2v similarity man woman --vectors sum
      w2v similarity -m text8.w2v                    # a prompt
    """
    prompting = interactive(words)
    vectors = load_query_vectors(model_path, limit, which)
    from_stdin = list(words) == ["-"]

    def answer(line: str) -> float:
        parts = line.split()
        if len(parts) != 2:
            raise click.UsageError(f"similarity takes two words, got {len(parts)}: {line!r}")
        note_composed(vectors, parts)
        return vectors.similarity(parts[0], parts[1])

    def emit(line: str, score: float) -> None:
        a, b = line.split()
        if as_json:
            record = with_composed({"a": a, "b": b, "similarity": round(float(score), 6)}, vectors, (a, b))
            click.echo(json.dumps(record, ensure_ascii=False))
        elif from_stdin:
            click.echo(f"{a}\t{b}\t{format_score(score)}")
        else:
            click.echo(format_score(score))

    if prompting:
        ask("Enter two words", answer, emit)
    else:
        answer_each(read_stdin_lines() if from_stdin else [" ".join(words)], answer, emit, fail_alone=from_stdin)


# -- export -----------------------------------------------------------------------------------


@cli.command()
@model_option
@click.option("-o", "--output", metavar="FILE", required=True, help="Vectors file to write (- for stdout).")
@click.option("--binary", is_flag=True, help="word2vec binary format (GoogleNews-style) instead of text.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Only the N most frequent words.")
@vectors_option
@click.option("--fasttext-bin", is_flag=True,
              help="A subword model as fastText's .bin model (its n-gram vectors too), for fastText's own "
                   "tools and gensim's load_facebook_model.")
def export(model_path, output, binary, limit, which, fasttext_bin):
    """Write the vectors in word2vec's text (default) or binary format, or fastText's .bin.

    The files load in gensim (KeyedVectors.load_word2vec_format), fastText
    tools and word2vec's C tools.

    \b
    Example:
      w2v export -o vectors.txt
      w2v export -m text8.w2v -o vectors.bin --binary
      w2v export -m text8.w2v -o sum.txt --vectors sum     # W + W'
      w2v export -m ko.w2v -o ko.bin --fasttext-bin        # then: fasttext nn ko.bin
    """
    from w2v.vectors.formats import save_word2vec

    if fasttext_bin:
        return _export_fasttext_bin(model_path or default_model_path(), output, binary or limit or which != "in")
    vectors = load_query_vectors(model_path, limit=limit, which=which)
    save_word2vec(output, list(vectors.words), vectors.vectors, binary=binary)


def _export_fasttext_bin(path: str, output: str, other_options) -> None:
    from w2v.errors import ModelError, ParameterError
    from w2v.vectors.formats import load_model, save_fasttext_bin

    if other_options:
        raise ParameterError("--fasttext-bin writes the whole model: it takes none of --binary, --limit, --vectors")
    if output == "-":
        raise ParameterError("a fastText .bin cannot be written to standard output; give a file name")
    model = load_model(path)
    table = getattr(model, "subwords", None)
    if table is None:
        raise ModelError(f"--fasttext-bin needs a subword model (trained with --subwords): {path!r}")
    save_fasttext_bin(output, model.words, model.vectors, table, model.counts, output=model.output_ns,
                      params=model.params, ntokens=model.corpus.get("tokens"))


# -- evaluation -------------------------------------------------------------------------------


@cli.group(name="eval", cls=W2VGroup)
def evaluate():
    """Score vectors on analogy questions or word-similarity judgements."""


@evaluate.command(name="analogies")
@click.argument("questions", metavar="[FILE]", required=False, default=None)
@model_option
@click.option("--restrict-vocab", type=click.IntRange(min=1), default=30000, show_default=True,
              help="Only the N most frequent words are candidates; questions using others are skipped.")
@click.option("--cosmul", is_flag=True, help="3CosMul instead of 3CosAdd.")
@click.option("--case-sensitive", is_flag=True, help="Do not lower-case words.")
@click.option("--syntactic", "syntactic", metavar="PREFIX", multiple=True,
              help="Sections whose names start with PREFIX are syntactic too (repeatable; gram... and syn... "
                   "always are).")
@vectors_option
@encoding_option
@json_option
def eval_analogies(questions, model_path, restrict_vocab, cosmul, case_sensitive, syntactic, which, encoding, as_json):
    """Analogy accuracy on a questions-words.txt file (- for stdin).

    Reports each section, semantic / syntactic / total accuracy and the share of
    questions seen, like word2vec's compute-accuracy. FILE defaults to
    corpora/data/questions-words.txt. A section named gram... (Google's file) or
    syn... (syn1_case, as test sets in other languages name them) is syntactic,
    any other (capital-world, sem1_...) semantic; --syntactic adds prefixes.

    \b
    Example:
      w2v eval analogies questions-words.txt -m text8.w2v
      w2v eval analogies questions-words.txt -m text8.w2v --vectors sum
      w2v eval analogies analogias.txt --syntactic verb- --syntactic plural-
    """
    from w2v.vectors.evaluate import SYNTACTIC_PREFIXES, evaluate_analogies

    source = _evaluation_source(questions, "questions-words.txt")
    vectors = load_query_vectors(model_path, which=which)
    result = evaluate_analogies(list(vectors.words), vectors.vectors, source, restrict_vocab=restrict_vocab,
                                case_insensitive=not case_sensitive, cosmul=cosmul, encoding=encoding,
                                oov_vector=_oov_vector(vectors),
                                syntactic_prefixes=SYNTACTIC_PREFIXES + syntactic)
    click.echo(json.dumps(result.to_dict(), ensure_ascii=False) if as_json else result.format_table())


@evaluate.command(name="similarity")
@click.argument("pairs", metavar="FILE")
@model_option
@click.option("--case-sensitive", is_flag=True, help="Do not lower-case words.")
@vectors_option
@encoding_option
@json_option
def eval_similarity(pairs, model_path, case_sensitive, which, encoding, as_json):
    """Spearman and Pearson correlation with human word-pair scores (- for stdin).

    FILE holds 'word1<TAB>word2<TAB>score' lines (wordsim353, SimLex-999...).

    \b
    Example:
      w2v eval similarity wordsim353.tsv -m text8.w2v
      w2v eval similarity wordsim353.tsv -m text8.w2v --vectors out
    """
    from w2v.vectors.evaluate import evaluate_word_pairs

    source = _evaluation_source(pairs, "wordsim353.tsv")
    vectors = load_query_vectors(model_path, which=which)
    result = evaluate_word_pairs(list(vectors.words), vectors.vectors, source, case_insensitive=not case_sensitive,
                                 encoding=encoding, oov_vector=_oov_vector(vectors))
    click.echo(json.dumps(result.to_dict(), ensure_ascii=False) if as_json else result.format_table())


def _oov_vector(vectors):
    """A subword model scores words outside the vocabulary through their n-grams (None otherwise)."""
    return vectors.lookup_vector if vectors.subwords is not None else None


def _evaluation_source(path: str | None, default_name: str):
    if path is None:
        path = os.path.join("corpora", "data", default_name)
    return path


suite.register(cli)  # word2vec, phrases, classes, convert, vectors, ...
learning.register(cli)  # pairs, plot


def main() -> None:
    try:
        cli(prog_name="w2v")
    except BrokenPipeError:
        # A downstream `head` closed the pipe: stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(141)
