#!/usr/bin/env python3
"""Speed and quality of w2v against gensim and the original C word2vec, on the same cores.

    python benchmarks/run.py --word2vec-bin ~/word2vec/word2vec --epochs 1 --repeats 3

For each tool and mode (skip-gram, CBOW), trains in a child process with the same
settings (dim 100, window 5, negative 5, sample 1e-4, min-count 5), measures wall and
training seconds, training words/s (corpus words x epochs / training seconds) and the
child's peak RSS, then scores its vectors with w2v.vectors.evaluate (analogies among the 30,000
most frequent words, WordSim-353 Spearman). Repeats alternate the tools; medians are
reported with min-max and the ratio of w2v to each peer. Then times fresh-process
nearest-neighbour queries on the trained vectors and on a synthetic 1,000,000 x 300
model. Writes benchmarks/out/results.json, benchmarks/RESULTS.md and, with
matplotlib, benchmarks/results.png. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from w2v.vectors.evaluate import evaluate_analogies, evaluate_word_pairs  # noqa: E402

TOOLS = ["w2v", "gensim-file", "gensim-iterable", "c"]
# On request only: w2v with word2vec.c's one-at-a-time updates (--kernel classic), to compare kernels.
EXTRA_TOOLS = ["w2v-classic"]
TOOL_NAMES = {
    "w2v": "w2v",
    "w2v-classic": "w2v --kernel classic",
    "gensim-file": "gensim corpus_file",
    "gensim-iterable": "gensim iterable",
    "c": "C word2vec",
}
MODES = {"sg": "skip-gram", "cbow": "CBOW"}
DEFAULT_ALPHA = {"sg": 0.025, "cbow": 0.05}  # word2vec.c's defaults
QUERY_WORD = "king"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# running a child and measuring it


class Child:
    """The outcome of one measured child process."""

    def __init__(self, cmd, returncode, wall, peak_rss_kib, stdout, stderr, events, cpu_s=None, others_cpu=None):
        self.cmd = cmd
        self.returncode = returncode
        self.wall = wall
        self.peak_rss_kib = peak_rss_kib
        self.cpu_s = cpu_s  # the child's user + system CPU seconds
        self.others_cpu = others_cpu  # share of all cores that other processes used meanwhile
        self.stdout = stdout
        self.stderr = stderr
        self.events = events  # (seconds since start, stream, text) per \r- or \n-ended piece

    def check(self, what: str) -> "Child":
        if self.returncode != 0:
            tail = (self.stderr or self.stdout).strip().splitlines()[-5:]
            raise RuntimeError(f"{what} failed (exit {self.returncode}): {shlex.join(self.cmd)}\n  "
                               + "\n  ".join(tail))
        return self


# Peak RSS needs a small parent. Linux keeps the largest RSS a process ever had, from
# before its exec too, when it was still a copy of the process that forked it: a child
# forked by this (large) Python process reports at least this process's RSS. So children
# are started by GNU time, or else by a small Python launcher (about 10 MB of its own).
# RUSAGE_CHILDREN is no help either: it is the largest of all children so far.
_LAUNCHER = """import os, sys
pid = os.posix_spawnp(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
open(sys.argv[1], "w").write(f"{usage.ru_maxrss} {usage.ru_utime} {usage.ru_stime}")
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
"""


def _time_binary() -> str | None:
    path = shutil.which("time", path="/usr/bin:/bin:/usr/local/bin")
    if not path:
        return None
    probe = subprocess.run([path, "-f", "%M", "true"], capture_output=True, text=True)  # GNU time?
    return path if probe.returncode == 0 and probe.stderr.strip().isdigit() else None


TIME_BIN = _time_binary()


def _with_rss_probe(cmd, rss_file: str):
    if TIME_BIN:
        return [TIME_BIN, "-f", "%M %U %S", "-o", rss_file] + list(cmd)
    return [sys.executable, "-c", _LAUNCHER, rss_file] + list(cmd)


def _busy_seconds() -> float | None:
    """CPU seconds the whole machine has been busy (Linux /proc/stat), or None."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    busy = sum(fields) - fields[3] - (fields[4] if len(fields) > 4 else 0)  # less idle and iowait
    return busy / os.sysconf("SC_CLK_TCK")


def run_measured(cmd, stdin_text: str | None = None, env=None, cwd=None) -> Child:
    """Run ``cmd``; return its wall time, its peak RSS (this child only: see _LAUNCHER) and
    its output, each piece time-stamped."""
    import tempfile

    fd, rss_file = tempfile.mkstemp(prefix="w2v-bench-rss-")
    os.close(fd)
    busy_before = _busy_seconds()
    start = time.perf_counter()
    proc = subprocess.Popen(_with_rss_probe(cmd, rss_file), stdin=subprocess.PIPE if stdin_text is not None else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd)
    events: list[tuple[float, str, str]] = []
    chunks = {"out": [], "err": []}
    lock = threading.Lock()

    def pump(stream, name):
        pending = b""
        while True:
            data = os.read(stream.fileno(), 1 << 16)
            now = time.perf_counter() - start
            if not data:
                break
            chunks[name].append(data)
            pending += data
            pieces = re.split(rb"[\r\n]", pending)
            pending = pieces.pop()
            with lock:
                events.extend((now, name, p.decode("utf-8", "replace")) for p in pieces if p.strip())
        if pending.strip():
            with lock:
                events.append((time.perf_counter() - start, name, pending.decode("utf-8", "replace")))

    threads = [threading.Thread(target=pump, args=(proc.stdout, "out"), daemon=True),
               threading.Thread(target=pump, args=(proc.stderr, "err"), daemon=True)]
    for t in threads:
        t.start()
    if stdin_text is not None:
        try:
            proc.stdin.write(stdin_text.encode())
            proc.stdin.close()
        except BrokenPipeError:
            pass
    proc.wait()
    wall = time.perf_counter() - start
    try:
        with open(rss_file) as f:
            lines = f.read().split()
        # GNU time writes "Command exited with ..." first on failure
        peak_rss_kib, cpu_s = int(lines[-3]), float(lines[-2]) + float(lines[-1])
    except (OSError, ValueError, IndexError):
        peak_rss_kib, cpu_s = 0, None
    finally:
        os.unlink(rss_file)
    for t in threads:
        t.join()
    proc.stdout.close()
    proc.stderr.close()
    events.sort(key=lambda e: e[0])
    busy = _busy_seconds()
    others = None
    if busy is not None and busy_before is not None and cpu_s is not None and wall > 0:
        others = max(0.0, (busy - busy_before - cpu_s) / (wall * (os.cpu_count() or 1)))
    return Child(cmd, proc.returncode, wall, peak_rss_kib,
                 b"".join(chunks["out"]).decode("utf-8", "replace"),
                 b"".join(chunks["err"]).decode("utf-8", "replace"), events, cpu_s, others)


# ---------------------------------------------------------------------------
# parsing what the tools report


_NUMBER = r"([0-9][0-9,_]*(?:\.[0-9]+)?)"
_W2V_SUMMARY = re.compile(rf"trained\s+{_NUMBER}\s+words\s+in\s+{_NUMBER}\s*s\b[^0-9]*{_NUMBER}\s*words/s", re.I)


def _num(text: str) -> float:
    return float(text.replace(",", "").replace("_", ""))


def parse_w2v_summary(stderr: str):
    """(words, seconds, words/s) from w2v's last "trained N words in S s, W words/s" line, or None."""
    found = None
    for line in stderr.splitlines():
        m = _W2V_SUMMARY.search(line)
        if m:
            found = tuple(_num(g) for g in m.groups())
    return found


_C_PROGRESS = re.compile(r"Alpha:\s*[0-9.e+-]+\s+Progress:\s*([0-9.]+)%\s+Words/thread/sec:\s*([0-9.]+)k")


def c_training_seconds(events):
    """Training time of word2vec.c from its progress lines: the time between the first and
    the last, scaled up to the whole run by the progress they span; None without them.

    It leaves out counting the vocabulary before and writing the vectors after, as the
    other tools' training times do."""
    marks = [(t, float(m.group(1)) / 100) for t, _, text in events for m in [_C_PROGRESS.search(text)] if m]
    if len(marks) < 2:
        return None
    (t0, p0), (t1, p1) = marks[0], marks[-1]
    if p1 <= p0 or t1 <= t0:
        return None
    return (t1 - t0) / (p1 - p0)


def count_words(path: Path) -> int:
    """Whitespace-separated tokens in a file, read in blocks (text8: 17 M words in about a second)."""
    words, inside = 0, False
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 24), b""):
            words += len(block.split())
            if inside and not block[:1].isspace():
                words -= 1  # a word cut by the block boundary was counted twice
            inside = not block[-1:].isspace()
    return words


def is_single_line(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(1 << 22).count(b"\n") <= 1


def split_lines(src: Path, dst: Path, words_per_line: int = 10_000) -> Path:
    """A copy of ``src`` with at most ``words_per_line`` words a line: gensim's corpus_file
    mode reads only the first 10,000 words of a line, silently. A one-line file (text8)
    is cut into lines of exactly that many words; other files keep their lines, and only
    longer lines are cut."""
    if dst.exists() and dst.stat().st_mtime >= src.stat().st_mtime:
        return dst
    log(f"writing {dst}: {src} in lines of at most {words_per_line:,} words (for gensim corpus_file)")
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(dst.name + ".part")

    def write(out, tokens, final=False):
        full = len(tokens) if final else len(tokens) // words_per_line * words_per_line
        for i in range(0, full, words_per_line):
            out.write(b" ".join(tokens[i:i + words_per_line]) + b"\n")
        return tokens[full:]

    with open(src, "rb") as f, open(tmp, "wb") as out:
        if is_single_line(src):
            pending, cut = [], b""
            for block in iter(lambda: f.read(1 << 24), b""):
                block = cut + block
                tokens = block.split()
                cut = tokens.pop() if tokens and not block[-1:].isspace() else b""
                pending = write(out, pending + tokens)
            write(out, pending + ([cut] if cut else []), final=True)
        else:
            for line in f:
                write(out, line.split(), final=True)
    tmp.replace(dst)
    return dst


def read_vectors(path: Path):
    """(words, float32 matrix) from a word2vec text or binary file."""
    try:
        from w2v.vectors.formats import load_vectors
    except ImportError:
        load_vectors = None
    if load_vectors is not None:
        v = load_vectors(path)
        return list(v.words), v.vectors
    import numpy as np  # a plain text reader, for checkouts without w2v.vectors.formats

    with open(path, encoding="utf-8") as f:
        count, dim = (int(x) for x in f.readline().split())
        words, rows = [], []
        for line in f:
            word, rest = line.rstrip("\n").split(" ", 1)
            words.append(word)
            rows.append(rest)
    vectors = np.array(" ".join(rows).split(), dtype=np.float32).reshape(len(words), dim)
    return words, vectors


# ---------------------------------------------------------------------------
# the tools


class Setup:
    """Paths and settings shared by every run."""

    def __init__(self, args):
        self.args = args
        self.out = Path(args.out)
        self.work = self.out / "work"
        self.corpus = Path(args.corpus).resolve()
        self.w2v_cmd = shlex.split(args.w2v_cmd) if args.w2v_cmd else [sys.executable, "-m", "w2v"]
        self.env = dict(os.environ)
        self.env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
        self.gensim_python = args.gensim_python or sys.executable
        self.word2vec = Path(args.word2vec_bin).resolve() if args.word2vec_bin else None
        self.distance = Path(args.distance_bin).resolve() if args.distance_bin else (
            self.word2vec.with_name("distance") if self.word2vec else None)
        self._split = None

    def corpus_lines(self) -> Path:
        if self._split is None:
            self._split = split_lines(self.corpus, self.work / (self.corpus.name + ".lines"))
        return self._split

    def w2v_available(self) -> str | None:
        probe = subprocess.run(self.w2v_cmd + ["train", "--help"], capture_output=True, text=True,
                               env=self.env, cwd=ROOT)
        if probe.returncode != 0:
            return f"`{shlex.join(self.w2v_cmd)} train --help` failed: " + \
                (probe.stderr.strip().splitlines() or ["?"])[-1]
        return None

    def gensim_version(self) -> str | None:
        probe = subprocess.run([self.gensim_python, "-c", "import gensim; print(gensim.__version__)"],
                               capture_output=True, text=True)
        return probe.stdout.strip() if probe.returncode == 0 else None

    def unavailable(self, tool: str) -> str | None:
        """Why ``tool`` cannot run here, or None."""
        if tool in ("w2v", "w2v-classic"):
            return self.w2v_available()
        if tool.startswith("gensim"):
            return None if self.gensim_version() else f"no gensim in {self.gensim_python} (see --gensim-python)"
        if tool == "c":
            if not self.word2vec:
                return "no --word2vec-bin given"
            if not os.access(self.word2vec, os.X_OK):
                return f"not an executable: {self.word2vec}"
        return None


def train_once(setup: Setup, tool: str, mode: str, vectors: Path) -> dict:
    """Train one model in a child process; return its measurements (vectors written to ``vectors``)."""
    a = setup.args
    alpha = a.alpha if a.alpha is not None else DEFAULT_ALPHA[mode]
    sg = mode == "sg"
    common = dict(dim=a.dim, window=a.window, negative=a.negative, sample=a.sample,
                  min_count=a.min_count, epochs=a.epochs, threads=a.threads, alpha=alpha)
    record = {"tool": tool, "mode": mode, "settings": common}
    if tool in ("w2v", "w2v-classic"):
        model = vectors.with_suffix(".w2v")
        cmd = setup.w2v_cmd + [
            "train", str(setup.corpus), "-o", str(model), "--skipgram" if sg else "--cbow",
            "--dim", str(a.dim), "--window", str(a.window), "--negative", str(a.negative),
            "--sample", str(a.sample), "--min-count", str(a.min_count), "--epochs", str(a.epochs),
            "--threads", str(a.threads), "--alpha", str(alpha),
            "--kernel", "classic" if tool == "w2v-classic" else "batched",
        ]  # not --quiet: it also silences the summary line that gives the training time
        child = run_measured(cmd, env=setup.env, cwd=ROOT).check("w2v train")
        summary = parse_w2v_summary(child.stderr)
        train_s, source = None, "wall time"
        if summary:
            train_s, source = summary[1], "w2v summary line"
            record["reported_words_per_s"] = summary[2]
        else:
            try:
                from w2v.vectors.formats import load_model

                train_s = load_model(model).corpus.get("train_seconds")
                source = "model header corpus.train_seconds"
            except Exception as e:  # an older or newer model layout: fall back to wall time
                log(f"  (no training time in the model header: {e})")
        run_measured(setup.w2v_cmd + ["export", "-m", str(model), "-o", str(vectors)],
                     env=setup.env, cwd=ROOT).check("w2v export")
        model.unlink(missing_ok=True)
    elif tool.startswith("gensim"):
        file_mode = tool == "gensim-file"
        corpus = setup.corpus_lines() if file_mode else setup.corpus
        cmd = [setup.gensim_python, str(HERE / "gensim_job.py"), "train", str(corpus), str(vectors),
               "--mode", "file" if file_mode else "iterable", "--sg", str(int(sg))]
        if not file_mode and is_single_line(setup.corpus):
            cmd.append("--text8")
        for key, value in common.items():
            cmd += [f"--{key.replace('_', '-')}", str(value)]
        child = run_measured(cmd).check(tool)
        report = json.loads(child.stdout.strip().splitlines()[-1])
        train_s, source = report["train_seconds"], "gensim train() call"
        record["gensim"] = {k: report[k] for k in ("gensim", "vocab_seconds", "vocab_size", "raw_words",
                                                   "effective_words")}
    elif tool == "c":
        cmd = [str(setup.word2vec), "-train", str(setup.corpus), "-output", str(vectors),
               "-cbow", "0" if sg else "1", "-size", str(a.dim), "-window", str(a.window),
               "-negative", str(a.negative), "-hs", "0", "-sample", str(a.sample),
               "-threads", str(a.threads), "-binary", "0", "-iter", str(a.epochs),
               "-min-count", str(a.min_count), "-alpha", str(alpha)]
        child = run_measured(cmd).check("word2vec")
        train_s, source = c_training_seconds(child.events), "progress lines"
    else:
        raise ValueError(tool)
    if not train_s:
        train_s, source = child.wall, "wall time"
    record.update({
        "command": shlex.join(cmd),
        "wall_s": child.wall,
        "train_s": train_s,
        "train_s_from": source,
        "words_per_s": setup.corpus_words * a.epochs / train_s,
        "peak_rss_mib": child.peak_rss_kib / 1024,
        "cpu_s": child.cpu_s,
        "others_cpu": child.others_cpu,
    })
    return record


def evaluate(setup: Setup, vectors: Path) -> dict:
    words, matrix = read_vectors(vectors)
    analogy = evaluate_analogies(words, matrix, setup.args.questions, restrict_vocab=30000)
    pairs = evaluate_word_pairs(words, matrix, setup.args.pairs)
    return {
        "vocab_size": len(words),
        "analogy": analogy.accuracy,
        "analogy_semantic": analogy.semantic.accuracy,
        "analogy_syntactic": analogy.syntactic.accuracy,
        "analogy_seen": analogy.seen,
        "analogy_questions": analogy.questions,
        "ws353_spearman": pairs.spearman,
        "ws353_pearson": pairs.pearson,
        "ws353_oov": pairs.oov,
    }


def benchmark_training(setup: Setup, tools, modes) -> dict:
    a = setup.args
    vec_dir = setup.work / "vectors"
    vec_dir.mkdir(parents=True, exist_ok=True)
    runs, failures = [], []
    for repeat in range(a.repeats):
        order = tools[repeat % len(tools):] + tools[:repeat % len(tools)]  # alternate who goes first
        for mode in modes:
            for tool in order:
                vectors = vec_dir / f"{tool}-{mode}.txt"
                load_before = os.getloadavg()[0]
                log(f"[{repeat + 1}/{a.repeats}] {TOOL_NAMES[tool]} {MODES[mode]} "
                    f"(load average {load_before:.2f}) ...")
                try:
                    record = train_once(setup, tool, mode, vectors)
                except RuntimeError as e:  # one tool failing must not lose the others' figures
                    log(f"    {e}")
                    failures.append({"tool": tool, "mode": mode, "repeat": repeat, "error": str(e)})
                    continue
                record.update(repeat=repeat, load_before=load_before, load_after=os.getloadavg()[0])
                record.update(evaluate(setup, vectors))
                log(f"    {record['words_per_s']:,.0f} words/s, train {record['train_s']:.1f} s "
                    f"({record['train_s_from']}), wall {record['wall_s']:.1f} s, "
                    f"peak RSS {record['peak_rss_mib']:.0f} MiB, analogy {100 * (record['analogy'] or 0):.2f} %, "
                    f"ws353 {record['ws353_spearman'] or float('nan'):.3f}, "
                    f"others' CPU {100 * (record['others_cpu'] or 0):.0f} %")
                runs.append(record)
    return {"meta": meta(setup, tools, modes), "runs": runs, "failures": failures, "summary": summarise(runs)}


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarise(runs) -> list[dict]:
    groups: dict[tuple, list] = {}
    for r in runs:
        groups.setdefault((r["mode"], r["tool"]), []).append(r)
    summary = []
    for (mode, tool), rs in groups.items():
        wps = [r["words_per_s"] for r in rs]
        summary.append({
            "mode": mode, "tool": tool, "runs": len(rs),
            "words_per_s": _median(wps), "words_per_s_min": min(wps), "words_per_s_max": max(wps),
            "train_s": _median([r["train_s"] for r in rs]),
            "wall_s": _median([r["wall_s"] for r in rs]),
            "peak_rss_mib": _median([r["peak_rss_mib"] for r in rs]),
            "analogy": _median([r["analogy"] for r in rs]),
            "analogy_min": min((r["analogy"] or 0) for r in rs),
            "analogy_max": max((r["analogy"] or 0) for r in rs),
            "analogy_semantic": _median([r["analogy_semantic"] for r in rs]),
            "analogy_syntactic": _median([r["analogy_syntactic"] for r in rs]),
            "ws353_spearman": _median([r["ws353_spearman"] for r in rs]),
            "others_cpu": _median([r.get("others_cpu") for r in rs]),
        })
    for s in summary:
        if s["tool"] == "w2v":
            continue
        ours = next((o for o in summary if o["tool"] == "w2v" and o["mode"] == s["mode"]), None)
        if ours:
            s["w2v_speed_ratio"] = ours["words_per_s"] / s["words_per_s"]
            if ours["analogy"] is not None and s["analogy"] is not None:
                s["w2v_analogy_points"] = 100 * (ours["analogy"] - s["analogy"])
    return summary


def meta(setup: Setup, tools, modes) -> dict:
    a = setup.args
    versions = {"python": platform.python_version()}
    g = setup.gensim_version() if any(t.startswith("gensim") for t in tools) else None
    if g:
        versions["gensim"] = g
    try:
        versions["w2v_commit"] = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                                capture_output=True, text=True).stdout.strip()
    except OSError:
        pass
    return {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "command": "python benchmarks/run.py " + shlex.join(sys.argv[1:]),
        "machine": machine(),
        "versions": versions,
        "corpus": str(setup.corpus),
        "corpus_words": setup.corpus_words,
        "tools": tools,
        "modes": modes,
        "settings": {"dim": a.dim, "window": a.window, "negative": a.negative, "sample": a.sample,
                     "min_count": a.min_count, "epochs": a.epochs, "threads": a.threads,
                     "alpha": a.alpha or DEFAULT_ALPHA, "repeats": a.repeats},
    }


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "system": platform.platform(), "load_average": os.getloadavg()}


# ---------------------------------------------------------------------------
# query latency


def prepare_query_files(setup: Setup, folder: Path, make_vectors) -> dict:
    """The same vectors as a w2v model, a word2vec binary file and a gensim KeyedVectors file."""
    from w2v.vectors.formats import save_model, save_word2vec

    folder.mkdir(parents=True, exist_ok=True)
    files = {"w2v": folder / "model.w2v", "binary": folder / "vectors.bin", "kv": folder / "gensim.kv"}
    done = folder / "ready"
    if not done.exists():
        words, vectors = make_vectors()
        log(f"writing query files for {len(words):,} x {vectors.shape[1]} vectors in {folder}")
        save_model(files["w2v"], words, vectors, None)
        save_word2vec(files["binary"], words, vectors, binary=True)
        del vectors
        if setup.gensim_version():
            run_measured([setup.gensim_python, str(HERE / "gensim_job.py"), "convert",
                          str(files["binary"]), str(files["kv"])]).check("gensim convert")
        done.write_text("ok\n")
    return files


def synthetic_vectors(rows: int, dim: int):
    import numpy as np

    rng = np.random.default_rng(0)
    vectors = np.empty((rows, dim), dtype=np.float32)
    for start in range(0, rows, 100_000):
        vectors[start:start + 100_000] = rng.standard_normal((min(100_000, rows - start), dim), dtype=np.float32)
    words = [QUERY_WORD] + [f"w{i:07d}" for i in range(1, rows)]
    return words, vectors


def time_queries(setup: Setup, label: str, files: dict) -> list[dict]:
    a = setup.args
    gensim_job = [setup.gensim_python, str(HERE / "gensim_job.py"), "query"]
    candidates = []
    if "w2v" in a.tools and setup.w2v_available() is None:
        candidates.append(("w2v nearest (native model, memory-mapped)",
                           setup.w2v_cmd + ["nearest", QUERY_WORD, "-m", str(files["w2v"])], None, setup.env))
    if any(t.startswith("gensim") for t in a.tools) and files["kv"].exists():
        candidates.append(("gensim KeyedVectors.load(mmap='r') + most_similar",
                           gensim_job + [str(files["kv"]), QUERY_WORD, "--format", "kv"], None, None))
        candidates.append(("gensim load_word2vec_format(binary) + most_similar",
                           gensim_job + [str(files["binary"]), QUERY_WORD, "--format", "binary"], None, None))
    if "c" in a.tools and setup.distance and os.access(setup.distance, os.X_OK):
        candidates.append(("C distance (binary file)", [str(setup.distance), str(files["binary"])],
                           f"{QUERY_WORD}\nEXIT\n", None))
    results = []
    for name, cmd, stdin_text, env in candidates:
        run_measured(cmd, stdin_text, env=env, cwd=ROOT).check(name)  # warm the page cache
        children = [run_measured(cmd, stdin_text, env=env, cwd=ROOT).check(name) for _ in range(a.query_repeats)]
        walls = [c.wall for c in children]
        results.append({"model": label, "tool": name, "command": shlex.join(cmd),
                        "median_s": statistics.median(walls), "min_s": min(walls), "max_s": max(walls),
                        "peak_rss_mib": statistics.median(c.peak_rss_kib for c in children) / 1024,
                        "others_cpu": _median([c.others_cpu for c in children])})
        log(f"  {label}: {name}: {statistics.median(walls):.3f} s (min {min(walls):.3f}), "
            f"peak RSS {results[-1]['peak_rss_mib']:.0f} MiB, others' CPU {100 * (results[-1]['others_cpu'] or 0):.0f} %")
    return results


def benchmark_queries(setup: Setup) -> dict:
    a = setup.args
    results = []
    try:
        import w2v.vectors.formats  # noqa: F401
    except ImportError as e:
        log(f"query benchmark skipped: w2v.vectors.formats is not available ({e})")
        return {"skipped": str(e)}
    trained = [setup.work / "vectors" / f"{t}-{m}.txt" for m in MODES for t in TOOLS]
    source = next((path for path in trained if path.exists()), None)
    if source is None:
        log(f"query benchmark on trained vectors skipped: no vectors in {setup.work / 'vectors'} "
            "(run the training benchmark first)")
    else:
        label = f"{setup.corpus.name} ({source.stem})"
        files = prepare_query_files(setup, setup.work / "query" / source.stem, lambda: read_vectors(source))
        results += time_queries(setup, label, files)
    if a.synthetic_rows:
        rows, dim = a.synthetic_rows, a.synthetic_dim
        files = prepare_query_files(setup, setup.work / "query" / f"synthetic-{rows}x{dim}",
                                    lambda: synthetic_vectors(rows, dim))
        results += time_queries(setup, f"synthetic {rows:,} x {dim}", files)
    return {"meta": {"date": datetime.datetime.now().isoformat(timespec="seconds"),
                     "command": "python benchmarks/run.py " + shlex.join(sys.argv[1:]),
                     "machine": machine(), "word": QUERY_WORD, "repeats": a.query_repeats},
            "results": results}


# ---------------------------------------------------------------------------
# reports


def _pct(v):
    return "–" if v is None else f"{100 * v:.1f} %"


def _alpha(alpha):
    if isinstance(alpha, dict):
        return " / ".join(f"{v} ({MODES[m]})" for m, v in alpha.items())
    return str(alpha)


def _k(v):
    return f"{v / 1e6:.2f}M" if v >= 1e6 else f"{v / 1e3:.0f}k"


def markdown(results: dict, plotted: str | None = None) -> str:
    lines = ["# Benchmark results", "",
             "Generated by `benchmarks/run.py` (see benchmarks/README.md); every figure below comes from "
             "the run described with it. Training words/s = corpus words x epochs / training seconds.", ""]
    train = results.get("train")
    if train and train.get("runs"):
        m = train["meta"]
        st = m["settings"]
        lines += [
            "## Training", "",
            f"Command: `{m['command']}`  ",
            f"Date: {m['date']}; machine: {m['machine']['cpu']}, {m['machine']['cores']} cores; "
            f"versions: {', '.join(f'{k} {v}' for k, v in m['versions'].items())}  ",
            f"Corpus: `{Path(m['corpus']).name}`, {m['corpus_words']:,} words; dim {st['dim']}, window {st['window']}, "
            f"negative {st['negative']}, sample {st['sample']}, min-count {st['min_count']}, "
            f"{st['epochs']} epoch(s), {st['threads']} threads, alpha {_alpha(st['alpha'])}; "
            f"{st['repeats']} repeat(s), tools alternating, medians (min–max).", "",
            "| mode | tool | words/s | train s | end-to-end s | peak RSS | analogy (30k) | sem / syn | WS353 ρ "
            "| w2v speed ratio | w2v end-to-end ratio |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for s in train["summary"]:
            ratio = f"{s['w2v_speed_ratio']:.2f}x" if "w2v_speed_ratio" in s else ""
            ours = next((o for o in train["summary"] if o["tool"] == "w2v" and o["mode"] == s["mode"]), None)
            wall_ratio = f"{s['wall_s'] / ours['wall_s']:.2f}x" if ours and s is not ours else ""
            rng = f" ({_k(s['words_per_s_min'])}–{_k(s['words_per_s_max'])})" if s["runs"] > 1 else ""
            ws = "–" if s["ws353_spearman"] is None else f"{s['ws353_spearman']:.3f}"
            lines.append(
                f"| {MODES[s['mode']]} | {TOOL_NAMES[s['tool']]} | {_k(s['words_per_s'])}{rng} | "
                f"{s['train_s']:.1f} | {s['wall_s']:.1f} | {s['peak_rss_mib']:.0f} MiB | {_pct(s['analogy'])} | "
                f"{_pct(s['analogy_semantic'])} / {_pct(s['analogy_syntactic'])} | {ws} | {ratio} | {wall_ratio} |")
        for f in train.get("failures", []):
            lines.append(f"\nFailed: {TOOL_NAMES[f['tool']]} {MODES[f['mode']]} (repeat {f['repeat'] + 1}): "
                         f"{f['error'].splitlines()[0]}")
        sources = sorted({(TOOL_NAMES[r["tool"]], r["train_s_from"]) for r in train["runs"]})
        others = [r["others_cpu"] for r in train["runs"] if r.get("others_cpu") is not None]
        lines += ["", "Training seconds come from: " + "; ".join(f"{t}: {s}" for t, s in sources) + ".  ",
                  "End-to-end seconds: the whole training process, from start to exit (reading the corpus, "
                  "the vocabulary, training, writing the model or vectors); the ratios are the peer's time "
                  "over w2v's.  "]
        if others:
            lines.append(f"Other processes used {100 * min(others):.0f}–{100 * max(others):.0f} % of the machine's "
                         f"CPU time during the training runs (median {100 * statistics.median(others):.0f} %): "
                         "figures from a busy machine understate every tool, unevenly.")
        elif all("load_before" in r for r in train["runs"]):
            loads = [r["load_before"] for r in train["runs"]]
            lines.append(f"1-minute load average before each run: {min(loads):.2f}–{max(loads):.2f} "
                         f"(it includes the previous run's own {st['threads']} threads, decaying).")
        lines.append("")
        if plotted:
            lines += [f"![words/s and analogy accuracy per tool]({plotted})", ""]
    query = results.get("query")
    if query and query.get("results"):
        m = query["meta"]
        lines += ["## Query latency", "",
                  f"Command: `{m['command']}`  ",
                  f"Date: {m['date']}. A fresh process per query (`{m['word']}`, 10 neighbours), "
                  f"page cache warm, median of {m['repeats']}.", "",
                  "| vectors | tool | median s | min–max s | peak RSS | others' CPU |",
                  "| --- | --- | --- | --- | --- | --- |"]
        for r in query["results"]:
            busy = "–" if r.get("others_cpu") is None else f"{100 * r['others_cpu']:.0f} %"
            lines.append(f"| {r['model']} | {r['tool']} | {r['median_s']:.3f} | "
                         f"{r['min_s']:.3f}–{r['max_s']:.3f} | {r['peak_rss_mib']:.0f} MiB | {busy} |")
        lines.append("")
    return "\n".join(lines)


def plot(results: dict, path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("no matplotlib: skipping the plot (pip install matplotlib, or the bench extra)")
        return False
    summary = (results.get("train") or {}).get("summary") or []
    if not summary:
        return False
    modes = [m for m in MODES if any(s["mode"] == m for s in summary)]
    fig, axes = plt.subplots(len(modes), 2, figsize=(11, 3.2 * len(modes)), squeeze=False)
    for row, mode in enumerate(modes):
        ss = [s for s in summary if s["mode"] == mode]
        names = [TOOL_NAMES[s["tool"]] for s in ss]
        colours = [{"w2v": "tab:red", "w2v-classic": "tab:orange"}.get(s["tool"], "tab:gray") for s in ss]
        ax = axes[row][0]
        ax.barh(names, [s["words_per_s"] / 1e6 for s in ss], color=colours,
                xerr=[[(s["words_per_s"] - s["words_per_s_min"]) / 1e6 for s in ss],
                      [(s["words_per_s_max"] - s["words_per_s"]) / 1e6 for s in ss]])
        ax.set_xlabel("training words/s (millions), median")
        ax.set_title(f"{MODES[mode]}: speed")
        ax = axes[row][1]
        ax.barh(names, [100 * (s["analogy"] or 0) for s in ss], color=colours)
        ax.set_xlabel("analogy accuracy, 30k most frequent (%)")
        ax.set_title(f"{MODES[mode]}: quality")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


# ---------------------------------------------------------------------------


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="Benchmark w2v against gensim and the C word2vec: training speed, memory, "
        "embedding quality and query latency.",
        epilog="example: python benchmarks/run.py --word2vec-bin ../peers/word2vec --epochs 1 --repeats 3",
    )
    data = ROOT / "corpora" / "data"
    p.add_argument("--corpus", default=str(data / "text8"), help="training text (default: corpora/data/text8)")
    p.add_argument("--questions", default=str(data / "questions-words.txt"), help="analogy questions")
    p.add_argument("--pairs", default=str(data / "wordsim353.tsv"), help="word-pair similarity file")
    p.add_argument("--tools", default=",".join(TOOLS),
                   help=f"comma-separated, from {','.join(TOOLS + EXTRA_TOOLS)} (default: {','.join(TOOLS)}; "
                        f"unavailable ones are skipped)")
    p.add_argument("--modes", default="sg,cbow", help="sg, cbow or both (default: sg,cbow)")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--dim", type=int, default=100)
    p.add_argument("--window", type=int, default=5)
    p.add_argument("--negative", type=int, default=5)
    p.add_argument("--sample", type=float, default=1e-4)
    p.add_argument("--min-count", type=int, default=5)
    p.add_argument("--alpha", type=float, default=None, help="default: 0.025 skip-gram, 0.05 CBOW (word2vec.c's)")
    p.add_argument("--w2v-cmd", default=None, help="how to run w2v (default: this checkout, python -m w2v)")
    p.add_argument("--gensim-python", default=None, help="a Python with gensim (default: this one)")
    p.add_argument("--word2vec-bin", default=None, help="the C word2vec executable (enables the C peer)")
    p.add_argument("--distance-bin", default=None, help="the C distance executable (default: next to word2vec)")
    p.add_argument("--skip-train", action="store_true", help="only the query benchmark")
    p.add_argument("--skip-query", action="store_true", help="only the training benchmark")
    p.add_argument("--query-repeats", type=int, default=5)
    p.add_argument("--synthetic-rows", type=int, default=1_000_000, help="0 skips the synthetic model")
    p.add_argument("--synthetic-dim", type=int, default=300)
    p.add_argument("--out", default=str(HERE / "out"), help="results.json and work files (default: benchmarks/out)")
    p.add_argument("--report", default=str(HERE / "RESULTS.md"), help="the Markdown report to write")
    p.add_argument("--report-only", action="store_true", help="rewrite the report and plot from results.json")
    args = p.parse_args(argv)
    args.tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    args.modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    for t in args.tools:
        if t not in TOOLS + EXTRA_TOOLS:
            p.error(f"unknown tool {t!r}; choose from {', '.join(TOOLS + EXTRA_TOOLS)}")
    for m in args.modes:
        if m not in MODES:
            p.error(f"unknown mode {m!r}; choose from sg, cbow")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results_path = out / "results.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else {}
    if not args.report_only:
        setup = Setup(args)
        if not args.skip_train:
            for path in (setup.corpus, Path(args.questions), Path(args.pairs)):
                if not path.exists():
                    log(f"Error: not found: {path} (python corpora/fetch.py gets the data)")
                    return 1
            tools = []
            for tool in args.tools:
                why = setup.unavailable(tool)
                if why:
                    log(f"skipping {TOOL_NAMES[tool]}: {why}")
                else:
                    tools.append(tool)
            if not tools:
                log("Error: no tool to benchmark")
                return 1
            setup.corpus_words = count_words(setup.corpus)
            log(f"{setup.corpus}: {setup.corpus_words:,} words; tools: {', '.join(tools)}")
            results["train"] = benchmark_training(setup, tools, args.modes)
            results_path.write_text(json.dumps(results, indent=1))
        if not args.skip_query:
            results["query"] = benchmark_queries(setup)
        results_path.write_text(json.dumps(results, indent=1))
    report = Path(args.report)
    image = report.with_name(f"{report.stem.lower()}.png")  # RESULTS.md -> results.png
    report.write_text(markdown(results, image.name if plot(results, image) else None))
    log(f"wrote {results_path} and {args.report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
