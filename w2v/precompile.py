"""Compile the kernels every command uses into Numba's cache, ahead of a user's first run.

    python -m w2v.precompile

``pip install .`` runs this while it builds the package (``setup.py``), so the cache files are
installed beside the kernels' modules (``w2v/__pycache__``, ``w2v/subwords/__pycache__``) and a
new install's first ``w2v train`` loads its kernels instead of spending seconds compiling them.

It compiles by running the commands themselves on a tiny corpus: each kernel is compiled with
exactly the argument types a real run passes (``tests/test_compiles.py`` checks that a real run
then compiles nothing). Numba keys each cached kernel by its source's content hash, Numba's
version and the CPU, so a cache from another machine or another version is ignored, never used;
``w2v.jit_cache`` makes an unreadable one a miss instead of an error.

Exits 0 when every command ran; a failure here only means kernels compile on first use.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

# One line per kind of run that compiles something different. Flags that are runtime arguments
# of a kernel (--hs, --negative, --tied, --kernel, --epochs...) share its one specialisation.
RUNS = [
    ["train", "{corpus}", "-o", "{out}/cbow.w2v", "--cbow"],
    ["train", "{corpus}", "-o", "{out}/sg.w2v", "--skipgram"],
    ["train", "{corpus}", "-o", "{out}/sub.w2v", "--skipgram", "--subwords", "--bucket", "1000"],
    ["vocab", "{corpus}", "-o", "{out}/vocab.txt"],
    ["phrases", "{corpus}", "{out}/phrases.txt", "--quiet"],
]
COMMON = ["--min-count", "1", "--dim", "8", "--epochs", "1", "--threads", "1", "-q"]


def write_corpus(path: Path) -> None:
    """A few sentences, one invalid UTF-8 byte (the repair kernel) and some Hangul (multi-byte n-grams)."""
    text = "the quick brown fox jumps over the lazy dog\n" * 20 + "영화 정말 재밌어요 영화관에서\n" * 10
    path.write_bytes(text.encode("utf-8") + b"caf\xe9 au lait\n")


def precompile(quiet: bool = False) -> bool:
    from w2v import phrases
    from w2v.cli import cli

    phrases._Bigrams.initial_bits = 4  # so the tiny corpus grows the bigram table (its rehash kernel)

    ok = True
    with tempfile.TemporaryDirectory(prefix="w2v-precompile-") as tmp:
        corpus = Path(tmp) / "corpus.txt"
        write_corpus(corpus)
        for run in RUNS:
            args = [a.format(corpus=corpus, out=tmp) for a in run]
            if args[0] == "train":
                args += COMMON
            started = time.monotonic()
            try:
                cli(args, prog_name="w2v", standalone_mode=False)
            except Exception as error:  # noqa: BLE001 - report and go on: the rest still helps
                ok = False
                print(f"w2v precompile: {' '.join(run[:1] + run[2:])}: {error}", file=sys.stderr)
                continue
            if not quiet:
                print(f"w2v precompile: {args[0]} {' '.join(a for a in run[2:] if a.startswith('--'))}"
                      f" in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return ok


def main() -> None:
    sys.exit(0 if precompile(quiet="-q" in sys.argv[1:]) else 1)


if __name__ == "__main__":
    main()
