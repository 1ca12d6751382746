#!/usr/bin/env python3
"""Subword models: w2v --subwords against fastText's CLI, on Korean (NSMC) and English (text8).

    FASTTEXT=/work/ext/fastText/fasttext python benchmarks/subwords.py \\
        --nsmc ../shared/corpora/nsmc_reviews.txt.gz --text8 corpora/data/text8 \\
        --ko-eval /path/to/ko --repeats 1

Each row trains in a child process on the same file, the same cores and the same settings
(skip-gram, dim 100, window 5, negative 5, sample 1e-4, min-count 5; each tool its own default
learning rate), and is measured the same way: training wall (the whole child), words/s (corpus
words x epochs / that wall), peak RSS of the child, model size on disk (fastText's .bin, w2v's
.w2v). Then its model is loaded through w2v (fastText's .bin through w2v's reader) and scored
with w2v.vectors.evaluate, words outside the vocabulary composed from their n-grams where the model has
them: Korean word similarity (WS353 in Korean) and analogies (Park et al. 2018) on NSMC;
questions-words (semantic, syntactic) and WordSim-353 on text8. Every figure says how many items
it used. Repeats rotate which row goes first (alternating, paired runs); medians are reported.
``--seeds 1,2,3`` gives each repeat its own seed (w2v --seed, fastText -seed) and each quality
figure its range over them: one run's analogy accuracy moves by a few tenths of a point with the seed.

Interop check (not timed): fastText's own ``print-word-vectors`` on w2v's exported .bin (``w2v
export --fasttext-bin``) must give w2v's vectors, and on fastText's .bin the vectors w2v's reader
composes, for vocabulary words and unseen ones alike.

The fastText CLI is built from its public source outside this repository (``make`` in a clone of
github.com/facebookresearch/fastText: -O3 -funroll-loops -march=native); give its path with
--fasttext or $FASTTEXT. The Korean sets: --ko-eval DIR or $W2V_KO_EVAL, holding WS353_korean.csv
and word_analogy_korean.txt (python corpora/fetch.py ko-ws353 ko-analogy). Writes
benchmarks/out/subwords.json and benchmarks/RESULTS_subwords.md; --report-only rewrites the report.
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import json
import os
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import run as harness  # noqa: E402  (run_measured, count_words, machine, parse_w2v_summary)
from w2v.vectors.evaluate import evaluate_analogies, evaluate_word_pairs  # noqa: E402

log = harness.log

# row -> (label, tool, extra flags); fastText rows give their n-gram lengths.
ROWS = {
    "fasttext-3-6": ("fastText 3–6 (its default)", "fasttext", ["-minn", "3", "-maxn", "6"]),
    "fasttext-1-4": ("fastText 1–4", "fasttext", ["-minn", "1", "-maxn", "4"]),
    "w2v-subwords": ("w2v --subwords (automatic lengths)", "w2v", ["--subwords"]),
    "w2v-jamo": ("w2v --subwords --jamo", "w2v", ["--subwords", "--jamo"]),
    # The subword skip-gram's default rate on Hangul is 0.035 (w2v/training/params.py); this row shows what word2vec.c's gives.
    "w2v-subwords-0.025": ("w2v --subwords --alpha 0.025", "w2v", ["--subwords", "--alpha", "0.025"]),
    # The word share (--word-share; 0.1 on alphabetic scripts, 0 on Hangul) against fastText's even split and more.
    "w2v-share-0": ("w2v --subwords --word-share 0", "w2v", ["--subwords", "--word-share", "0"]),
    "w2v-share-0.1": ("w2v --subwords --word-share 0.1", "w2v", ["--subwords", "--word-share", "0.1"]),
    "w2v-share-0.15": ("w2v --subwords --word-share 0.15", "w2v", ["--subwords", "--word-share", "0.15"]),
    "w2v-whole": ("w2v whole-token", "w2v", []),
    # Equal passes. fastText's -epoch counts every token of the file (those under -minCount too) and a
    # "</s>" per line, but trains only on the kept words and the "</s>": on raw NSMC its 5 epochs are
    # 6.4 passes over what it trains on and its 4 are 5.1, about w2v's 5 (see RESULTS_subwords.md).
    "fasttext-1-4-4ep": ("fastText 1–4, -epoch 4", "fasttext", ["-minn", "1", "-maxn", "4"]),
}
ROW_EPOCHS = {"fasttext-1-4-4ep": 4}  # these rows' epochs, whatever --epochs says
CORPORA = {
    "nsmc": ("NSMC, raw text", ["fasttext-3-6", "fasttext-1-4", "w2v-subwords", "w2v-jamo", "w2v-whole",
                                "fasttext-1-4-4ep", "w2v-subwords-0.025"]),
    "nsmc-tok": ("NSMC through `w2v tokenize`", ["fasttext-1-4", "w2v-subwords", "w2v-whole"]),
    "text8": ("text8 stand-in, fastText's defaults", ["fasttext-3-6", "w2v-subwords", "w2v-whole", "w2v-share-0",
                                                      "w2v-share-0.1", "w2v-share-0.15"]),
}
KO_PAIRS, KO_ANALOGIES = "WS353_korean.csv", "word_analogy_korean.txt"
CHECK_WORDS = 300  # vocabulary words (and as many unseen ones) compared with fastText's print-word-vectors


# ---------------------------------------------------------------------------
# corpora


def plain_corpus(source: Path, dest: Path, head_lines: int | None, head_words: int | None) -> Path:
    """A plain-text copy of ``source`` (gunzipped or unzipped; cut to its first lines or words when asked)."""
    if dest.exists():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    if source.suffix == ".zip":
        archive = zipfile.ZipFile(source)
        opened = archive.open(archive.namelist()[0])
    else:
        opened = (gzip.open if source.suffix == ".gz" else open)(source, "rb")
    with opened as f, open(tmp, "wb") as out:
        if head_lines:
            for _, line in zip(range(head_lines), f):
                out.write(line)
        elif head_words:
            out.write(b" ".join(f.read(head_words * 12).split()[:head_words]) + b"\n")
        else:
            shutil.copyfileobj(f, out, 1 << 24)
    tmp.replace(dest)
    return dest


def tokenized(setup, raw: Path) -> Path:
    """``w2v tokenize`` of the raw corpus, once, timed (its MB/s goes in the report)."""
    dest = raw.with_name(raw.stem + ".tok.txt")
    if not dest.exists():
        tmp = dest.with_name(dest.name + ".part")
        cmd = setup.w2v + ["tokenize", str(raw)]
        with open(tmp, "wb") as out:
            child = subprocess.run(cmd, stdout=out, stderr=subprocess.PIPE, env=setup.env, cwd=ROOT)
        if child.returncode != 0:
            raise RuntimeError(f"w2v tokenize failed: {child.stderr.decode(errors='replace').strip()}")
        tmp.replace(dest)
    return dest


def time_tokenize(setup, raw: Path) -> dict:
    child = harness.run_measured(setup.w2v + ["tokenize", str(raw)], env=setup.env, cwd=ROOT)
    child.check("w2v tokenize")
    size = raw.stat().st_size
    return {"bytes": size, "wall_s": child.wall, "mb_per_s": size / 1e6 / child.wall,
            "peak_rss_mib": child.peak_rss_kib / 1024}


# ---------------------------------------------------------------------------
# training and scoring one row


class Setup:
    def __init__(self, args):
        self.args = args
        self.out = Path(args.out)
        self.work = self.out / "subwords-work"
        self.w2v = [sys.executable, "-m", "w2v"]
        self.env = dict(os.environ)
        self.env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
        self.fasttext = args.fasttext
        self.earlier = None  # with --append: the results this run adds to


def train_command(setup, row: str, corpus: Path, model: Path, epochs: int, seed: int | None = None) -> list[str]:
    a = setup.args
    _, tool, extra = ROWS[row]
    if tool == "fasttext":
        seeded = [] if seed is None else ["-seed", str(seed)]
        return [setup.fasttext, "skipgram", "-input", str(corpus), "-output", str(model.with_suffix("")),
                "-dim", str(a.dim), "-ws", "5", "-neg", "5", "-t", "1e-4", "-minCount", "5", "-epoch", str(epochs),
                "-thread", str(a.threads), *seeded, *extra]
    seeded = [] if seed is None else ["--seed", str(seed)]
    return setup.w2v + ["train", str(corpus), "-o", str(model), "--skipgram", "--dim", str(a.dim),
                        "--window", "5", "--negative", "5", "--sample", "1e-4", "--min-count", "5",
                        "--epochs", str(epochs), "--threads", str(a.threads), *seeded, *extra]


def model_path(setup, corpus_key: str, row: str) -> Path:
    return setup.work / corpus_key / (row + (".bin" if ROWS[row][1] == "fasttext" else ".w2v"))


def train_row(setup, corpus_key: str, row: str, corpus: Path, words: int, epochs: int,
              seed: int | None = None) -> dict:
    epochs = ROW_EPOCHS.get(row, epochs)
    model = model_path(setup, corpus_key, row)
    model.parent.mkdir(parents=True, exist_ok=True)
    cmd = train_command(setup, row, corpus, model, epochs, seed)
    child = harness.run_measured(cmd, env=setup.env, cwd=ROOT).check(ROWS[row][0])
    record = {"corpus": corpus_key, "row": row, "command": shlex.join(cmd), "epochs": epochs, "seed": seed,
              "wall_s": child.wall, "words_per_s": words * epochs / child.wall,
              "peak_rss_mib": child.peak_rss_kib / 1024, "model_mib": model.stat().st_size / 2**20,
              "cpu_s": child.cpu_s, "others_cpu": child.others_cpu}
    summary = harness.parse_w2v_summary(child.stderr)
    if summary:
        record["train_s"] = summary[1]
    first = next((line for line in child.stderr.splitlines() if line.startswith("subwords:")), None)
    if first:
        record["subwords_line"] = first.strip()
    return record


def score(setup, corpus_key: str, row: str) -> dict:
    from w2v.vectors.formats import load_vectors

    vectors = load_vectors(model_path(setup, corpus_key, row))
    words, matrix = list(vectors.words), vectors.vectors
    oov = vectors.lookup_vector if vectors.subwords is not None else None
    a = setup.args
    if corpus_key.startswith("nsmc"):
        pairs_file, questions = Path(a.ko_eval) / KO_PAIRS, Path(a.ko_eval) / KO_ANALOGIES
    else:
        pairs_file, questions = Path(a.pairs), Path(a.questions)
    pairs = evaluate_word_pairs(words, matrix, str(pairs_file), oov_vector=oov)
    analogy = evaluate_analogies(words, matrix, str(questions), restrict_vocab=30000, oov_vector=oov)
    sections = analogy.to_dict()["sections"]

    def part(prefixes):
        chosen = [s for s in sections if s["section"].startswith(prefixes)]
        correct, seen, total = (sum(s[k] for s in chosen) for k in ("correct", "seen", "questions"))
        return {"accuracy": correct / total if total else None, "seen": seen, "questions": total}

    semantic = ("sem",) if corpus_key.startswith("nsmc") else tuple(
        s["section"] for s in sections if s["kind"] == "semantic")
    syntactic = ("syn",) if corpus_key.startswith("nsmc") else ("gram",)
    return {
        "vocab_size": len(words),
        "pairs_spearman": pairs.spearman, "pairs_used": pairs.used, "pairs": pairs.pairs,
        "pairs_composed": pairs.composed,
        # accuracy over every question (one not seen counts as wrong), as the issue compares with fastText
        "analogy": part(("",)), "analogy_semantic": part(semantic), "analogy_syntactic": part(syntactic),
        "analogy_composed": analogy.total.composed,
    }


# ---------------------------------------------------------------------------
# interop check: fastText's print-word-vectors against w2v


def print_word_vectors(fasttext: str, model: Path, words) -> np.ndarray:
    done = subprocess.run([fasttext, "print-word-vectors", str(model)], input="\n".join(words).encode() + b"\n",
                          capture_output=True, check=True)
    lines = done.stdout.decode("utf-8", "replace").strip("\n").split("\n")
    if len(lines) != len(words):
        raise RuntimeError(f"print-word-vectors gave {len(lines)} lines for {len(words)} words")
    return np.array([line.split()[1:] for line in lines], dtype=np.float32)


def sample_words(vectors, eval_words) -> tuple[list[str], list[str]]:
    """Some vocabulary words and some unseen ones (test-set words outside the vocabulary) to compare."""
    known = list(vectors.words[:CHECK_WORDS])
    unseen = [w for w in dict.fromkeys(eval_words) if w not in vectors and vectors.lookup_vector(w) is not None]
    return known, unseen[:CHECK_WORDS]


def eval_words(setup, corpus_key: str) -> list[str]:
    a = setup.args
    files = ([Path(a.ko_eval) / KO_PAIRS, Path(a.ko_eval) / KO_ANALOGIES] if corpus_key.startswith("nsmc")
             else [Path(a.pairs), Path(a.questions)])
    found = []
    for path in files:
        for line in path.read_text(encoding="utf-8-sig").splitlines():
            if line and not line.startswith((":", "#")):
                found.extend(w for w in line.replace(",", " ").replace("\t", " ").split()[:4]
                             if not w.replace(".", "").isdigit())
    return found


def interop_check(setup, corpus_key: str, row: str) -> dict:
    """max |fastText's vector - w2v's| / max |w2v's| over the sample, for vocabulary and unseen words."""
    from w2v.vectors.formats import load_vectors

    model = model_path(setup, corpus_key, row)
    checked = model
    if ROWS[row][1] == "w2v":
        checked = model.with_suffix(".exported.bin")
        subprocess.run(setup.w2v + ["export", "--fasttext-bin", "-m", str(model), "-o", str(checked)],
                       check=True, env=setup.env, cwd=ROOT)
    ours = load_vectors(model)
    known, unseen = sample_words(ours, eval_words(setup, corpus_key))
    result = {"row": row, "corpus": corpus_key, "file": checked.name, "bin_mib": checked.stat().st_size / 2**20}
    for name, words in (("vocabulary", known), ("unseen", unseen)):
        if not words:
            continue
        theirs = print_word_vectors(setup.fasttext, checked, words)
        mine = np.stack([ours.vector(w) for w in words])
        if ROWS[row][1] == "w2v" and name == "unseen":
            # fastText averages over all of a word's n-grams (unused buckets are zero rows in the export),
            # w2v over the known ones: the same direction, scaled by known / all.
            scale = np.array([known_n / total for known_n, total in (ours.subwords.coverage(w) for w in words)],
                             dtype=np.float32)
            mine = mine * scale[:, None]
        norms = np.linalg.norm(theirs, axis=1) * np.linalg.norm(mine, axis=1)
        nonzero = norms > 0
        cosine = np.sum(theirs * mine, axis=1)[nonzero] / norms[nonzero]
        diff = np.abs(theirs - mine)
        # fastText prints 5 significant digits (Vector's operator<<): half a unit of the 5th is 5e-5 relative
        outside = int(np.count_nonzero(diff > 5e-5 * np.abs(mine) + 1e-6))
        result[name] = {"words": len(words), "zero_vectors": int(np.count_nonzero(~nonzero)),
                        "max_abs_diff": float(diff.max()), "max_value": float(np.abs(mine).max()),
                        "beyond_print_precision": outside, "values": int(diff.size),
                        "min_cosine": float(cosine.min()) if cosine.size else None}
    return result


# ---------------------------------------------------------------------------
# query latency: a fresh process per query, as a user at a shell runs one


QUERY_WORD = "영화관에서"  # not in NSMC's vocabulary at min-count 5: composed from its n-grams


def time_queries(setup, corpus_key: str, repeats: int = 3) -> list[dict]:
    """Median wall and peak RSS of `w2v nearest WORD` on each model, and of `fasttext nn` on its .bin."""
    folder = setup.work / corpus_key
    fast = folder / "fasttext-1-4.bin"
    converted = folder / "fasttext-1-4.converted.w2v"
    if fast.exists() and not converted.exists():
        subprocess.run(setup.w2v + ["convert", str(fast), str(converted)], check=True, env=setup.env, cwd=ROOT,
                       capture_output=True)
    cases = [(f"w2v nearest on {m.name}", setup.w2v + ["nearest", QUERY_WORD, "-m", str(m), "-k", "3"], None)
             for m in (fast, converted, folder / "w2v-subwords.w2v") if m.exists()]
    if fast.exists():
        cases.append((f"fasttext nn {fast.name}", [setup.fasttext, "nn", str(fast), "3"], QUERY_WORD + "\n"))
    out = []
    for label, cmd, stdin in cases:
        harness.run_measured(cmd, stdin_text=stdin, env=setup.env, cwd=ROOT)  # warms the page cache
        runs = [harness.run_measured(cmd, stdin_text=stdin, env=setup.env, cwd=ROOT).check(label)
                for _ in range(repeats)]
        out.append({"corpus": corpus_key, "label": label, "command": shlex.join(cmd),
                    "wall_s": _median([r.wall for r in runs]), "peak_rss_mib": _median([r.peak_rss_kib for r in runs]) / 1024,
                    "answer": runs[0].stdout.split()[:1]})
        log(f"    {label}: {out[-1]['wall_s']:.2f} s, {out[-1]['peak_rss_mib']:.0f} MiB")
    return out


# ---------------------------------------------------------------------------
# the run


def benchmark(setup, corpus_key: str, corpus: Path, rows, epochs: int, results: dict) -> None:
    words = harness.count_words(corpus)
    log(f"{corpus_key}: {corpus} ({words:,} words), rows {', '.join(rows)}, {epochs} epochs")
    results.setdefault("corpora", {})[corpus_key] = {"path": str(corpus), "words": words, "epochs": epochs,
                                                     "rows": rows}
    for repeat in range(setup.args.repeats):
        order = rows[repeat % len(rows):] + rows[:repeat % len(rows)]
        seed = setup.args.seeds[repeat] if setup.args.seeds else None
        for row in order:
            log(f"[{repeat + 1}/{setup.args.repeats}] {corpus_key} {ROWS[row][0]}"
                f"{'' if seed is None else f', seed {seed}'} (load {os.getloadavg()[0]:.2f})")
            try:
                record = train_row(setup, corpus_key, row, corpus, words, epochs, seed)
                record.update(repeat=repeat, **score(setup, corpus_key, row))
            except (RuntimeError, subprocess.CalledProcessError) as e:
                log(f"    {e}")
                results.setdefault("failures", []).append({"corpus": corpus_key, "row": row, "seed": seed,
                                                           "error": str(e)})
                continue
            log(f"    wall {record['wall_s']:.1f} s, {record['words_per_s']:,.0f} words/s, "
                f"RSS {record['peak_rss_mib']:.0f} MiB, model {record['model_mib']:.0f} MiB, "
                f"similarity {record['pairs_spearman'] or float('nan'):.3f} ({record['pairs_used']}/"
                f"{record['pairs']}), analogy {100 * (record['analogy']['accuracy'] or 0):.2f} %")
            results.setdefault("runs", []).append(record)
            save(setup, results)
    for row in [] if setup.args.no_interop else rows:
        if row in ("fasttext-3-6", "fasttext-1-4", "w2v-subwords") and model_path(setup, corpus_key, row).exists():
            try:
                results.setdefault("interop", []).append(interop_check(setup, corpus_key, row))
            except (RuntimeError, subprocess.CalledProcessError) as e:
                log(f"    interop check {row}: {e}")
    save(setup, results)


def merged(earlier: dict, new: dict) -> dict:
    """``earlier`` results with ``new``'s rows added (a row run again replaces its earlier runs; with
    --seeds, only its earlier runs with the same seeds: the others stay and join its median)."""
    fresh = {(r["corpus"], r["row"], r.get("seed")) for r in new.get("runs", [])} | \
        {(f["corpus"], f["row"], f.get("seed")) for f in new.get("failures", [])}
    checked = {(c["corpus"], c["row"]) for c in new.get("interop", [])}
    out = dict(earlier)
    for key in ("runs", "failures"):
        out[key] = [r for r in earlier.get(key, []) if (r["corpus"], r["row"], r.get("seed")) not in fresh] + \
            new.get(key, [])
    out["interop"] = [c for c in earlier.get("interop", []) if (c["corpus"], c["row"]) not in checked] + \
        new.get("interop", [])
    out["corpora"] = dict(earlier.get("corpora", {}))
    for corpus_key, info in new.get("corpora", {}).items():
        rows = set(out["corpora"].get(corpus_key, {}).get("rows", [])) | set(info["rows"])
        out["corpora"][corpus_key] = dict(info, rows=[r for r in CORPORA[corpus_key][1] if r in rows])
    out["meta"] = dict(new["meta"], command=earlier.get("meta", {}).get("command", "") + " ; " + new["meta"]["command"])
    for key in ("tokenize", "queries"):
        if new.get(key):
            out[key] = new[key]
    return out


def save(setup, results):
    if setup.earlier:
        results = merged(setup.earlier, results)
    (setup.out / "subwords.json").write_text(json.dumps(results, indent=1, ensure_ascii=False))


# ---------------------------------------------------------------------------
# the report


def _median(values):
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def summarise(runs, corpus_key: str, row: str) -> dict | None:
    rs = [r for r in runs if r["corpus"] == corpus_key and r["row"] == row]
    if not rs:
        return None
    out = {"runs": len(rs)}
    for key in ("wall_s", "words_per_s", "peak_rss_mib", "model_mib", "pairs_spearman", "others_cpu"):
        out[key] = _median([r[key] for r in rs])
    out["wall_range"] = (min(r["wall_s"] for r in rs), max(r["wall_s"] for r in rs))
    spearmans = [r["pairs_spearman"] for r in rs if r["pairs_spearman"] is not None]
    out["pairs_range"] = (min(spearmans), max(spearmans)) if spearmans else None
    out["seeds"] = [r.get("seed") for r in rs]
    for key in ("analogy", "analogy_semantic", "analogy_syntactic"):
        out[key] = _median([r[key]["accuracy"] for r in rs])
        accuracies = [r[key]["accuracy"] for r in rs if r[key]["accuracy"] is not None]
        out[key + "_range"] = (min(accuracies), max(accuracies)) if accuracies else None
        out[key + "_seen"] = rs[0][key]["seen"]
        out[key + "_questions"] = rs[0][key]["questions"]
    for key in ("pairs_used", "pairs", "pairs_composed", "analogy_composed", "vocab_size", "subwords_line"):
        out[key] = rs[0].get(key)
    return out


def _pct(value, digits=2):
    return "n/a" if value is None else f"{100 * value:.{digits}f} %"


def _pct_bare(value):
    return f"{100 * value:.2f}"


def _num(value, fmt="{:.3f}"):
    return "n/a" if value is None else fmt.format(value)


def markdown(results: dict) -> str:
    meta = results.get("meta", {})
    lines = ["# Subword models: w2v --subwords against fastText's CLI", "",
             f"Generated by `{meta.get('command', 'python benchmarks/subwords.py')}` on {meta.get('date', '?')}; "
             f"w2v commit {meta.get('w2v_commit', '?')}, fastText {meta.get('fasttext', '?')}.", "",
             f"Machine: {meta.get('machine', {}).get('cpu', '?')}, {meta.get('machine', {}).get('cores', '?')} cores. "
             f"Settings: skip-gram, dim {meta.get('dim', 100)}, window 5, negative 5, sample 1e-4, min-count 5, "
             f"{meta.get('threads', 2)} threads; each tool's own default learning rate (fastText 0.05; w2v with --subwords 0.035 on Korean and 0.0425 on English, 0.025 whole-token). "
             f"{meta.get('repeats', 1)} repeat(s) per row, rows alternating; medians (with several seeds, a row names them "
             "and each quality figure's range follows its median). Training wall is the whole "
             "child process; words/s = corpus words x epochs / that wall; others' CPU is the share of the "
             "machine's cores other processes used meanwhile (the machine is shared: compare rows with it in "
             "mind). Quality: w2v.vectors.evaluate on each model "
             "(fastText's .bin read by w2v's reader), words outside the vocabulary composed from their n-grams "
             "when the model has them; analogy accuracy is over every question (a question the model cannot "
             "answer counts as wrong), candidates the 30,000 most frequent words.", ""]
    runs = results.get("runs", [])
    for corpus_key, info in results.get("corpora", {}).items():
        title = CORPORA[corpus_key][0]
        korean = corpus_key.startswith("nsmc")
        lines += [f"## {title}", "",
                  f"`{info['path']}`: {info['words']:,} words, {info['epochs']} epoch(s).", ""]
        if korean:
            head = ("| row | training wall | words/s | peak RSS | model on disk | similarity (Spearman, pairs used) "
                    "| analogy, all | semantic | syntactic | others' CPU |")
        else:
            head = ("| row | training wall | words/s | peak RSS | model on disk | WS353 (Spearman, pairs used) "
                    "| analogy, all | semantic | syntactic | others' CPU |")
        lines += [head, "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        for row in info["rows"]:
            s = summarise(runs, corpus_key, row)
            if s is None:
                continue
            lo, hi = s["wall_range"]
            several = s["runs"] > 1
            wall = f"{s['wall_s']:.1f} s" + (f" ({lo:.1f}–{hi:.1f})" if several else "")

            seeded = len({x for x in s["seeds"] if x is not None}) > 1

            def spread(key, show):  # a median over several seeds gives its range
                span = s.get(key + "_range") if seeded else None
                return "" if not span else f" ({show(span[0])}–{show(span[1])})"

            seeds = [str(x) for x in s["seeds"] if x is not None]
            label = ROWS[row][0] + (f", seed{'s' if len(seeds) > 1 else ''} {', '.join(seeds)}" if seeds else "")
            lines.append(
                f"| {label} | {wall} | {s['words_per_s']:,.0f} | {s['peak_rss_mib']:.0f} MiB "
                f"| {s['model_mib']:.0f} MiB | {_num(s['pairs_spearman'])}{spread('pairs', '{:.3f}'.format)} "
                f"({s['pairs_used']}/{s['pairs']}) "
                f"| {_pct(s['analogy'])}{spread('analogy', _pct_bare)} ({s['analogy_seen']}/{s['analogy_questions']} "
                f"answerable) | {_pct(s['analogy_semantic'])}{spread('analogy_semantic', _pct_bare)} "
                f"| {_pct(s['analogy_syntactic'])}{spread('analogy_syntactic', _pct_bare)} | {_pct(s['others_cpu'], 0)} |")
        lines.append("")
        notes = [f"- {ROWS[row][0]}: {s['subwords_line']}" for row in info["rows"]
                 for s in [summarise(runs, corpus_key, row)] if s and s.get("subwords_line")]
        lines += notes + ([""] if notes else [])
        lines += ratios(runs, corpus_key, info["rows"])
    if results.get("queries"):
        lines += ["## Query latency", "",
                  f"A fresh process per query, `{QUERY_WORD}` (not in the vocabulary: composed from its n-grams), "
                  "the page cache warm; median of 3. fastText's `nn` loads the whole .bin and composes every word "
                  "before it answers; w2v reads fastText's .bin memory-mapped and composes the vocabulary words; "
                  "`w2v convert` turns that .bin into a compact native model, which queries map as they are.", "",
                  "| query | wall | peak RSS |", "| --- | --- | --- |"]
        lines += [f"| {q['label']} | {q['wall_s']:.2f} s | {q['peak_rss_mib']:.0f} MiB |" for q in results["queries"]]
        lines.append("")
    if results.get("tokenize"):
        t = results["tokenize"]
        lines += ["## `w2v tokenize` speed", "",
                  f"{t['bytes'] / 1e6:.1f} MB of NSMC in {t['wall_s']:.1f} s: **{t['mb_per_s']:.1f} MB/s**, "
                  f"peak RSS {t['peak_rss_mib']:.0f} MiB (one process, start-up included).", ""]
    if results.get("interop"):
        lines += ["## Interop check: fastText's own `print-word-vectors`", "",
                  "On a w2v row: the .bin `w2v export --fasttext-bin` wrote; on a fastText row: fastText's own .bin, "
                  "against the vectors w2v's reader composes. Unseen words: test-set words outside the vocabulary "
                  "(for a w2v export, w2v's vector times known/all n-grams, see w2v/subwords/fasttext.py).", "",
                  "fastText prints 5 significant digits, so a value agrees when it is within 5e-5 of it, relative "
                  "(+1e-6).", "",
                  "| corpus | row | file | words | max abs difference | largest value | values beyond the printed "
                  "digits | min cosine |",
                  "| --- | --- | --- | --- | --- | --- | --- | --- |"]
        for check in results["interop"]:
            for name in ("vocabulary", "unseen"):
                if name in check:
                    c = check[name]
                    zero = f" ({c['zero_vectors']} zero vectors)" if c.get("zero_vectors") else ""
                    lines.append(f"| {check['corpus']} | {ROWS[check['row']][0]} | {check['file']} "
                                 f"({check['bin_mib']:.0f} MiB) | {c['words']} {name}{zero} | {c['max_abs_diff']:.2g} "
                                 f"| {c['max_value']:.3g} | {c.get('beyond_print_precision', '?')} of "
                                 f"{c.get('values', '?')} | {_num(c['min_cosine'], '{:.6f}')} |")
        lines.append("")
    for failure in results.get("failures", []):
        lines.append(f"- failed: {failure['corpus']} {failure['row']}: {failure['error']}")
    return "\n".join(lines).rstrip() + "\n"


def ratios(runs, corpus_key, rows) -> list[str]:
    ours = summarise(runs, corpus_key, "w2v-subwords")
    if ours is None:
        return []
    out = []
    for peer in ("fasttext-3-6", "fasttext-1-4"):
        s = summarise(runs, corpus_key, peer)
        if s and peer in rows:
            out.append(f"- w2v --subwords against {ROWS[peer][0]}: {s['wall_s'] / ours['wall_s']:.2f}x faster "
                       f"(wall), {ours['peak_rss_mib'] / s['peak_rss_mib']:.2f}x the memory, "
                       f"{ours['model_mib'] / s['model_mib']:.3f}x the size on disk.")
    return out + ([""] if out else [])


# ---------------------------------------------------------------------------


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="w2v --subwords against fastText's CLI (speed, memory, size, quality)")
    data = ROOT / "corpora" / "data"
    p.add_argument("--nsmc", default=str(ROOT.parent / "shared" / "corpora" / "nsmc_reviews.txt.gz"),
                   help="NSMC review text (.gz or plain)")
    p.add_argument("--text8", default=str(data / "text8"), help="text8 (plain or text8.zip)")
    p.add_argument("--ko-eval", default=os.environ.get("W2V_KO_EVAL", str(data)),
                   help=f"folder with {KO_PAIRS} and {KO_ANALOGIES} (default: $W2V_KO_EVAL, else corpora/data, where corpora/fetch.py ko-ws353 ko-analogy puts them)")
    p.add_argument("--questions", default=str(data / "questions-words.txt"))
    p.add_argument("--pairs", default=str(data / "wordsim353.tsv"))
    p.add_argument("--fasttext", default=os.environ.get("FASTTEXT"), help="the fastText executable ($FASTTEXT)")
    p.add_argument("--corpora", default="nsmc,nsmc-tok,text8", help=f"from {','.join(CORPORA)}")
    p.add_argument("--rows", default=None, help=f"only these rows (from {','.join(ROWS)})")
    p.add_argument("--epochs", type=int, default=5, help="NSMC epochs (default 5)")
    p.add_argument("--text8-epochs", type=int, default=5, help="text8 epochs (default 5, fastText's)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--dim", type=int, default=100)
    p.add_argument("--repeats", type=int, default=None, help="runs of each row (default 1, or one per --seeds)")
    p.add_argument("--seeds", default=None,
                   help="comma-separated seeds, one per repeat (w2v --seed, fastText -seed); quality is then "
                        "given as the median and its range (default: each tool's default seed)")
    p.add_argument("--head-lines", type=int, default=None, help="NSMC: only its first N lines (smoke tests)")
    p.add_argument("--head-words", type=int, default=None, help="text8: only its first N words (smoke tests)")
    p.add_argument("--out", default=str(HERE / "out"))
    p.add_argument("--report", default=str(HERE / "RESULTS_subwords.md"))
    p.add_argument("--report-only", action="store_true", help="rewrite the report from out/subwords.json")
    p.add_argument("--no-interop", action="store_true",
                   help="skip the print-word-vectors check (an earlier run of the same rows made it)")
    p.add_argument("--queries", action="store_true",
                   help="only time fresh-process queries on the NSMC models an earlier run left")
    p.add_argument("--append", action="store_true",
                   help="add to out/subwords.json (rows run again replace their earlier runs): one row or corpus "
                        "at a time, each under its own lock")
    args = p.parse_args(argv)
    args.corpora = [c.strip() for c in args.corpora.split(",") if c.strip()]
    args.rows = [r.strip() for r in args.rows.split(",")] if args.rows else None
    args.seeds = [int(x) for x in args.seeds.split(",")] if args.seeds else None
    if args.repeats is None:
        args.repeats = len(args.seeds) if args.seeds else 1
    if args.seeds and len(args.seeds) < args.repeats:
        p.error("give a seed for every repeat")
    for c in args.corpora:
        if c not in CORPORA:
            p.error(f"unknown corpus {c!r}")
    for r in args.rows or []:
        if r not in ROWS:
            p.error(f"unknown row {r!r}")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results_path = out / "subwords.json"
    if args.report_only:
        results = json.loads(results_path.read_text())
    else:
        setup = Setup(args)
        setup.earlier = json.loads(results_path.read_text()) if args.append and results_path.exists() else None
        if not args.fasttext or not os.access(args.fasttext, os.X_OK):
            log("Error: give the fastText executable with --fasttext or $FASTTEXT (see the module docstring)")
            return 1
        results = {"meta": {
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "command": "python benchmarks/subwords.py " + shlex.join(sys.argv[1:] if argv is None else argv),
            "machine": harness.machine(), "dim": args.dim, "threads": args.threads, "repeats": args.repeats,
            "seeds": args.seeds,
            "w2v_commit": subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                         capture_output=True, text=True).stdout.strip(),
            "fasttext": args.fasttext}}
        slice_tag = f".head{args.head_lines}" if args.head_lines else ""
        nsmc = None
        for corpus_key in [] if args.queries else args.corpora:
            rows = [r for r in CORPORA[corpus_key][1] if args.rows is None or r in args.rows]
            if corpus_key.startswith("nsmc"):
                nsmc = nsmc or plain_corpus(Path(args.nsmc), setup.work / f"nsmc{slice_tag}.txt", args.head_lines, None)
                corpus = nsmc if corpus_key == "nsmc" else tokenized(setup, nsmc)
                if corpus_key == "nsmc-tok":
                    results["tokenize"] = time_tokenize(setup, nsmc)
                benchmark(setup, corpus_key, corpus, rows, args.epochs, results)
            else:
                tag = f".head{args.head_words}" if args.head_words else ""
                corpus = plain_corpus(Path(args.text8), setup.work / f"text8{tag}.txt", None, args.head_words)
                benchmark(setup, corpus_key, corpus, rows, args.text8_epochs, results)
        if args.queries:
            results["queries"] = time_queries(setup, "nsmc")
        save(setup, results)
        if setup.earlier:
            results = merged(setup.earlier, results)
    Path(args.report).write_text(markdown(results))
    log(f"wrote {results_path} and {args.report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
