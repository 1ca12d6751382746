"""The SGD kernels: Numba code over plain arrays and scalars, nothing else.

Hogwild: every training thread reads and writes the shared float32 weight
matrices (``syn0`` input vectors, ``syn1neg`` negative-sampling output vectors,
``syn1`` hierarchical-softmax inner nodes) without locks, as word2vec.c does.
Collisions are rare because updates are sparse, and SGD tolerates them.

The formulas are word2vec.c's: subsampling, the random window shrink, the
sigmoid table over [-MAX_EXP, MAX_EXP] with clipped gradients for negative
sampling and skipped nodes for hierarchical softmax, CBOW averaging its
context, and linear learning-rate decay driven by global progress.
Random numbers come from word2vec.c's 64-bit LCG, one state per thread;
the high bits are used because an LCG's low bits repeat with short periods.

Tied weights (``tied``): ``syn1neg`` is ``syn0`` itself, one matrix in both roles. An
output update can then land on a row that is also the prediction's input (in skip-gram
the centre or a noise word can be the context word itself), so the input rows are
copied before the output updates and the prediction's input side reads the copy, as
it reads an untouched row with two matrices. Both halves of the gradient land on the
shared row: a word predicting itself moves by twice the one-sided step.
"""

import numpy as np
from numba import njit

from w2v.jit_cache import protect
from w2v.training.params import EXP_TABLE_SIZE, MAX_EXP, MAX_SENTENCE_LENGTH

# Fast-math without 'nnan'/'ninf': reassociation lets LLVM vectorise the dot
# products, while NaN and Inf keep their meaning (divergence stays detectable).
FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}

# Typed constants keep float32 arithmetic float32 and uint64 arithmetic uint64
# (in Numba, float32 op int literal and uint64 op int64 both become float64).
F0 = np.float32(0.0)
F1 = np.float32(1.0)
F_MAX_EXP = np.float32(MAX_EXP)
F_TABLE_SCALE = np.float32(EXP_TABLE_SIZE / MAX_EXP / 2.0)
LCG_MUL = np.uint64(25214903917)
LCG_ADD = np.uint64(11)
U16 = np.uint64(16)
U32 = np.uint64(32)
MASK16 = np.uint64(0xFFFF)
# Row 0 of a (1, dim) scratch matrix, typed like a sentence's word ids: a literal 0 would make
# the callee compile a second specialisation for it.
ROW0 = np.int32(0)


def sigmoid_tables():
    """word2vec.c's sigmoid table, and a loss table of [log sigmoid(x), log(1 - sigmoid(x))] rows.

    One entry more than EXP_TABLE_SIZE: a score just below MAX_EXP can round up to index
    EXP_TABLE_SIZE in float32 (word2vec.c allocates the same spare entry). Both loss terms sit
    in one row, so the loss costs one more read of a cache line the sigmoid already touched.
    """
    x = (np.arange(EXP_TABLE_SIZE + 1, dtype=np.float64) / EXP_TABLE_SIZE * 2.0 - 1.0) * MAX_EXP
    sigmoid = 1.0 / (1.0 + np.exp(-x))
    loss = np.stack([-np.logaddexp(0.0, -x), -np.logaddexp(0.0, x)], axis=1)
    return sigmoid.astype(np.float32), np.ascontiguousarray(loss, dtype=np.float32)


@njit(nogil=True, cache=True, fastmath=FASTMATH, inline="always")
def lcg_next(state):
    return state * LCG_MUL + LCG_ADD


@njit(nogil=True, cache=True, fastmath=FASTMATH, inline="always")
def uniform_below(state, n):
    """An integer in [0, n) from the high 32 bits of the LCG state (multiply-shift, no division)."""
    return np.int64(((state >> U32) * np.uint64(n)) >> U32)


@njit(nogil=True, cache=True, fastmath=FASTMATH, inline="always")
def draw_noise_word(state, noise_threshold, noise_alias):
    """One draw from the unigram^0.75 distribution through the alias table."""
    bucket = uniform_below(state, noise_alias.shape[0])
    if ((state >> U16) & MASK16) < noise_threshold[bucket]:
        return bucket
    return np.int64(noise_alias[bucket])


@njit(nogil=True, cache=True, fastmath=FASTMATH, inline="always")
def draw_targets(word, negative, state, noise_threshold, noise_alias, targets, first=0):
    """targets[first] = word, then up to ``negative`` noise words (a draw of the word itself is dropped).

    Returns (rng state, number of targets).
    """
    targets[first] = word
    n_targets = 1
    for _ in range(negative):
        state = lcg_next(state)
        target = draw_noise_word(state, noise_threshold, noise_alias)
        if target != word:
            targets[first + n_targets] = target
            n_targets += 1
    return state, n_targets


@njit(nogil=True, cache=True, fastmath=FASTMATH, inline="always")
def predict(f, positive, sigmoid_table, loss_table):
    """For score f and a positive or negative label: (label - sigmoid(f), -log P(label | f)).

    Beyond +-MAX_EXP the sigmoid is clipped to 0 or 1 (word2vec.c's gradient) and the loss is
    its asymptote. A NaN score falls to the last branch and makes the loss NaN, so divergence
    is detected instead of silently indexing outside the tables.
    """
    if f >= F_MAX_EXP:
        if positive:
            return F0, F0
        return -F1, f
    if f > -F_MAX_EXP:
        i = np.int64((f + F_MAX_EXP) * F_TABLE_SCALE)
        if positive:
            return F1 - sigmoid_table[i], -loss_table[i, 0]
        return -sigmoid_table[i], -loss_table[i, 1]
    if positive:
        return F1, -f
    return F0, f - f


# Inlining: the one-line helpers above and below are inlined into their callers (their call
# overhead would cost in the innermost loops); the per-prediction updates and the per-sentence
# loops are compiled once each and called. Numba's IR-level inlining re-types the inlined body
# at every call site, and inlining everything made a cold compile 22-26 s instead of 6-9 s, while
# the kernel's speed is the same either way (benchmarks/PROFILE.md, "Compile time").

# Rows are addressed as (matrix, row index), never as row views: a view of a shared matrix
# increments its reference count atomically, and two threads doing that on every row access
# fight over one cache line.

@njit(nogil=True, cache=True, fastmath=FASTMATH, inline="always")
def dot(a, i, b, j, n):
    """a[i] . b[j]"""
    total = F0
    for k in range(n):
        total += a[i, k] * b[j, k]
    return total


@njit(nogil=True, cache=True, fastmath=FASTMATH, inline="always")
def axpy(alpha, x, i, y, j, n):
    """y[j] += alpha * x[i]"""
    for k in range(n):
        y[j, k] += alpha * x[i, k]


@njit(nogil=True, cache=True, fastmath=FASTMATH, inline="always")
def copy_row(x, i, y, j, n):
    """y[j] = x[i]"""
    for k in range(n):
        y[j, k] = x[i, k]


@njit(nogil=True, cache=True, fastmath=FASTMATH)
def negative_sampling_update(hidden, h, word, syn1neg, neu1e, negative, alpha, state,
                             noise_threshold, noise_alias, sigmoid_table, loss_table):
    """One positive and ``negative`` noise targets for the hidden vector hidden[h] (word2vec.c's update).

    Accumulates the input-side error into neu1e[0] and updates the output rows in place.
    Returns (rng state, loss).
    """
    dim = hidden.shape[1]
    loss = F0  # float32 per window; the sentence sums in float64
    for d in range(negative + 1):
        if d == 0:
            target = np.int64(word)
        else:
            state = lcg_next(state)
            target = draw_noise_word(state, noise_threshold, noise_alias)
            if target == word:
                continue
        f = dot(hidden, h, syn1neg, target, dim)
        g, term = predict(f, d == 0, sigmoid_table, loss_table)
        g *= alpha
        loss += term
        axpy(g, syn1neg, target, neu1e, 0, dim)
        axpy(g, hidden, h, syn1neg, target, dim)
    return state, loss


@njit(nogil=True, cache=True, fastmath=FASTMATH)
def batched_negative_sampling(hidden, h, word, syn1neg, neu1e, negative, alpha, state,
                              noise_threshold, noise_alias, sigmoid_table, loss_table, targets, gradients):
    """negative_sampling_update in three passes: draw every target, score them all, then update.

    The scores no longer wait on the previous target's row update, so the row loads of all the
    targets overlap (CBOW trains about 1.4x faster). It differs from word2vec.c's order only when
    a noise word is drawn twice for one prediction: both draws are scored against the row as it
    was, and both updates land.
    """
    dim = hidden.shape[1]
    loss = F0  # float32 per window; the sentence sums in float64
    state, n_targets = draw_targets(word, negative, state, noise_threshold, noise_alias, targets)
    for o in range(n_targets):
        f = dot(hidden, h, syn1neg, targets[o], dim)
        g, term = predict(f, o == 0, sigmoid_table, loss_table)
        gradients[0, o] = g * alpha
        loss += term
    # neu1e from the output rows before any of them changes
    for o in range(n_targets):
        axpy(gradients[0, o], syn1neg, targets[o], neu1e, 0, dim)
    for o in range(n_targets):
        axpy(gradients[0, o], hidden, h, syn1neg, targets[o], dim)
    return state, loss


@njit(nogil=True, cache=True, fastmath=FASTMATH)
def hierarchical_softmax_update(hidden, h, word, syn1, neu1e, alpha, codes, points, code_offsets,
                                sigmoid_table, loss_table):
    """Walk ``word``'s Huffman path; nodes scored beyond +-MAX_EXP are skipped, as in word2vec.c."""
    dim = hidden.shape[1]
    loss = F0  # float32 per window; the sentence sums in float64
    for k in range(code_offsets[word], code_offsets[word + 1]):
        node = points[k]
        f = dot(hidden, h, syn1, node, dim)
        g, term = predict(f, codes[k] == 0, sigmoid_table, loss_table)
        loss += term
        if f <= -F_MAX_EXP or f >= F_MAX_EXP or f != f:
            continue
        g *= alpha
        axpy(g, syn1, node, neu1e, 0, dim)
        axpy(g, hidden, h, syn1, node, dim)
    return loss


@njit(nogil=True, cache=True, fastmath=FASTMATH)
def batched_skipgram_window(contexts, n_context, word, syn0, syn1neg, negative, alpha, state,
                            noise_threshold, noise_alias, sigmoid_table, loss_table,
                            targets, gradients, errors, inputs, tied=False):
    """Skip-gram with negative sampling for one centre word, the whole window as one block.

    All context words share one set of noise words (pWord2Vec's "HogBatch"): scores are a
    (contexts x targets) block computed from the weights as they were at the start of the
    window, and the input and output updates are two small matrix products. About 12 rows
    are touched per centre word instead of ~36 scattered row reads per-pair.
    With ``tied`` the context rows are first copied into ``inputs`` (the output updates may
    change them).
    """
    dim = syn0.shape[1]
    loss = F0  # float32 per window; the sentence sums in float64
    state, n_targets = draw_targets(word, negative, state, noise_threshold, noise_alias, targets)

    for r in range(n_context):
        for o in range(n_targets):
            f = dot(syn0, contexts[r], syn1neg, targets[o], dim)
            g, term = predict(f, o == 0, sigmoid_table, loss_table)
            gradients[r, o] = g * alpha
            loss += term

    # errors = gradients @ syn1neg[targets], from the output rows before they change
    for r in range(n_context):
        for k in range(dim):
            errors[r, k] = F0
        for o in range(n_targets):
            axpy(gradients[r, o], syn1neg, targets[o], errors, r, dim)
    source = syn0
    if tied:
        source = inputs
        for r in range(n_context):
            copy_row(syn0, contexts[r], inputs, r, dim)
    # syn1neg[targets] += gradients.T @ syn0[contexts]
    for o in range(n_targets):
        for r in range(n_context):
            axpy(gradients[r, o], source, r if tied else contexts[r], syn1neg, targets[o], dim)
    for r in range(n_context):
        axpy(F1, errors, r, syn0, contexts[r], dim)
    return state, loss


@njit(nogil=True, cache=True, fastmath=FASTMATH, inline="always")
def next_sentence(ids, position, end, keep_threshold, state, sentence):
    """Fill ``sentence`` from ids[position:end] up to a sentence end (-1), ``end`` or MAX_SENTENCE_LENGTH.

    Frequent words are dropped with word2vec.c's subsampling. Returns (next position, sentence
    length, words read, rng state).
    """
    length = 0
    words_read = 0
    while position < end:
        word = ids[position]
        position += 1
        if word < 0:
            break
        words_read += 1
        threshold = keep_threshold[word]
        if threshold < 65536:  # word2vec.c's subsampling of frequent words
            state = lcg_next(state)
            if ((state >> U16) & MASK16) >= threshold:
                continue
        sentence[length] = word
        length += 1
        if length == MAX_SENTENCE_LENGTH:
            break
    return position, length, words_read, state


@njit(nogil=True, cache=True, fastmath=FASTMATH, inline="always")
def decayed_alpha(starting_alpha, min_alpha, words_before, words_read, n_threads, total_words):
    """word2vec.c's linear decay, driven by every thread's progress (the others assumed at this pace)."""
    progress = (words_before + words_read * n_threads) / (total_words + 1.0)
    return np.float32(max(starting_alpha * (1.0 - progress), min_alpha))


@njit(nogil=True, cache=True, fastmath=FASTMATH)
def cbow_sentence(sentence, length, syn0, syn1neg, syn1, window, negative, use_hs, batched, alpha, state,
                  noise_threshold, noise_alias, codes, points, code_offsets, sigmoid_table, loss_table,
                  hidden, neu1e, targets, gradients):
    """CBOW on one (subsampled) sentence: the context's average predicts the centre word.

    Returns (rng state, loss sum, number of predictions). ``hidden`` and ``neu1e`` are (1, dim)
    scratch rows.
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
        for k in range(dim):
            hidden[0, k] = F0
            neu1e[0, k] = F0
        n_context = 0
        for j in range(start, stop):
            if j != position:
                axpy(F1, syn0, sentence[j], hidden, 0, dim)
                n_context += 1
        if n_context == 0:
            continue
        scale = F1 / np.float32(n_context)
        for k in range(dim):
            hidden[0, k] *= scale
        if use_hs:
            loss += hierarchical_softmax_update(hidden, ROW0, word, syn1, neu1e, alpha, codes, points,
                                                code_offsets, sigmoid_table, loss_table)
        if batched and negative > 0:
            # batched_negative_sampling's three passes, written out: a call per centre word costs
            # Numba's reference counts on its arrays, atomic writes to the shared matrices'
            # headers that every thread makes (benchmarks/RESULTS_subwords.md, third run).
            state, n_targets = draw_targets(word, negative, state, noise_threshold, noise_alias, targets)
            step_loss = F0
            for o in range(n_targets):
                f = dot(hidden, 0, syn1neg, targets[o], dim)
                g, term = predict(f, o == 0, sigmoid_table, loss_table)
                gradients[0, o] = g * alpha
                step_loss += term
            loss += step_loss
            for o in range(n_targets):
                axpy(gradients[0, o], syn1neg, targets[o], neu1e, 0, dim)
            for o in range(n_targets):
                axpy(gradients[0, o], hidden, 0, syn1neg, targets[o], dim)
        elif negative > 0:
            state, step_loss = negative_sampling_update(hidden, ROW0, word, syn1neg, neu1e, negative, alpha,
                                                        state, noise_threshold, noise_alias,
                                                        sigmoid_table, loss_table)
            loss += step_loss
        for j in range(start, stop):
            if j != position:
                axpy(F1, neu1e, 0, syn0, sentence[j], dim)
        predictions += 1
    return state, loss, predictions


@njit(nogil=True, cache=True, fastmath=FASTMATH)
def skipgram_sentence(sentence, length, syn0, syn1neg, syn1, window, negative, use_hs, batched, alpha, state,
                      noise_threshold, noise_alias, codes, points, code_offsets, sigmoid_table, loss_table,
                      hidden, neu1e, contexts, targets, gradients, errors, inputs, tied):
    """Skip-gram on one (subsampled) sentence: each context word's input vector predicts the centre.

    Returns (rng state, loss sum, number of predictions). ``hidden`` and ``neu1e`` are (1, dim)
    scratch rows; ``inputs`` is (2 * window, dim) scratch for ``tied`` (``syn1neg`` is then ``syn0``).
    """
    dim = syn0.shape[1]
    loss = np.float64(0.0)
    predictions = 0
    batched_ns = batched and negative > 0
    for position in range(length):
        word = sentence[position]
        state = lcg_next(state)
        reach = window - uniform_below(state, window)  # word2vec.c's random window shrink
        start = max(position - reach, 0)
        stop = min(position + reach + 1, length)
        if batched_ns:
            n_context = np.int64(0)
            for j in range(start, stop):
                if j != position:
                    contexts[n_context] = sentence[j]
                    n_context += 1
            if n_context == 0:
                continue
            state, step_loss = batched_skipgram_window(contexts, n_context, word, syn0, syn1neg, negative,
                                                       alpha, state, noise_threshold, noise_alias,
                                                       sigmoid_table, loss_table,
                                                       targets, gradients, errors, inputs, tied)
            loss += step_loss
            predictions += n_context
            if not use_hs:
                continue
        for j in range(start, stop):
            if j == position:
                continue
            context = sentence[j]
            for k in range(dim):
                neu1e[0, k] = F0
            if use_hs:
                loss += hierarchical_softmax_update(syn0, context, word, syn1, neu1e, alpha, codes, points,
                                                    code_offsets, sigmoid_table, loss_table)
            if negative > 0 and not batched_ns and tied:
                # The output updates may change the context row: predict from a copy.
                copy_row(syn0, context, hidden, 0, dim)
                state, step_loss = negative_sampling_update(hidden, ROW0, word, syn1neg, neu1e, negative, alpha,
                                                            state, noise_threshold, noise_alias,
                                                            sigmoid_table, loss_table)
                loss += step_loss
            elif negative > 0 and not batched_ns:
                state, step_loss = negative_sampling_update(syn0, context, word, syn1neg, neu1e, negative, alpha,
                                                            state, noise_threshold, noise_alias,
                                                            sigmoid_table, loss_table)
                loss += step_loss
            axpy(F1, neu1e, 0, syn0, context, dim)
            if not batched_ns:
                predictions += 1
    return state, loss, predictions


# One compiled kernel per architecture, so that a run compiles (or loads) only its own: the
# branches of the other architecture are not in it. The span loop is the same in both.

@njit(nogil=True, cache=True, fastmath=FASTMATH)
def train_span_cbow(ids, begin, end, syn0, syn1neg, syn1, keep_threshold, noise_threshold, noise_alias,
                    codes, points, code_offsets, sigmoid_table, loss_table, window, negative, use_hs, batched,
                    starting_alpha, min_alpha, words_before, total_words, n_threads, rng_state, stats):
    """``train_span`` for CBOW."""
    dim = syn0.shape[1]
    sentence = np.empty(MAX_SENTENCE_LENGTH, dtype=np.int32)
    hidden = np.empty((1, dim), dtype=np.float32)
    neu1e = np.empty((1, dim), dtype=np.float32)
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
            state, sentence_loss, sentence_predictions = cbow_sentence(
                sentence, length, syn0, syn1neg, syn1, window, negative, use_hs, batched, alpha, state,
                noise_threshold, noise_alias, codes, points, code_offsets, sigmoid_table, loss_table,
                hidden, neu1e, targets, gradients)
            loss += sentence_loss
            predictions += sentence_predictions
    rng_state[0] = state
    stats[0] += loss
    stats[1] += predictions
    stats[2] += words_read


@njit(nogil=True, cache=True, fastmath=FASTMATH)
def train_span_skipgram(ids, begin, end, syn0, syn1neg, syn1, keep_threshold, noise_threshold, noise_alias,
                        codes, points, code_offsets, sigmoid_table, loss_table, window, negative, use_hs, batched,
                        starting_alpha, min_alpha, words_before, total_words, n_threads, rng_state, stats, tied):
    """``train_span`` for skip-gram."""
    dim = syn0.shape[1]
    sentence = np.empty(MAX_SENTENCE_LENGTH, dtype=np.int32)
    hidden = np.empty((1, dim), dtype=np.float32)
    neu1e = np.empty((1, dim), dtype=np.float32)
    contexts = np.empty(2 * window, dtype=np.int64)
    targets = np.empty(negative + 1, dtype=np.int64)
    gradients = np.empty((2 * window, negative + 1), dtype=np.float32)
    errors = np.empty((2 * window, dim), dtype=np.float32)
    inputs = np.empty((2 * window if tied else 1, dim), dtype=np.float32)
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
                sentence, length, syn0, syn1neg, syn1, window, negative, use_hs, batched, alpha, state,
                noise_threshold, noise_alias, codes, points, code_offsets, sigmoid_table, loss_table,
                hidden, neu1e, contexts, targets, gradients, errors, inputs, tied)
            loss += sentence_loss
            predictions += sentence_predictions
    rng_state[0] = state
    stats[0] += loss
    stats[1] += predictions
    stats[2] += words_read


def train_span(ids, begin, end, syn0, syn1neg, syn1, keep_threshold, noise_threshold, noise_alias,
               codes, points, code_offsets, sigmoid_table, loss_table,
               window, negative, use_hs, use_cbow, batched,
               starting_alpha, min_alpha, words_before, total_words, n_threads, rng_state, stats, tied=False):
    """Train on ids[begin:end] (vocabulary ids; -1 ends a sentence), as one thread does.

    The learning rate decays linearly with global progress: ``words_before`` words were done by
    all threads before this call, and the other threads are assumed to move at this one's pace.
    ``rng_state[0]`` carries the thread's LCG between calls. Adds to ``stats``:
    [loss sum, predictions, words read]. With ``tied``, ``syn1neg`` must be ``syn0`` itself
    (CBOW needs no copy for it: its input is the averaged ``hidden`` row). The call releases the
    GIL: it runs the architecture's compiled kernel.
    """
    if use_cbow:
        train_span_cbow(ids, begin, end, syn0, syn1neg, syn1, keep_threshold, noise_threshold, noise_alias,
                        codes, points, code_offsets, sigmoid_table, loss_table, int(window), int(negative),
                        bool(use_hs), bool(batched), float(starting_alpha), float(min_alpha), int(words_before),
                        int(total_words), int(n_threads), rng_state, stats)
    else:
        train_span_skipgram(ids, begin, end, syn0, syn1neg, syn1, keep_threshold, noise_threshold, noise_alias,
                            codes, points, code_offsets, sigmoid_table, loss_table, int(window), int(negative),
                            bool(use_hs), bool(batched), float(starting_alpha), float(min_alpha),
                            int(words_before), int(total_words), int(n_threads), rng_state, stats, bool(tied))


protect(globals())  # a damaged cache file is a miss, not an error (w2v.jit_cache)
