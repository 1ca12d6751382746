"""The ``w2v`` command line: parse, call the library, print.

Results go to stdout as plain tab-separated lines (or JSON Lines with --json);
progress and errors go to stderr. Library errors become one ``Error: ...`` line
and a non-zero exit. Query commands never import numba (startup time matters in
pipelines): training modules are imported inside the commands that need them.
"""

from w2v.cli.commands import cli, main

__all__ = ["cli", "main"]
