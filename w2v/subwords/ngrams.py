"""Character n-grams of a word and their bucket ids, exactly as fastText computes them.

fastText (``Dictionary::computeSubwords``) wraps the word as ``<word>``, walks its UTF-8 bytes
one code point at a time, and takes every run of ``minn``..``maxn`` code points, except the
single-character n-grams ``<`` and ``>``. Each n-gram is hashed with 32-bit FNV-1a over its UTF-8
bytes, where each byte is first sign-extended (fastText hashes ``int8_t`` values, so bytes >= 0x80
xor in 0xFFFFFF80 | byte), and taken modulo ``bucket``. Duplicates are kept: an n-gram that occurs
twice in a word counts twice in its average, as in fastText and gensim.

Jamo n-grams (``SubwordSpec.jamo``, after Park, Lee & Kim, ACL 2018; fastText has none): a
word that holds a Hangul syllable also gets the n-grams, of lengths ``jamo_minn``..``jamo_maxn``,
of ``<jamo(word)>``, where ``jamo`` writes each precomposed syllable (U+AC00..U+D7A3) as its
initial, medial and final conjoining jamo (U+1100.., U+1161.., U+11A8..) and an empty final as
``EMPTY_FINAL`` (U+3164 HANGUL FILLER), and leaves every other character as it is. They are
hashed like any n-gram and follow the word's syllable n-grams in its list.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

FNV_OFFSET = 2166136261
FNV_PRIME = 16777619
BOW, EOW = "<", ">"
EMPTY_FINAL = "\u3164"
_SYLLABLES, _SYLLABLE_COUNT = 0xAC00, 11172


@dataclass(frozen=True)
class SubwordSpec:
    """Which n-grams a word has: lengths ``minn``..``maxn`` code points, hashed into ``bucket`` rows."""

    minn: int = 3
    maxn: int = 6
    bucket: int = 2_000_000
    jamo: bool = False
    jamo_minn: int = 3
    jamo_maxn: int = 6

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_options(cls, subwords: bool, minn=None, maxn=None, bucket=None, jamo=False) -> "SubwordSpec | None":
        """The spec of the training options --subwords, --minn, --maxn, --bucket and --jamo, checked.

        None without ``subwords``; ``minn``/``maxn`` None are chosen later from the vocabulary's script.
        """
        from w2v.errors import ParameterError

        if not subwords:
            given = [flag for flag, value in (("--minn", minn), ("--maxn", maxn), ("--bucket", bucket),
                                              ("--jamo", jamo or None)) if value is not None]
            if given:
                raise ParameterError(f"{given[0]} needs --subwords")
            return None
        for flag, value in (("--minn", minn), ("--maxn", maxn)):
            if value is not None and not 1 <= value <= 100:
                raise ParameterError(f"{flag} must be between 1 and 100, got {value}")
        if minn is not None and maxn is not None and minn > maxn:
            raise ParameterError(f"--minn {minn} is greater than --maxn {maxn}")
        if bucket is not None and not 1 <= bucket < 2**31:
            raise ParameterError(f"--bucket must be between 1 and 2147483647, got {bucket}")
        return cls(minn=minn, maxn=maxn, bucket=bucket or cls.bucket, jamo=jamo)

    @classmethod
    def from_dict(cls, values: dict) -> "SubwordSpec":
        return cls(**{name: values[name] for name in cls.__dataclass_fields__ if name in values})


def fnv1a_32(data: bytes) -> int:
    """fastText's ``Dictionary::hash``: FNV-1a over sign-extended bytes, as an unsigned 32-bit int."""
    h = FNV_OFFSET
    for byte in data:
        h ^= byte | 0xFFFFFF00 if byte & 0x80 else byte
        h = (h * FNV_PRIME) & 0xFFFFFFFF
    return h


def word_ngrams(word: str, minn: int, maxn: int) -> list[str]:
    """The n-grams of ``word`` in fastText's order (by start position, then length)."""
    chars = BOW + word + EOW
    last = len(chars)
    grams = []
    for i in range(last):
        for n in range(1, maxn + 1):
            j = i + n
            if j > last:
                break
            if n >= minn and not (n == 1 and (i == 0 or j == last)):
                grams.append(chars[i:j])
    return grams


def jamo(word: str) -> str:
    """``word`` with each Hangul syllable written as initial, medial and final jamo (see the module doc)."""
    out = []
    for char in word:
        s = ord(char) - _SYLLABLES
        if 0 <= s < _SYLLABLE_COUNT:
            final = s % 28
            out.append(chr(0x1100 + s // 588) + chr(0x1161 + s % 588 // 28)
                       + (chr(0x11A7 + final) if final else EMPTY_FINAL))
        else:
            out.append(char)
    return "".join(out)


def has_hangul(word: str) -> bool:
    return any(0 <= ord(char) - _SYLLABLES < _SYLLABLE_COUNT for char in word)


def spec_ngrams(word: str, spec: SubwordSpec) -> list[str]:
    """All of ``word``'s n-grams under ``spec``: the character n-grams, then any jamo n-grams."""
    grams = word_ngrams(word, spec.minn, spec.maxn)
    if spec.jamo and has_hangul(word):
        grams += word_ngrams(jamo(word), spec.jamo_minn, spec.jamo_maxn)
    return grams


def ngram_buckets(word: str, spec: SubwordSpec) -> list[int]:
    """Bucket ids of ``word``'s n-grams (fastText's ``hash(ngram) % bucket``), in fastText's order."""
    return [fnv1a_32(gram.encode("utf-8")) % spec.bucket for gram in spec_ngrams(word, spec)]


def ngram_hashes_batch(words, minn: int, maxn: int) -> tuple[np.ndarray, np.ndarray]:
    """The FNV-1a hashes of every n-gram of every word, vectorised over all n-grams at once.

    Returns ``(offsets, hashes)``: int64 (len(words) + 1,) and uint32 (total n-grams,); word i's
    hashes are ``hashes[offsets[i]:offsets[i + 1]]``, in fastText's order. Take them modulo the
    bucket count for bucket ids. NumPy only: a 100,000-word vocabulary takes well under a second.
    """
    words = list(words)
    encoded = [(BOW + w + EOW).encode("utf-8") for w in words]
    data = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    lengths = np.fromiter((len(e) for e in encoded), dtype=np.int64, count=len(encoded))
    word_start = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum(lengths, out=word_start[1:])
    # Code-point starts: bytes that are not UTF-8 continuation bytes (10xxxxxx).
    is_start = (data & 0xC0) != 0x80
    char_pos = np.flatnonzero(is_start)  # byte offset of every code point, all words together
    word_of_char = np.searchsorted(word_start, char_pos, side="right") - 1
    chars_per_word = np.bincount(word_of_char, minlength=len(encoded)).astype(np.int64)
    first_char = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum(chars_per_word, out=first_char[1:])
    # A sentinel code point past the end, so that "the byte end of the n-gram" is char_pos[k + n].
    char_end = np.append(char_pos, data.shape[0])

    starts, ends, owners, order_keys = [], [], [], []
    index_in_word = np.arange(char_pos.shape[0], dtype=np.int64) - first_char[word_of_char]
    for n in range(max(minn, 1), maxn + 1):
        fits = index_in_word + n <= chars_per_word[word_of_char]
        k = np.flatnonzero(fits)
        if n == 1:  # not "<" nor ">"
            k = k[(index_in_word[k] != 0) & (index_in_word[k] != chars_per_word[word_of_char[k]] - 1)]
        starts.append(char_pos[k])
        ends.append(char_end[k + n])
        owners.append(word_of_char[k])
        order_keys.append(k * (maxn + 1) + n)  # fastText's order: start position, then length
    if starts:
        start = np.concatenate(starts)
        end = np.concatenate(ends)
        owner = np.concatenate(owners)
        order = np.argsort(np.concatenate(order_keys), kind="stable")
        start, end, owner = start[order], end[order], owner[order]
    else:
        start = end = owner = np.zeros(0, dtype=np.int64)

    hashes = np.full(start.shape[0], FNV_OFFSET, dtype=np.uint32)
    signed = data.astype(np.int8).astype(np.int32).view(np.uint32)  # fastText's sign extension
    prime = np.uint32(FNV_PRIME)
    length = end - start
    active = np.arange(start.shape[0])
    step = 0
    while active.shape[0]:
        active = active[length[active] > step]
        if not active.shape[0]:
            break
        hashes[active] = (hashes[active] ^ signed[start[active] + step]) * prime
        step += 1
    counts = np.bincount(owner, minlength=len(encoded)).astype(np.int64)
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return offsets, hashes


def spec_hashes_batch(words, spec: SubwordSpec, hashes_batch=None) -> tuple[np.ndarray, np.ndarray]:
    """``ngram_hashes_batch`` for every n-gram ``spec`` gives (``spec_ngrams``'s order per word).

    ``hashes_batch``: a function with ``ngram_hashes_batch``'s arguments and results to use instead
    (training passes the compiled one).
    """
    words = list(words)
    hashes_batch = hashes_batch or ngram_hashes_batch
    offsets, hashes = hashes_batch(words, spec.minn, spec.maxn)
    if not spec.jamo:
        return offsets, hashes
    korean = [i for i, word in enumerate(words) if has_hangul(word)]
    if not korean:
        return offsets, hashes
    extra_offsets, extra = hashes_batch([jamo(words[i]) for i in korean], spec.jamo_minn, spec.jamo_maxn)
    korean = np.asarray(korean, dtype=np.int64)
    counts = np.diff(offsets)
    extra_counts = np.diff(extra_offsets)
    new_counts = counts.copy()
    new_counts[korean] += extra_counts
    new_offsets = np.zeros(len(words) + 1, dtype=np.int64)
    np.cumsum(new_counts, out=new_offsets[1:])
    # per word: its character n-grams, then its jamo n-grams
    merged = np.empty(new_offsets[-1], dtype=np.uint32)
    shift = np.repeat(new_offsets[:-1] - offsets[:-1], counts)
    merged[np.arange(hashes.shape[0]) + shift] = hashes
    shift = np.repeat(new_offsets[korean] + counts[korean] - extra_offsets[:-1], extra_counts)
    merged[np.arange(extra.shape[0]) + shift] = extra
    return new_offsets, merged
