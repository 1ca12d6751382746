"""Read training text in one streaming pass: tokenize, count, and write token ids to disk.

Tokenization follows word2vec.c's ReadWord without its limits: tokens are
separated by space, tab, newline, \\v, \\f and NUL; '\\r' is deleted (so CRLF
files read like LF files, and "a\\rb" is "ab"); every '\\n' ends a sentence.
Tokens have no length limit. Text is UTF-8; invalid bytes become U+FFFD.

The corpus is never held as a Python string or as Python objects per token:
fixed-size byte chunks, each cut after a separator, go through the Numba
kernels in ``w2v.scan_kernels``, which count words in a hash table and append
provisional ids to a temporary int32 file.
"""

import errno
import os
import sys
import tempfile
import weakref
from dataclasses import dataclass, field

import numpy as np

from w2v import scan_kernels as K
from w2v.errors import CorpusError

__all__ = ["ScannedCorpus", "scan_corpus", "remap_ids"]

_MAX_IDS = 2**31 - 1  # provisional ids are int32 and -1 marks a line end


def _unlink(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


@dataclass(eq=False)
class ScannedCorpus:
    """The result of ``scan_corpus``.

    ``words[i]`` is the word with provisional id ``i`` (first-seen order) and
    ``counts[i]`` its count. With ``max_vocab_size``, pruned words keep their
    id with count 0, and a pruned word that appears again gets a new id, so
    the same string can be in ``words`` twice: once with count 0.

    ``ids_path`` is a native-endian int32 file of ``n_ids`` entries: the
    provisional id of each token, and -1 for each line end. It is deleted by
    ``close()`` (or on leaving a ``with`` block, or when the object is
    garbage-collected).
    """

    words: list
    counts: np.ndarray
    ids_path: str
    n_ids: int
    n_tokens: int
    n_lines: int
    n_bytes: int
    _remapped: bool = field(default=False, init=False, repr=False)

    def __post_init__(self):
        self._finalizer = weakref.finalize(self, _unlink, self.ids_path)

    def close(self):
        """Delete the ids file (safe to call twice)."""
        self._finalizer()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class _Tables:
    """The growing arrays of the scan, grown x2 when a kernel says one is full."""

    # starting sizes (tests shrink them to exercise the growth paths); the table is a power of 2
    initial_pool = 1 << 20
    initial_words = 1 << 16
    initial_table = 1 << 17

    def __init__(self):
        words = self.initial_words
        self.pool = np.empty(self.initial_pool, dtype=np.uint8)
        self.word_pos = np.empty((words, 2), dtype=np.int64)  # (start in pool, length)
        self.hashes = np.empty(words, dtype=np.uint64)
        self.counts = np.empty(words, dtype=np.int64)
        self.live = np.empty(words, dtype=np.int32)
        self.table = np.zeros(self.initial_table, dtype=np.uint64)
        self.state = np.zeros(K.N_STATE, dtype=np.int64)

    def grow(self, status):
        if status == K.POOL_FULL:
            self.pool = _grown(self.pool, self.state[K.S_POOL_USED], self.state[K.S_POOL_NEED])
        elif status == K.WORDS_FULL:
            n = self.state[K.S_N_WORDS]
            if n >= _MAX_IDS:
                raise CorpusError(f"too many distinct words: ids are int32, at most {_MAX_IDS}")
            self.word_pos = _grown(self.word_pos, n)
            self.hashes = _grown(self.hashes, n)
            self.counts = _grown(self.counts, n)
            self.live = _grown(self.live, self.state[K.S_N_LIVE])
        elif status == K.TABLE_FULL:
            self.table = np.zeros(2 * self.table.shape[0], dtype=np.uint64)
            K.rehash(self.table, self.hashes, self.live, self.state[K.S_N_LIVE])
        else:  # pragma: no cover - a kernel bug
            raise AssertionError(f"unexpected scan status {status}")

    def scan(self, chunk, out, write, max_vocab):
        """Run the kernel over all of ``chunk``, growing arrays and flushing ``out`` as needed."""
        pos, end = 0, chunk.shape[0]
        while True:
            status, pos, n_out = K.scan_chunk(
                chunk, pos, end, self.pool, self.word_pos, self.hashes, self.counts, self.live,
                self.table, out, self.state, max_vocab)
            if n_out:
                write(out[:n_out])
            if status == K.DONE:
                return
            if status != K.OUT_FULL:
                self.grow(status)

    def words(self):
        """Decode the words (all valid UTF-8 by now); frees the pool to keep the peak low."""
        n = int(self.state[K.S_N_WORDS])
        joined = K.join_words(self.pool, self.word_pos, n)
        self.pool = None
        text = str(joined.data, "utf-8")
        del joined
        return text.split("\n")[:n]


def _grown(arr, used, need=0):
    """A copy of ``arr[:used]`` in an array twice as long, or twice ``need`` if that is more.

    Pages past ``used`` stay untouched (np.empty), so the slack costs address space, not memory.
    """
    size = max(2 * arr.shape[0], 2 * need, 1)
    new = np.empty((size,) + arr.shape[1:], dtype=arr.dtype)
    new[:used] = arr[:used]
    return new


def _open_source(source):
    if source == "-":
        stream = getattr(sys.stdin, "buffer", None)
        if stream is None:
            raise CorpusError("cannot read corpus from stdin: stdin is closed")
        return stream, False
    try:
        return open(source, "rb", buffering=0), True
    except FileNotFoundError:
        raise CorpusError(f"corpus not found: {source!r}") from None
    except IsADirectoryError:
        raise CorpusError(f"corpus is a directory: {source!r}") from None
    except PermissionError:
        raise CorpusError(f"corpus is not readable: {source!r} (permission denied)") from None
    except OSError as e:
        raise CorpusError(f"cannot read corpus {source!r}: {_reason(e)}") from None


def _reason(e):
    return (e.strerror or str(e)).lower()


def _read_full(stream, view):
    """Read into ``view`` until it is full or the stream ends; return the bytes read."""
    got = 0
    want = len(view)
    readinto = getattr(stream, "readinto", None)
    while got < want:
        if readinto is not None:
            n = readinto(view[got:])
        else:
            data = stream.read(want - got)
            n = len(data)
            view[got:got + n] = data
        if not n:  # EOF (None from a non-blocking stream is treated alike)
            break
        got += n
    return got


def _sanitized(chunk):
    """``chunk`` itself when it is valid UTF-8, else a copy with U+FFFD for each bad sequence."""
    valid, size = K.utf8_check(chunk, chunk.shape[0])
    if valid:
        return chunk
    repaired = np.empty(size, dtype=np.uint8)
    K.utf8_repair(chunk, chunk.shape[0], repaired)
    return repaired


def scan_corpus(source, workdir=None, max_vocab_size=None, progress=None, chunk_bytes=1 << 24):
    """Tokenize ``source`` (a path, or "-" for stdin) in one pass; count words and store ids.

    ``progress(bytes_read)`` is called after each chunk with the total bytes read so far.
    ``workdir`` is where the ids file is created (default: the temp directory).
    ``max_vocab_size`` limits the words held while counting, pruning the rarest
    the way word2vec.c does (see ``ScannedCorpus`` for what that does to ids).
    Raises ``CorpusError`` when the source cannot be read. An empty corpus is
    not an error here (``n_tokens == 0``); the caller decides.
    """
    if chunk_bytes < 1:
        raise ValueError("chunk_bytes must be positive")
    if max_vocab_size is not None and max_vocab_size < 1:
        raise ValueError("max_vocab_size must be positive (or None for no limit)")
    max_vocab = int(max_vocab_size or 0)
    source = os.fspath(source)
    stream, owned = _open_source(source)
    try:
        try:
            fd, ids_path = tempfile.mkstemp(dir=workdir, prefix="w2v-ids-")
        except OSError as e:
            where = workdir if workdir is not None else tempfile.gettempdir()
            raise CorpusError(f"cannot create the token ids file in {where!r}: {_reason(e)}") from None
        try:
            with os.fdopen(fd, "wb") as ids_file:
                tables, n_bytes, n_ids = _scan_stream(
                    source, stream, ids_file, ids_path, max_vocab, progress, chunk_bytes)
            state = tables.state
            n_words = int(state[K.S_N_WORDS])
            return ScannedCorpus(
                words=tables.words(),
                counts=tables.counts[:n_words].copy(),
                ids_path=ids_path,
                n_ids=n_ids,
                n_tokens=int(state[K.S_N_TOKENS]),
                n_lines=int(state[K.S_N_LINES]),
                n_bytes=n_bytes,
            )
        except BaseException:
            _unlink(ids_path)
            raise
    finally:
        if owned:
            stream.close()


def _scan_stream(source, stream, ids_file, ids_path, max_vocab, progress, chunk_bytes):
    tables = _Tables()
    out = np.empty(max(1024, min(chunk_bytes // 4 + 16, 1 << 20)), dtype=np.int32)
    n_ids = 0

    def write(ids):
        nonlocal n_ids
        try:
            ids_file.write(ids)
        except OSError as e:
            raise CorpusError(f"cannot write token ids to {ids_path!r}: {_reason(e)}") from None
        n_ids += ids.shape[0]

    buf = np.empty(2 * chunk_bytes, dtype=np.uint8)
    fill = 0  # bytes held in buf: a tail carried from the last read, then new bytes
    n_bytes = 0
    eof = False
    while not eof:
        if buf.shape[0] - fill < chunk_bytes:
            buf = _grown(buf, fill)
        try:
            got = _read_full(stream, memoryview(buf)[fill:fill + chunk_bytes])
        except OSError as e:
            if e.errno == errno.EISDIR:
                raise CorpusError(f"corpus is a directory: {source!r}") from None
            raise CorpusError(f"cannot read corpus {source!r}: {_reason(e)}") from None
        eof = got < chunk_bytes
        searched = fill
        fill += got
        n_bytes += got
        if progress is not None:
            progress(n_bytes)
        if eof:
            cut = fill
        else:
            # cut after the last separator; with none, the token goes on: read more
            cut = K.last_separator(buf, searched, fill) + 1
            if cut == 0:
                continue
        if cut:
            tables.scan(_sanitized(buf[:cut]), out, write, max_vocab)
        tail = fill - cut
        buf[:tail] = buf[cut:fill]
        fill = tail
    return tables, n_bytes, n_ids


def remap_ids(scanned, final_id):
    """Rewrite ``scanned.ids_path`` in place from provisional to final vocabulary ids.

    ``final_id[i]`` is the final id of provisional id ``i``, or -1 to drop its
    tokens. Line ends are kept, but runs of them collapse into one and a
    leading one is dropped. The file is truncated to the new length, and
    ``scanned.n_ids`` updated. Returns ``(ids, n_words)``: a read-only int32
    memmap of the final stream (an empty array if nothing is left) and the
    number of word tokens in it. Can be called once per scan.
    """
    final_id = np.ascontiguousarray(final_id, dtype=np.int32)
    if final_id.shape != (len(scanned.words),):
        raise ValueError(f"final_id must have one entry per provisional word ({len(scanned.words)}), "
                         f"not shape {final_id.shape}")
    if scanned._remapped:
        raise ValueError("the ids of this scan were already remapped")
    path = scanned.ids_path
    n = scanned.n_ids
    new_n = n_words = 0
    if n:
        ids = np.memmap(path, dtype=np.int32, mode="r+", shape=(n,))
        new_n, n_words = K.remap_in_place(ids, n, final_id)
        ids.flush()
        del ids
    os.truncate(path, 4 * new_n)
    scanned.n_ids = int(new_n)
    scanned._remapped = True
    if new_n == 0:
        return np.empty(0, dtype=np.int32), 0
    return np.memmap(path, dtype=np.int32, mode="r", shape=(new_n,)), int(n_words)
