"""Training from Python sentences: w2v.train(list of token lists) against a file and against gensim.

    python benchmarks/python_api.py --text8 text8 --modes cbow,sg --repeats 2 --threads 2 \\
        --out /tmp/pyapi-bench --report benchmarks/RESULTS_python.md

text8 is cut into sentences of 1000 words, written once as a file with one sentence per line
(``--out``/text8-1000.txt). Each run is a child process; tools alternate within a repeat (the
first one rotates):

- ``w2v list``: ``w2v.train(sentences)``, sentences a list of token lists read from that file;
- ``w2v file (Python)``: ``w2v.train("text8-1000.txt")``, the same call on the file;
- ``w2v train FILE``: the CLI, ``python -m w2v train text8-1000.txt -o model.w2v``;
- ``gensim list``: ``gensim.models.Word2Vec(sentences, ...)`` on the same list (iterable mode).

End-to-end seconds: for the Python calls, the call itself plus writing the model (``model.save``,
or gensim's ``wv.save_word2vec_format``, binary); building the list of sentences is not in it.
For the CLI, the whole process. words/s = corpus words x epochs / end-to-end seconds. Peak RSS is
the child's maximum (the list children hold the sentences, measured before training too).
Analogy accuracy: questions-words.txt among the 30,000 most frequent words, 3CosAdd, by
``w2v.vectors.evaluate`` for every tool.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TOOLS = ("w2v-list", "w2v-file-api", "w2v-cli", "gensim-list")
LABELS = {"w2v-list": "w2v.train(list of token lists)", "w2v-file-api": "w2v.train(file path)",
          "w2v-cli": "w2v train FILE (CLI)", "gensim-list": "gensim Word2Vec(list of token lists)"}
SETTINGS = dict(dim=100, window=5, negative=5, sample=1e-4, min_count=5)


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def read_sentences(path):
    with open(path, encoding="utf-8") as f:
        return [list(map(sys.intern, line.split())) for line in f]


def analogy(words, vectors, questions) -> float:
    from w2v.vectors.evaluate import evaluate_analogies

    return evaluate_analogies(words, vectors, questions, restrict_vocab=30000).accuracy


def child(args) -> dict:
    """One run, in this process; prints a JSON record."""
    sg = args.mode == "sg"
    alpha = 0.025 if sg else 0.05
    record = {"tool": args.tool, "mode": args.mode}
    out = os.path.join(args.out, f"{args.tool}-{args.mode}")
    if args.tool in ("w2v-list", "gensim-list"):
        sentences = read_sentences(args.corpus)
        record["rss_before_mib"] = rss_mib()
    if args.tool.startswith("w2v"):
        import w2v

        corpus = sentences if args.tool == "w2v-list" else args.corpus
        start = time.perf_counter()
        model = w2v.train(corpus, cbow=not sg, alpha=alpha, epochs=args.epochs, threads=args.threads, quiet=True,
                          **SETTINGS)
        record["train_call_s"] = time.perf_counter() - start
        model.save(out + ".w2v")
        record["seconds"] = time.perf_counter() - start
        record["inner_train_s"] = model.stats["train_seconds"]
        words, vectors = model.words, model.vectors
    else:
        from gensim.models import Word2Vec

        start = time.perf_counter()
        model = Word2Vec(sentences, vector_size=SETTINGS["dim"], window=SETTINGS["window"],
                         negative=SETTINGS["negative"], hs=0, sample=SETTINGS["sample"],
                         min_count=SETTINGS["min_count"], workers=args.threads, sg=int(sg), alpha=alpha,
                         epochs=args.epochs, seed=1)
        record["train_call_s"] = time.perf_counter() - start
        model.wv.save_word2vec_format(out + ".bin", binary=True)
        record["seconds"] = time.perf_counter() - start
        words, vectors = model.wv.index_to_key, model.wv.vectors
    record["peak_rss_mib"] = rss_mib()
    record["analogy"] = analogy(words, vectors, args.questions)
    return record


def run_cli(args, mode) -> dict:
    sg = mode == "sg"
    out = os.path.join(args.out, f"w2v-cli-{mode}.w2v")
    command = [sys.executable, "-m", "w2v", "train", args.corpus, "-o", out, "--skipgram" if sg else "--cbow",
               "--alpha", "0.025" if sg else "0.05", "--epochs", str(args.epochs), "--threads", str(args.threads),
               "--quiet", "--checkpoint-every", "0"]
    for name, value in SETTINGS.items():
        command += ["--" + name.replace("_", "-"), str(value)]
    start = time.perf_counter()
    process = subprocess.Popen(command, env=child_env(), stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"the CLI failed: {' '.join(command)}")
    sys.path.insert(0, ROOT)
    import w2v

    model = w2v.load(out)
    return {"tool": "w2v-cli", "mode": mode, "seconds": seconds, "peak_rss_mib": usage.ru_maxrss / 1024,
            "inner_train_s": None, "analogy": analogy(model.words, model.vectors, args.questions)}


def child_env():
    return dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))


def run_child(args, tool, mode) -> dict:
    if tool == "w2v-cli":
        return run_cli(args, mode)
    command = [sys.executable, os.path.abspath(__file__), "--child", tool, "--mode", mode, "--corpus", args.corpus,
               "--epochs", str(args.epochs), "--threads", str(args.threads), "--out", args.out,
               "--questions", args.questions]
    done = subprocess.run(command, env=child_env(), capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{tool} {mode} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def prepare(args) -> str:
    """The 1000-word-lines file, written by a child (the harness stays small: a child's peak RSS
    counts what its parent held when it forked), and the kernels compiled by one unmeasured run."""
    path = os.path.join(args.out, "text8-1000.txt")
    if not os.path.exists(path):
        script = ("import sys; words = open(sys.argv[1], encoding='utf-8').read().split()\n"
                  "with open(sys.argv[2], 'w', encoding='utf-8') as f:\n"
                  "    for i in range(0, len(words), 1000): f.write(' '.join(words[i:i + 1000]) + '\\n')\n")
        subprocess.run([sys.executable, "-c", script, args.text8, path + ".tmp"], check=True)
        os.replace(path + ".tmp", path)
    warm = ("import sys, w2v\nsentences = [line.split() for _, line in zip(range(200), open(sys.argv[1]))]\n"
            "for cbow in (True, False): w2v.train(sentences, cbow=cbow, quiet=True, threads=2, epochs=1)\n")
    subprocess.run([sys.executable, "-c", warm, path], check=True, env=child_env())
    return path


def median_range(values, form):
    values = [v for v in values if v is not None]
    if not values:
        return ""
    if len(values) == 1:
        return form(values[0])
    return f"{form(statistics.median(values))} ({form(min(values))}–{form(max(values))})"


def report(args, results, words) -> str:
    mode_names = {"cbow": "CBOW", "sg": "skip-gram"}
    lines = [
        "# Training from Python sentences",
        "",
        "Generated by `benchmarks/python_api.py` (see its docstring for what each figure is).",
        "",
        f"Command: `python benchmarks/python_api.py {' '.join(sys.argv[1:])}`  ",
        f"Date: {datetime.datetime.now().isoformat(timespec='seconds')}; machine: {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores; python {platform.python_version()}, gensim {gensim_version()}, "
        f"w2v commit {git_commit()}  ",
        f"Corpus: text8 cut into sentences of 1000 words ({words:,} words); dim 100, window 5, negative 5, "
        f"sample 1e-4, min-count 5, {args.epochs} epoch(s), {args.threads} threads, alpha 0.05 (CBOW) / "
        f"0.025 (skip-gram); {args.repeats} repeat(s), tools alternating, medians (min–max).",
        "",
        "| mode | tool | end-to-end s | words/s (end to end) | w2v training s | peak RSS | RSS with the list "
        "alone | analogy (30k) | list's time over this |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for mode in args.modes:
        rows = {tool: [r for r in results if r["tool"] == tool and r["mode"] == mode] for tool in TOOLS}
        list_s = statistics.median(r["seconds"] for r in rows["w2v-list"]) if rows["w2v-list"] else None
        for tool in TOOLS:
            rs = rows[tool]
            if not rs:
                continue
            seconds = [r["seconds"] for r in rs]
            ratio = "" if tool == "w2v-list" or list_s is None else f"{list_s / statistics.median(seconds):.2f}"
            lines.append(
                f"| {mode_names[mode]} | {LABELS[tool]} | {median_range(seconds, lambda v: f'{v:.1f}')} | "
                f"{median_range([words * args.epochs / s for s in seconds], human)} | "
                f"{median_range([r.get('inner_train_s') for r in rs], lambda v: f'{v:.1f}')} | "
                f"{statistics.median(r['peak_rss_mib'] for r in rs):.0f} MiB | "
                f"{median_range([r.get('rss_before_mib') for r in rs], lambda v: f'{v:.0f} MiB')} | "
                f"{100 * statistics.median(r['analogy'] for r in rs):.1f} % | {ratio} |")
    lines += ["", "The last column is w2v.train(list)'s end-to-end time over the row's: below 1.00 the list "
                  "is faster, 1.25 is the limit the project sets against training from the file.", ""]
    return "\n".join(lines)


def human(v):
    return f"{v / 1e6:.2f}M" if v >= 1e6 else f"{v / 1e3:.0f}k"


def gensim_version():
    try:
        import gensim

        return gensim.__version__
    except ImportError:
        return "not installed"


def git_commit():
    """The commit measured: git's, or a COMMIT file in a snapshot of the tree (an export without .git)."""
    try:
        with open(os.path.join(ROOT, "COMMIT")) as f:
            return f.read().strip()
    except OSError:
        pass
    try:
        return subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True).stdout.strip() or "?"
    except OSError:
        return "?"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--text8", default=os.path.join(ROOT, "..", "scratch", "pyapi", "text8"))
    corpora = os.environ.get("W2V_CORPORA_MIRROR", os.path.join(ROOT, "..", "shared", "corpora"))
    parser.add_argument("--questions", default=os.path.join(corpora, "questions-words.txt"),
                        help="analogy questions (default: $W2V_CORPORA_MIRROR, else ../shared/corpora beside the clone)")
    parser.add_argument("--modes", default="cbow,sg")
    parser.add_argument("--tools", default=",".join(TOOLS))
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", default=os.path.join(HERE, "out", "python_api"))
    parser.add_argument("--report", default=None, help="write the Markdown table here (default: print it)")
    parser.add_argument("--child", choices=TOOLS, help=argparse.SUPPRESS)
    parser.add_argument("--mode", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, ROOT)
        print(json.dumps(child(argparse.Namespace(**{**vars(args), "tool": args.child}))))
        return
    os.makedirs(args.out, exist_ok=True)
    args.corpus = prepare(args)
    args.modes = args.modes.split(",")
    tools = [t for t in args.tools.split(",") if t]
    with open(args.corpus, encoding="utf-8") as f:
        words = sum(len(line.split()) for line in f)
    results = []
    results_path = os.path.join(args.out, "results.json")
    for repeat in range(args.repeats):
        for mode in args.modes:
            order = tools[repeat % len(tools):] + tools[:repeat % len(tools)]
            for tool in order:
                record = run_child(args, tool, mode)
                record["repeat"] = repeat
                results.append(record)
                print(f"repeat {repeat + 1} {mode} {tool}: {record['seconds']:.1f} s, "
                      f"{record['peak_rss_mib']:.0f} MiB, analogy {100 * record['analogy']:.1f} %", flush=True)
                with open(results_path, "w") as f:
                    json.dump(results, f, indent=1)
    text = report(args, results, words)
    if args.report:
        with open(args.report, "w", encoding="utf-8") as f:
            f.write(text)
    print(text)


if __name__ == "__main__":
    main()
