"""Reading and writing models and vectors: the native memory-mapped model, word2vec text and binary.

NumPy and the standard library only (never import numba here: queries start from the shell).

Native model, one file so that it can be replaced atomically::

    b"W2VMODEL" | uint32 LE format version (1) | uint32 LE header length | UTF-8 JSON header
    | sections, each starting at a multiple of 64 bytes

The header names every section with its offset, nbytes, dtype and shape:
"words" (UTF-8 words joined by b"\\n"), "counts" <i8 (V,), "norms" <f4 (V,),
"vectors" <f4 (V, d), and optionally "output_ns" <f4 (V, d) and "output_hs" <f4 (V-1, d)
(the output weights, for continuing training; a --tied model has no "output_ns": its output
vectors are its vectors). A subword model's header also holds
"subwords" (its ``SubwordSpec`` as a dict), and two more sections: "ngram_buckets" <i8 (R,),
the sorted bucket ids some vocabulary word uses, and "ngram_vectors" <f4 (R, d), their rows;
its "vectors" are then each word's composed vector (the average of its own row and its n-gram
rows, fastText's getWordVector). Loading maps the file read-only, so
it takes milliseconds whatever the size; the header is padded with spaces up to the
first section.

word2vec formats (the C tool's, read by gensim and most tools): a "V d" header line,
then per word either ``word v1 ... vd`` as text (values printed with "%.6g": six
significant digits, relative error below 5e-7, enough for any similarity) or, in
binary, ``word``, a space and d little-endian float32 (then a newline, as the C tool
writes it). fastText .vec files are the text format; GloVe text files are the text
format without the header line. Every reader checks the file against itself
(header against rows, NaN or infinity in values) and fails with a one-line ModelError.

Writers pick the format by name (``VECTOR_FORMATS``) or from the file's extension
(``format_for_path``): .w2v native, .bin word2vec binary, .txt and .vec word2vec text,
.glove headerless GloVe text. fastText's own .bin models (detected by content) load as
subword query vectors; ``save_fasttext_bin`` writes one (``w2v.subwords.fasttext``).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from contextlib import contextmanager

import numpy as np

from w2v.errors import ModelError, ParameterError
from w2v.vectors.query import Vectors, WordTable, row_norms

MAGIC = b"W2VMODEL"
FORMAT_VERSION = 1
ALIGN = 64
PREAMBLE = len(MAGIC) + 8
TEXT_FLOAT_FORMAT = "%.6g"
_BLOCK = 1 << 23  # bytes read at a time by the streaming readers
_WRITE_ROWS = 8192  # rows formatted at a time by the writers
_DTYPES = {"<f4": (np.float32, 4), "<i8": (np.int64, 8), "|u1": (np.uint8, 1)}
_UTF8_BOM = b"\xef\xbb\xbf"
# Bytes that can appear in a text row's numbers; raw float32 data almost never stays inside them.
_TEXT_BYTES = frozenset(b"0123456789+-.eEnNaAiIfFtTyY \t\r\n")
# Output formats, and the file extensions that imply them.
VECTOR_FORMATS = ("native", "text", "binary", "glove")
# Which vectors of a native model: W (input), W' (negative-sampling output) or W + W'.
VECTOR_ROLES = ("in", "out", "sum")
EXTENSION_FORMATS = {".w2v": "native", ".bin": "binary", ".txt": "text", ".vec": "text", ".glove": "glove"}


class Model:
    """A loaded native model: memory-mapped read-only arrays plus the header's metadata."""

    def __init__(self, path, header, word_table, arrays):
        self.path = path
        self.header = header
        self.word_table = word_table
        self.vectors = arrays["vectors"]
        self.norms = arrays["norms"]
        self.counts = arrays.get("counts")
        self.output_ns = arrays.get("output_ns")
        self.output_hs = arrays.get("output_hs")
        self.subwords = None  # a SubwordTable, for a subword model
        if "ngram_vectors" in arrays:
            from w2v.subwords import SubwordSpec, SubwordTable

            self.subwords = SubwordTable(SubwordSpec.from_dict(header["subwords"]), arrays["ngram_vectors"],
                                         arrays["ngram_buckets"])
        self.params = header.get("params") or {}
        self.corpus = header.get("corpus") or {}

    @property
    def words(self) -> list[str]:
        """The vocabulary as a list of str (decoded on first use, then cached)."""
        return self.word_table.tolist()

    @property
    def vocab_size(self) -> int:
        return self.vectors.shape[0]

    @property
    def dim(self) -> int:
        return self.vectors.shape[1]

    def __repr__(self):
        return f"<Model {self.path!r}: {self.vocab_size} words x {self.dim} dimensions>"

    def matrix(self, which: str = "in", rows: int | None = None) -> np.ndarray:
        """The first ``rows`` (default: all) of W ("in"), W' ("out", the negative-sampling output
        vectors) or W + W' ("sum", a new array). A tied model's W' is W."""
        if which not in VECTOR_ROLES:
            raise ParameterError(f"vectors must be one of {', '.join(VECTOR_ROLES)}, got {which!r}")
        rows = self.vocab_size if rows is None else rows
        if which == "in":
            return self.vectors[:rows]
        if self.output_ns is not None:
            output = self.output_ns[:rows]
        elif self.params.get("tied"):
            output = self.vectors[:rows]
        else:
            how = "was trained with hierarchical softmax only" if self.output_hs is not None else \
                "holds input vectors only"
            raise ModelError(f"the model has no per-word output vectors (it {how}); 'out' and 'sum' need a "
                             f"model trained with negative sampling: {self.path!r}")
        if which == "out":
            return output
        return np.add(self.vectors[:rows], output, dtype=np.float32)


# -- writing ---------------------------------------------------------------------------


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def _atomic_output(path, what):
    """A binary file object that replaces path only when the block finishes without error.

    A symbolic link keeps pointing where it did (its target is replaced). A device or a
    FIFO (/dev/null, a named pipe) is written in place: renaming over it would replace it.
    """
    path = os.fspath(path)
    if os.path.islink(path):
        path = os.path.realpath(path)
    if os.path.exists(path) and not os.path.isfile(path) and not os.path.isdir(path):
        try:
            with open(path, "wb") as f:
                yield f
        except OSError as e:
            raise ModelError(f"cannot write {what}: {path!r} ({_reason(e)})") from None
        return
    directory = os.path.dirname(os.path.abspath(path))
    try:
        # the pid in the name lets a later run remove what a killed one left (w2v.training.checkpoint)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.tmp-{os.getpid()}-")
    except OSError as e:
        raise ModelError(f"cannot write {what}: {path!r} ({_reason(e)})") from None
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError):
            raise ModelError(f"cannot write {what}: {path!r} ({_reason(e)})") from None
        raise


def write_lines(path, lines, what: str = "file") -> None:
    """Write str lines (each without its newline) as UTF-8, atomically; "-" writes to stdout."""
    if os.fspath(path) == "-":
        sys.stdout.flush()
        out = sys.stdout.buffer
        _write_lines(out, lines)
        out.flush()
        return
    with _atomic_output(path, what) as f:
        _write_lines(f, lines)


def _write_lines(f, lines):
    batch = []
    for line in lines:
        batch.append(line)
        if len(batch) == _WRITE_ROWS:
            f.write(("\n".join(batch) + "\n").encode("utf-8"))
            batch.clear()
    if batch:
        f.write(("\n".join(batch) + "\n").encode("utf-8"))


def _reason(e: OSError) -> str:
    return (e.strerror or str(e)).lower()


def _align(n: int) -> int:
    return -(-n // ALIGN) * ALIGN


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def _encode_words(words) -> bytes:
    words = list(words)
    data = "\n".join(words).encode("utf-8")
    if data.count(b"\n") != len(words) - 1:
        bad = next(w for w in words if "\n" in w)
        raise ValueError(f"a word cannot contain a newline: {bad!r}")
    if any(not w for w in words):
        raise ValueError("a word cannot be empty")
    return data


def _float_matrix(name, array, shape):
    array = np.ascontiguousarray(array, dtype="<f4")
    if array.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {array.shape}")
    return array


def save_model(path, words, vectors, counts, *, output_ns=None, output_hs=None,
               params=None, corpus=None, subwords=None) -> None:
    """Write a native model file atomically (temporary file in the same directory, fsync, rename).

    ``counts`` may be None (vectors imported from another format); the section is then left out.
    ``subwords``: a compact ``SubwordTable`` (a subword model's n-gram rows).
    """
    word_bytes = _encode_words(words)
    vocab_size = word_bytes.count(b"\n") + 1
    vectors = np.asarray(vectors)
    if vectors.ndim != 2 or vectors.shape[0] != vocab_size or vectors.shape[1] < 1:
        raise ValueError(f"vectors must have shape ({vocab_size}, dim), got {vectors.shape}")
    dim = vectors.shape[1]
    vectors = _float_matrix("vectors", vectors, (vocab_size, dim))
    sections = {"words": np.frombuffer(word_bytes, dtype=np.uint8)}
    if counts is not None:
        counts = np.ascontiguousarray(counts, dtype="<i8")
        if counts.shape != (vocab_size,):
            raise ValueError(f"counts must have shape ({vocab_size},), got {counts.shape}")
        sections["counts"] = counts
    sections["norms"] = row_norms(vectors).astype("<f4", copy=False)
    sections["vectors"] = vectors
    if output_ns is not None:
        sections["output_ns"] = _float_matrix("output_ns", output_ns, (vocab_size, dim))
    if output_hs is not None:
        sections["output_hs"] = _float_matrix("output_hs", output_hs, (vocab_size - 1, dim))
    if subwords is not None:
        if subwords.buckets is None:
            raise ValueError("a native model keeps a compact n-gram table (bucket ids and their rows)")
        rows = subwords.buckets.shape[0]
        sections["ngram_buckets"] = np.ascontiguousarray(subwords.buckets, dtype="<i8")
        sections["ngram_vectors"] = _float_matrix("ngram_vectors", subwords.vectors, (rows, dim))

    from w2v import __version__

    header = {
        "format_version": FORMAT_VERSION,
        "vocab_size": vocab_size,
        "dim": dim,
        "sections": {},
        "params": params or {},
        "corpus": corpus or {},
        "w2v_version": __version__,
    }
    if subwords is not None:
        header["subwords"] = subwords.spec.to_dict()
    # Offsets depend on the header's length, which depends on the offsets: grow until stable.
    header_room = 0
    while True:
        offset = _align(PREAMBLE + header_room)
        for name, array in sections.items():
            header["sections"][name] = {
                "offset": offset, "nbytes": array.nbytes,
                "dtype": array.dtype.str, "shape": list(array.shape),
            }
            offset = _align(offset + array.nbytes)
        header_bytes = json.dumps(header, default=_json_default).encode("utf-8")
        if PREAMBLE + len(header_bytes) <= _align(PREAMBLE + header_room):
            break
        header_room = len(header_bytes)
    header_bytes = header_bytes.ljust(_align(PREAMBLE + header_room) - PREAMBLE, b" ")

    with _atomic_output(path, "model") as f:
        f.write(MAGIC)
        f.write(np.array([FORMAT_VERSION, len(header_bytes)], dtype="<u4").tobytes())
        f.write(header_bytes)
        position = PREAMBLE + len(header_bytes)
        for name, array in sections.items():
            start = header["sections"][name]["offset"]
            f.write(b"\0" * (start - position))
            if array.nbytes:
                f.write(memoryview(array).cast("B"))
            position = start + array.nbytes


def save_word2vec(path, words, vectors, binary: bool = False, header: bool = True) -> None:
    """Write vectors in word2vec text or binary format, atomically; path "-" writes to stdout.

    ``header=False`` leaves out the "V d" line: GloVe's text format (text only).
    """
    words = list(words)
    vectors = np.asarray(vectors)
    if vectors.ndim != 2 or vectors.shape[0] != len(words):
        raise ValueError(f"vectors must have shape ({len(words)}, dim), got {vectors.shape}")
    if binary and not header:
        raise ValueError("the binary format always has a header")
    if os.fspath(path) == "-":
        sys.stdout.flush()
        out = sys.stdout.buffer
        _write_word2vec(out, words, vectors, binary, header)
        out.flush()
        return
    with _atomic_output(path, "vectors file") as f:
        _write_word2vec(f, words, vectors, binary, header)


def format_for_path(path) -> str | None:
    """The output format a file name implies (see ``EXTENSION_FORMATS``), or None."""
    extension = os.path.splitext(os.fspath(path))[1].lower()
    return EXTENSION_FORMATS.get(extension)


def save_vectors(path, words, vectors, fmt: str, counts=None, subwords=None) -> None:
    """Write vectors in one of ``VECTOR_FORMATS``; "-" is stdout for every format but native.

    Words that cannot be written (whitespace in a word2vec-format word, an empty word)
    are a ModelError naming the word. ``subwords`` (a SubwordTable) is kept by the native
    format, compacted to the buckets the words use (a fastText .bin's dense table becomes small).
    """
    if fmt not in VECTOR_FORMATS:
        raise ParameterError(f"unknown vectors format {fmt!r} (choose from {', '.join(VECTOR_FORMATS)})")
    try:
        if fmt == "native":
            if os.fspath(path) == "-":
                raise ParameterError("a native model cannot be written to standard output;"
                                     " give a file name or another format")
            if subwords is not None and subwords.buckets is None:
                from w2v.subwords.fasttext import compact_table

                subwords = compact_table(words, subwords)
            save_model(path, words, vectors, counts, subwords=subwords)
        else:
            save_word2vec(path, words, vectors, binary=fmt == "binary", header=fmt != "glove")
    except ValueError as e:
        raise ModelError(f"cannot write {os.fspath(path)!r}: {e}") from None


def _write_word2vec(f, words, vectors, binary, header=True):
    n, dim = vectors.shape
    if header:
        f.write(f"{n} {dim}\n".encode("ascii"))
    line = " ".join([TEXT_FLOAT_FORMAT] * dim)
    for start in range(0, n, _WRITE_ROWS):
        block = np.ascontiguousarray(vectors[start:start + _WRITE_ROWS], dtype="<f4")
        names = [w.encode("utf-8") for w in words[start:start + _WRITE_ROWS]]
        if len(b" ".join(names).split()) != len(names):  # ASCII whitespace, as the readers split
            bad = next(w for w in names if len(w.split()) != 1)
            raise ValueError(f"a word in word2vec format cannot be empty or contain whitespace:"
                             f" {bad.decode('utf-8')!r}")
        if binary:
            f.write(b"".join(b"%s %s\n" % (w, row.tobytes()) for w, row in zip(names, block)))
        else:
            rows = block.tolist()
            text = "".join([f"{w} {line % tuple(r)}\n"
                            for w, r in zip(words[start:start + _WRITE_ROWS], rows)])
            f.write(text.encode("utf-8"))


def save_fasttext_bin(path, words, vectors, subwords, counts=None, *, output=None, params=None,
                      ntokens=None) -> None:
    """Write a subword model as a fastText .bin file, atomically (see ``w2v.subwords.fasttext``)."""
    from w2v.subwords.fasttext import check_exportable, write_fasttext_bin

    words = list(words)
    check_exportable(words, subwords)  # before a temporary file exists
    with _atomic_output(path, "fastText model") as f:
        write_fasttext_bin(f, words, vectors, subwords, counts, output=output, params=params, ntokens=ntokens)


# -- reading the native model -----------------------------------------------------------


def _open(path, what):
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise ModelError(f"{what} not found: {path!r}") from None
    except OSError as e:
        raise ModelError(f"cannot read {what}: {path!r} ({_reason(e)})") from None


def load_model(path) -> Model:
    """Map a native model file read-only; every problem with the file is a one-line ModelError."""
    path = os.fspath(path)
    with _open(path, "model") as f:
        size = os.fstat(f.fileno()).st_size
        preamble = f.read(PREAMBLE)
        start = preamble[:len(MAGIC)]
        if start != MAGIC[:len(start)]:
            raise ModelError(f"not a w2v model file: {path!r}")
        if len(preamble) < PREAMBLE:
            raise ModelError(f"model file is truncated: {path!r}")
        version, header_length = (int(x) for x in np.frombuffer(preamble, "<u4", 2, len(MAGIC)))
        if version != FORMAT_VERSION:
            raise ModelError(f"unsupported model format version {version}: {path!r}")
        if PREAMBLE + header_length > size:
            raise ModelError(f"model file is truncated: {path!r}")
        header_bytes = f.read(header_length)
    try:
        header = json.loads(header_bytes.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ModelError(f"model header is corrupt: {path!r}") from None
    layout = _check_header(header, size, path)
    try:
        whole = np.memmap(path, dtype=np.uint8, mode="r")
    except (OSError, ValueError) as e:
        raise ModelError(f"cannot read model: {path!r} ({e})") from None
    arrays = {}
    for name, (offset, nbytes, dtype, shape) in layout.items():
        arrays[name] = whole[offset:offset + nbytes].view(dtype).reshape(shape)
    vocab_size = header["vocab_size"]
    words = arrays.pop("words").tobytes()
    found = words.count(b"\n") + 1
    if found != vocab_size:
        raise ModelError(f"model file is corrupt ({found} words for vocab_size {vocab_size}):"
                         f" {path!r}")
    # Cheap checks, O(vocabulary) (the vectors are not read: loading stays instant).
    try:
        words.decode("utf-8")
    except UnicodeDecodeError:
        raise ModelError(f"model file is corrupt (the words are not UTF-8): {path!r}") from None
    if not words or words.startswith(b"\n") or words.endswith(b"\n") or b"\n\n" in words:
        raise ModelError(f"model file is corrupt (an empty word): {path!r}")
    norms = arrays["norms"]
    if not (np.isfinite(norms).all() and (norms >= 0).all()):
        raise ModelError(f"model file is corrupt (the norms section holds NaN, infinite or negative"
                         f" values): {path!r}")
    return Model(path, header, WordTable(words, vocab_size), arrays)


def _check_header(header, size, path):
    """Each section's (offset, nbytes, dtype, shape), checked against the header and file size."""
    def corrupt(detail=None):
        if detail is None:
            return ModelError(f"model header is corrupt: {path!r}")
        return ModelError(f"model file is corrupt ({detail}): {path!r}")

    if not isinstance(header, dict) or not isinstance(header.get("sections"), dict):
        raise corrupt()
    vocab_size, dim = header.get("vocab_size"), header.get("dim")
    if type(vocab_size) is not int or type(dim) is not int:
        raise corrupt()
    if vocab_size < 1:
        raise corrupt(f"vocab_size {vocab_size}")
    if dim < 1:
        raise corrupt(f"dim {dim}")
    expected = {
        "words": (None, "|u1"), "counts": ((vocab_size,), "<i8"), "norms": ((vocab_size,), "<f4"),
        "vectors": ((vocab_size, dim), "<f4"), "output_ns": ((vocab_size, dim), "<f4"),
        "output_hs": ((vocab_size - 1, dim), "<f4"),
    }
    if "ngram_buckets" in header["sections"] or "ngram_vectors" in header["sections"]:
        _check_subwords_header(header, corrupt, expected)
    for required in ("words", "norms", "vectors"):
        if required not in header["sections"]:
            raise corrupt(f"no {required} section")
    layout = {}
    for name, section in header["sections"].items():
        if name not in expected:
            continue  # a section added by a later minor revision: ignore it
        try:
            offset, nbytes = section["offset"], section["nbytes"]
            dtype, shape = section["dtype"], tuple(section["shape"])
        except (TypeError, KeyError):
            raise corrupt() from None
        if not (type(offset) is int and type(nbytes) is int and offset >= 0 and nbytes >= 0
                and all(type(s) is int and s >= 0 for s in shape)):
            raise corrupt()
        want_shape, want_dtype = expected[name]
        if dtype != want_dtype or (want_shape is not None and shape != want_shape):
            raise corrupt(f"section {name!r} is {dtype} {list(shape)}")
        if nbytes != int(np.prod(shape, dtype=np.int64)) * _DTYPES[dtype][1]:
            raise corrupt(f"section {name!r} has {nbytes} bytes")
        if offset + nbytes > size:
            raise ModelError(f"model file is truncated: {path!r}")
        layout[name] = (offset, nbytes, _DTYPES[dtype][0], shape)
    return layout


def _check_subwords_header(header, corrupt, expected):
    from w2v.subwords import SubwordSpec

    spec = header.get("subwords")
    sections = header["sections"]
    try:
        SubwordSpec.from_dict(spec)
        rows = sections["ngram_buckets"]["shape"][0]
        sections["ngram_vectors"]
    except (TypeError, KeyError, IndexError, AttributeError):
        raise corrupt("the n-gram sections or the subwords header") from None
    if type(rows) is not int or type(spec.get("bucket")) is not int or spec["bucket"] < 1:
        raise corrupt("the n-gram sections or the subwords header")
    expected["ngram_buckets"] = ((rows,), "<i8")
    expected["ngram_vectors"] = ((rows, header["dim"]), "<f4")


# -- reading any vectors file ------------------------------------------------------------


def load_vectors(path, limit: int | None = None, which: str = "in") -> Vectors:
    """Load vectors from a native model, word2vec binary or text, fastText .vec or GloVe text.

    The format is detected from the content. ``limit`` keeps only the first N vectors
    (the most frequent ones in files written by word2vec tools). ``which`` picks a native
    model's input vectors W ("in"), output vectors W' ("out") or W + W' ("sum"); other
    files hold one vector per word, "in".
    """
    path = os.fspath(path)
    if limit is not None and limit < 1:
        raise ParameterError(f"limit must be a positive number of vectors, got {limit}")
    if which not in VECTOR_ROLES:
        raise ParameterError(f"vectors must be one of {', '.join(VECTOR_ROLES)}, got {which!r}")
    with _open(path, "vectors file") as f:
        start = f.read(len(MAGIC))
        if start == MAGIC:
            f.close()
            return Vectors.from_model(load_model(path), which=which, limit=limit)
        if which != "in":
            raise ModelError(f"a vectors file holds one vector per word: 'out' and 'sum' need a native "
                             f"model trained with negative sampling: {path!r}")
        from w2v.subwords import fasttext

        if fasttext.looks_like_fasttext_bin(start + f.read(64)):
            return fasttext.fasttext_vectors(fasttext.read_fasttext_bin(f, path), limit)
        f.seek(0)
        first = f.readline(1 << 20)
        bom = len(_UTF8_BOM) if first.startswith(_UTF8_BOM) else 0
        tokens = first[bom:].split()
        if len(tokens) == 2 and tokens[0].isdigit() and tokens[1].isdigit():
            count, dim = int(tokens[0]), int(tokens[1])
            if count < 1 or dim < 1:
                raise ModelError(f"invalid header {first[bom:].strip().decode('ascii')!r}:"
                                 f" {path!r}")
            body = f.tell()
            n = count if limit is None else min(count, limit)
            # Never allocate for more rows than the file can hold (a value takes 2 bytes at least, "0 "),
            # whatever the header claims: the readers then report how many rows they found.
            room = os.fstat(f.fileno()).st_size - body
            fits = min(n, room // (2 * dim))
            binary = _looks_binary(f.read(min(4 * dim + 1024, room + 1)), dim)
            f.seek(body)
            if binary:
                words, vectors = _read_binary(f, path, count, dim, n, fits)
            else:
                words, vectors = _read_text(f, path, dim, count, n, first_line=2, fits=fits)
        else:
            dim = len(tokens) - 1
            if dim < 1 or not _all_numbers(tokens[1:]):
                raise ModelError(f"unrecognised vectors file format: {path!r}")
            f.seek(bom)
            words, vectors = _read_text(f, path, dim, None, limit, first_line=1)
    return Vectors(words, vectors)


def _all_numbers(tokens) -> bool:
    try:
        for t in tokens:
            float(t)
    except ValueError:
        return False
    return True


def _looks_binary(sample: bytes, dim: int) -> bool:
    """Whether the first row after a "V d" header is binary: its values are not a line of numbers.

    In a text file the first row's values are a line of text bytes with (at least
    two) whitespace-separated tokens; raw float32 data practically never is.
    """
    space = sample.find(b" ")
    if space < 0:
        return False
    line = sample[space + 1:].split(b"\n", 1)[0]
    return not (line and _TEXT_BYTES.issuperset(line) and len(line.split()) >= min(dim, 2))


def _read_binary(f, path, count, dim, n, fits=None):
    """The C tool's layout: b"word " + dim float32, usually followed by b"\\n" (``fits``: rows the file can hold)."""
    row = 4 * dim
    vectors = np.empty((n if fits is None else fits, dim), dtype=np.float32)
    words = []
    buf, pos = b"", 0
    newline = None  # whether each vector is followed by b"\n", as learned from the first one
    for i in range(n):
        while True:
            space = buf.find(b" ", pos)
            if space >= 0 and space + 1 + row <= len(buf):
                break
            more = f.read(_BLOCK)
            if not more:
                if i == 0 and not buf[pos:].strip():
                    raise ModelError(f"vectors file ends early: header says {count} vectors,"
                                     f" found 0: {path!r}")
                raise ModelError(f"vectors file ends early: header says {count} vectors,"
                                 f" found {i}: {path!r}")
            buf, pos = buf[pos:] + more, 0
        word = buf[pos:space]
        if word.startswith(b"\n"):
            if newline is False:
                raise _binary_mismatch(path, count, dim, i)
            word = word.lstrip(b"\n")
        elif i > 0 and newline:
            raise _binary_mismatch(path, count, dim, i)
        if i == 1:
            newline = buf[pos:pos + 1] == b"\n"
        if not word or b"\n" in word:
            raise _binary_mismatch(path, count, dim, i)
        words.append(word.decode("utf-8", errors="replace"))
        vectors[i] = np.frombuffer(buf, dtype="<f4", count=dim, offset=space + 1)
        pos = space + 1 + row
    if n == count:
        rest = buf[pos:] + f.read(_BLOCK)
        if rest.strip():
            raise ModelError(f"vectors file has more data than its header says"
                             f" ({count} x {dim}): {path!r}")
    _check_finite(vectors, words, path, lambda i: f"vector {i + 1}")
    return words, vectors


def _binary_mismatch(path, count, dim, i):
    return ModelError(f"binary vectors file does not match its header ({count} x {dim})"
                      f" at vector {i + 1}: {path!r}")


def _check_finite(vectors, words, path, where):
    finite = np.isfinite(vectors).all(axis=1)
    if not finite.all():
        i = int(np.argmin(finite))
        raise ModelError(f"vector for {words[i]!r} contains NaN or infinity ({where(i)}): {path!r}")


def _read_text(f, path, dim, count, n, first_line, fits=None):
    """Rows of ``word v1 ... vd``, parsed a block of lines at a time.

    ``count`` is the header's vector count (None for headerless GloVe files), ``n``
    how many rows to keep (None for all); ``first_line`` numbers the first row in messages.
    """
    words: list[str] = []
    blocks: list[np.ndarray] = []
    # With a header the size is known: fill one array (no second copy at the end).
    rows = count if n is None else n
    whole = np.empty((rows if fits is None else min(rows, fits), dim), dtype=np.float32) if count is not None else None
    have = 0
    line_number = first_line
    leftover = b""
    done = False
    while not done:
        chunk = f.read(_BLOCK)
        if chunk:
            data = leftover + chunk
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                leftover = data
                continue
            data, leftover = data[:cut], data[cut:]
        else:
            data, leftover, done = leftover, b"", True
        lines = data.split(b"\n")
        if data.endswith(b"\n"):
            lines.pop()
        names, rests, numbers = [], [], []
        for number, line in enumerate(lines, line_number):
            parts = line.split(None, 1)
            if not parts:
                continue  # blank line
            if n is not None and have + len(names) == n:
                if count is None or n < count:
                    done = True
                    break
                raise ModelError(f"vectors file has more vectors than its header says ({count}):"
                                 f" {path!r}")
            names.append(parts[0])
            rests.append(parts[1] if len(parts) > 1 else b"")
            numbers.append(number)
        line_number += len(lines)
        if not names:
            continue
        block = _parse_rows(rests, dim)
        if block is None:
            _find_bad_row(rests, numbers, dim, path)
        words.extend(w.decode("utf-8", errors="replace") for w in names)
        _check_finite(block, words[-len(names):], path, lambda i: f"line {numbers[i]}")
        if whole is not None:
            whole[have:have + len(names)] = block
        else:
            blocks.append(block)
        have += len(names)
    if count is not None and have < (count if n is None else n):
        raise ModelError(f"vectors file ends early: header says {count} vectors, found {have}:"
                         f" {path!r}")
    if whole is not None:
        return words, whole
    if not blocks:
        raise ModelError(f"vectors file has no vectors: {path!r}")
    vectors = blocks[0] if len(blocks) == 1 else np.concatenate(blocks)
    return words, vectors


def _parse_rows(rests, dim):
    """A block of rows' values as a (rows, dim) float32 array, or None if any row is malformed."""
    text = b"\n".join(rests)
    try:
        with np.errstate(over="ignore"):  # 1e39 becomes inf, which the caller reports as one error
            values = np.array(text.split(), dtype=np.float32) if len(rests) < 64 else \
                np.loadtxt(_Lines(text), dtype=np.float32, comments=None, ndmin=2)
    except ValueError:
        return None
    if values.size != len(rests) * dim:
        return None
    return values.reshape(len(rests), dim)


class _Lines:
    """Bytes seen by np.loadtxt as an iterable of lines (no copy into a text stream)."""

    def __init__(self, text):
        self._text = text

    def __iter__(self):
        return iter(self._text.decode("ascii", errors="replace").split("\n"))


def _find_bad_row(rests, numbers, dim, path):
    for rest, number in zip(rests, numbers):
        values = rest.split()
        if len(values) != dim:
            raise ModelError(f"line {number} has {len(values)} values, expected {dim}: {path!r}")
        if not _all_numbers(values):
            raise ModelError(f"line {number} has a value that is not a number: {path!r}")
    raise ModelError(f"vectors file is corrupt: {path!r}")  # not reached: some row was bad
