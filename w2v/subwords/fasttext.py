"""fastText's ``.bin`` model files: read them as query vectors with their n-gram rows, and write them.

The layout, as fastText's ``FastText::saveModel`` writes it (``args.cc``, ``dictionary.cc``,
``densematrix.cc``), little-endian and packed::

    int32 magic 793712314 | int32 version (11 or 12)
    args: int32 dim, ws, epoch, minCount, neg, wordNgrams, loss, model, bucket, minn, maxn,
          lrUpdateRate | float64 t          (loss: 1 hs, 2 ns, 3 softmax, 4 ova; model: 1 cbow, 2 sg, 3 sup)
    dictionary: int32 size, nwords, nlabels | int64 ntokens, pruneidx_size
          | per entry: the word's bytes, b"\\0", int64 count, int8 type (0 word, 1 label)
          | pruneidx_size pairs of int32 (quantized models only; -1 means none)
    bool quant_input | input matrix: int64 rows (nwords + bucket), int64 cols (dim), float32 rows
    bool qout        | output matrix: int64 rows, int64 cols, float32 rows

Files written before the magic was introduced (fastText's first releases; gensim reads them too)
start directly with ``dim`` and ``ws`` and have neither ``pruneidx_size`` nor the two bools.

Reading maps the input matrix (word rows, then all ``bucket`` n-gram rows) without copying it, so
the n-gram rows cost nothing until a query composes a word. A vocabulary word's vector is
fastText's ``getWordVector``: the mean of its own row and its n-gram rows (``</s>``, the line end,
has no n-grams); these are composed on loading, in blocks. A word outside the vocabulary is
composed from the dense n-gram table (``SubwordTable`` with ``buckets=None``).

``compact_table`` keeps the rows of a dense table that vocabulary words use (the only ones
training updated): ``w2v convert model.bin model.w2v`` writes a native subword model from a
fastText .bin, a fraction of its size, that later queries memory-map instead of composing every
vocabulary word again.

Writing takes a subword model (compact n-gram table) and writes fastText's dense input matrix.
Buckets no vocabulary word uses are written as zeros, not as fastText's random initialisation:
they were never trained, and zeros keep an out-of-vocabulary word's composed vector pointing
where w2v's own composition points (fastText averages over all of a word's n-grams, w2v over
the known ones: the two differ by a positive factor only, so every cosine is the same).

NumPy and the standard library only; ``w2v.vectors.formats`` opens and atomically writes the files.
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass

import numpy as np

from w2v.errors import ModelError
from w2v.subwords.ngrams import SubwordSpec, ngram_hashes_batch
from w2v.subwords.table import SubwordTable
from w2v.vectors.query import Vectors

MAGIC = 793712314
VERSION = 12
EOS = "</s>"  # fastText's end-of-line token: a vocabulary word without n-grams
LOSSES = {1: "hs", 2: "ns", 3: "softmax", 4: "ova"}
MODELS = {1: "cbow", 2: "sg", 3: "supervised"}
ARG_NAMES = ("dim", "ws", "epoch", "minCount", "neg", "wordNgrams", "loss", "model", "bucket", "minn", "maxn",
             "lrUpdateRate")
_ARGS = struct.Struct("<12id")
_DICT = struct.Struct("<3iq")
_MATRIX = struct.Struct("<2q")
_ENTRY_TAIL = 9  # int64 count + int8 type after the word's b"\0"
_BLOCK_FLOATS = 1 << 22  # words composed at a time: this many floats of theirs (16 MB)
_WRITE_ROWS = 1 << 16


@dataclass
class FastTextModel:
    """A parsed fastText .bin: its args, vocabulary and the memory-mapped matrices."""

    path: str
    version: int  # 0 for the format before the magic
    args: dict
    words: list  # str, nwords of them (labels are not kept)
    counts: np.ndarray  # int64 (nwords,)
    ntokens: int
    input: np.ndarray  # float32 (nwords + bucket, dim), read-only memory map
    output: np.ndarray  # float32 (rows, dim), read-only memory map

    @property
    def nwords(self) -> int:
        return len(self.words)

    @property
    def spec(self) -> SubwordSpec:
        return SubwordSpec(minn=self.args["minn"], maxn=self.args["maxn"], bucket=self.args["bucket"])

    @property
    def has_subwords(self) -> bool:
        return self.args["maxn"] > 0 and self.args["bucket"] > 0


def looks_like_fasttext_bin(head: bytes) -> bool:
    """Whether a file starting with ``head`` (at least 56 bytes) is a fastText .bin, of either format."""
    if len(head) >= 4 and struct.unpack_from("<i", head)[0] == MAGIC:
        return True
    return len(head) >= _ARGS.size and _plausible_args(_unpack_args(head, 0))


def _unpack_args(data, offset) -> dict:
    values = _ARGS.unpack_from(data, offset)
    args = dict(zip(ARG_NAMES, values[:12]))
    args["t"] = values[12]
    return args


def _plausible_args(args) -> bool:
    return (0 < args["dim"] <= 100_000 and 0 < args["ws"] <= 100_000 and 0 <= args["epoch"] <= 1_000_000
            and args["loss"] in LOSSES and args["model"] in MODELS and 0 <= args["bucket"]
            and 0 <= args["minn"] <= 1000 and 0 <= args["maxn"] <= 1000 and 0 <= args["t"] < 1)


def read_fasttext_bin(f, path: str) -> FastTextModel:
    """Parse the open binary file ``f`` (named ``path`` in messages); the matrices are memory-mapped."""
    size = _file_size(f)
    try:
        data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
    except (OSError, ValueError) as e:
        raise ModelError(f"cannot read fastText model: {path!r} ({e})") from None
    reader = _Reader(data, path)
    magic, version = struct.unpack_from("<2i", reader.take(8, "header"))
    if magic == MAGIC:
        if not 0 < version <= VERSION:
            raise ModelError(f"unsupported fastText format version {version} (this reads up to {VERSION}): {path!r}")
        args = _unpack_args(reader.take(_ARGS.size, "header"), 0)
    else:
        version = 0  # the format before the magic: the args start at byte 0, in the same order
        reader.at = 0
        args = _unpack_args(reader.take(_ARGS.size, "header"), 0)
    if not _plausible_args(args):
        raise ModelError(f"fastText model header is corrupt: {path!r}")
    n_entries, nwords, nlabels, ntokens = _DICT.unpack_from(reader.take(_DICT.size, "dictionary"))
    prune_size = struct.unpack_from("<q", reader.take(8, "dictionary"))[0] if version else -1
    if args["model"] == 3 or nlabels:
        raise ModelError(f"a fastText supervised model (a classifier) is not a word-vector model: {path!r}")
    if not (0 <= nwords == n_entries - nlabels and ntokens >= 0):
        raise ModelError(f"fastText model dictionary is corrupt: {path!r}")
    words, counts = reader.entries(nwords)
    if prune_size > 0:
        reader.skip(8 * prune_size, "dictionary")
    quantized = version and reader.take(1, "input matrix") != b"\0"
    if quantized or prune_size >= 0:  # fastText itself refuses a pruned dictionary without quantization
        raise ModelError(f"quantized fastText models (.ftz) cannot be read; use the .bin or .vec file: {path!r}")
    matrix_input = reader.matrix("input matrix", nwords + args["bucket"], args["dim"])
    if version and reader.take(1, "output matrix") != b"\0":
        raise ModelError(f"quantized fastText models (.ftz) cannot be read; use the .bin or .vec file: {path!r}")
    matrix_output = reader.matrix("output matrix", None, args["dim"])
    if reader.at != size:
        raise ModelError(f"fastText model file has {size - reader.at} bytes after its output matrix: {path!r}")
    return FastTextModel(path, version, args, words, counts, ntokens, matrix_input, matrix_output)


def _file_size(f) -> int:
    import os

    return os.fstat(f.fileno()).st_size


class _Reader:
    """A cursor over the mapped file that turns every overrun into a one-line 'truncated' error."""

    def __init__(self, data, path):
        self.data = data
        self.path = path
        self.at = 0

    def truncated(self, where):
        return ModelError(f"fastText model file is truncated (in its {where}): {self.path!r}")

    def skip(self, n, where) -> int:
        """Step over n bytes (never copied: a matrix stays on disk); returns where they start."""
        if n < 0 or self.at + n > len(self.data):
            raise self.truncated(where)
        self.at += n
        return self.at - n

    def take(self, n, where) -> bytes:
        start = self.skip(n, where)
        return self.data[start:start + n]

    def entries(self, nwords):
        """The first nwords dictionary entries (fastText stores words before labels)."""
        data, words, counts = self.data, [], np.empty(nwords, dtype=np.int64)
        for i in range(nwords):
            end = data.find(b"\0", self.at)
            if end < 0 or end + 1 + _ENTRY_TAIL > len(data):
                raise self.truncated("dictionary")
            words.append(data[self.at:end].decode("utf-8", "replace"))
            counts[i] = int.from_bytes(data[end + 1:end + 9], "little", signed=True)
            if data[end + 9] != 0:
                raise ModelError(f"fastText model dictionary is corrupt (entry {i + 1} is not a word): {self.path!r}")
            self.at = end + 1 + _ENTRY_TAIL
        return words, counts

    def matrix(self, where, rows, dim):
        m, n = _MATRIX.unpack_from(self.take(_MATRIX.size, where))
        if (rows is not None and m != rows) or n != dim or m < 0:
            raise ModelError(f"fastText model file is corrupt (its {where} is {m} x {n}, expected "
                             f"{'?' if rows is None else rows} x {dim}): {self.path!r}")
        start = self.skip(4 * m * n, where)
        if m * n == 0:
            return np.zeros((m, n), dtype=np.float32)
        return np.frombuffer(self.data, dtype="<f4", count=m * n, offset=start).reshape(m, n)


def fasttext_vectors(model: FastTextModel, limit: int | None = None) -> Vectors:
    """Query vectors of a fastText model: vocabulary words composed as ``getWordVector``, n-grams for the rest."""
    n = model.nwords if limit is None else min(limit, model.nwords)
    words = model.words[:n]
    if not model.has_subwords:
        return Vectors(words, model.input[:n], counts=model.counts[:n])
    table = SubwordTable(model.spec, model.input[model.nwords:])
    vectors = np.empty((n, model.args["dim"]), dtype=np.float32)
    step = max(1, _BLOCK_FLOATS // model.args["dim"])
    for start in range(0, n, step):
        block = words[start:start + step]
        offsets, rows = _ngram_rows(block, model.spec)
        sums = _segment_sums(model.input, rows + model.nwords, offsets, initial=model.input[start:start + len(block)])
        vectors[start:start + len(block)] = sums * (1 / (1 + np.diff(offsets))).astype(np.float32)[:, None]
    _check_finite(vectors, words, model.path)
    return Vectors(words, vectors, counts=model.counts[:n], subwords=table)


def compact_table(words, dense: SubwordTable) -> SubwordTable:
    """The rows of a dense table (a fastText .bin's) that ``words`` use: the ones training touched."""
    used = []
    step = max(1, _BLOCK_FLOATS // 16)
    for start in range(0, len(words), step):
        used.append(np.unique(_ngram_rows(list(words[start:start + step]), dense.spec)[1]))
    buckets = np.unique(np.concatenate(used)) if used else np.zeros(0, dtype=np.int64)
    return SubwordTable(dense.spec, np.asarray(dense.vectors[buckets], dtype=np.float32), buckets)


def _ngram_rows(words, spec: SubwordSpec):
    """(offsets, bucket ids) of the words' n-grams in fastText's order; ``</s>`` has none."""
    offsets, hashes = ngram_hashes_batch(words, spec.minn, spec.maxn)
    buckets = (hashes % np.uint32(spec.bucket)).astype(np.int64)
    if EOS in words:
        keep = np.ones(buckets.shape[0], dtype=bool)
        counts = np.diff(offsets)
        for i, word in enumerate(words):
            if word == EOS:
                keep[offsets[i]:offsets[i + 1]] = False
                counts[i] = 0
        buckets = buckets[keep]
        offsets = np.concatenate(([0], np.cumsum(counts)))
    return offsets, buckets


def _segment_sums(matrix, rows, offsets, initial=None) -> np.ndarray:
    """Per word i, ``initial[i]`` (or 0) plus each of ``matrix[rows[offsets[i]:offsets[i + 1]]]`` in turn, in float32.

    One pass per n-gram position (a word's j-th n-grams, all words at once), words sorted by
    n-gram count so each pass is a prefix: as fastText adds a word's rows, in the same order,
    and several times faster than gathering every row first and reducing per word.
    """
    counts = np.diff(offsets)
    order = np.argsort(-counts, kind="stable")
    out = np.zeros((counts.shape[0], matrix.shape[1]), dtype=np.float32)
    if initial is not None:
        out[:] = initial[order]
    starts, sorted_counts = offsets[:-1][order], counts[order]
    for j in range(int(counts.max()) if counts.shape[0] else 0):
        k = int(np.searchsorted(-sorted_counts, -j, side="left"))  # the words with more than j n-grams
        out[:k] += matrix[rows[starts[:k] + j]]
    result = np.empty_like(out)
    result[order] = out
    return result


def _check_finite(vectors, words, path):
    finite = np.isfinite(vectors).all(axis=1)
    if not finite.all():
        i = int(np.argmin(finite))
        raise ModelError(f"fastText model holds NaN or infinity (the vector of {words[i]!r}): {path!r}")


# -- writing --------------------------------------------------------------------------------


def fasttext_args(params: dict, dim: int, spec: SubwordSpec) -> dict:
    """fastText's args for a w2v model trained with ``params`` (fastText's defaults where none is known)."""
    negative = int(params.get("negative", 5))
    return {
        "dim": dim, "ws": int(params.get("window", 5)), "epoch": int(params.get("epochs", 5)),
        "minCount": int(params.get("min_count", 5)), "neg": negative if negative > 0 else 5, "wordNgrams": 1,
        "loss": 2 if negative > 0 or not params.get("hs") else 1, "model": 1 if params.get("cbow") else 2,
        "bucket": spec.bucket, "minn": spec.minn, "maxn": spec.maxn, "lrUpdateRate": 100,
        "t": float(params.get("sample", 1e-4)),
    }


def check_exportable(words, subwords: SubwordTable) -> None:
    """Refuse what fastText cannot hold: jamo n-grams, and words with whitespace or NUL in them."""
    if getattr(subwords.spec, "jamo", False):
        raise ModelError("a model with jamo n-grams cannot be written as a fastText .bin (fastText has no jamo "
                         "n-grams); export its vectors as .vec instead")
    for word in words:
        if not word or len(word.split()) != 1 or "\0" in word or word != word.strip():
            raise ModelError(f"fastText cannot hold the word {word!r} (empty, or with whitespace or NUL in it)")


def write_fasttext_bin(f, words, vectors, subwords: SubwordTable, counts=None, *, output=None, params=None,
                       ntokens=None) -> None:
    """Write a subword model to the binary file ``f`` in fastText's .bin format (version 12).

    ``vectors`` are the words' composed vectors (as a w2v subword model holds them); each word's
    own input row is recovered as ``vectors * (1 + n) - sum of its n-gram rows``. ``output``: the
    negative-sampling output rows (V, d), or None (then zeros: enough for every query, not for
    continuing training). ``counts`` None writes 1 for every word.
    """
    words = list(words)
    vectors = np.asarray(vectors, dtype=np.float32)
    nwords, dim = vectors.shape
    check_exportable(words, subwords)
    spec = subwords.spec
    counts = np.ones(nwords, dtype=np.int64) if counts is None else np.asarray(counts, dtype=np.int64)
    args = fasttext_args(params or {}, dim, spec)
    ntokens = int(counts.sum()) if ntokens is None else int(ntokens)

    f.write(struct.pack("<2i", MAGIC, VERSION))
    f.write(_ARGS.pack(*(args[name] for name in ARG_NAMES), args["t"]))
    f.write(_DICT.pack(nwords, nwords, 0, ntokens) + struct.pack("<q", -1))
    tail = struct.Struct("<qb")
    f.write(b"".join(w.encode("utf-8") + b"\0" + tail.pack(int(c), 0) for w, c in zip(words, counts)))

    f.write(b"\0" + _MATRIX.pack(nwords + spec.bucket, dim))
    step = max(1, _BLOCK_FLOATS // dim)
    for start in range(0, nwords, step):
        f.write(_own_rows(words[start:start + step], vectors[start:start + step], subwords).astype("<f4").tobytes())
    _write_buckets(f, subwords, dim)

    f.write(b"\0" + _MATRIX.pack(nwords, dim))
    if output is None:
        output = np.zeros((nwords, dim), dtype=np.float32)
    for start in range(0, nwords, _WRITE_ROWS):
        f.write(np.ascontiguousarray(output[start:start + _WRITE_ROWS], dtype="<f4").tobytes())


def _own_rows(words, composed, subwords: SubwordTable) -> np.ndarray:
    """Each word's own input row: composed * (1 + n) minus the sum of its n n-gram rows."""
    offsets, buckets = _ngram_rows(words, subwords.spec)
    if subwords.buckets is None:
        rows = buckets
    else:
        rows = np.searchsorted(subwords.buckets, buckets)
        rows = np.minimum(rows, subwords.buckets.shape[0] - 1)
        if subwords.buckets.shape[0] == 0 or not np.array_equal(subwords.buckets[rows], buckets):
            raise ModelError("the model's n-gram table lacks a bucket one of its words uses (a corrupt model)")
    n = np.diff(offsets).astype(np.float64)[:, None]
    return composed.astype(np.float64) * (1 + n) - _segment_sums(subwords.vectors, rows, offsets)


def _write_buckets(f, subwords: SubwordTable, dim: int) -> None:
    """All ``bucket`` n-gram rows: the table's rows where it has them, zeros elsewhere."""
    bucket = subwords.spec.bucket
    for start in range(0, bucket, _WRITE_ROWS):
        stop = min(start + _WRITE_ROWS, bucket)
        if subwords.buckets is None:
            block = np.asarray(subwords.vectors[start:stop], dtype="<f4")
        else:
            block = np.zeros((stop - start, dim), dtype="<f4")
            lo, hi = np.searchsorted(subwords.buckets, [start, stop])
            block[subwords.buckets[lo:hi] - start] = subwords.vectors[lo:hi]
        f.write(block.tobytes())
