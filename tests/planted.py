"""Small generated corpora with planted structure: fast, deterministic, and learnable.

Each target word t<a>_<g> stands for a topic a and a gender g. A sentence holds one target
among context words of its topic and of its gender, so a model that learns anything learns
t<a>_<g> ~ topic(a) + gender(g), and the planted analogies
    t<a1>_m - t<a1>_f + t<a2>_f = t<a2>_m
hold. A model that learned nothing solves about none of them.
"""

import numpy as np

GENDERS = ("m", "f")


def target(topic: int, gender: str) -> str:
    return f"t{topic}_{gender}"


def planted_corpus(path, topics=8, sentences=30_000, context_words=10, seed=0) -> None:
    rng = np.random.default_rng(seed)
    lines = []
    for _ in range(sentences):
        topic = int(rng.integers(topics))
        gender = GENDERS[int(rng.integers(2))]
        words = [target(topic, gender)]
        words += [f"c{topic}_{i}" for i in rng.integers(context_words, size=3)]
        words += [f"g{gender}_{i}" for i in rng.integers(context_words, size=3)]
        rng.shuffle(words)
        lines.append(" ".join(words))
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


def planted_analogies(topics=8):
    """(a, b, c, expected) with a - b + c = expected."""
    for t1 in range(topics):
        for t2 in range(topics):
            if t1 != t2:
                yield target(t1, "m"), target(t1, "f"), target(t2, "f"), target(t2, "m")
                yield target(t1, "f"), target(t1, "m"), target(t2, "m"), target(t2, "f")
