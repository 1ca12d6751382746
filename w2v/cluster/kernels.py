"""The cluster's kernels: word2vec.c's negative-sampling updates with a learning rate for each row.

A worker steps each row at ``row_scale[row]`` times the learning rate
(``w2v.cluster.schedule.SyncSchedule.row_scales``): up to N times for a rare word, whose
row one worker moves and the average then divides by N, down to 1 for a word so frequent
that every worker's replica takes it most of the way to where its contexts pull it within
one round. With every scale N they train exactly as ``w2v.training.kernels`` does at N x
alpha (the tests compare them bit for bit).

The updates are the batched ones of the single-machine kernels (one shared set of noise
words for a CBOW prediction or a skip-gram window), with the scale applied where a row
is written: the error each input row takes, and each output row's step. Hierarchical
softmax and ``--kernel classic`` keep the single-machine kernels and one scale for all rows.
"""

import numpy as np
from numba import njit

from w2v.jit_cache import protect
from w2v.training.kernels import (F0, F1, FASTMATH, axpy, decayed_alpha, dot, draw_targets, lcg_next,
                                  next_sentence, predict, uniform_below)
from w2v.training.params import MAX_SENTENCE_LENGTH


@njit(nogil=True, cache=True, fastmath=FASTMATH)
def cbow_sentence_scaled(sentence, length, syn0, syn1neg, window, negative, alpha, state, noise_threshold,
                         noise_alias, sigmoid_table, loss_table, hidden, neu1e, targets, gradients, row_scale):
    """``w2v.training.kernels.cbow_sentence`` (batched negative sampling), each row at its own rate."""
    dim = syn0.shape[1]
    loss = np.float64(0.0)
    predictions = 0
    for position in range(length):
        word = sentence[position]
        state = lcg_next(state)
        reach = window - uniform_below(state, window)
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
        inverse = F1 / np.float32(n_context)
        for k in range(dim):
            hidden[0, k] *= inverse
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
            axpy(gradients[0, o] * row_scale[targets[o]], hidden, 0, syn1neg, targets[o], dim)
        for j in range(start, stop):
            if j != position:
                axpy(row_scale[sentence[j]], neu1e, 0, syn0, sentence[j], dim)
        predictions += 1
    return state, loss, predictions


@njit(nogil=True, cache=True, fastmath=FASTMATH)
def skipgram_sentence_scaled(sentence, length, syn0, syn1neg, window, negative, alpha, state, noise_threshold,
                             noise_alias, sigmoid_table, loss_table, contexts, targets, gradients, errors,
                             row_scale):
    """``w2v.training.kernels.batched_skipgram_window`` over a sentence, each row at its own rate."""
    dim = syn0.shape[1]
    loss = np.float64(0.0)
    predictions = 0
    for position in range(length):
        word = sentence[position]
        state = lcg_next(state)
        reach = window - uniform_below(state, window)
        start = max(position - reach, 0)
        stop = min(position + reach + 1, length)
        n_context = 0
        for j in range(start, stop):
            if j != position:
                contexts[n_context] = sentence[j]
                n_context += 1
        if n_context == 0:
            continue
        state, n_targets = draw_targets(word, negative, state, noise_threshold, noise_alias, targets)
        step_loss = F0
        for r in range(n_context):
            for o in range(n_targets):
                f = dot(syn0, contexts[r], syn1neg, targets[o], dim)
                g, term = predict(f, o == 0, sigmoid_table, loss_table)
                gradients[r, o] = g * alpha
                step_loss += term
        loss += step_loss
        # errors = gradients @ syn1neg[targets], from the output rows before they change
        for r in range(n_context):
            for k in range(dim):
                errors[r, k] = F0
            for o in range(n_targets):
                axpy(gradients[r, o], syn1neg, targets[o], errors, r, dim)
        for o in range(n_targets):
            scale = row_scale[targets[o]]
            for r in range(n_context):
                axpy(gradients[r, o] * scale, syn0, contexts[r], syn1neg, targets[o], dim)
        for r in range(n_context):
            axpy(row_scale[contexts[r]], errors, r, syn0, contexts[r], dim)
        predictions += n_context
    return state, loss, predictions


@njit(nogil=True, cache=True, fastmath=FASTMATH)
def train_span_scaled_cbow(ids, begin, end, syn0, syn1neg, keep_threshold, noise_threshold, noise_alias,
                           sigmoid_table, loss_table, window, negative, starting_alpha, min_alpha, words_before,
                           total_words, n_threads, rng_state, stats, row_scale):
    """``train_span_scaled`` for CBOW."""
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
            state, sentence_loss, sentence_predictions = cbow_sentence_scaled(
                sentence, length, syn0, syn1neg, window, negative, alpha, state, noise_threshold, noise_alias,
                sigmoid_table, loss_table, hidden, neu1e, targets, gradients, row_scale)
            loss += sentence_loss
            predictions += sentence_predictions
    rng_state[0] = state
    stats[0] += loss
    stats[1] += predictions
    stats[2] += words_read


@njit(nogil=True, cache=True, fastmath=FASTMATH)
def train_span_scaled_skipgram(ids, begin, end, syn0, syn1neg, keep_threshold, noise_threshold, noise_alias,
                               sigmoid_table, loss_table, window, negative, starting_alpha, min_alpha,
                               words_before, total_words, n_threads, rng_state, stats, row_scale):
    """``train_span_scaled`` for skip-gram."""
    dim = syn0.shape[1]
    sentence = np.empty(MAX_SENTENCE_LENGTH, dtype=np.int32)
    contexts = np.empty(2 * window, dtype=np.int64)
    targets = np.empty(negative + 1, dtype=np.int64)
    gradients = np.empty((2 * window, negative + 1), dtype=np.float32)
    errors = np.empty((2 * window, dim), dtype=np.float32)
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
            state, sentence_loss, sentence_predictions = skipgram_sentence_scaled(
                sentence, length, syn0, syn1neg, window, negative, alpha, state, noise_threshold, noise_alias,
                sigmoid_table, loss_table, contexts, targets, gradients, errors, row_scale)
            loss += sentence_loss
            predictions += sentence_predictions
    rng_state[0] = state
    stats[0] += loss
    stats[1] += predictions
    stats[2] += words_read


def train_span_scaled(ids, begin, end, syn0, syn1neg, keep_threshold, noise_threshold, noise_alias,
                      sigmoid_table, loss_table, window, negative, use_cbow, starting_alpha, min_alpha,
                      words_before, total_words, n_threads, rng_state, stats, row_scale):
    """``w2v.training.kernels.train_span`` with negative sampling only, each row of ``syn0`` and
    ``syn1neg`` stepping at ``row_scale[row]`` (float32, one a word) times the decayed rate."""
    kernel = train_span_scaled_cbow if use_cbow else train_span_scaled_skipgram
    kernel(ids, begin, end, syn0, syn1neg, keep_threshold, noise_threshold, noise_alias, sigmoid_table,
           loss_table, int(window), int(negative), float(starting_alpha), float(min_alpha), int(words_before),
           int(total_words), int(n_threads), rng_state, stats, row_scale)


protect(globals())  # a damaged cache file is a miss, not an error (w2v.jit_cache)
