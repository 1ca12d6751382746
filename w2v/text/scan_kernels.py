"""Numba kernels behind ``w2v.text.corpus``: tokenize, count and number words in byte chunks.

Every function here takes plain arrays and scalars. The vocabulary is an
open-addressing hash table (linear probing, FNV-1a 64-bit) whose keys live in a
byte pool: word ``i`` is ``pool[start:start + length]`` with
``start, length = word_pos[i]``. A table slot packs the high half of the hash
with the word id, so most probes touch one cache line.
Words are appended to the pool in id order, so ``pool[:pool_used]`` is the
concatenation of the words held. Ids ``0 .. n_words-1`` are all live: a prune
(``compact``) drops words and renumbers the survivors, so memory stays bounded
by the prune threshold however many distinct words the text holds.

The kernels never allocate the growing arrays themselves: when one is full,
``scan_chunk`` returns a status and the position of the token it could not
finish; the caller grows that array and calls again from there.

Mutable scalars travel in the int64 array ``state`` (indices ``S_*`` below).
"""

import numba
import numpy as np

from w2v.jit_cache import protect

# scan_chunk statuses
DONE = 0
POOL_FULL = 1
WORDS_FULL = 2
TABLE_FULL = 3
OUT_FULL = 4
PRUNE = 5  # more words than max_vocab are held: the caller compacts, then calls again

# indices into the int64 ``state`` array
S_POOL_USED = 0
S_N_WORDS = 1  # words held, all live: ids 0 .. n_words-1
S_MIN_REDUCE = 2  # word2vec.c's min_reduce: the count at or below which the next prune drops a word
S_N_TOKENS = 3
S_N_LINES = 4
S_POOL_NEED = 5  # after POOL_FULL: the pool size the unfinished token needs
N_STATE = 6

FNV_OFFSET = np.uint64(0xCBF29CE484222325)
FNV_PRIME = np.uint64(0x100000001B3)
U64_SHIFT = np.uint64(29)
U64_32 = np.uint64(32)
LOW_32 = np.uint64(0xFFFFFFFF)
END_OF_LINE = np.int32(-1)

_SPEC = dict(nogil=True, cache=True, boundscheck=False)


@numba.njit(**_SPEC)
def _is_sep(c):
    # space, \t, \n, \v, \f and NUL separate tokens; \r (13) is not listed: it is deleted
    return c == 32 or (c >= 9 and c <= 12) or c == 0


@numba.njit(**_SPEC)
def _token_bytes(buf, i, end):
    """Bytes of the token going on at ``buf[i]``, up to its end, not counting CR (13)."""
    n = 0
    while i < end and not _is_sep(buf[i]):
        n += buf[i] != 13
        i += 1
    return n


@numba.njit(**_SPEC)
def _slot_of(h, mask):
    return np.int64((h ^ (h >> U64_SHIFT)) & mask)


@numba.njit(**_SPEC)
def _entry(h, word_id):
    # a table entry: the high 32 bits of the hash, then word_id + 1 (0 = empty slot)
    return ((h >> U64_32) << U64_32) | np.uint64(word_id + 1)


@numba.njit(**_SPEC)
def _insert(table, h, word_id):
    mask = np.uint64(table.shape[0] - 1)
    slot = _slot_of(h, mask)
    while table[slot] != 0:
        slot = (slot + 1) & np.int64(mask)
    table[slot] = _entry(h, word_id)


@numba.njit(**_SPEC)
def rehash(table, hashes, n_words):
    """Fill an empty (all 0) power-of-two ``table`` with ids ``0 .. n_words-1``."""
    for word_id in range(n_words):
        _insert(table, hashes[word_id], word_id)


@numba.njit(**_SPEC)
def compact(pool, word_pos, hashes, counts, n_words, min_reduce, table, remap):
    """word2vec.c's ReduceVocab, then renumbering: drop words with count <= ``min_reduce``.

    Survivors keep their order and move down to ids ``0 .. kept-1`` (their bytes move
    down the pool with them); ``remap[old_id]`` is the new id, or -1 for a dropped word.
    Returns ``(kept, pool_used)``.
    """
    kept = 0
    pool_used = 0
    for word_id in range(n_words):
        if counts[word_id] <= min_reduce:
            remap[word_id] = -1
            continue
        start = word_pos[word_id, 0]
        length = word_pos[word_id, 1]
        for k in range(length):  # never overlaps wrongly: pool_used <= start
            pool[pool_used + k] = pool[start + k]
        word_pos[kept, 0] = pool_used
        word_pos[kept, 1] = length
        hashes[kept] = hashes[word_id]
        counts[kept] = counts[word_id]
        remap[word_id] = kept
        pool_used += length
        kept += 1
    table[:] = 0
    rehash(table, hashes, kept)
    return kept, pool_used


@numba.njit(**_SPEC)
def scan_chunk(buf, pos, end, pool, word_pos, hashes, counts, table, out, state, max_vocab):
    """Tokenize ``buf[pos:end]``, count words and write their provisional ids to ``out``.

    ``buf[pos:end]`` must hold whole tokens. A line end writes -1 to ``out``.
    ``max_vocab`` > 0: when a new word makes more than ``max_vocab`` words, its id is
    written, then the kernel returns PRUNE (the caller runs ``compact``, as word2vec.c
    prunes after adding a word).
    Returns ``(status, pos, n_out)``: ``n_out`` ids were written to ``out``;
    on a status other than DONE, scanning stopped before the token at ``pos``.
    """
    pool_used = state[S_POOL_USED]
    n_words = state[S_N_WORDS]
    n_tokens = state[S_N_TOKENS]
    n_lines = state[S_N_LINES]
    pool_cap = pool.shape[0]
    words_cap = word_pos.shape[0]
    table_cap = table.shape[0]
    out_cap = out.shape[0]
    mask = np.uint64(table_cap - 1)
    n_out = 0
    status = DONE
    i = pos
    while i < end:
        c = buf[i]
        if _is_sep(c):
            if c == 10:
                if n_out >= out_cap:
                    status = OUT_FULL
                    break
                out[n_out] = END_OF_LINE
                n_out += 1
                n_lines += 1
            i += 1
            continue
        if n_out >= out_cap:
            status = OUT_FULL
            break
        # copy the token (without \r) to the free end of the pool, hashing as we go
        token_pos = i
        p = pool_used
        h = FNV_OFFSET
        while i < end:
            c = buf[i]
            if _is_sep(c):
                break
            if c != 13:
                if p >= pool_cap:
                    status = POOL_FULL
                    state[S_POOL_NEED] = p + _token_bytes(buf, i, end)
                    break
                pool[p] = c
                p += 1
                h = (h ^ np.uint64(c)) * FNV_PRIME
            i += 1
        if status != DONE:
            i = token_pos
            break
        length = p - pool_used
        if length == 0:  # the token was nothing but \r
            continue
        slot = _slot_of(h, mask)
        tag = h >> U64_32
        word_id = -1
        while True:
            e = table[slot]
            if e == 0:
                break
            if (e >> U64_32) == tag:
                cand = np.int64(e & LOW_32) - 1
                if word_pos[cand, 1] == length:
                    s = word_pos[cand, 0]
                    same = True
                    for k in range(length):
                        if pool[s + k] != pool[pool_used + k]:
                            same = False
                            break
                    if same:
                        word_id = cand
                        break
            slot = (slot + 1) & np.int64(mask)
        if word_id >= 0:
            counts[word_id] += 1
        else:
            if n_words >= words_cap:
                status = WORDS_FULL
                i = token_pos
                break
            if 4 * (n_words + 1) > 3 * table_cap:
                status = TABLE_FULL
                i = token_pos
                break
            word_id = n_words
            n_words += 1
            word_pos[word_id, 0] = pool_used
            word_pos[word_id, 1] = length
            hashes[word_id] = h
            counts[word_id] = 1
            table[slot] = _entry(h, word_id)
            pool_used = p
        out[n_out] = word_id
        n_out += 1
        n_tokens += 1
        if max_vocab > 0 and n_words > max_vocab:
            status = PRUNE
            break
    state[S_POOL_USED] = pool_used
    state[S_N_WORDS] = n_words
    state[S_N_TOKENS] = n_tokens
    state[S_N_LINES] = n_lines
    return status, i, n_out


@numba.njit(**_SPEC)
def last_separator(buf, lo, hi):
    """Index of the last separator byte in ``buf[lo:hi]``, or -1."""
    for i in range(hi - 1, lo - 1, -1):
        if _is_sep(buf[i]):
            return i
    return -1


@numba.njit(**_SPEC)
def _utf8_sequence(buf, i, n):
    """``(length, ok)`` of the UTF-8 sequence at ``buf[i]`` (``i < n``).

    Not ok: ``length`` bytes form a maximal ill-formed subpart, which Python's
    decoder replaces by one U+FFFD (the validity rules are its strict ones).
    """
    c = buf[i]
    if c < 0x80:
        return 1, True
    if c >= 0xC2 and c <= 0xDF:
        need = 1
        lo = 0x80
        hi = 0xBF
    elif c >= 0xE0 and c <= 0xEF:
        need = 2
        lo = 0xA0 if c == 0xE0 else 0x80
        hi = 0x9F if c == 0xED else 0xBF
    elif c >= 0xF0 and c <= 0xF4:
        need = 3
        lo = 0x90 if c == 0xF0 else 0x80
        hi = 0x8F if c == 0xF4 else 0xBF
    else:
        return 1, False
    if i + 1 >= n or buf[i + 1] < lo or buf[i + 1] > hi:
        return 1, False
    for k in range(2, need + 1):
        if i + k >= n or buf[i + k] < 0x80 or buf[i + k] > 0xBF:
            return k, False
    return need + 1, True


@numba.njit(**_SPEC)
def utf8_check(buf, n):
    """``(valid, repaired_size)`` for ``buf[:n]``: is it valid UTF-8, and its size once repaired."""
    i = np.int64(0)  # typed: a literal 0 would compile _utf8_sequence a second time for it
    size = 0
    valid = True
    while i < n:
        # fast path: 16 ASCII bytes at a time
        if i + 16 <= n:
            acc = np.uint8(0)
            for k in range(16):
                acc |= buf[i + k]
            if acc < 128:
                i += 16
                size += 16
                continue
        length, ok = _utf8_sequence(buf, i, n)
        if ok:
            size += length
        else:
            size += 3
            valid = False
        i += length
    return valid, size


@numba.njit(**_SPEC)
def utf8_repair(buf, n, dst):
    """Copy ``buf[:n]`` to ``dst`` with each ill-formed subpart replaced by U+FFFD.

    Gives the bytes of Python's ``decode("utf-8", "replace").encode("utf-8")``;
    ``dst`` must hold ``utf8_check(buf, n)[1]`` bytes. Returns the bytes written.
    """
    i = np.int64(0)  # typed, as in utf8_check
    j = 0
    while i < n:
        length, ok = _utf8_sequence(buf, i, n)
        if ok:
            for k in range(length):
                dst[j + k] = buf[i + k]
            j += length
        else:
            dst[j] = 0xEF
            dst[j + 1] = 0xBF
            dst[j + 2] = 0xBD
            j += 3
        i += length
    return j


@numba.njit(**_SPEC)
def join_words(pool, word_pos, n_words):
    """The words as one byte string, each followed by a newline (words never hold one)."""
    total = 0
    for j in range(n_words):
        total += word_pos[j, 1] + 1
    res = np.empty(total, dtype=np.uint8)
    p = 0
    for j in range(n_words):
        s = word_pos[j, 0]
        for k in range(word_pos[j, 1]):
            res[p] = pool[s + k]
            p += 1
        res[p] = 10
        p += 1
    return res


@numba.njit(**_SPEC)
def remap_chunk(ids, n, final_id, at_line_start):
    """Map ids to final ids in ``ids[:n]``, compacting in place; chunks of one stream in turn.

    Tokens whose final id is -1 are dropped; line ends (-1) are kept, but a run
    of them becomes one and a leading one is dropped (``at_line_start`` carries
    that across chunks: True for the first). Returns (new length, number of word
    tokens, at_line_start for the next chunk).
    """
    j = 0
    n_words = 0
    for i in range(n):
        x = ids[i]
        if x < 0:
            if not at_line_start:
                ids[j] = END_OF_LINE
                j += 1
                at_line_start = True
        else:
            f = final_id[x]
            if f >= 0:
                ids[j] = f
                j += 1
                n_words += 1
                at_line_start = False
    return j, n_words, at_line_start


protect(globals())  # a damaged cache file is a miss, not an error (w2v.jit_cache)
