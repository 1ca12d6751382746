"""The subword model's SGD kernels: fastText's skip-gram and CBOW over word and n-gram rows.

The input matrix ``syn0`` holds V word rows and then R n-gram rows. Word w's input rows are
``rows[offsets[w]:offsets[w + 1]]`` (CSR): its own row first, then one row per n-gram
(duplicates kept, as fastText keeps them). Its input vector is the average of those rows.
Hogwild over all of it, as in ``w2v.training.kernels``: threads read and write word rows, n-gram rows
and output rows without locks.

fastText's semantics (``model.cc``, ``fasttext.cc``): skip-gram composes the centre word and
predicts each context word from it; CBOW averages every row of every context word and predicts
the centre. The input error is added whole to every input row (fastText divides it by the
number of rows only for supervised models), as word2vec.c's CBOW adds it to every context row.
With a word share (``push_error``) a word's own row takes a fixed share of that move instead
of 1/n of it; its vector, the average, moves the same.

The batched update (the default) composes the centre's vector once per centre word and adds
the window's summed error to the centre's rows once: one read and one write of ~10 rows per
centre word instead of per (centre, context) pair. Its skip-gram keeps fastText's per-pair
order: each context word has its own noise words, and after each pair the composed vector moves
by that pair's error, as recomposing from the updated rows would (benchmarks/RESULTS_subwords.md:
an unmoved vector, or noise words shared within the window, loses Korean analogies). The classic
update recomposes and updates the rows after every (centre, context) pair, exactly fastText's
order. The batched skip-gram prefetches the next centre's input rows and the next pair's output
rows (``w2v.training.prefetch``): on text8 the rows are 206 MB, and their first reads waited on memory.
Subsampling, window shrink, noise draws, sigmoid table and learning rate are word2vec.c's, as
in ``w2v.training.kernels`` (whose helpers these kernels reuse).
"""

import numpy as np
from numba import njit

from w2v.jit_cache import protect
from w2v.training.kernels import (F0, F1, FASTMATH, ROW0, axpy, batched_negative_sampling, decayed_alpha, dot,
                                  draw_targets, hierarchical_softmax_update, lcg_next, negative_sampling_update,
                                  next_sentence, predict, uniform_below)
from w2v.training.params import MAX_SENTENCE_LENGTH
from w2v.training.prefetch import prefetch_row

@njit(nogil=True, cache=True, fastmath=FASTMATH, inline="always")
def add_rows(syn0, offsets, rows, word, out, dim):
    """out[0] += the sum of word's input rows; returns how many rows that is."""
    for k in range(offsets[word], offsets[word + 1]):
        axpy(F1, syn0, rows[k], out, 0, dim)
    return offsets[word + 1] - offsets[word]


@njit(nogil=True, cache=True, fastmath=FASTMATH, inline="always")
def push_error(syn0, offsets, rows, word, neu1e, dim, word_share):
    """Add neu1e[0] to word's input rows, so that their average (word's vector) moves by neu1e[0].

    word_share 0 adds it whole to every row, as fastText does. Otherwise word's own row takes that
    share of the move and its n-gram rows split the rest: own row += share * n * neu1e, each n-gram
    row += (1 - share) * n / (n - 1) * neu1e, for n rows in all.
    """
    first, stop = offsets[word], offsets[word + 1]
    n = stop - first
    if word_share <= F0 or n < 2:
        for k in range(first, stop):
            axpy(F1, neu1e, 0, syn0, rows[k], dim)
        return
    own = word_share * np.float32(n)
    rest = (F1 - word_share) * np.float32(n) / np.float32(n - 1)
    axpy(own, neu1e, 0, syn0, rows[first], dim)
    for k in range(first + 1, stop):
        axpy(rest, neu1e, 0, syn0, rows[k], dim)


@njit(nogil=True, cache=True, inline="always")
def prefetch_input_rows(syn0, offsets, rows, word, dim):
    """Start loading word's input rows (``w2v.training.prefetch``)."""
    for k in range(offsets[word], offsets[word + 1]):
        prefetch_row(syn0, rows[k], dim)


@njit(nogil=True, cache=True, fastmath=FASTMATH, inline="always")
def compose(syn0, offsets, rows, word, hidden, dim):
    """hidden[0] = the average of word's input rows."""
    for k in range(dim):
        hidden[0, k] = F0
    n = add_rows(syn0, offsets, rows, word, hidden, dim)
    scale = F1 / np.float32(n)
    for k in range(dim):
        hidden[0, k] *= scale


# Numba keeps a reference count on the arrays a compiled (not inlined) kernel function takes, and
# on those an inlined helper with loops takes: atomic operations on every call, on cache lines
# that every thread writes. The default skip-gram therefore runs in one function per sentence
# with its per-pair loops written out, and the general sentence loop calls the updates directly
# (through a shared per-pair wrapper, reference counting took 15 % of the time at 2 threads).

@njit(nogil=True, cache=True, fastmath=FASTMATH)
def skipgram_sentence(sentence, length, syn0, offsets, rows, syn1neg, window, negative, alpha, state,
                      noise_threshold, noise_alias, sigmoid_table, loss_table, hidden, neu1e, pair, targets,
                      gradients, word_share):
    """The batched skip-gram with negative sampling on one (subsampled) sentence.

    fastText's per-pair order without its per-pair reads and writes: each centre word is composed
    once; each context word gets its own noise words, scored all before any row changes (as
    ``w2v.training.kernels.batched_negative_sampling`` does); after each pair the composed vector
    moves by that pair's error, as recomposing from the updated rows would; the window's summed
    error reaches the centre's rows once. Returns (rng state, loss sum, number of predictions).
    """
    dim = syn0.shape[1]
    loss = np.float64(0.0)
    predictions = 0
    for position in range(length):
        word = sentence[position]
        state = lcg_next(state)
        reach = window - uniform_below(state, window)  # word2vec.c's random window shrink
        start = max(position - reach, 0)
        stop = min(position + reach + 1, length)
        if stop - start < 2:
            continue
        if position + 1 < length:
            prefetch_input_rows(syn0, offsets, rows, sentence[position + 1], dim)
        compose(syn0, offsets, rows, word, hidden, dim)
        for k in range(dim):
            neu1e[0, k] = F0
        # Each pair's targets are drawn one pair ahead, into the other half of ``targets``, so
        # that their output rows load while this pair computes. The draws come in the same order.
        width = negative + 1
        context = start if start != position else start + 1
        state, n_next = draw_targets(sentence[context], negative, state, noise_threshold, noise_alias, targets)
        half = 0
        while context < stop:
            base, n_targets = half * width, n_next
            following = context + 1 if context + 1 != position else context + 2
            if following < stop:
                half = 1 - half
                state, n_next = draw_targets(sentence[following], negative, state, noise_threshold, noise_alias,
                                             targets, half * width)
                for o in range(n_next):
                    prefetch_row(syn1neg, targets[half * width + o], dim)
            pair_loss = F0
            for o in range(n_targets):
                f = dot(hidden, 0, syn1neg, targets[base + o], dim)
                g, term = predict(f, o == 0, sigmoid_table, loss_table)
                gradients[0, o] = g * alpha
                pair_loss += term
            loss += pair_loss
            # the pair's input error, from the output rows before any of them changes
            for k in range(dim):
                pair[0, k] = F0
            for o in range(n_targets):
                axpy(gradients[0, o], syn1neg, targets[base + o], pair, 0, dim)
            for o in range(n_targets):
                axpy(gradients[0, o], hidden, 0, syn1neg, targets[base + o], dim)
            for k in range(dim):
                hidden[0, k] += pair[0, k]
                neu1e[0, k] += pair[0, k]
            context = following
        push_error(syn0, offsets, rows, word, neu1e, dim, word_share)
        predictions += stop - start - 1
    return state, loss, predictions


@njit(nogil=True, cache=True, fastmath=FASTMATH)
def train_sentence(sentence, length, syn0, offsets, rows, syn1neg, syn1, window, negative, use_hs, use_cbow,
                   batched, alpha, state, noise_threshold, noise_alias, codes, points, code_offsets,
                   sigmoid_table, loss_table, hidden, neu1e, pair, targets, gradients, word_share):
    """One (subsampled) sentence. Returns (rng state, loss sum, number of predictions)."""
    dim = syn0.shape[1]
    loss = np.float64(0.0)
    predictions = 0
    for position in range(length):
        word = sentence[position]
        state = lcg_next(state)
        reach = window - uniform_below(state, window)  # word2vec.c's random window shrink
        start = max(position - reach, 0)
        stop = min(position + reach + 1, length)
        if stop - start < 2:
            continue

        if use_cbow:
            for k in range(dim):
                hidden[0, k] = F0
                neu1e[0, k] = F0
            n_rows = 0
            for j in range(start, stop):
                if j != position:
                    n_rows += add_rows(syn0, offsets, rows, sentence[j], hidden, dim)
            scale = F1 / np.float32(n_rows)
            for k in range(dim):
                hidden[0, k] *= scale
            step_loss = F0  # both losses of one prediction, summed in float32 as the other kernels do
            if use_hs:
                step_loss += hierarchical_softmax_update(hidden, ROW0, word, syn1, neu1e, alpha, codes, points,
                                                         code_offsets, sigmoid_table, loss_table)
            if negative > 0 and batched:
                state, ns_loss = batched_negative_sampling(hidden, ROW0, word, syn1neg, neu1e, negative, alpha,
                                                           state, noise_threshold, noise_alias, sigmoid_table,
                                                           loss_table, targets, gradients)
                step_loss += ns_loss
            elif negative > 0:
                state, ns_loss = negative_sampling_update(hidden, ROW0, word, syn1neg, neu1e, negative, alpha,
                                                          state, noise_threshold, noise_alias, sigmoid_table,
                                                          loss_table)
                step_loss += ns_loss
            loss += step_loss
            for j in range(start, stop):
                if j != position:
                    push_error(syn0, offsets, rows, sentence[j], neu1e, dim, word_share)
            predictions += 1
            continue

        # Skip-gram in general: the centre word's composed vector predicts each context word;
        # each pair's input error lands in ``pair``. Batched: as in ``skipgram_sentence``.
        # Classic: recompose before each pair and push its error at once, exactly fastText's order.
        if batched:
            compose(syn0, offsets, rows, word, hidden, dim)
            for k in range(dim):
                neu1e[0, k] = F0
        for j in range(start, stop):
            if j == position:
                continue
            if not batched:
                compose(syn0, offsets, rows, word, hidden, dim)
            for k in range(dim):
                pair[0, k] = F0
            target = sentence[j]
            step_loss = F0  # both losses of one prediction, summed in float32 as the other kernels do
            if use_hs:
                step_loss += hierarchical_softmax_update(hidden, ROW0, target, syn1, pair, alpha, codes, points,
                                                         code_offsets, sigmoid_table, loss_table)
            if negative > 0 and batched:
                state, ns_loss = batched_negative_sampling(hidden, ROW0, target, syn1neg, pair, negative, alpha,
                                                           state, noise_threshold, noise_alias, sigmoid_table,
                                                           loss_table, targets, gradients)
                step_loss += ns_loss
            elif negative > 0:
                state, ns_loss = negative_sampling_update(hidden, ROW0, target, syn1neg, pair, negative, alpha,
                                                          state, noise_threshold, noise_alias, sigmoid_table,
                                                          loss_table)
                step_loss += ns_loss
            loss += step_loss
            predictions += 1
            if batched:
                for k in range(dim):
                    hidden[0, k] += pair[0, k]
                    neu1e[0, k] += pair[0, k]
            else:
                push_error(syn0, offsets, rows, word, pair, dim, word_share)
        if batched:
            push_error(syn0, offsets, rows, word, neu1e, dim, word_share)
    return state, loss, predictions


# Two span kernels, so that a run compiles (or loads) only the one it uses: the default skip-gram's,
# and the general one (CBOW, hierarchical softmax, the classic update). The span loop is the same.

def uses_skipgram_kernel(use_cbow, use_hs, negative, batched):
    """Whether ``train_span`` runs ``train_span_skipgram`` (the default skip-gram) for these options."""
    return not use_cbow and not use_hs and negative > 0 and batched


@njit(nogil=True, cache=True, fastmath=FASTMATH)
def train_span_skipgram(ids, begin, end, syn0, offsets, rows, syn1neg, keep_threshold, noise_threshold, noise_alias,
                        sigmoid_table, loss_table, window, negative, starting_alpha, min_alpha, words_before,
                        total_words, n_threads, rng_state, stats, word_share):
    """``train_span`` for the batched skip-gram with negative sampling (``skipgram_sentence``)."""
    dim = syn0.shape[1]
    sentence = np.empty(MAX_SENTENCE_LENGTH, dtype=np.int32)
    hidden = np.empty((1, dim), dtype=np.float32)
    neu1e = np.empty((1, dim), dtype=np.float32)
    pair = np.empty((1, dim), dtype=np.float32)
    targets = np.empty(2 * (negative + 1), dtype=np.int64)  # this pair's and the next pair's
    gradients = np.empty((1, negative + 1), dtype=np.float32)
    state = rng_state[0]
    loss = np.float64(0.0)
    predictions = 0
    words_read = 0
    position = begin
    while position < end:
        position, length, read, state = next_sentence(ids, position, end, keep_threshold, state, sentence)
        words_read += read
        if length > 0:
            alpha = decayed_alpha(starting_alpha, min_alpha, words_before, words_read, n_threads, total_words)
            state, sentence_loss, sentence_predictions = skipgram_sentence(
                sentence, length, syn0, offsets, rows, syn1neg, window, negative, alpha, state, noise_threshold,
                noise_alias, sigmoid_table, loss_table, hidden, neu1e, pair, targets, gradients, word_share)
            loss += sentence_loss
            predictions += sentence_predictions
    rng_state[0] = state
    stats[0] += loss
    stats[1] += predictions
    stats[2] += words_read


@njit(nogil=True, cache=True, fastmath=FASTMATH)
def train_span_general(ids, begin, end, syn0, offsets, rows, syn1neg, syn1, keep_threshold, noise_threshold,
                       noise_alias, codes, points, code_offsets, sigmoid_table, loss_table,
                       window, negative, use_hs, use_cbow, batched,
                       starting_alpha, min_alpha, words_before, total_words, n_threads, rng_state, stats,
                       word_share):
    """``train_span`` for every other choice of options (``train_sentence``)."""
    dim = syn0.shape[1]
    sentence = np.empty(MAX_SENTENCE_LENGTH, dtype=np.int32)
    hidden = np.empty((1, dim), dtype=np.float32)
    neu1e = np.empty((1, dim), dtype=np.float32)
    pair = np.empty((1, dim), dtype=np.float32)
    targets = np.empty(negative + 1, dtype=np.int64)
    gradients = np.empty((1, negative + 1), dtype=np.float32)
    state = rng_state[0]
    loss = np.float64(0.0)
    predictions = 0
    words_read = 0
    position = begin
    while position < end:
        position, length, read, state = next_sentence(ids, position, end, keep_threshold, state, sentence)
        words_read += read
        if length > 0:
            alpha = decayed_alpha(starting_alpha, min_alpha, words_before, words_read, n_threads, total_words)
            state, sentence_loss, sentence_predictions = train_sentence(
                sentence, length, syn0, offsets, rows, syn1neg, syn1, window, negative, use_hs, use_cbow,
                batched, alpha, state, noise_threshold, noise_alias, codes, points, code_offsets,
                sigmoid_table, loss_table, hidden, neu1e, pair, targets, gradients, word_share)
            loss += sentence_loss
            predictions += sentence_predictions
    rng_state[0] = state
    stats[0] += loss
    stats[1] += predictions
    stats[2] += words_read


def train_span(ids, begin, end, syn0, offsets, rows, syn1neg, syn1, keep_threshold, noise_threshold, noise_alias,
               codes, points, code_offsets, sigmoid_table, loss_table,
               window, negative, use_hs, use_cbow, batched,
               starting_alpha, min_alpha, words_before, total_words, n_threads, rng_state, stats, word_share=0.0):
    """Train on ids[begin:end] as one thread does; ``w2v.training.kernels.train_span`` with the input rows in CSR.

    ``word_share``: how much of each input update a word's own row takes (``push_error``; 0: fastText's
    even split). Adds to ``stats``: [loss sum, predictions, words read]. The call releases the GIL: it runs the
    options' compiled span kernel.
    """
    window, negative = int(window), int(negative)
    use_hs, use_cbow, batched = bool(use_hs), bool(use_cbow), bool(batched)
    starting_alpha, min_alpha = float(starting_alpha), float(min_alpha)
    words_before, total_words, n_threads = int(words_before), int(total_words), int(n_threads)
    if uses_skipgram_kernel(use_cbow, use_hs, negative, batched):
        train_span_skipgram(ids, begin, end, syn0, offsets, rows, syn1neg, keep_threshold, noise_threshold,
                            noise_alias, sigmoid_table, loss_table, window, negative, starting_alpha, min_alpha,
                            words_before, total_words, n_threads, rng_state, stats, np.float32(word_share))
    else:
        train_span_general(ids, begin, end, syn0, offsets, rows, syn1neg, syn1, keep_threshold, noise_threshold,
                           noise_alias, codes, points, code_offsets, sigmoid_table, loss_table, window, negative,
                           use_hs, use_cbow, batched, starting_alpha, min_alpha, words_before, total_words,
                           n_threads, rng_state, stats, np.float32(word_share))


FNV_OFFSET = np.uint64(2166136261)
FNV_PRIME = np.uint64(16777619)
MASK32 = np.uint64(0xFFFFFFFF)
SIGN_EXTEND = np.uint64(0xFFFFFF00)


@njit(nogil=True, cache=True)
def ngram_hashes(data, word_starts, minn, maxn):
    """``w2v.subwords.ngrams.ngram_hashes_batch`` compiled: (offsets, uint32 hashes) of every word's n-grams.

    ``data`` holds the UTF-8 bytes of every ``<word>``, word i in ``data[word_starts[i]:word_starts[i + 1]]``.
    Each n-gram's FNV-1a hash is extended one code point at a time (an n-gram is a prefix of the
    next longer one from the same start), in fastText's order: by start, then by length.
    """
    n_words = word_starts.shape[0] - 1
    chars = np.empty(data.shape[0] + 1, dtype=np.int64)  # code-point starts of the current word, then its end
    counts = np.zeros(n_words, dtype=np.int64)
    for w in range(n_words):
        n_chars = 0
        for b in range(word_starts[w], word_starts[w + 1]):
            if (data[b] & 0xC0) != 0x80:
                n_chars += 1
        for i in range(n_chars):
            for n in range(max(minn, 1), min(maxn, n_chars - i) + 1):
                if not (n == 1 and (i == 0 or i == n_chars - 1)):
                    counts[w] += 1
    offsets = np.zeros(n_words + 1, dtype=np.int64)
    for w in range(n_words):
        offsets[w + 1] = offsets[w] + counts[w]
    hashes = np.empty(offsets[n_words], dtype=np.uint32)
    for w in range(n_words):
        n_chars = 0
        for b in range(word_starts[w], word_starts[w + 1]):
            if (data[b] & 0xC0) != 0x80:
                chars[n_chars] = b
                n_chars += 1
        chars[n_chars] = word_starts[w + 1]
        out = offsets[w]
        for i in range(n_chars):
            h = FNV_OFFSET
            for n in range(1, min(maxn, n_chars - i) + 1):
                for b in range(chars[i + n - 1], chars[i + n]):
                    byte = np.uint64(data[b])
                    if byte >= 0x80:  # fastText hashes int8_t bytes: sign-extended
                        byte |= SIGN_EXTEND
                    h = ((h ^ byte) * FNV_PRIME) & MASK32
                if n >= minn and not (n == 1 and (i == 0 or i == n_chars - 1)):
                    hashes[out] = np.uint32(h)
                    out += 1
    return offsets, hashes


protect(globals())  # a damaged cache file is a miss, not an error (w2v.jit_cache)
