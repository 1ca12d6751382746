"""Naive reference implementations of the training steps, in plain Python and NumPy (float64).

They follow word2vec.c line by line, with the same random-number stream as the kernels,
so a kernel run at one thread must match them to float32 precision.

Tied weights are the same functions given one matrix as both syn0 and syn1neg: every input
row is read as a copy before the prediction's updates, so an output update that lands on the
input row (a word predicting itself, a noise word that is the context) leaves the prediction's
input as it was.
"""

import numpy as np

from w2v.training.params import EXP_TABLE_SIZE, MAX_EXP

MASK64 = (1 << 64) - 1


def lcg(state: int) -> int:
    return (state * 25214903917 + 11) & MASK64


def uniform_below(state: int, n: int) -> int:
    return ((state >> 32) * n) >> 32


def draw_noise(state: int, threshold, alias) -> int:
    bucket = uniform_below(state, len(alias))
    return bucket if ((state >> 16) & 0xFFFF) < threshold[bucket] else int(alias[bucket])


def table_sigmoid(f: float) -> float:
    """word2vec.c's clipped, tabulated sigmoid."""
    if f >= MAX_EXP:
        return 1.0
    if f <= -MAX_EXP:
        return 0.0
    index = int((f + MAX_EXP) * (EXP_TABLE_SIZE / MAX_EXP / 2))
    x = (index / EXP_TABLE_SIZE * 2 - 1) * MAX_EXP
    return 1.0 / (1.0 + np.exp(-x))


def negative_sampling(hidden, word, syn1neg, negative, alpha, state, threshold, alias, batched=False):
    """word2vec.c: one positive and `negative` noise targets, output rows updated one by one.
    Batched: every target scored against the rows as they were, then all updates at once.
    Returns (input error, new state)."""
    if batched:
        errors, state = batched_negative_sampling(hidden[None, :], word, syn1neg, negative, alpha, state,
                                                  threshold, alias)
        return errors[0], state
    neu1e = np.zeros_like(hidden)
    for d in range(negative + 1):
        if d == 0:
            target, label = word, 1.0
        else:
            state = lcg(state)
            target = draw_noise(state, threshold, alias)
            if target == word:
                continue
            label = 0.0
        f = hidden @ syn1neg[target]
        g = (label - table_sigmoid(f)) * alpha
        neu1e += g * syn1neg[target]
        syn1neg[target] += g * hidden
    return neu1e, state


def batched_negative_sampling(inputs, word, syn1neg, negative, alpha, state, threshold, alias):
    """The input rows against one shared set of targets, every score from the rows as they were.
    Returns (input errors, one row per input, new state)."""
    targets = [word]
    for _ in range(negative):
        state = lcg(state)
        target = draw_noise(state, threshold, alias)
        if target != word:
            targets.append(target)
    outputs = syn1neg[targets].copy()
    labels = np.zeros(len(targets))
    labels[0] = 1.0
    gradients = (labels[None, :] - np.vectorize(table_sigmoid)(inputs @ outputs.T)) * alpha
    np.add.at(syn1neg, targets, gradients.T @ inputs)
    return gradients @ outputs, state


def hierarchical_softmax(hidden, word, syn1, alpha, codes, points, offsets):
    neu1e = np.zeros_like(hidden)
    for k in range(offsets[word], offsets[word + 1]):
        row = points[k]
        f = hidden @ syn1[row]
        if f <= -MAX_EXP or f >= MAX_EXP:
            continue
        g = (1.0 - codes[k] - table_sigmoid(f)) * alpha
        neu1e += g * syn1[row]
        syn1[row] += g * hidden
    return neu1e


def batched_skipgram(contexts, word, syn0, syn1neg, negative, alpha, state, threshold, alias):
    """HogBatch: the window's context rows against one shared set of targets, as matrix products."""
    errors, state = batched_negative_sampling(syn0[contexts].copy(), word, syn1neg, negative, alpha, state,
                                              threshold, alias)
    np.add.at(syn0, contexts, errors)
    return state


def train_sentence(sentence, syn0, syn1neg, syn1, window, negative, hs, cbow, batched, alpha, state,
                   threshold, alias, codes=None, points=None, offsets=None):
    """One sentence, word2vec.c's loops (skip-gram or CBOW), with the kernels' random stream."""
    n = len(sentence)
    for position, word in enumerate(sentence):
        state = lcg(state)
        reach = window - uniform_below(state, window)
        span = [j for j in range(max(position - reach, 0), min(position + reach + 1, n)) if j != position]
        if cbow:
            if not span:
                continue
            hidden = syn0[[sentence[j] for j in span]].mean(axis=0)
            neu1e = np.zeros_like(hidden)
            if hs:
                neu1e += hierarchical_softmax(hidden, word, syn1, alpha, codes, points, offsets)
            if negative:
                error, state = negative_sampling(hidden, word, syn1neg, negative, alpha, state, threshold, alias,
                                                 batched)
                neu1e += error
            for j in span:
                syn0[sentence[j]] += neu1e
            continue
        if batched and negative and span:
            state = batched_skipgram([sentence[j] for j in span], word, syn0, syn1neg, negative, alpha, state,
                                     threshold, alias)
        for j in span:
            row = syn0[sentence[j]].copy()
            neu1e = np.zeros_like(row)
            if hs:
                neu1e += hierarchical_softmax(row, word, syn1, alpha, codes, points, offsets)
            if negative and not batched:
                error, state = negative_sampling(row, word, syn1neg, negative, alpha, state, threshold, alias)
                neu1e += error
            syn0[sentence[j]] += neu1e
    return state
