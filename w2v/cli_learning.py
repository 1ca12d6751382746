"""Commands for learning how word2vec works: ``pairs`` (a sentence's training examples) and ``plot``
(a 2-D map of words).

``register(cli)`` at the end of w2v/cli.py adds them to the ``w2v`` group. NumPy only: matplotlib
is imported by ``plot`` alone, and only when it runs.
"""

from __future__ import annotations

import json

import click

import w2v.cli as base
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
@base.json_option
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

    from w2v.pairs import Examples

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
        lines = base.stdin_bytes()
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
    from w2v.formats import load_model

    model = load_model(model_path)
    if model.counts is None:
        raise ModelError(f"the model has no word counts (it was converted from vectors): {model_path!r}")
    return model.words, model.counts


COMMANDS = (pairs,)


def register(group: click.Group) -> None:
    """Add this module's commands to the ``w2v`` group."""
    for command in COMMANDS:
        group.add_command(command)
