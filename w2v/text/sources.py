"""Open a corpus or text file as a stream of UTF-8 bytes, however it is stored.

``open_source(source, encoding=None, what="corpus")`` takes a path, "-" for
stdin, or an open binary file object (anything with ``readinto`` or ``read``;
used as is and never closed). It looks at the first bytes, not the file name:

- gzip, bzip2 and xz are decompressed while streaming (the ``zstandard``
  package adds zstd; without it a zstd file gets an error naming the fix);
- a zip archive that holds one file is read as that file;
- a byte-order mark selects UTF-8 (the mark is dropped), UTF-16 or UTF-32;
- ``encoding`` (any codec Python has: cp949, euc-kr, cp1252, shift_jis...)
  transcodes to UTF-8 in chunks with an incremental decoder, so a character
  split across two chunks is decoded whole; bytes invalid in that encoding
  become U+FFFD and are counted;
- with no encoding and no mark, the start of the text (``SAMPLE_BYTES``) is
  checked, and the source is refused with one ``CorpusError`` when it is
  binary (a known file signature, or more than ``MAX_CONTROL_SHARE`` of
  control bytes), UTF-16 without a mark, or mostly not UTF-8 (more than
  ``MAX_INVALID_SHARE`` of its non-ASCII bytes invalid, and at least
  ``MIN_INVALID`` and one per ``INVALID_PER_BYTES`` bytes): the message names
  the likely encoding (``guess_encoding``: CP949 / EUC-KR, Shift-JIS, CP1251,
  KOI8-R, GBK, CP1252) and the fix.
  Real text in any script has no control bytes besides tab, line and page
  breaks, and valid UTF-8 has no invalid sequences; a UTF-8 corpus with a
  few bad bytes is read, the scanner replacing them with U+FFFD.

The result is an ``OpenedSource``: ``stream`` (raw UTF-8 bytes; its
``readinto`` raises ``CorpusError`` for a truncated or corrupt compressed
file), what was found (``compression``, ``member``, ``encoding``), and
``bytes_read`` / ``size`` of the file as stored, for progress through a
compressed file. Memory is bounded: the sample, the decompressor's window
and one transcoding chunk. The measurements behind the thresholds are in
benchmarks/RESULTS_inputs.md (``python benchmarks/inputs.py --statistics``).

``vocabulary_warning`` is the last guard: the warning for a big text that gave
a tiny vocabulary.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import io
import lzma
import os
import queue
import re
import shlex
import stat
import sys
import threading
import zipfile
import zlib

import numpy as np

from w2v.errors import CorpusError

__all__ = ["OpenedSource", "open_source", "input_size", "guess_encoding", "vocabulary_warning"]

SAMPLE_BYTES = 4 << 20  # the start of the text that is checked before reading on
MAX_CONTROL_SHARE = 0.01  # more control bytes than this (besides NUL) and it is binary...
MAX_NUL_SHARE = 0.3  # ...or more NUL bytes than this (NUL separates tokens, as in word2vec.c)
MIN_STATISTICS_BYTES = 512  # a shorter text is judged by its signature alone
MAX_INVALID_SHARE = 0.3  # more of the non-ASCII bytes invalid than this and it is not UTF-8...
MIN_INVALID = 8  # ...when there are at least this many invalid sequences
INVALID_PER_BYTES = 10_000  # ...and at least one per this many bytes of the sample
TRANSCODE_BYTES = 1 << 20  # bytes decoded at a time by --encoding
DECOMPRESS_STEP_BYTES = 1 << 20  # decompressed bytes asked for at a time
PREFETCH_BLOCKS = 8  # of them read ahead by the reading thread
ZSTD_INPUT_BYTES = 1 << 16  # compressed bytes given to zstd at a time (text comes out ~3-10x larger)

_SIGNATURES = [  # (start of the file, what it is): formats that are never text
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document (extract its text first, e.g. pdftotext FILE FILE.txt)"),
    (b"\x93NUMPY", "a NumPy .npy array"),
    (b"W2VMODEL", "a w2v model"),
    (b"\x7fELF", "an executable"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive (extract it first: 7z x FILE)"),
    (b"Rar!\x1a\x07", "a RAR archive (extract it first)"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an MS Office document (save it as plain text first)"),
]
_BOMS = [  # longest first: the UTF-32 LE mark starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]
_STDIN = "standard input"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
# Control bytes other than NUL, tab, \n, \v, \f, \r and ESC (coloured logs): absent from real text.
_CONTROL = np.zeros(256, dtype=bool)
_CONTROL[[*range(1, 9), *range(14, 27), *range(28, 32)]] = True
_DECODE_ERRORS = (EOFError, OSError, zlib.error, lzma.LZMAError, zipfile.BadZipFile, RuntimeError,
                  NotImplementedError)


class OpenedSource:
    """A source opened by ``open_source``; close it (or use ``with``) when done."""

    def __init__(self, stream, name, raw, size, compression=None, member=None, encoding=None,
                 closers=(), transcoder=None, what="corpus"):
        self.stream = stream  # UTF-8 bytes: readinto(buffer) / read(n)
        self.name = name  # for messages: "'corpus.txt.gz'" or "standard input"
        self.what = what  # "corpus", "analogy file"...
        self.size = size  # bytes of the file as stored, None when unknown (a pipe)
        self.compression = compression  # "gzip", "bzip2", "xz", "zstd", "zip" or None
        self.member = member  # the file read inside a zip
        self.encoding = encoding  # None: UTF-8 as is; else the codec that transcodes
        self._raw = raw
        self._closers = list(closers)
        self._transcoder = transcoder

    @property
    def bytes_read(self) -> int:
        """Bytes of the file as stored read so far (compressed bytes for a compressed file)."""
        return self._raw.position()

    @property
    def replaced(self) -> int:
        """Byte sequences invalid in ``encoding`` replaced by U+FFFD so far (0 for UTF-8 read as is)."""
        return self._transcoder.replaced if self._transcoder is not None else 0

    def cannot_read(self, reason: str) -> str:
        """The message for a read error: "cannot read corpus 'x.txt': ..." (or "from standard input")."""
        return f"cannot read {_reading(self.what, self.name)}: {reason}"

    def describe(self) -> str:
        """What was found, for a summary line: 'gzip, cp949', 'zip member text8', or ''."""
        parts = []
        if self.compression:
            parts.append(f"{self.compression} member {self.member}" if self.member else self.compression)
        if self.encoding:
            parts.append(self.encoding)
        return ", ".join(parts)

    def close(self):
        while self._closers:
            self._closers.pop()()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def open_source(source, encoding: str | None = None, what: str = "corpus") -> OpenedSource:
    """Open ``source`` (a path, "-" for stdin, or a binary file object) as UTF-8 bytes.

    ``encoding`` names the text's encoding (any Python codec); None detects it
    (UTF-8, or a byte-order mark) and refuses binary and non-UTF-8 input.
    ``what`` names the source in messages ("corpus", "analogy file").
    Raises ``CorpusError`` with a one-line message; see the module docstring.
    """
    if encoding is not None:
        encoding = _codec_name(encoding)
    closers = []
    try:
        raw, name, size, seekable = _open_raw(source, what, closers)
        counted = _Counted(raw)
        head = _read_head(counted, name, 8, what)
        stream = _Prefixed(head, counted)
        compression = member = None
        kind = _compression(head)
        if kind == "zip":
            stream, member = _zip_member(raw, seekable, name, counted, closers)
            compression = "zip"
        elif kind is not None:
            stream = _decompressed(kind, stream, name)
            compression = kind
        stream = _Guarded(stream, name, compression)
        sample = _read_head(stream, name, SAMPLE_BYTES, what)
        if encoding is None:
            encoding = _bom_encoding(sample)
            if encoding is None:
                _check_text(sample, name, what, compression, source)
        transcoder = None
        if encoding == "utf-8-sig" and sample.startswith(codecs.BOM_UTF8):
            sample = sample[len(codecs.BOM_UTF8):]
        if encoding in (None, "utf-8", "utf-8-sig"):  # the scanner reads UTF-8 itself, the fast path
            stream = _Prefixed(sample, stream)
            encoding = None
        else:
            stream = transcoder = _Transcoder(_Prefixed(sample, stream), encoding, name)
        if compression or transcoder:
            stream = _Prefetched(stream)
            closers.append(stream.close)
        return OpenedSource(stream, name, counted, size, compression, member, encoding, closers, transcoder, what)
    except BaseException:
        for close in reversed(closers):
            close()
        raise


def input_size(source) -> int | None:
    """The size of ``source`` as stored when it is a regular file, else None (stdin, pipes)."""
    if not isinstance(source, (str, os.PathLike)) or os.fspath(source) == "-":
        return None
    try:
        info = os.stat(source)
    except OSError:
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None


# -- the file as stored -------------------------------------------------------------------------


def _open_raw(source, what, closers):
    """(binary stream, name for messages, size or None, seekable) of a path, "-" or a file object."""
    if source == "-":
        stream = getattr(sys.stdin, "buffer", None)
        if stream is None:
            raise CorpusError(f"cannot read {what} from stdin: stdin is closed")
        return stream, _STDIN, None, False
    if not isinstance(source, (str, bytes, os.PathLike)):
        if not (hasattr(source, "readinto") or hasattr(source, "read")):
            raise TypeError(f"a {what} source is a path, '-' or a binary file object, not {type(source).__name__}")
        seekable = bool(getattr(source, "seekable", lambda: False)())
        return source, f"the {what} stream", None, seekable
    path = os.fsdecode(source)
    try:
        f = open(path, "rb", buffering=0)
    except FileNotFoundError:
        raise CorpusError(f"{what} not found: {path!r}") from None
    except IsADirectoryError:
        raise CorpusError(f"{what} is a directory: {path!r}") from None
    except PermissionError:
        raise CorpusError(f"{what} is not readable: {path!r} (permission denied)") from None
    except OSError as e:
        raise CorpusError(f"cannot read {what} {path!r}: {_reason(e)}") from None
    closers.append(f.close)
    info = os.fstat(f.fileno())
    if stat.S_ISDIR(info.st_mode):
        raise CorpusError(f"{what} is a directory: {path!r}")
    regular = stat.S_ISREG(info.st_mode)
    return f, repr(path), info.st_size if regular else None, regular


def _reason(e):
    return (e.strerror or str(e)).lower()


def _reading(what, name):
    """'corpus 'x.txt'' or 'corpus from standard input', for 'cannot read ...'."""
    return f"{what} from {name}" if name == _STDIN else f"{what} {name}"


class _Raw(io.RawIOBase):
    """A readable raw stream over a ``readinto(view) -> n`` method (the layers below)."""

    def readable(self):
        return True


class _Counted(_Raw):
    """Counts the bytes read from the file as stored (the progress through a compressed file)."""

    def __init__(self, stream):
        self.stream = stream
        self.count = 0
        self.tell_stream = None  # a zip's file: its position is the progress

    def position(self):
        if self.tell_stream is not None:
            try:
                return self.tell_stream.tell()
            except (OSError, ValueError):
                return self.count
        return self.count

    def readinto(self, view):
        n = _readinto(self.stream, view)
        self.count += n
        return n


def _readinto(stream, view):
    readinto = getattr(stream, "readinto", None)
    if readinto is not None:
        return readinto(view) or 0
    data = stream.read(len(view))
    if isinstance(data, str):
        raise TypeError("the source stream gives text (str); open it in binary mode")
    n = len(data or b"")
    view[:n] = data or b""
    return n


class _Prefixed(_Raw):
    """``head`` (bytes already read), then the rest of ``stream``."""

    def __init__(self, head, stream):
        self.head = memoryview(head)
        self.stream = stream

    def readinto(self, view):
        if self.head:
            n = min(len(view), len(self.head))
            view[:n] = self.head[:n]
            self.head = self.head[n:]
            return n
        return _readinto(self.stream, view)


def _read_head(stream, name, n, what):
    """Up to ``n`` bytes from the start of ``stream`` (fewer only at its end)."""
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    try:
        while got < n:
            step = _readinto(stream, view[got:])
            if not step:
                break
            got += step
    except OSError as e:
        raise CorpusError(f"cannot read {_reading(what, name)}: {_reason(e)}") from None
    finally:
        view.release()
    del buf[got:]
    return bytes(buf)


# -- compression ----------------------------------------------------------------------------------


def _compression(head):
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"BZh") and len(head) >= 4 and head[3:4] in b"123456789":
        return "bzip2"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    if head.startswith(_ZSTD_MAGIC):
        return "zstd"
    if head.startswith(_ZIP_MAGICS):
        return "zip"
    return None


def _decompressed(kind, stream, name):
    if kind == "gzip":
        return gzip.GzipFile(fileobj=stream, mode="rb")
    if kind == "bzip2":
        return bz2.BZ2File(stream, "rb")
    if kind == "xz":
        return lzma.LZMAFile(stream, "rb")
    try:
        import zstandard
    except ImportError:
        raise CorpusError(f"{name} is zstd-compressed: install the zstandard package (pip install zstandard), "
                          f"or decompress it on the way in: zstd -dc FILE | w2v ... -") from None
    return _Zstd(stream, zstandard)


class _Zstd(_Raw):
    """zstd frames one after another, fed ``ZSTD_INPUT_BYTES`` at a time.

    Not zstandard's stream_reader: it ends quietly where a truncated file ends. Here
    input that ends inside a frame raises EOFError, as gzip, bz2 and lzma do.
    """

    def __init__(self, stream, zstandard):
        self.stream = stream
        self.zstandard = zstandard
        self.frame = None  # the decompressor of the frame being read
        self.buffer = bytearray(ZSTD_INPUT_BYTES)
        self.out = memoryview(b"")
        self.done = False

    def readinto(self, view):
        while not self.out and not self.done:
            n = _readinto(self.stream, memoryview(self.buffer))
            if not n:
                if self.frame is not None:
                    raise EOFError("the zstd data ends inside a frame")
                self.done = True
                break
            data, pieces = bytes(self.buffer[:n]), []
            while data:
                if self.frame is None:
                    self.frame = self.zstandard.ZstdDecompressor().decompressobj()
                pieces.append(self.frame.decompress(data))
                data = b""
                if self.frame.eof:
                    data, self.frame = self.frame.unused_data, None
            self.out = memoryview(b"".join(pieces))
        n = min(len(view), len(self.out))
        view[:n] = self.out[:n]
        self.out = self.out[n:]
        return n


def _zip_member(raw, seekable, name, counted, closers):
    """The one file in a zip archive, opened for reading, and its name."""
    if not seekable:
        raise CorpusError(f"{name} is a zip archive, which cannot be read from a pipe (its index is at the end): "
                          f"give its path, or unzip it on the way in: unzip -p FILE | w2v ... -")
    try:
        archive = zipfile.ZipFile(raw if hasattr(raw, "seek") else counted)
    except (zipfile.BadZipFile, OSError) as e:
        raise CorpusError(f"{name} is not a readable zip archive: {e}") from None
    closers.append(archive.close)
    members = [m for m in archive.infolist() if not m.is_dir() and not _zip_clutter(m.filename)]
    if len(members) != 1:
        if not members:
            raise CorpusError(f"{name} is a zip archive with no file in it")
        shown = ", ".join(m.filename for m in members[:5]) + (", ..." if len(members) > 5 else "")
        raise CorpusError(f"{name} is a zip archive of {len(members)} files ({shown}): a corpus zip must hold "
                          f"one; extract it and give one file, or join them: unzip -p FILE | w2v ... -")
    member = members[0]
    try:
        opened = archive.open(member)
    except (RuntimeError, NotImplementedError, zipfile.BadZipFile, OSError) as e:
        raise CorpusError(f"cannot read {member.filename!r} in the zip archive {name}: {e}") from None
    closers.append(opened.close)
    counted.tell_stream = raw
    return opened, member.filename


def _zip_clutter(filename):
    """Files that archivers add beside the real one (macOS resource forks, Finder metadata)."""
    return filename.startswith("__MACOSX/") or os.path.basename(filename) in (".DS_Store", "Thumbs.db")


class _Prefetched(_Raw):
    """Reads ``stream`` in a thread of its own, up to ``PREFETCH_BLOCKS`` blocks ahead.

    zlib, bz2 and lzma release the GIL while they work, and the scan kernels hold
    it only between chunks: with two cores, decompressing (or transcoding) the
    next megabytes overlaps scanning the last ones, so a compressed corpus reads
    at the slower of the two speeds instead of their sum. An error in the thread
    is raised by the ``readinto`` that reaches it.
    """

    def __init__(self, stream):
        self.queue = queue.Queue(PREFETCH_BLOCKS)
        self.stopping = threading.Event()
        self.block = memoryview(b"")
        self.done = False
        self.thread = threading.Thread(target=self._fill, args=(stream,), name="w2v-reader", daemon=True)
        self.thread.start()

    def _fill(self, stream):
        try:
            while not self.stopping.is_set():
                block = bytearray(DECOMPRESS_STEP_BYTES)
                n = _readinto(stream, memoryview(block))
                self._put(memoryview(block)[:n])
                if not n:
                    return
        except BaseException as e:  # noqa: BLE001 - handed to the reading thread
            self._put(e)

    def _put(self, item):
        while not self.stopping.is_set():
            try:
                self.queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def readinto(self, view):
        while not self.block and not self.done:
            item = self.queue.get()
            if isinstance(item, BaseException):
                self.done = True
                raise item
            self.done = not item
            self.block = item
        n = min(len(view), len(self.block))
        view[:n] = self.block[:n]
        self.block = self.block[n:]
        return n

    def close(self):
        """Stop the thread (it may be waiting for room in the queue) before the file is closed.

        Not forever: a thread blocked reading a silent pipe is a daemon and ends with the process.
        """
        self.stopping.set()
        self.thread.join(timeout=1.0)


class _Guarded(_Raw):
    """Turns a decompressor's failures (truncated or corrupt data) into one ``CorpusError``."""

    def __init__(self, stream, name, compression):
        self.stream = stream
        self.name = name
        self.compression = compression

    def readinto(self, view):
        if self.compression is None:  # read errors of the file itself are the caller's to report
            return _readinto(self.stream, view)
        try:  # decompressors return new bytes objects: a step at a time keeps those small
            return _readinto(self.stream, view[:DECOMPRESS_STEP_BYTES])
        except CorpusError:
            raise
        except EOFError:
            raise CorpusError(f"{self.name} is truncated: the {self.compression} data ends early "
                              f"(was the download or copy cut short?)") from None
        except _DECODE_ERRORS as e:
            if isinstance(e, OSError) and e.errno is not None:  # the disk, not the data (bz2 says OSError too)
                raise CorpusError(f"cannot read {self.name}: {_reason(e)}") from None
            raise CorpusError(f"{self.name} is not valid {self.compression} data ({e})") from None
        except Exception as e:
            if type(e).__module__.startswith("zstandard"):
                raise CorpusError(f"{self.name} is not valid zstd data ({e})") from None
            raise


# -- encodings ------------------------------------------------------------------------------------


def _codec_name(encoding):
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        raise CorpusError(f"unknown encoding {encoding!r} (any Python codec works: utf-8, cp949, euc-kr, "
                          f"cp1252, latin-1, shift_jis, gb18030, utf-16...)") from None
    if not _is_text_codec(info.name):
        raise CorpusError(f"{encoding!r} is not a text encoding")
    return info.name


def _is_text_codec(name):
    try:
        return isinstance(codecs.decode(b"", name), str)
    except Exception:  # noqa: BLE001 - bytes-to-bytes codecs (hex, zlib) and their kin
        return False


def _bom_encoding(sample):
    for mark, name in _BOMS:
        if sample.startswith(mark):
            return name
    return None


class _ReplaceCounter(threading.local):
    count = 0


_replaced_here = _ReplaceCounter()


def _count_and_replace(error):
    _replaced_here.count += 1
    return "\ufffd", error.end


codecs.register_error("w2v-count-replace", _count_and_replace)


class _Transcoder(_Raw):
    """Text in ``encoding`` in, UTF-8 out, ``TRANSCODE_BYTES`` at a time.

    The incremental decoder keeps a character split across two chunks for the
    next one; invalid sequences become U+FFFD and are counted in ``replaced``.
    """

    def __init__(self, stream, encoding, name):
        self.stream = stream
        self.name = name
        self.decoder = codecs.getincrementaldecoder(encoding)("w2v-count-replace")
        self.buffer = bytearray(TRANSCODE_BYTES)
        self.out = memoryview(b"")
        self.replaced = 0
        self.done = False

    def readinto(self, view):
        while not self.out and not self.done:
            n = _readinto(self.stream, memoryview(self.buffer))
            final = n == 0
            before = _replaced_here.count
            text = self.decoder.decode(memoryview(self.buffer)[:n], final)
            self.replaced += _replaced_here.count - before
            self.out = memoryview(text.encode("utf-8", "surrogatepass"))
            self.done = final
        n = min(len(view), len(self.out))
        view[:n] = self.out[:n]
        self.out = self.out[n:]
        return n


# -- is it text? ----------------------------------------------------------------------------------


def _check_text(sample, name, what, compression, source):
    """Refuse a sample that is binary or not UTF-8, naming what it looks like and the fix."""
    convert = _iconv(source, compression)
    if not sample:
        return
    inner = f"{name} (decompressed)" if compression else name
    for signature, kind in _SIGNATURES:
        if sample.startswith(signature):
            raise CorpusError(f"{inner} is {kind}, not text: a {what} must be a text file")
    if len(sample) > 262 and sample[257:262] == b"ustar":
        raise CorpusError(f"{inner} is a tar archive, not text: extract it first (tar xf FILE), "
                          f"or read it on the way in: tar xOf FILE | w2v ... -")
    if len(sample) < MIN_STATISTICS_BYTES:
        return
    data = np.frombuffer(sample, dtype=np.uint8)
    utf16 = _utf16_without_mark(data)
    if utf16:
        raise CorpusError(f"{inner} looks like {utf16.upper()} text without a byte-order mark: give "
                          f"--encoding {utf16}, or convert it: {convert(utf16)}")
    control = int(_CONTROL[data].sum())
    nul = int((data == 0).sum())
    if control > MAX_CONTROL_SHARE * data.shape[0] or nul > MAX_NUL_SHARE * data.shape[0]:
        share = 100 * (control + nul) / data.shape[0]
        raise CorpusError(f"{inner} looks binary, not text ({share:.0f}% of its first {_size(data.shape[0])} "
                          f"are control bytes): a {what} must be a text file")
    sequences, invalid, non_ascii = _invalid_utf8(sample)
    if sequences >= max(MIN_INVALID, data.shape[0] / INVALID_PER_BYTES) and invalid > MAX_INVALID_SHARE * non_ascii:
        codec, label = guess_encoding(sample)
        share = 100 * invalid / non_ascii
        if codec is None:
            fix = "give its encoding with --encoding NAME (e.g. cp1251, big5, koi8-r)"
        else:
            fix = f"give --encoding {codec}, or convert it: {convert(codec)}"
        raise CorpusError(f"{inner} is not UTF-8 ({share:.0f}% of its non-ASCII bytes are invalid UTF-8); "
                          f"it looks like {label}: {fix}")


def _iconv(source, compression):
    """The iconv command that converts ``source`` to UTF-8 (with the file's own name when it has one)."""
    if isinstance(source, (str, os.PathLike)) and source != "-" and not compression:
        path = os.fsdecode(source)
        stem, ext = os.path.splitext(path)
        return lambda codec: f"iconv -f {codec} -t utf-8 {shlex.quote(path)} > {shlex.quote(stem + '.utf8' + ext)}"
    return lambda codec: f"iconv -f {codec} -t utf-8 FILE > FILE.utf8"


def _size(n):
    return f"{n / (1 << 20):.0f} MB" if n >= 1 << 20 else f"{n:,} bytes"


def _utf16_without_mark(data):
    """'utf-16-le' or 'utf-16-be' when NUL bytes fill every other position, else None."""
    n = data.shape[0] - data.shape[0] % 2
    if n < 64:
        return None
    zero = data[:n] == 0
    even, odd = zero[0::2].mean(), zero[1::2].mean()
    if odd > 0.3 and even < 0.05:
        return "utf-16-le"
    if even > 0.3 and odd < 0.05:
        return "utf-16-be"
    return None


def _invalid_utf8(sample):
    """(invalid sequences, bytes in them, bytes >= 0x80) of ``sample``, ignoring a character cut at its end."""
    # final=False: a character that the end of the sample cuts in two is not counted as invalid
    text = codecs.getincrementaldecoder("utf-8")("replace").decode(sample, final=False)
    sequences = text.count("\ufffd") - sample.count("\ufffd".encode())
    data = np.frombuffer(sample, dtype=np.uint8)
    non_ascii = int((data >= 0x80).sum())
    ascii_ = data.shape[0] - non_ascii
    valid_non_ascii = len(text.encode("utf-8", "surrogatepass")) - ascii_ - 3 * sequences
    invalid = min(max(non_ascii - valid_non_ascii, 0), non_ascii)
    return sequences, invalid, non_ascii


_HANGUL = re.compile("[\uac00-\ud7a3]")
_KANA = re.compile("[\u3040-\u30ff]")  # not half-width katakana: KOI8-R letters read as those
_HAN = re.compile("[\u4e00-\u9fa5]")  # the unified ideographs GBK has, two bytes each
_LATIN = re.compile("[\u00c0-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u00a1-\u00bf\u2013-\u2026\u20ac]")
_NON_ASCII = re.compile("[^\x00-\x7f]")
# most Cyrillic text is lower case: KOI8-R read as CP1251 (or back) is mostly upper case
_CYRILLIC_LOWER = re.compile("[\u0430-\u045f]")
_GUESS_BYTES = 1 << 20


def guess_encoding(sample: bytes):
    """(codec, description) of the legacy encoding ``sample`` most likely is in, or (None, ...).

    From byte statistics through Python's own codecs, tried in this order (the
    first that fits wins): the sample decoded in each candidate, what share of
    its non-ASCII characters are the ones that encoding's text is made of.

    - CP949: KS X 1001 Hangul (lead bytes B0-C8). Korean comes first, the largest
      group of users; Chinese read as CP949 gives many Hanja, and Japanese gives
      Hangul outside that block, so they fall through.
    - Shift-JIS: hiragana and katakana (not half-width: KOI8-R letters read so).
    - CP1251 and KOI8-R: lower-case Cyrillic (either one read as the other is
      mostly upper case), in text whose letters are mostly non-ASCII.
    - GB18030: GB2312's level-1 hanzi (lead bytes B0-D7).
    - CP1252: Western European letters, few among the ASCII ones (accents, not words).
    """
    sample = sample[:_GUESS_BYTES]
    data = np.frombuffer(sample, dtype=np.uint8)
    high = int((data >= 0x80).sum())
    ascii_letters = int((((data | 0x20) >= ord("a")) & ((data | 0x20) <= ord("z"))).sum())
    accents = high < 0.4 * (high + ascii_letters)
    for codec, share, common, label in (
            ("cp949", 0.85, _ks_x_1001_hangul, "CP949 / EUC-KR (Korean)"),
            ("shift_jis", 0.2, _KANA.findall, "Shift-JIS (Japanese)"),
            ("cp1251", 0.7, None if accents else _CYRILLIC_LOWER.findall, "CP1251 (Cyrillic)"),
            ("koi8-r", 0.7, None if accents else _CYRILLIC_LOWER.findall, "KOI8-R (Russian)"),
            ("gb18030", 0.6, _gb2312_level1, "GBK / GB18030 (Chinese)"),
            ("cp1252", 0.85, _LATIN.findall if accents else None, "CP1252 / Latin-1 (Western European)")):
        if common is None:
            continue
        text = sample.decode(codec, "replace")
        non_ascii = len(_NON_ASCII.findall(text))
        if non_ascii and len(common(text)) > share * non_ascii and text.count("\ufffd") < 0.05 * non_ascii:
            return codec, label
    return None, "a legacy (non-UTF-8) encoding"


def _ks_x_1001_hangul(text):
    """The Hangul syllables of ``text`` that CP949 writes with a KS X 1001 lead byte (B0-C8)."""
    pairs = np.frombuffer("".join(_HANGUL.findall(text)).encode("cp949"), dtype=np.uint8).reshape(-1, 2)
    return np.flatnonzero(pairs[:, 0] >= 0xB0)


def _gb2312_level1(text):
    """The hanzi of ``text`` in GB2312's level 1 (the 3,755 most common: lead bytes B0-D7)."""
    pairs = np.frombuffer("".join(_HAN.findall(text)).encode("gb18030"), dtype=np.uint8).reshape(-1, 2)
    return np.flatnonzero((pairs[:, 0] >= 0xB0) & (pairs[:, 0] <= 0xD7) & (pairs[:, 1] >= 0xA1))


# -- nothing silent -------------------------------------------------------------------------------

WARN_MIN_BYTES = 1 << 20  # a smaller text may have a small vocabulary
WARN_BYTES_PER_WORD = 10_000  # ...a bigger one warns below one kept word per 10 kB, times min_count


def vocabulary_warning(n_bytes: int, kept_words: int, min_count: int) -> str | None:
    """A warning when ``n_bytes`` of text gave too small a vocabulary to be real text, else None.

    ``kept_words`` is the number of words seen at least ``min_count`` times.
    Measured (benchmarks/RESULTS_inputs.md): English (text8) and Korean (NSMC)
    from 1 MB to 100 MB keep 40-200 such words per 10 kB once multiplied by the
    min count (5, 20 or 100), falling slowly as the corpus grows; the garbage of
    issue 15 (a .gz read as text) kept 0.15. So the rule warns below 1, and only
    from 1 MB up. Text with few distinct tokens on purpose (generated
    sequences) gets it too: it is only a warning.
    """
    if n_bytes < WARN_MIN_BYTES or kept_words * max(min_count, 1) * WARN_BYTES_PER_WORD >= n_bytes:
        return None
    return (f"only {kept_words:,} distinct words occur at least {min_count} times in {n_bytes / 1e6:,.1f} MB of "
            f"text; real text gives hundreds per MB. Is the input text in the encoding read (--encoding), "
            f"and not binary or in an unknown compression?")
