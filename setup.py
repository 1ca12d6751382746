"""Build hook: compile the kernels into the built package, so a new install starts at once.

Everything else is in setup.cfg. After the usual build_py, ``python -m w2v.precompile`` runs on
the built copy of the package; Numba writes its cache files into that copy's ``__pycache__``
folders, and they are installed with it. Numba keys the files by source content, its own version
and the CPU, so an install on another machine or beside another Numba ignores them and compiles
on first use, as it would without them. Editable installs (``pip install -e``) and
``W2V_PRECOMPILE=0`` skip it; a failure only costs the first run its compile.
"""

import os
import subprocess
import sys

from setuptools import setup
from setuptools.command.build_py import build_py


class build_py_and_kernels(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False) or os.environ.get("W2V_PRECOMPILE", "1") == "0":
            return
        build_lib = os.path.abspath(self.build_lib)
        env = {key: value for key, value in os.environ.items() if key != "NUMBA_CACHE_DIR"}
        env["PYTHONPATH"] = os.pathsep.join([build_lib] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
        self.announce("compiling the kernels into the package (W2V_PRECOMPILE=0 skips this)", level=2)
        try:
            result = subprocess.run([sys.executable, "-m", "w2v.precompile"], env=env, cwd=build_lib, timeout=1800)
            ok = result.returncode == 0
        except (OSError, subprocess.SubprocessError):
            ok = False
        if not ok:
            self.warn("w2v: precompiling the kernels failed; they will compile on first use instead")


setup(cmdclass={"build_py": build_py_and_kernels})
