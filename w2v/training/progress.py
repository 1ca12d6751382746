"""Progress of a training run started from Python: the CLI's line on a terminal, one updating line in Jupyter.

``w2v.train`` hands the trainer a ``Reporter``: it draws the progress with a renderer (the CLI's
``w2v.training.trainer.Progress`` on a terminal or a plain stream, ``NotebookProgress`` in a Jupyter
kernel) and calls the user's epoch callbacks. The trainer calls it from the thread that
started training, between the workers' spans.
"""

from __future__ import annotations

import sys
import time

from w2v.training.trainer import Progress


def in_notebook() -> bool:
    """Whether this runs in a Jupyter kernel (notebook, lab, VS Code, Colab): IPython's ZMQ shell.

    A terminal IPython is not one: there the terminal line works. IPython is never imported here.
    """
    ipython = sys.modules.get("IPython")
    get = getattr(ipython, "get_ipython", None)
    if get is None:
        return False
    try:
        shell = get()
    except Exception:  # noqa: BLE001 - a broken or partial IPython: not a notebook
        return False
    return shell is not None and any(c.__name__ == "ZMQInteractiveShell" for c in type(shell).__mro__)


class NotebookProgress(Progress):
    """The progress as one output area, redrawn in place through an IPython display handle.

    It shows the lines that stay (the vocabulary, each finished epoch) and under them the
    current progress line, so a long run is a few lines, not thousands.
    """

    def __init__(self, display=None, interval: float = 0.5):
        if display is None:
            from IPython.display import display
        self.display = display
        self.enabled = True
        self.interval = interval
        self.last = 0.0
        self.lines: list[str] = []
        self.current = ""
        self.handle = None

    def update(self, text: str, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < self.interval:
            return
        self.last = now
        self.current = text
        self._draw()

    def line(self, text: str) -> None:
        self.lines.append(text)
        self.current = ""
        self._draw()

    @property
    def text(self) -> str:
        return "\n".join(self.lines + ([self.current] if self.current else []))

    def _draw(self) -> None:
        bundle = {"text/plain": self.text}
        if self.handle is None:
            self.handle = self.display(bundle, raw=True, display_id=True)
        else:
            self.handle.update(bundle, raw=True)


class Reporter:
    """What the trainer reports to: a renderer (None when quiet) and the epoch callbacks."""

    def __init__(self, renderer, callbacks=()):
        self.renderer = renderer
        self.callbacks = list(callbacks)

    def update(self, text: str, force: bool = False) -> None:
        if self.renderer is not None:
            self.renderer.update(text, force)

    def line(self, text: str) -> None:
        if self.renderer is not None:
            self.renderer.line(text)

    def warn(self, text: str) -> None:
        """A warning (bad bytes in the corpus, say): shown even when quiet, as the CLI does."""
        if self.renderer is not None:
            self.renderer.warn(text)
        else:
            import warnings

            warnings.warn(text, stacklevel=2)

    def epoch(self, epoch: int, epochs: int, loss: float, predictions: int, words: int) -> None:
        if self.renderer is not None:
            self.renderer.epoch(epoch, epochs, loss, predictions, words)
        for callback in self.callbacks:
            callback(epoch, loss, words)


def reporter(quiet: bool, callbacks=(), stream=None) -> Reporter:
    """The reporter for a run: nothing drawn when ``quiet``, else the notebook's line or the CLI's."""
    if quiet:
        renderer = None
    elif stream is None and in_notebook():
        renderer = NotebookProgress()
    else:
        renderer = Progress(stream)
    return Reporter(renderer, callbacks)
