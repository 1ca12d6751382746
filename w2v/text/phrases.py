"""word2phrase: join word pairs that occur together often into one token ("new york" -> "new_york").

``learn_phrases`` reads the text once with ``w2v.text.corpus.scan_corpus`` (word
counts and a temporary file of token ids), counts the bigrams of that id stream,
then writes the text again from the ids, joining ``a b`` into ``a_b`` when

    (count(a b) - min_count) / count(a) / count(b) * total_words > threshold

with both words and the bigram occurring at least ``min_count`` times. The score
is word2phrase.c's, computed in float32 as there. Running the output through
again joins phrases with words (or phrases) into longer ones: the original demo
runs threshold 200, then 100.

Bigrams never cross a line end; a word that ends a phrase cannot begin one
(``a b c`` gives ``a_b c`` or ``a b_c``, never ``a_b_c`` in one run); pairs are
decided left to right.

The output is the normalized text of the scanner: tokens separated by one
space (or the delimiter within a phrase), every line end kept (empty lines
too), no leading or trailing blanks on a line; '\\r' deleted; NUL, '\\v' and
'\\f' are separators like space and tab; invalid UTF-8 becomes U+FFFD.

Differences from word2phrase.c, all on purpose (on text8 both runs of its demo
give the same tokens as the C tool, but for the last word, which it drops):
- its first pass counts bigrams across line ends too (its line-start flag is
  cleared before it is tested), though its second pass never joins them; here
  they are not counted either;
- it drops the last word of a file that does not end with a newline, and
  writes a space before the first word of every line;
- it truncates words to 58 bytes and bigrams to 59, and keeps words and "a_b" bigram
  strings in one table, so that in a second run the word "new_york" and the
  pair "new york" share one count; here words have no length limit and a
  bigram is a pair of words;
- its only separators are space, tab and newline;
- it prunes words and bigrams together (at 350M entries); here word counts are
  exact and only the bigram table is pruned, at ``prune_at`` keys;
- with min count 0 its score after a join divides by zero, so phrases chain;
  here a word that ends a phrase never begins one; a threshold below 0 (which
  would join every pair) is refused.

Memory: the word list, and a bigram table that counts only pairs of words
occurring at least ``min_count`` times and never holds more than ``prune_at``
keys (16 bytes a slot, at most 3/4 full: 512 MiB at the default). When it is
full, the bigrams counted at most once are dropped, at the next time at most
twice, and so on (word2vec.c's ReduceVocab); counts are then approximate and
``PhraseStats.prunes`` says how often that happened. The text itself is
streamed: a temporary file of int32 token ids (4 bytes a token, in
``workdir``) is read twice in fixed-size chunks.
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
import time
from dataclasses import dataclass

import numpy as np

from w2v.errors import CorpusError, ParameterError
from w2v.text import phrase_kernels as K
from w2v.text.corpus import scan_corpus

__all__ = ["PhraseStats", "learn_phrases", "DEFAULT_PRUNE_AT"]

DEFAULT_PRUNE_AT = 25_000_000  # bigram keys: a table of at most 2**25 slots, 512 MiB
CHUNK_IDS = 1 << 22  # ids per kernel call (16 MB), so progress and Ctrl-C stay responsive
OUT_BYTES = 1 << 22  # output buffer
_SEPARATORS = frozenset(" \t\n\v\f\r\x00")


@dataclass
class PhraseStats:
    """What ``learn_phrases`` read and wrote."""

    tokens: int = 0  # words read
    lines: int = 0  # line ends read
    words: int = 0  # distinct words
    bigrams: int = 0  # distinct bigrams counted: adjacent pairs of words that occur >= min_count times
    phrases: int = 0  # distinct phrases written
    phrase_tokens: int = 0  # phrases written (each replaces two tokens by one)
    prunes: int = 0  # times the bigram table was pruned (0: every count is exact)
    seconds: float = 0.0


class _Bigrams:
    """The bigram table, grown x2 or pruned when ``count_bigrams`` says so.

    It never holds more than ``prune_at`` keys, so it never has more than the
    smallest power of two of slots that is at least ``prune_at * 4 / 3``.
    """

    initial_bits = 16  # tests shrink it to exercise growth

    def __init__(self, prune_at):
        self.prune_at = prune_at
        self.bits = self.initial_bits
        self.table = _empty_table(self.bits)
        self.state = np.zeros(K.N_STATE, dtype=np.int64)
        self.state[K.S_PREV] = -1
        self.min_reduce = 0
        self.prunes = 0

    @property
    def shift(self):
        return 64 - self.bits

    def count(self, ids, frequent, n_words):
        pos = 0
        while True:
            status, done = K.count_bigrams(ids[pos:], frequent, n_words, self.table, self.shift,
                                           self.state, self.prune_at)
            pos += done
            if status == K.DONE:
                return
            if status == K.GROW:
                self._rehash(self.bits + 1, 0)
            elif status == K.PRUNE:
                self.prune()
            else:  # pragma: no cover - a kernel bug
                raise AssertionError(f"unexpected bigram status {status}")

    def prune(self):
        """word2vec.c's ReduceVocab: drop the bigrams counted at most once (twice on the next call, ...).

        In place: only the survivors are copied out (usually few: most bigrams are seen once).
        """
        self.min_reduce += 1
        self.prunes += 1
        table = self.table
        survivors = table[(table[:, 0] != K.EMPTY) & (table[:, 1] > self.min_reduce)]
        table[:] = 0
        self.state[K.S_KEYS] = K.rehash(survivors, table, self.shift, 0)

    def phrases(self, counts, n_words, min_count, train_words, threshold):
        """The table of the bigrams that form phrases, and the flags of the words that begin/end one."""
        n = K.count_phrases(self.table, counts, n_words, min_count, train_words, threshold)
        bits = max(4, (2 * n).bit_length())
        phrases = _empty_table(bits)
        starts = np.zeros(n_words, dtype=np.uint8)
        ends = np.zeros(n_words, dtype=np.uint8)
        K.select_phrases(self.table, counts, n_words, min_count, train_words, threshold, phrases,
                         64 - bits, starts, ends)
        return phrases, 64 - bits, starts, ends

    def _rehash(self, bits, keep_above):
        new = _empty_table(bits)
        self.state[K.S_KEYS] = K.rehash(self.table, new, 64 - bits, keep_above)
        self.table = new
        self.bits = bits


def _empty_table(bits):
    return np.zeros((1 << bits, 2), dtype=np.int64)


def _reason(e):
    return (e.strerror or str(e)).lower()


def _validate(min_count, threshold, prune_at, delimiter):
    if isinstance(min_count, bool) or not isinstance(min_count, (int, np.integer)) or min_count < 0:
        raise ParameterError(f"min count must be a whole number >= 0, not {min_count!r}")
    try:
        threshold = float(threshold)
    except (TypeError, ValueError):
        raise ParameterError(f"threshold must be a number >= 0, not {threshold!r}") from None
    if not math.isfinite(threshold) or threshold < 0:
        raise ParameterError(f"threshold must be a number >= 0, not {threshold!r}")
    if prune_at is None:
        prune_at = DEFAULT_PRUNE_AT
    if isinstance(prune_at, bool) or not isinstance(prune_at, (int, np.integer)) or prune_at < 1:
        raise ParameterError(f"prune-at must be a whole number >= 1, not {prune_at!r}")
    if not isinstance(delimiter, str) or not delimiter or any(c in _SEPARATORS for c in delimiter):
        raise ParameterError(f"the phrase delimiter must be non-empty text without blanks, not {delimiter!r}")
    return int(min_count), threshold, int(prune_at)


class _Output:
    """Where the text goes: stdout, or a temporary file that replaces ``path`` on ``commit``."""

    def __init__(self, path):
        self.path = path
        self.name = "stdout" if path == "-" else repr(path)
        self.tmp = None
        if path == "-":
            if sys.stdout is None:
                raise CorpusError("cannot write phrases to stdout: stdout is closed")
            stream = getattr(sys.stdout, "buffer", None)
            sys.stdout.flush()
            self.file = stream if stream is not None else sys.stdout
            self.text = stream is None
            return
        self.text = False
        if os.path.isdir(path):
            raise CorpusError(f"cannot write phrases: {path!r} is a directory")
        directory = os.path.dirname(os.path.abspath(path))
        try:
            fd, self.tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".tmp")
        except OSError as e:
            raise CorpusError(f"cannot write phrases: {path!r} ({_reason(e)})") from None
        self.file = os.fdopen(fd, "wb")

    def write(self, data):
        try:
            if self.text:
                self.file.write(bytes(data).decode("utf-8"))
            else:
                self.file.write(data)
        except OSError as e:
            raise CorpusError(f"cannot write phrases: {self.name} ({_reason(e)})") from None

    def commit(self):
        try:
            self.file.flush()
            if self.tmp is not None:
                self.file.close()
                mask = os.umask(0)
                os.umask(mask)
                os.chmod(self.tmp, 0o666 & ~mask)
                os.replace(self.tmp, self.path)
                self.tmp = None
        except OSError as e:
            raise CorpusError(f"cannot write phrases: {self.name} ({_reason(e)})") from None
        finally:
            self.discard()

    def discard(self):
        if self.tmp is not None:
            self.file.close()
            try:
                os.unlink(self.tmp)
            except OSError:
                pass
            self.tmp = None


def _word_pool(words):
    """The words as UTF-8 bytes, each followed by a newline, and the offset of each (n + 1 entries)."""
    if not words:
        return np.zeros(0, dtype=np.uint8), np.zeros(1, dtype=np.int64)
    pool = np.frombuffer(("\n".join(words) + "\n").encode("utf-8"), dtype=np.uint8)
    offsets = np.zeros(len(words) + 1, dtype=np.int64)
    offsets[1:] = np.flatnonzero(pool == 10) + 1
    return pool, offsets


def _id_chunks(path, n_ids):
    """The int32 id stream of ``path`` in chunks of at most CHUNK_IDS (one reused buffer)."""
    buf = np.empty(min(CHUNK_IDS, max(n_ids, 1)), dtype=np.int32)
    done = 0
    with open(path, "rb", buffering=0) as f:
        while done < n_ids:
            n = min(buf.shape[0], n_ids - done)
            view = memoryview(buf[:n]).cast("B")
            got = 0
            while got < len(view):
                step = f.readinto(view[got:])
                if not step:
                    raise CorpusError(f"token ids file is truncated: {path!r}")
                got += step
            done += n
            yield buf[:n], done


def learn_phrases(source: str, output: str, min_count: int = 5, threshold: float = 100.0,
                  workdir: str | None = None, progress=None, prune_at: int | None = None,
                  delimiter: str = "_", encoding: str | None = None) -> PhraseStats:
    """Write ``source`` to ``output`` with frequent word pairs joined by ``delimiter`` (word2phrase).

    ``source`` is a path or "-" for stdin; ``output`` a path or "-" for stdout.
    A path is written to a temporary file in its directory that replaces it
    only once everything is written, so an error leaves no partial output
    (and ``output`` may be ``source``). ``workdir`` holds the temporary token
    ids file (default: the temp directory). ``progress``, if given, is an
    object with ``update(text)`` and ``line(text)`` (like ``w2v.training.trainer.Progress``);
    ``line`` gets one summary at the end. ``prune_at`` bounds the bigram table
    (default ``DEFAULT_PRUNE_AT``). An empty input gives an empty output.
    ``encoding`` is the source's text encoding (None: UTF-8; compressed input
    and byte-order marks are read either way, see ``w2v.text.sources``).
    Raises ``ParameterError`` for bad settings and ``CorpusError`` when the
    source cannot be read or the output written.
    """
    min_count, threshold, prune_at = _validate(min_count, threshold, prune_at, delimiter)
    started = time.monotonic()
    source = os.fspath(source)
    output = os.fspath(output)
    name = "stdin" if source == "-" else repr(source)

    def report(bytes_read):
        if progress is not None:
            progress.update(f"phrases: reading {name}: {bytes_read / 1e6:,.0f} MB")

    out = _Output(output)
    try:
        with scan_corpus(source, workdir=workdir, progress=report, encoding=encoding) as scanned:
            stats = _phrases(scanned, out, min_count, threshold, prune_at, delimiter, progress)
        out.commit()
    except BaseException:
        out.discard()
        raise
    stats.seconds = time.monotonic() - started
    if progress is not None:
        progress.line(f"phrases: {stats.tokens:,} words ({stats.words:,} distinct), {stats.bigrams:,} "
                      f"bigrams counted, {stats.phrases:,} phrases formed ({stats.phrase_tokens:,} "
                      f"occurrences) in {stats.seconds:.1f} s")
    return stats


def _phrases(scanned, out, min_count, threshold, prune_at, delimiter, progress):
    n_words = scanned.n_words
    n_ids = scanned.n_ids
    counts = scanned.counts
    frequent = (counts >= min_count).astype(np.uint8)

    bigrams = _Bigrams(prune_at)
    for chunk, done in _id_chunks(scanned.ids_path, n_ids):
        bigrams.count(chunk, frequent, n_words)
        if progress is not None:
            progress.update(f"phrases: counting bigrams: {100 * done / n_ids:.0f}%")
    stats = PhraseStats(tokens=scanned.n_tokens, lines=scanned.n_lines, words=n_words,
                        bigrams=int(bigrams.state[K.S_KEYS]), prunes=bigrams.prunes)
    train_words = np.float32(scanned.n_tokens)
    phrases, shift, starts, ends = bigrams.phrases(counts, n_words, min_count, train_words,
                                                   np.float32(threshold))
    del bigrams

    pool, offsets = _word_pool(scanned.words)
    longest = int(np.max(np.diff(offsets))) if n_words else 0
    delim = np.frombuffer(delimiter.encode("utf-8"), dtype=np.uint8)
    buf = np.empty(max(OUT_BYTES, 2 * (longest + delim.shape[0])), dtype=np.uint8)
    used = np.zeros(phrases.shape[0], dtype=np.uint8)
    state = np.zeros(K.N_STATE, dtype=np.int64)
    state[K.S_PREV] = -1
    for chunk, done in _id_chunks(scanned.ids_path, n_ids):
        pos = 0
        while pos < chunk.shape[0]:
            _, step, n_out = K.write_phrases(chunk[pos:], starts, ends, n_words, phrases, shift, used,
                                             pool, offsets, delim, state, buf)
            pos += step
            out.write(buf[:n_out])
        if progress is not None:
            progress.update(f"phrases: writing: {100 * done / n_ids:.0f}%")
    stats.phrases = int(state[K.S_PHRASES])
    stats.phrase_tokens = int(state[K.S_PHRASE_TOKENS])
    return stats
