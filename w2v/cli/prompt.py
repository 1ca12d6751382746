"""The interactive prompt of the query commands, as word2vec's distance and fastText's nn have.

The vectors are loaded once; each line typed is one query. With both ends on a terminal,
the line is read through readline (editing, and the session's history on the arrow keys).
A query that fails (an unknown word) prints its error and the prompt comes back; EXIT,
Ctrl-D or Ctrl-C ends the session, with status 0.
"""

from __future__ import annotations

import sys

from w2v.errors import W2VError

EXIT = "EXIT"  # word2vec's distance and word-analogy end on this word


def stdin_is_terminal() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def _reader(prompt: str):
    """A function returning the next line (raising EOFError at the end)."""
    if sys.stdout.isatty():
        try:
            import readline  # noqa: F401  (importing it gives input() line editing and history)
        except ImportError:
            pass
        return lambda: input(prompt)

    def read() -> str:  # stdout is a file or a pipe: the prompt goes to the terminal on stderr
        sys.stderr.write(prompt)
        sys.stderr.flush()
        line = sys.stdin.readline()
        if not line:
            raise EOFError
        return line

    return read


def ask(prompt: str, answer, emit, usage_errors=()) -> None:
    """Read queries until EXIT, end of input or Ctrl-C; answer(line) -> result, emit(line, result).

    A W2VError (or one of ``usage_errors``) raised by ``answer`` is printed as ``Error: ...``.
    """
    read = _reader(prompt)
    try:
        while True:
            sys.stdout.flush()
            line = read().strip()
            if line == EXIT:
                return
            if not line:
                continue
            try:
                result = answer(line)
            except (W2VError, *usage_errors) as error:
                message = error.format_message() if hasattr(error, "format_message") else str(error)
                sys.stderr.write(f"Error: {message}\n")
                sys.stderr.flush()
                continue
            emit(line, result)
    except (EOFError, KeyboardInterrupt):
        sys.stderr.write("\n")  # end the prompt's line
