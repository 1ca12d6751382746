"""The subword model's input side at training time: which rows each word reads, and their weights.

NumPy only. The input matrix has the V word rows first, then one row per bucket that some
vocabulary word uses (R rows, in sorted bucket order: the compact table a model file keeps).
Word w reads ``rows[offsets[w]:offsets[w + 1]]``: its own row w, then V + the compact row of
each of its n-grams, duplicates kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from w2v.subwords.ngrams import BOW, EOW, SubwordSpec, spec_hashes_batch

# Scripts whose characters are syllables or logograms: one carries what two or three letters do.
SYLLABIC_SCRIPTS = {
    "Hangul": ((0xAC00, 0xD7A3), (0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xD7B0, 0xD7FF)),
    "Han": ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0xF900, 0xFAFF), (0x20000, 0x3FFFF)),
    "kana": ((0x3040, 0x30FF), (0x31F0, 0x31FF), (0xFF66, 0xFF9F)),
}
SYLLABIC_LENGTHS = (1, 4)  # measured best on Korean (NSMC; see benchmarks/RESULTS_subwords.md)
ALPHABETIC_LENGTHS = (3, 6)  # fastText's default, tuned for Latin letters
_SAMPLE_WORDS = 200_000  # the most frequent words decide the script
_MARK_BUCKETS = 1 << 26


@dataclass
class InputRows:
    """Word w's input rows are ``rows[offsets[w]:offsets[w + 1]]``; n-gram row V + r is bucket ``buckets[r]``."""

    buckets: np.ndarray  # int64 (R,), sorted
    offsets: np.ndarray  # int64 (V + 1,)
    rows: np.ndarray  # int32 (offsets[-1],)

    @property
    def n_ngram_rows(self) -> int:
        return self.buckets.shape[0]


def dominant_script(words, counts=None) -> tuple[str, float]:
    """The script most of the vocabulary's letters (weighted by word count) are in, and its share.

    Only letters of the scripts in ``SYLLABIC_SCRIPTS`` and of alphabets (anything else that is
    not ASCII punctuation, digits or symbols) count; returns ("Latin etc.", share) when no
    syllabic script leads.
    """
    words = list(words[:_SAMPLE_WORDS])
    if not words:
        return "Latin etc.", 0.0
    weights = np.ones(len(words)) if counts is None else np.asarray(counts[:len(words)], dtype=np.float64)
    lengths = np.fromiter((len(w) for w in words), dtype=np.int64, count=len(words))
    codes = np.frombuffer("".join(words).encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)
    weight = np.repeat(weights, lengths)
    letters = ~(((codes >= 0x20) & (codes < 0x41)) | ((codes > 0x5A) & (codes < 0x61)) | ((codes > 0x7A) & (codes < 0x80)))
    total = float(weight[letters].sum())
    if total == 0:
        return "Latin etc.", 0.0
    shares = {}
    for name, ranges in SYLLABIC_SCRIPTS.items():
        inside = np.zeros(codes.shape[0], dtype=bool)
        for low, high in ranges:
            inside |= (codes >= low) & (codes <= high)
        shares[name] = float(weight[inside].sum()) / total
    name = max(shares, key=shares.get)
    syllabic = sum(shares.values())
    if syllabic > 0.5:
        return name, shares[name] if shares[name] > 0.5 else syllabic
    return "Latin etc.", 1.0 - syllabic


def script_kind(words, counts=None) -> tuple[bool, str]:
    """(alphabetic, why): False when syllables or logograms (Hangul, Han, kana) make up most letters."""
    script, share = dominant_script(words, counts)
    alphabetic = script == "Latin etc."
    kind = "alphabetic" if alphabetic else "syllabic or logographic"
    return alphabetic, f"{100 * share:.0f}% of the vocabulary's letters are {script}, {kind}"


def lengths_for(alphabetic: bool) -> tuple[int, int]:
    """(minn, maxn): 3-6 for an alphabetic script, 1-4 for a syllabic or logographic one."""
    return ALPHABETIC_LENGTHS if alphabetic else SYLLABIC_LENGTHS


def choose_lengths(words, counts=None) -> tuple[int, int, str]:
    """(minn, maxn, why) for this vocabulary (see ``script_kind`` and ``lengths_for``)."""
    alphabetic, why = script_kind(words, counts)
    return (*lengths_for(alphabetic), why)


def input_rows(words, spec: SubwordSpec) -> InputRows:
    """Each word's rows in the input matrix, and the sorted buckets its n-gram rows stand for."""
    words = list(words)
    offsets, hashes = spec_hashes_batch(words, spec, compiled_hashes)
    buckets = (hashes % np.uint32(spec.bucket)).astype(np.int64)
    if spec.bucket <= _MARK_BUCKETS:  # a mark per bucket: linear, where sorting 10^7 ids takes seconds
        marked = np.zeros(spec.bucket, dtype=bool)
        marked[buckets] = True
        used = np.flatnonzero(marked)
        compact = (np.cumsum(marked) - 1)[buckets]
    else:
        used, compact = np.unique(buckets, return_inverse=True)
    vocab_size = len(words)
    counts = np.diff(offsets) + 1  # its own row first
    out_offsets = np.zeros(vocab_size + 1, dtype=np.int64)
    np.cumsum(counts, out=out_offsets[1:])
    rows = np.empty(out_offsets[-1], dtype=np.int32)
    rows[out_offsets[:-1]] = np.arange(vocab_size, dtype=np.int32)
    own = np.zeros(rows.shape[0], dtype=bool)
    own[out_offsets[:-1]] = True
    rows[~own] = vocab_size + compact.reshape(-1).astype(np.int32)
    return InputRows(used, out_offsets, rows)


def compiled_hashes(words, minn: int, maxn: int) -> tuple[np.ndarray, np.ndarray]:
    """``ngram_hashes_batch`` through the compiled kernel (training imports numba anyway)."""
    from w2v.subwords.kernels import ngram_hashes

    encoded = [(BOW + word + EOW).encode("utf-8") for word in words]
    starts = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)), out=starts[1:])
    return ngram_hashes(np.frombuffer(b"".join(encoded), dtype=np.uint8), starts, minn, maxn)


def initial_input(n_rows: int, dim: int, seed: int) -> np.ndarray:
    """fastText's initialisation of every input row, words and n-grams: uniform in [-1/dim, 1/dim)."""
    rng = np.random.default_rng(seed)
    weights = rng.random((n_rows, dim), dtype=np.float32)
    weights -= np.float32(0.5)
    weights *= np.float32(2.0 / dim)
    return weights


def composed_vectors(syn0: np.ndarray, inputs: InputRows, vocab_size: int, block: int = 1024) -> np.ndarray:
    """Each word's vector: the average of its input rows (fastText's getWordVector), float32 (V, d)."""
    out = np.empty((vocab_size, syn0.shape[1]), dtype=np.float32)
    for start in range(0, vocab_size, block):
        stop = min(start + block, vocab_size)
        lo, hi = inputs.offsets[start], inputs.offsets[stop]
        gathered = syn0[inputs.rows[lo:hi]].astype(np.float64)
        sums = np.add.reduceat(gathered, inputs.offsets[start:stop] - lo, axis=0)
        out[start:stop] = sums / np.diff(inputs.offsets[start:stop + 1])[:, None]
    return out


def word_rows_from_composed(composed: np.ndarray, ngram_vectors: np.ndarray, inputs: InputRows) -> np.ndarray:
    """The raw word rows back from a model file's composed vectors: composed * n - the n-gram rows' sum."""
    vocab_size = composed.shape[0]
    n = np.diff(inputs.offsets).astype(np.float64)
    out = composed.astype(np.float64) * n[:, None]
    own = np.zeros(inputs.rows.shape[0], dtype=bool)
    own[inputs.offsets[:-1]] = True
    owner = np.repeat(np.arange(vocab_size), np.diff(inputs.offsets))
    np.subtract.at(out, owner[~own], ngram_vectors[inputs.rows[~own] - vocab_size].astype(np.float64))
    return out.astype(np.float32)
