"""The corpus of a cluster run: files, globs and directories, cut into byte ranges at token boundaries.

Every node reads the same paths (a shared file system or a mounted bucket), so a
shard is only a description, ``(path, start, end)``, and travels as such. A big
file is cut into byte ranges; each cut is moved forward to just after a
separator byte (space, tab, newline, \\v, \\f, NUL: the tokenizer's own), so no
token is split and the shards, read one after the other, are the corpus.
"""

from __future__ import annotations

import glob
import os
import stat
from dataclasses import dataclass

from w2v.errors import CorpusError

_SEPARATORS = frozenset(b" \t\n\v\f\0")
_PROBE = 1 << 16  # bytes read at a time while looking for a separator


@dataclass(frozen=True)
class Shard:
    path: str
    start: int
    end: int

    @property
    def size(self) -> int:
        return self.end - self.start


def corpus_files(specs) -> list[str]:
    """The files named by ``specs``: paths, globs (``*``, ``?``, ``[``, ``**``) and directories (all
    regular files under them, hidden ones left out), in the order given, sorted within a glob or
    directory; each file once."""
    files: list[str] = []
    for spec in specs:
        spec = os.fspath(spec)
        if spec == "-":
            raise CorpusError("a cluster run reads files that every node can read, not standard input")
        if os.path.isdir(spec):
            found = sorted(os.path.join(root, name) for root, dirs, names in os.walk(spec)
                           for name in names if not name.startswith("."))
            if not found:
                raise CorpusError(f"corpus directory holds no files: {spec!r}")
        elif glob.has_magic(spec):
            found = sorted(glob.glob(spec, recursive=True))
            if not found:
                raise CorpusError(f"no file matches {spec!r}")
        else:
            found = [spec]
        for path in found:
            try:
                mode = os.stat(path).st_mode
            except FileNotFoundError:
                raise CorpusError(f"corpus not found: {path!r}") from None
            except OSError as e:
                raise CorpusError(f"cannot read corpus {path!r}: {(e.strerror or str(e)).lower()}") from None
            if stat.S_ISREG(mode):
                files.append(path)
            elif not stat.S_ISDIR(mode):  # a FIFO or a device cannot be cut into ranges
                raise CorpusError(f"corpus is not a regular file: {path!r}")
    unique = list(dict.fromkeys(os.path.abspath(path) for path in files))
    if not unique:
        raise CorpusError("no corpus files given")
    return unique


def plan_shards(files, pieces: int) -> list[Shard]:
    """Cut ``files`` into about ``pieces`` shards of similar size; a file smaller than a share is one shard."""
    sizes = [os.path.getsize(path) for path in files]
    share = max(1, -(-sum(sizes) // max(1, pieces)))
    shards = []
    for path, size in zip(files, sizes):
        cuts = max(1, round(size / share))
        with open(path, "rb", buffering=0) as f:
            bounds = [0] + [token_boundary(f, size, i * size // cuts) for i in range(1, cuts)] + [size]
        shards += [Shard(path, a, b) for a, b in zip(bounds, bounds[1:]) if b > a]
    return shards


def token_boundary(f, size: int, offset: int) -> int:
    """The first position at or after ``offset`` that starts a token or ends the file: ``offset`` itself
    if the byte before it is a separator, else just after the next separator."""
    if offset <= 0 or offset >= size:
        return min(max(offset, 0), size)
    position = offset - 1
    while position < size:
        block = os.pread(f.fileno(), _PROBE, position)
        if not block:
            break
        for i, byte in enumerate(block):
            if byte in _SEPARATORS:
                return position + i + 1
        position += len(block)
    return size


def assign(shards, workers: int) -> list[list[int]]:
    """Contiguous runs of shards, one per worker, of about equal bytes (a worker may get none)."""
    total = sum(shard.size for shard in shards)
    groups: list[list[int]] = [[] for _ in range(workers)]
    done = 0
    for i, shard in enumerate(shards):
        middle = done + shard.size / 2
        groups[min(workers - 1, int(middle * workers / max(total, 1)))].append(i)
        done += shard.size
    return groups


class ShardReader:
    """A shard as a binary stream (``readinto``), for ``w2v.text.corpus.scan_corpus``."""

    def __init__(self, shard: Shard):
        self.name = f"{shard.path}[{shard.start}:{shard.end}]"
        self.position, self.end = shard.start, shard.end
        try:
            self.file = open(shard.path, "rb", buffering=0)
        except FileNotFoundError:
            raise CorpusError(f"corpus not found on this node: {shard.path!r}") from None
        except OSError as e:
            raise CorpusError(f"cannot read corpus {shard.path!r}: {(e.strerror or str(e)).lower()}") from None

    def readinto(self, view) -> int:
        want = min(len(view), self.end - self.position)
        if want <= 0:
            return 0
        n = os.preadv(self.file.fileno(), [memoryview(view)[:want]], self.position)
        self.position += n
        return n

    def close(self) -> None:
        self.file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
