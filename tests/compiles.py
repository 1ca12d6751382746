"""Run ``w2v`` in a fresh process and record what Numba compiles there (a test helper)."""

import json
import os
import subprocess
import sys

RECORDER = """
import json, sys
import numba.core.event as ev
compiled = []
class Recorder(ev.Listener):
    def on_start(self, event):
        pass
    def on_end(self, event):
        f = event.data["dispatcher"].py_func
        if f.__module__.startswith("w2v"):
            compiled.append([f.__module__ + "." + f.__qualname__, str(event.data["args"])])
ev.register("numba:compile", Recorder())
from w2v.cli import cli
try:
    cli(sys.argv[1:])
except SystemExit as exit:
    assert exit.code in (0, None), exit.code
print(json.dumps(compiled))
"""


def compiled_by(cwd, *args, pythonpath=None, cache=None, extra_env=None):
    """[(function, argument types)] for every w2v function compiled running ``w2v *args``.

    ``cache``: the Numba cache directory (None: Numba's default, beside the sources).
    """
    env = {key: value for key, value in os.environ.items() if not key.startswith("NUMBA_")}
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    if cache is not None:
        env["NUMBA_CACHE_DIR"] = str(cache)
    env.update(extra_env or {})
    result = subprocess.run([sys.executable, "-c", RECORDER, *args], capture_output=True, text=True, env=env,
                            cwd=cwd, timeout=600)
    assert result.returncode == 0, result.stderr
    return [tuple(record) for record in json.loads(result.stdout.strip().splitlines()[-1])]
