"""What the command modules share: the options every query takes, loading a model, stdin, answers.

``W2VGroup`` turns library errors into one-line messages; ``commands``, ``suite`` and ``learning``
build their commands from these pieces. click and the standard library only.
"""

from __future__ import annotations

import os
import sys

import click

from w2v.errors import W2VError

DEFAULT_MODEL = "model.w2v"
MODEL_ENV = "W2V_MODEL"


def default_model_path() -> str:
    return os.environ.get(MODEL_ENV) or DEFAULT_MODEL


class W2VGroup(click.Group):
    """Turns library errors into one-line messages with the error's exit status."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except W2VError as error:
            failure = click.ClickException(str(error))
            failure.exit_code = error.exit_code
            raise failure from None
        except KeyboardInterrupt:
            click.echo("\nError: interrupted; nothing was written", err=True)
            ctx.exit(130)
        except MemoryError:
            raise click.ClickException("out of memory (try a smaller --dim or --max-vocab)") from None


def model_option(function):
    return click.option(
        "-m", "--model", "model_path", metavar="MODEL", default=None,
        help=f"Model or vectors file: native .w2v, word2vec text or binary, fastText .vec or .bin, GloVe text "
             f"(default: ${MODEL_ENV}, else ./{DEFAULT_MODEL}).")(function)


def encoding_option(function):
    return click.option("--encoding", metavar="NAME", default=None,
                        help="The text's encoding, any Python codec: cp949, euc-kr, cp1252, shift_jis... "
                             "[default: UTF-8; a byte-order mark is honoured; gzip, bzip2, xz, zstd and "
                             "one-file zip input is decompressed].")(function)


def json_option(function):
    return click.option("--json", "as_json", is_flag=True, help="Print JSON Lines instead of tab-separated text.")(function)


def vectors_option(function):
    return click.option(
        "--vectors", "which", type=click.Choice(["in", "out", "sum"]), default="in", show_default=True,
        help="Which vectors of a native model: in (W, the input vectors), out (W', the negative-sampling "
             "output vectors) or sum (W + W').")(function)


def limit_option(function):
    return click.option(
        "--limit", type=click.IntRange(min=1), default=None, metavar="N",
        help="Load and search only the N most frequent words (word2vec's max_w, gensim's limit).")(function)


def load_query_vectors(model_path: str | None, limit: int | None = None, which: str = "in"):
    from w2v.errors import ModelError
    from w2v.vectors.formats import load_vectors

    path = model_path or default_model_path()
    if not os.path.exists(path):
        hint = "" if model_path else f" (train one with 'w2v train CORPUS', or give -m MODEL or ${MODEL_ENV})"
        raise ModelError(f"model not found: {path!r}{hint}")
    return load_vectors(path, limit=limit, which=which)


def stdin_bytes():
    """Standard input as bytes: queries are decoded here, so invalid UTF-8 never raises."""
    return sys.stdin.buffer


def read_stdin_lines():
    """Non-empty stripped lines of stdin, as UTF-8 (invalid bytes become U+FFFD)."""
    for raw in stdin_bytes():
        line = raw.decode("utf-8", "replace").strip()
        if line:
            yield line


def check_writable(path: str) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise click.ClickException(f"output directory does not exist: {directory!r}")
    if os.path.isdir(path):
        raise click.ClickException(f"output is a directory: {path!r}")
    if not os.access(directory, os.W_OK):
        raise click.ClickException(f"cannot write to directory: {directory!r}")


def composed_words(vectors, words) -> list[str]:
    """The query words outside the vocabulary whose vectors a subword model composes."""
    return [word for word in words if vectors.composition(word) is not None]


def note_composed(vectors, words) -> None:
    """Say on stderr which query words got a vector composed from their n-grams."""
    for word in composed_words(vectors, words):
        known, total = vectors.composition(word)
        click.echo(f"note: {word!r} is not in the vocabulary; its vector is composed from {known} of its "
                   f"{total} character n-grams", err=True)


def with_composed(record: dict, vectors, words) -> dict:
    """A JSON record, with "composed": [words] when some query word's vector was composed."""
    composed = composed_words(vectors, words) if vectors.subwords is not None else []
    if composed:
        record["composed"] = composed
    return record


def answer_each(queries, answer, emit, fail_alone: bool) -> None:
    """Answer each query and emit its result.

    With fail_alone (queries read from stdin), a query that fails with a user error such as an
    unknown word is reported on stderr and the others go on; the exit status is 1 at the end.
    Otherwise the error ends the command.
    """
    failed = 0
    for query in queries:
        try:
            result = answer(query)
        except W2VError as error:
            if not fail_alone:
                raise
            click.echo(f"Error: {error}", err=True)
            failed += 1
            continue
        emit(query, result)
    if failed:
        sys.exit(1)
