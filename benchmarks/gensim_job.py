"""gensim's side of the benchmark, run in a child process by benchmarks/run.py.

    python gensim_job.py train CORPUS VECTORS --mode file|iterable --sg 1 ...   (JSON on stdout)
    python gensim_job.py convert VECTORS.bin OUT.kv        (word2vec binary -> KeyedVectors.save)
    python gensim_job.py query VECTORS WORD --format kv|binary|text

Runs under any Python with gensim (see run.py --gensim-python); imports nothing from w2v.
"""

import argparse
import json
import sys
import time


def train(args):
    from gensim import __version__
    from gensim.models import Word2Vec
    from gensim.models.word2vec import LineSentence, Text8Corpus

    model = Word2Vec(
        vector_size=args.dim, window=args.window, negative=args.negative, hs=0, sample=args.sample,
        min_count=args.min_count, workers=args.threads, sg=args.sg, alpha=args.alpha,
        epochs=args.epochs, seed=args.seed,
    )
    start = time.perf_counter()
    if args.mode == "file":
        # corpus_file mode reads at most 10,000 words of a line: run.py hands it a file split into lines
        model.build_vocab(corpus_file=args.corpus)
        vocab_s = time.perf_counter() - start
        start = time.perf_counter()
        trained, raw = model.train(corpus_file=args.corpus, total_words=model.corpus_total_words,
                                   epochs=args.epochs)
    else:
        # iterable mode: gensim's own reader for text8-style files (10,000-word sentences),
        # LineSentence for ordinary one-sentence-per-line files
        sentences = Text8Corpus(args.corpus) if args.text8 else LineSentence(args.corpus)
        model.build_vocab(sentences)
        vocab_s = time.perf_counter() - start
        start = time.perf_counter()
        trained, raw = model.train(sentences, total_examples=model.corpus_count, epochs=args.epochs)
    train_s = time.perf_counter() - start
    model.wv.save_word2vec_format(args.vectors, binary=False)
    print(json.dumps({
        "gensim": __version__, "vocab_seconds": vocab_s, "train_seconds": train_s,
        "vocab_size": len(model.wv), "raw_words": raw, "effective_words": trained,
        "corpus_total_words": model.corpus_total_words,
    }))


def convert(args):
    from gensim.models import KeyedVectors

    KeyedVectors.load_word2vec_format(args.source, binary=True).save(args.out)


def query(args):
    from gensim.models import KeyedVectors

    if args.format == "kv":
        kv = KeyedVectors.load(args.vectors, mmap="r")
    else:
        kv = KeyedVectors.load_word2vec_format(args.vectors, binary=args.format == "binary")
    for word, score in kv.most_similar(args.word, topn=args.topn):
        print(f"{word}\t{score:.4f}")


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train")
    t.add_argument("corpus")
    t.add_argument("vectors")
    t.add_argument("--mode", choices=["file", "iterable"], required=True)
    t.add_argument("--text8", action="store_true", help="iterable mode: read with Text8Corpus")
    t.add_argument("--sg", type=int, required=True)
    for name, kind in [("dim", int), ("window", int), ("negative", int), ("sample", float),
                       ("min-count", int), ("epochs", int), ("threads", int), ("alpha", float),
                       ("seed", int)]:
        t.add_argument(f"--{name}", type=kind, required=name != "seed", default=1)
    c = sub.add_parser("convert")
    c.add_argument("source")
    c.add_argument("out")
    q = sub.add_parser("query")
    q.add_argument("vectors")
    q.add_argument("word")
    q.add_argument("--format", choices=["kv", "binary", "text"], required=True)
    q.add_argument("--topn", type=int, default=10)
    args = parser.parse_args()
    {"train": train, "convert": convert, "query": query}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
