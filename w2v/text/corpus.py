"""Read training text in one streaming pass: tokenize, count, and write token ids to disk.

Tokenization follows word2vec.c's ReadWord without its limits: tokens are
separated by space, tab, newline, \\v, \\f and NUL; '\\r' is deleted (so CRLF
files read like LF files, and "a\\rb" is "ab"); every '\\n' ends a sentence.
Tokens have no length limit. Text is UTF-8; invalid bytes become U+FFFD (and
are counted). ``w2v.text.sources`` opens the source: compressed files, a byte-order
mark or another encoding become UTF-8 before the scan; binary input is refused.

The corpus is never held as a Python string or as Python objects per token:
fixed-size byte chunks, each cut after a separator, go through the Numba
kernels in ``w2v.text.scan_kernels``, which count words in a hash table and append
provisional ids to a temporary int32 file. Memory is bounded by the words held
(``max_vocab_size``) and the longest token, not by the size of the text: the
ids file is rewritten and read back in fixed-size chunks, never mapped whole.
"""

import errno
import os
import tempfile
import weakref
from dataclasses import dataclass, field

import numpy as np

from w2v.errors import CorpusError
from w2v.text import scan_kernels as K
from w2v.text.sources import open_source

__all__ = ["ScannedCorpus", "scan_corpus", "remap_ids", "read_ids", "ids_array"]

_MAX_IDS = 2**31 - 1  # provisional ids are int32 and -1 marks a line end
_CHUNK_IDS = 1 << 22  # ids rewritten at a time by remap_ids (16 MB)


def _unlink(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _unlink_all(*paths):
    for path in paths:
        if path is not None:
            _unlink(path)


@dataclass(eq=False)
class ScannedCorpus:
    """The result of ``scan_corpus``.

    ``words[i]`` is the word with provisional id ``i`` (first-seen order) and
    ``counts[i]`` its count. The words stay bytes in the scan's pool until asked for:
    ``vocabulary()`` decodes only the words it keeps (on NSMC, 90k of 1.3M), and ``words``
    decodes them all once, on first use.

    ``ids_path`` is a native-endian int32 file of ``n_ids`` entries: the
    provisional id of each token, and -1 for each line end. It is deleted by
    ``close()`` (or on leaving a ``with`` block, or when the object is
    garbage-collected).

    With ``max_vocab_size``, each prune (word2vec.c's ReduceVocab) forgets the
    rarest words and renumbers the others, so memory stays bounded by the prune
    threshold. The ids written before a prune are then in an older numbering:
    ``segments`` lists, for each prune, the ``n_ids`` reached and the size of
    the renumbering table saved in ``remap_path``; ``remap_ids`` applies them.
    Read the ids file directly only when ``segments`` is empty. As in
    word2vec.c, a pruned word that comes back starts counting from zero; its
    tokens from before the prune are dropped (word2vec.c, which reads the text
    twice, would train on them if the word made it into the vocabulary).
    """

    counts: np.ndarray
    ids_path: str
    n_ids: int
    n_tokens: int
    n_lines: int
    n_bytes: int
    segments: list = field(default_factory=list)
    remap_path: str | None = None
    replaced: int = 0  # invalid byte sequences read as U+FFFD
    found: str = ""  # what the source was, when not plain UTF-8: "gzip", "zip member text8, cp949"
    tables: "_Tables | None" = field(default=None, repr=False)  # the pool the words are decoded from
    _remapped: bool = field(default=False, init=False, repr=False)
    _words: list | None = field(default=None, init=False, repr=False)

    def __post_init__(self):
        self._finalizer = weakref.finalize(self, _unlink_all, self.ids_path, self.remap_path)

    @property
    def n_words(self) -> int:
        """Distinct words held (for the words list use ``words``)."""
        return len(self.counts)

    @property
    def words(self) -> list:
        """Every distinct word, by provisional id (decoded on first use)."""
        if self._words is None:
            self._words = self.tables.words(np.arange(self.n_words))
        return self._words

    def forget_words(self) -> None:
        """Free the words (and the pool they are decoded from) once nothing will ask for them."""
        self.tables = None
        self._words = None

    def vocabulary(self, min_count: int = 5, max_vocab: int | None = None):
        """``Vocab.from_counts(self.words, self.counts, ...)``, decoding only the words it keeps.

        The scan's words are distinct (its hash table holds each word once, and a pruned word
        that comes back is a new entry of a table that no longer holds the old one), so no
        merging is needed. Returns the vocabulary and each provisional id's index in it (or -1).
        """
        from w2v.text.vocab import Vocab

        counts = self.counts
        kept = np.flatnonzero(counts >= min_count)
        order = kept[np.argsort(-counts[kept], kind="stable")]  # ties: first seen first
        if max_vocab is not None:
            order = order[:max_vocab]
        words = self._words if self._words is not None else None
        chosen = [words[i] for i in order] if words is not None else self.tables.words(order)
        final_id = np.full(len(counts), -1, dtype=np.int32)
        final_id[order] = np.arange(len(order), dtype=np.int32)
        return Vocab(chosen, counts[order].copy()), final_id

    def close(self):
        """Delete the ids file and the renumbering tables (safe to call twice)."""
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
        self.table = np.zeros(self.initial_table, dtype=np.uint64)
        self.state = np.zeros(K.N_STATE, dtype=np.int64)

    def grow(self, status):
        if status == K.POOL_FULL:
            self.pool = _grown(self.pool, self.state[K.S_POOL_USED], self.state[K.S_POOL_NEED])
        elif status == K.WORDS_FULL:
            n = self.state[K.S_N_WORDS]
            if n >= _MAX_IDS:
                raise CorpusError(f"too many distinct words: ids are int32, at most {_MAX_IDS} "
                                  f"(use --prune-at)")
            self.word_pos = _grown(self.word_pos, n)
            self.hashes = _grown(self.hashes, n)
            self.counts = _grown(self.counts, n)
        elif status == K.TABLE_FULL:
            self.table = np.zeros(2 * self.table.shape[0], dtype=np.uint64)
            K.rehash(self.table, self.hashes, self.state[K.S_N_WORDS])
        else:  # pragma: no cover - a kernel bug
            raise AssertionError(f"unexpected scan status {status}")

    def prune(self):
        """Drop the rarest words (word2vec.c's ReduceVocab) and renumber; returns old id -> new id."""
        state = self.state
        n = int(state[K.S_N_WORDS])
        state[K.S_MIN_REDUCE] += 1
        remap = np.empty(n, dtype=np.int32)
        kept, pool_used = K.compact(self.pool, self.word_pos, self.hashes, self.counts, n,
                                    state[K.S_MIN_REDUCE], self.table, remap)
        state[K.S_N_WORDS] = kept
        state[K.S_POOL_USED] = pool_used
        return remap

    def scan(self, chunk, out, write, max_vocab, on_prune):
        """Run the kernel over all of ``chunk``, growing arrays and flushing ``out`` as needed."""
        pos, end = 0, chunk.shape[0]
        while True:
            status, pos, n_out = K.scan_chunk(
                chunk, pos, end, self.pool, self.word_pos, self.hashes, self.counts,
                self.table, out, self.state, max_vocab)
            if n_out:
                write(out[:n_out])
            if status == K.DONE:
                return
            if status == K.PRUNE:
                on_prune(self.prune())
            elif status != K.OUT_FULL:
                self.grow(status)

    def release(self):
        """Once the scan is done: drop what only counting needed, and the slack of the growth."""
        n = int(self.state[K.S_N_WORDS])
        self.table = self.hashes = None
        self.word_pos = self.word_pos[:n]  # views: the untouched slack pages cost no memory
        self.pool = self.pool[:int(self.state[K.S_POOL_USED])]

    def words(self, ids):
        """The words of the provisional ``ids`` (all valid UTF-8 by now), decoded."""
        if len(ids) == 0:
            return []
        joined = K.join_words(self.pool, np.ascontiguousarray(self.word_pos[ids]), len(ids))
        text = str(joined.data, "utf-8")
        del joined
        return text.split("\n")[:len(ids)]


def _grown(arr, used, need=0):
    """A copy of ``arr[:used]`` in an array twice as long, or twice ``need`` if that is more.

    Pages past ``used`` stay untouched (np.empty), so the slack costs address space, not memory.
    """
    size = max(2 * arr.shape[0], 2 * need, 1)
    new = np.empty((size,) + arr.shape[1:], dtype=arr.dtype)
    new[:used] = arr[:used]
    return new


def _open_source(source, encoding=None):
    """``source`` (a path, "-" or a binary file object) opened as UTF-8 bytes: see ``w2v.text.sources``."""
    return open_source(source, encoding=encoding, what="corpus")


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
    """``(chunk, 0)`` when it is valid UTF-8, else a copy with U+FFFD for each bad sequence and their number."""
    valid, size = K.utf8_check(chunk, chunk.shape[0])
    if valid:
        return chunk, 0
    repaired = np.empty(size, dtype=np.uint8)
    K.utf8_repair(chunk, chunk.shape[0], repaired)
    replacement = "\ufffd".encode()
    return repaired, bytes(repaired).count(replacement) - bytes(chunk).count(replacement)


def scan_corpus(source, workdir=None, max_vocab_size=None, progress=None, chunk_bytes=1 << 24, encoding=None):
    """Tokenize ``source`` (a path, "-" for stdin, or a binary file object) in one pass; count words and store ids.

    ``progress(bytes_read)`` is called after each chunk with the bytes of the
    source as stored read so far (for a compressed file, the compressed bytes).
    ``encoding`` is the text's encoding (None: UTF-8, or as a byte-order mark says).
    ``workdir`` is where the ids file is created (default: the temp directory).
    ``max_vocab_size`` limits the words held while counting, pruning the rarest
    the way word2vec.c does (see ``ScannedCorpus`` for what that does to ids).
    Temporary files are named ``w2v-ids-<pid>-*`` and ``w2v-remap-<pid>-*``, so
    that files left by a killed process can be recognised and removed.
    Raises ``CorpusError`` when the source cannot be read, or is binary or
    not in the encoding (see ``w2v.text.sources``). An empty corpus is
    not an error here (``n_tokens == 0``); the caller decides.
    """
    if chunk_bytes < 1:
        raise ValueError("chunk_bytes must be positive")
    if max_vocab_size is not None and max_vocab_size < 1:
        raise ValueError("max_vocab_size must be positive (or None for no limit)")
    max_vocab = int(max_vocab_size or 0)
    if isinstance(source, os.PathLike):
        source = os.fspath(source)
    with _open_source(source, encoding) as opened:
        fd, ids_path = _temporary(workdir, "w2v-ids-", "the token ids file")
        remaps = _Remaps(workdir)
        try:
            with os.fdopen(fd, "wb") as ids_file:
                tables, n_bytes, n_ids, replaced = _scan_stream(
                    opened, ids_file, ids_path, max_vocab, progress, chunk_bytes, remaps)
            remaps.close()
            state = tables.state
            n_words = int(state[K.S_N_WORDS])
            tables.release()
            return ScannedCorpus(
                counts=tables.counts[:n_words].copy(),
                ids_path=ids_path,
                n_ids=n_ids,
                n_tokens=int(state[K.S_N_TOKENS]),
                n_lines=int(state[K.S_N_LINES]),
                n_bytes=n_bytes,
                segments=remaps.segments,
                remap_path=remaps.path,
                replaced=replaced + opened.replaced,
                found=opened.describe(),
                tables=tables,
            )
        except BaseException:
            remaps.close()
            _unlink_all(ids_path, remaps.path)
            raise


def _temporary(workdir, prefix, what):
    try:
        return tempfile.mkstemp(dir=workdir, prefix=f"{prefix}{os.getpid()}-")
    except OSError as e:
        where = workdir if workdir is not None else tempfile.gettempdir()
        raise CorpusError(f"cannot create {what} in {where!r}: {_reason(e)}") from None


class _Remaps:
    """The renumbering table of each prune, appended to a temporary file (made on the first prune)."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.path = None
        self.file = None
        self.segments = []  # (n_ids when the prune happened, table size)

    def add(self, n_ids, remap):
        if self.file is None:
            fd, self.path = _temporary(self.workdir, "w2v-remap-", "the vocabulary pruning file")
            self.file = os.fdopen(fd, "wb")
        try:
            self.file.write(remap)
        except OSError as e:
            raise CorpusError(f"cannot write to {self.path!r}: {_reason(e)}") from None
        self.segments.append((int(n_ids), int(remap.shape[0])))

    def close(self):
        if self.file is not None:
            self.file.close()
            self.file = None


def _scan_stream(opened, ids_file, ids_path, max_vocab, progress, chunk_bytes, remaps):
    stream, source = opened.stream, opened.name
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
    replaced = 0
    eof = False
    while not eof:
        if buf.shape[0] - fill < chunk_bytes:
            buf = _grown(buf, fill)
        try:
            got = _read_full(stream, memoryview(buf)[fill:fill + chunk_bytes])
        except OSError as e:
            if e.errno == errno.EISDIR:
                raise CorpusError(f"corpus is a directory: {source}") from None
            raise CorpusError(opened.cannot_read(_reason(e))) from None
        eof = got < chunk_bytes
        searched = fill
        fill += got
        n_bytes += got
        if progress is not None:
            progress(opened.bytes_read)
        if eof:
            cut = fill
        else:
            # cut after the last separator; with none, the token goes on: read more
            cut = K.last_separator(buf, searched, fill) + 1
            if cut == 0:
                continue
        if cut:
            text, bad = _sanitized(buf[:cut])
            replaced += bad
            tables.scan(text, out, write, max_vocab, lambda remap: remaps.add(n_ids, remap))
        tail = fill - cut
        buf[:tail] = buf[cut:fill]
        fill = tail
    return tables, n_bytes, n_ids, replaced


def remap_ids(scanned, final_id, chunk_ids=_CHUNK_IDS):
    """Rewrite ``scanned.ids_path`` in place from provisional to final vocabulary ids.

    ``final_id[i]`` is the final id of provisional id ``i``, or -1 to drop its
    tokens. Line ends are kept, but runs of them collapse into one and a
    leading one is dropped. The file is rewritten ``chunk_ids`` ids at a time
    (never mapped whole) and truncated to the new length, and ``scanned.n_ids``
    updated. Returns ``(n_ids, n_words)``: the ids left and how many of them
    are words. Read them with ``read_ids`` or ``ids_array``. Can be called once per scan.
    """
    final_id = np.ascontiguousarray(final_id, dtype=np.int32)
    if final_id.shape != (scanned.n_words,):
        raise ValueError(f"final_id must have one entry per provisional word ({scanned.n_words}), "
                         f"not shape {final_id.shape}")
    if scanned._remapped:
        raise ValueError("the ids of this scan were already remapped")
    path = scanned.ids_path
    n = scanned.n_ids
    read = written = n_words = 0
    try:
        with open(path, "r+b", buffering=0) as f:
            fd = f.fileno()
            buf = np.empty(max(1, min(chunk_ids, n)), dtype=np.int32)
            at_line_start = True
            for end, mapping in _generation_maps(scanned, final_id):
                while read < end:
                    m = min(buf.shape[0], end - read)
                    _pread_into(fd, buf[:m], read)
                    kept, words, at_line_start = K.remap_chunk(buf, m, mapping, at_line_start)
                    _pwrite_from(fd, buf[:kept], written)
                    read += m
                    written += kept
                    n_words += words
        os.truncate(path, 4 * written)
    except OSError as e:
        raise CorpusError(f"cannot rewrite the token ids file {path!r}: {_reason(e)}") from None
    scanned.n_ids = int(written)
    scanned._remapped = True
    scanned.segments = []
    return int(written), int(n_words)


def _generation_maps(scanned, final_id):
    """(end, provisional id -> final id) for each stretch of ids written between two prunes.

    The tables of earlier stretches are composed with the later ones back to front,
    overwriting the remap file in place, so at most two tables are held at a time.
    """
    segments = scanned.segments
    if not segments:
        yield scanned.n_ids, final_id
        return
    offsets = np.cumsum([0] + [4 * size for _, size in segments]).tolist()
    with open(scanned.remap_path, "r+b", buffering=0) as f:
        fd = f.fileno()
        later = final_id
        for g in range(len(segments) - 1, -1, -1):
            table = np.empty(segments[g][1], dtype=np.int32)
            _pread_into(fd, table, offsets[g] // 4)
            composed = np.full(table.shape[0], -1, dtype=np.int32)
            kept = table >= 0
            composed[kept] = later[table[kept]]
            _pwrite_from(fd, composed, offsets[g] // 4)
            later = composed
        del later
        for g, (end, size) in enumerate(segments):
            table = np.empty(size, dtype=np.int32)
            _pread_into(fd, table, offsets[g] // 4)
            yield end, table
    yield scanned.n_ids, final_id


def _pread_into(fd, array, index):
    """Fill ``array`` (int32) from the file at id ``index``."""
    view = memoryview(array).cast("B")
    got = 0
    while got < len(view):
        n = os.preadv(fd, [view[got:]], 4 * index + got)
        if n == 0:
            raise OSError(0, "the file ended early (was it changed while in use?)")
        got += n


def _pwrite_from(fd, array, index):
    view = memoryview(np.ascontiguousarray(array)).cast("B")
    done = 0
    while done < len(view):
        done += os.pwrite(fd, view[done:], 4 * index + done)


def read_ids(fd, index, out):
    """Read ``out.shape[0]`` ids starting at id ``index`` from the open ids file ``fd`` into ``out``."""
    _pread_into(fd, out, index)
    return out


def ids_array(path, n_ids):
    """The whole ids file as a read-only memmap (small files and tests; training reads chunks)."""
    if n_ids == 0:
        return np.empty(0, dtype=np.int32)
    return np.memmap(path, dtype=np.int32, mode="r", shape=(n_ids,))
