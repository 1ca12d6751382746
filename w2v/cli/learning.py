"""Commands for learning how word2vec works: ``pairs`` (a sentence's training examples) and ``plot``
(a 2-D map of words).

``register(cli)`` at the end of w2v/cli/commands.py adds them to the ``w2v`` group. NumPy only: matplotlib
is imported by ``plot`` alone, and only when it runs.
"""

from __future__ import annotations

import json

import click

from w2v.cli import common
from w2v.errors import ParameterError

# -- pairs -------------------------------------------------------------------------------------


@click.command()
@click.argument("text", nargs=-1, required=True)
@click.option("--window", type=click.IntRange(1, 1000), default=5, show_default=True,
              help="Maximum context distance, as in training.")
@click.option("--cbow", is_flag=True, help="CBOW's examples: 'context words<TAB>centre' (default: skip-gram's pairs).")
@click.option("--shrink", is_flag=True,
              help="Draw each position's window as training does (word2vec.c's random shrink: between 1 and "
                   "--window words each side).")
@click.option("--sample", type=float, default=0.0, show_default=True,
              help="Subsample frequent words as training does, with -m MODEL's word counts (0: keep all).")
@click.option("-m", "--model", "model_path", metavar="MODEL", default=None,
              help="A native model: its vocabulary (unknown words are dropped, as training drops them) and "
                   "counts (for --sample).")
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed of --shrink and --sample.")
@common.json_option
def pairs(text, window, cbow, shrink, sample, model_path, seed, as_json):
    """Print the training examples a sentence gives: skip-gram's 'centre<TAB>context' pairs.

    TEXT is one sentence (the words may be given as one argument or several);
    with - as the only argument each line of stdin is a sentence. Words are
    split as training splits them. By default every position sees its full
    window and no word is dropped; --shrink and --sample apply training's
    random rules, reproducibly with --seed. --json prints {"line", "centre",
    "context"} objects.

    \b
    Example:
      w2v pairs the cat sits on the mat --window 2          # 18 pairs
      w2v pairs --cbow the cat sits on the mat --window 2
      w2v pairs --shrink --seed 7 the cat sits on the mat
      head -3 text8.txt | w2v pairs - -m text8.w2v --sample 1e-4 --json
    """
    import math

    from w2v.training.pairs import Examples

    if not (math.isfinite(sample) and sample >= 0):
        raise ParameterError(f"--sample must be a finite number >= 0, got {sample}")
    if sample > 0 and model_path is None:
        raise ParameterError("--sample needs the word counts of a model: give -m MODEL")
    words = counts = None
    if model_path is not None:
        words, counts = _vocabulary(model_path)
    examples = Examples(window=window, cbow=cbow, shrink=shrink, sample=sample, words=words, counts=counts,
                        seed=seed)
    if list(text) == ["-"]:
        lines = common.stdin_bytes()
    else:
        lines = " ".join(text).encode("utf-8", "surrogateescape").split(b"\n")
    for line, (first, second) in examples.of_lines(lines):
        if as_json:
            record = {"line": line, "context": first, "centre": second} if cbow else \
                {"line": line, "centre": first, "context": second}
            click.echo(json.dumps(record, ensure_ascii=False))
        elif cbow:
            click.echo(f"{' '.join(first)}\t{second}")
        else:
            click.echo(f"{first}\t{second}")


def _vocabulary(model_path: str):
    """A native model's words and counts."""
    from w2v.errors import ModelError
    from w2v.vectors.formats import load_model

    model = load_model(model_path)
    if model.counts is None:
        raise ModelError(f"the model has no word counts (it was converted from vectors): {model_path!r}")
    return model.words, model.counts


# -- plot --------------------------------------------------------------------------------------


@click.command()
@click.argument("words", nargs=-1)
@click.option("-o", "--output", metavar="FILE", required=True,
              help="The map: a .png picture, or an .svg whose labels stay text.")
@common.model_option
@click.option("-n", "--neighbours", type=click.IntRange(min=0), default=0, show_default=True, metavar="K",
              help="Add each word's K nearest words, in its colour.")
@click.option("--analogy", nargs=3, metavar="A B C", default=None,
              help="Add A, B, C and the answer D of A - B + C, with arrows B -> A and C -> D.")
@common.vectors_option
@common.limit_option
@click.option("--title", default=None, help="The map's title [default: says what is shown].")
def plot(words, output, model_path, neighbours, analogy, which, limit, title):
    """Draw a labelled 2-D map of WORDS: their unit vectors projected by PCA.

    With - as the only word, the words are read from stdin. Needs matplotlib
    (pip install 'w2v[plot]'). For a PNG a font with the labels' glyphs is
    chosen among the installed ones (a warning names any character none has);
    an SVG keeps its labels as text, so a browser renders any script.

    \b
    Example:
      w2v plot king queen man woman -o map.png
      w2v plot france italy japan -n 5 -m text8.w2v -o countries.svg
      w2v plot --analogy king man woman -n 3 -o analogy.png
      printf 'cat dog\\nhorse\\n' | w2v plot - -o animals.png
    """
    from w2v.cli.suite import _words_from
    from w2v.vectors.plot import _matplotlib, build_map, draw_map, output_format

    fmt = output_format(output)
    _matplotlib()  # say it is missing before loading anything
    words = list(_words_from(words))
    if not words and analogy is None:
        raise ParameterError("give the words to map (or - to read them from stdin, or --analogy A B C)")
    vectors = common.load_query_vectors(model_path, limit, which)
    word_map = build_map(vectors, words, neighbours=neighbours, analogy=analogy)
    draw_map(output, fmt, vectors, word_map, title=title, warn=lambda text: click.echo(f"Warning: {text}", err=True))
    click.echo(f"wrote a map of {len(word_map.words)} words to {output}", err=True)


COMMANDS = (pairs, plot)


def register(group: click.Group) -> None:
    """Add this module's commands to the ``w2v`` group."""
    for command in COMMANDS:
        group.add_command(command)
