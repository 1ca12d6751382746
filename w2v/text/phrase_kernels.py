"""Numba kernels behind ``w2v.text.phrases``: count bigrams of token ids, then rewrite the text.

Every function here takes plain arrays and scalars. Token ids are the provisional
ids of ``w2v.text.corpus.scan_corpus`` (int32, -1 for a line end). Only *candidate*
bigrams are counted: two adjacent tokens on one line that both occur at least
``min_count`` times (``frequent[id] == 1``), since no other pair can ever join.

The bigram table is open addressing with linear probing over an int64 array of
shape ``(capacity, 2)``: ``[key, count]`` per slot, key ``a * n_words + b + 1``
for the pair ``a b``, 0 for an empty slot (so a new table is ``np.zeros``). The
capacity is a power of two, ``1 << bits``; the slot of a key is the top ``bits``
bits of ``key * 2**64 / phi`` (Fibonacci hashing), so ``shift = 64 - bits``.
The kernels never allocate a table: when one is full (or, with ``prune_at``,
holds that many keys) ``count_bigrams`` returns a status and the position of the
token it could not finish; the caller grows or prunes the table and calls again.

Mutable scalars travel in the int64 array ``state`` (indices ``S_*`` below).
"""

import numba
import numpy as np

from w2v.jit_cache import protect

# statuses
DONE = 0
GROW = 1  # count_bigrams: the table needs more slots
PRUNE = 2  # count_bigrams: the table holds prune_at keys
OUT_FULL = 3  # write_phrases: the output buffer cannot take the next token

# indices into the int64 ``state`` array
S_PREV = 0  # id of the previous token on this line, -1 at a line start
S_KEYS = 1  # count_bigrams: keys in the table
S_LEFT_OK = 2  # write_phrases: 1 when the previous token may begin a phrase
S_PHRASE_TOKENS = 3  # write_phrases: phrases written
S_PHRASES = 4  # write_phrases: distinct phrases written
N_STATE = 5

EMPTY = np.int64(0)
FIBONACCI = np.uint64(0x9E3779B97F4A7C15)
NEWLINE = np.uint8(10)
SPACE = np.uint8(32)

_SPEC = dict(nogil=True, cache=True, boundscheck=False)


@numba.njit(**_SPEC)
def _slot(key, shift):
    return np.int64((np.uint64(key) * FIBONACCI) >> np.uint64(shift))


@numba.njit(**_SPEC)
def find(table, shift, key):
    """The slot holding ``key``, or -1."""
    mask = table.shape[0] - 1
    slot = _slot(key, shift)
    while True:
        k = table[slot, 0]
        if k == key:
            return slot
        if k == EMPTY:
            return -1
        slot = (slot + 1) & mask


@numba.njit(**_SPEC)
def _insert(table, shift, key, count):
    """Put a key known to be absent into the first free slot of its probe sequence."""
    mask = table.shape[0] - 1
    slot = _slot(key, shift)
    while table[slot, 0] != EMPTY:
        slot = (slot + 1) & mask
    table[slot, 0] = key
    table[slot, 1] = count


@numba.njit(**_SPEC)
def rehash(old, new, shift, keep_above):
    """Insert the keys of ``old`` with a count above ``keep_above`` into the empty ``new``.

    ``new`` is all 0 and has room for them; returns the number of keys inserted.
    """
    kept = 0
    for j in range(old.shape[0]):
        key = old[j, 0]
        if key == EMPTY or old[j, 1] <= keep_above:
            continue
        _insert(new, shift, key, old[j, 1])
        kept += 1
    return kept


@numba.njit(**_SPEC)
def count_bigrams(ids, frequent, n_words, table, shift, state, prune_at):
    """Count the candidate bigrams of ``ids`` (a stretch of the stream) in ``table``.

    The previous token carries over in ``state[S_PREV]``, so consecutive calls
    see one stream. Returns ``(status, pos)``: all of ``ids[:pos]`` is counted;
    on GROW or PRUNE the token at ``pos`` is not, and the call must be repeated
    from there once the table has room.
    """
    prev = state[S_PREV]
    keys = state[S_KEYS]
    capacity = table.shape[0]
    mask = capacity - 1
    status = DONE
    i = 0
    n = ids.shape[0]
    while i < n:
        x = np.int64(ids[i])
        if x < 0:
            prev = -1
            i += 1
            continue
        if prev >= 0 and frequent[prev] and frequent[x]:
            key = prev * n_words + x + 1
            slot = _slot(key, shift)
            while True:
                k = table[slot, 0]
                if k == key:
                    table[slot, 1] += 1
                    break
                if k == EMPTY:
                    if prune_at > 0 and keys >= prune_at:
                        status = PRUNE
                    elif 4 * (keys + 1) > 3 * capacity:
                        status = GROW
                    else:
                        table[slot, 0] = key
                        table[slot, 1] = 1
                        keys += 1
                    break
                slot = (slot + 1) & mask
            if status != DONE:
                break
        prev = x
        i += 1
    state[S_PREV] = prev
    state[S_KEYS] = keys
    return status, i


@numba.njit(**_SPEC)
def _joins(count_ab, count_a, count_b, min_count, train_words, threshold):
    """word2phrase's test, in its float32 arithmetic: does the bigram ``a b`` form a phrase?"""
    if count_ab < min_count or count_a < min_count or count_b < min_count:
        return False
    score = np.float32(count_ab - min_count) / np.float32(count_a) / np.float32(count_b) * train_words
    return score > threshold


@numba.njit(**_SPEC)
def count_phrases(table, counts, n_words, min_count, train_words, threshold):
    """How many bigrams of ``table`` form phrases (see ``_joins``)."""
    n = 0
    for j in range(table.shape[0]):
        key = table[j, 0]
        if key != EMPTY:
            a = (key - 1) // n_words
            b = key - 1 - a * n_words
            if _joins(table[j, 1], counts[a], counts[b], min_count, train_words, threshold):
                n += 1
    return n


@numba.njit(**_SPEC)
def select_phrases(table, counts, n_words, min_count, train_words, threshold, phrases, shift,
                   starts, ends):
    """Insert the bigrams of ``table`` that form phrases into the empty table ``phrases``.

    Sets ``starts[a]`` and ``ends[b]`` for each phrase ``a b``. Returns how many.
    """
    n = 0
    for j in range(table.shape[0]):
        key = table[j, 0]
        if key == EMPTY:
            continue
        a = (key - 1) // n_words
        b = key - 1 - a * n_words
        if not _joins(table[j, 1], counts[a], counts[b], min_count, train_words, threshold):
            continue
        _insert(phrases, shift, key, table[j, 1])
        starts[a] = 1
        ends[b] = 1
        n += 1
    return n


@numba.njit(**_SPEC)
def write_phrases(ids, starts, ends, n_words, phrases, shift, used, pool, offsets, delimiter,
                  state, out):
    """Write the text of ``ids`` to ``out``, joining the word pairs found in ``phrases``.

    ``phrases`` (from ``select_phrases``) holds the bigrams that form phrases;
    ``starts``/``ends`` flag the words that begin/end one. Word ``w`` is
    ``pool[offsets[w]:offsets[w + 1] - 1]``. Words on a line are separated by a
    space, or by ``delimiter`` where a phrase forms; a line end is a newline.
    Pairs are taken left to right and a word that ends a phrase cannot begin
    the next one. ``used[slot]`` is set for each phrase written. Returns
    ``(status, pos, n_out)``: ``ids[:pos]`` became ``out[:n_out]``; OUT_FULL
    means ``out`` has no room for the token at ``pos``.
    """
    prev = state[S_PREV]
    left_ok = state[S_LEFT_OK] != 0
    phrase_tokens = state[S_PHRASE_TOKENS]
    n_phrases = state[S_PHRASES]
    out_cap = out.shape[0]
    n_delim = delimiter.shape[0]
    status = DONE
    n_out = 0
    i = 0
    n = ids.shape[0]
    while i < n:
        x = np.int64(ids[i])
        if x < 0:
            if n_out >= out_cap:
                status = OUT_FULL
                break
            out[n_out] = NEWLINE
            n_out += 1
            prev = -1
            left_ok = False
            i += 1
            continue
        slot = -1
        if left_ok and ends[x]:
            slot = find(phrases, shift, prev * n_words + x + 1)
        start = offsets[x]
        length = offsets[x + 1] - 1 - start
        need = length
        if prev >= 0:
            need += n_delim if slot >= 0 else 1
        if n_out + need > out_cap:
            status = OUT_FULL
            break
        if slot >= 0:
            for k in range(n_delim):
                out[n_out + k] = delimiter[k]
            n_out += n_delim
            phrase_tokens += 1
            if used[slot] == 0:
                used[slot] = 1
                n_phrases += 1
        elif prev >= 0:
            out[n_out] = SPACE
            n_out += 1
        for k in range(length):
            out[n_out + k] = pool[start + k]
        n_out += length
        left_ok = slot < 0 and starts[x] != 0
        prev = x
        i += 1
    state[S_PREV] = prev
    state[S_LEFT_OK] = 1 if left_ok else 0
    state[S_PHRASE_TOKENS] = phrase_tokens
    state[S_PHRASES] = n_phrases
    return status, i, n_out


protect(globals())  # a damaged cache file is a miss, not an error (w2v.jit_cache)
