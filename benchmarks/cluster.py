"""Cluster training on text8: accuracy against the single-process run, sync cost, faults, a scaling model.

One job per process (run each under `flock /work/bench.lock`, one at a time), each writing a JSON record:

    python benchmarks/cluster.py job --mode cbow --epochs 3 --workers 4 --out OUT/cbow-e3-w4.json
    python benchmarks/cluster.py job --mode cbow --epochs 3 --workers 0 --out OUT/cbow-e3-single.json
    python benchmarks/cluster.py job --mode cbow --epochs 3 --workers 4 --kills 3 --out OUT/cbow-e3-w4-kill.json
    python benchmarks/cluster.py job --mode cbow --epochs 3 --workers 4 --interrupt 0.5 --out OUT/cbow-e3-w4-int.json
    python benchmarks/cluster.py report OUT --report benchmarks/RESULTS_cluster.md

``--workers 0`` is the single-process run (``w2v train``, 2 threads). Cluster jobs start a local Ray
instance on this machine (``--cluster local``), one thread a worker. ``--kills K`` sends SIGKILL to a
random worker at K random moments; ``--interrupt F`` sends SIGINT to the driver (the CLI, in a child
process) when about F of the run is done, then runs the resume command it printed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from w2v.cluster.schedule import SyncSchedule  # noqa: E402
from w2v.vectors.evaluate import evaluate_analogies, evaluate_word_pairs  # noqa: E402

AUTO_RULE = {"cbow": "2^20 / M^2", "skipgram": "2^21 / M"}  # SyncSchedule.round_words, in words

CORPORA = Path(os.environ.get("W2V_CORPORA_MIRROR", REPO.parent / "shared" / "corpora"))
if not CORPORA.exists():
    CORPORA = Path("/work/shared/corpora")
SETTINGS = dict(dim=100, window=5, negative=5, sample=1e-4, min_count=5)


def params(args, threads):
    from w2v.training.params import TrainParams

    return TrainParams(cbow=args.mode == "cbow", epochs=args.epochs, threads=threads, seed=args.seed, **SETTINGS)


def score(words, vectors) -> dict:
    analogy = evaluate_analogies(words, vectors, str(CORPORA / "questions-words.txt"), restrict_vocab=30000)
    pairs = evaluate_word_pairs(words, vectors, str(CORPORA / "wordsim353.tsv"))
    return {"analogy": analogy.accuracy, "ws353": pairs.spearman, "vocab": len(words)}


def job(args) -> dict:
    record = {"mode": args.mode, "epochs": args.epochs, "workers": args.workers, "schedule": args.schedule,
              "combine": "mean" if args.schedule == "epoch" else args.combine,
              "scale_alpha": args.schedule != "epoch" and args.combine == "mean" and not args.plain_alpha,
              "sync_every": args.sync_every, "saturation": args.saturation,
              "kills": args.kills, "interrupt": args.interrupt, "corpus": args.corpus}
    started = time.monotonic()
    if args.interrupt is not None:
        record.update(interrupted_run(args))
    elif args.workers == 0:
        from w2v.training.trainer import train

        model = train(args.corpus, params(args, 2), quiet=True)
        record.update(stats=_plain(model.stats))
        record.update(score(model.vocab.words, model.vectors))
    else:
        from w2v.cluster import train as train_on_cluster
        from w2v.cluster.schedule import SyncSchedule

        schedule = SyncSchedule.per_epoch() if args.schedule == "epoch" else SyncSchedule(
            every_words=args.sync_every, hot_rows=args.hot_rows, full_every=args.full_every, combine=args.combine,
            scale_alpha=not args.plain_alpha, saturation=args.saturation)
        killer = Killer(args.kills, args.seed) if args.kills else None
        model = train_on_cluster([args.corpus], params(args, 1), address="local", workers=args.workers,
                                 schedule=schedule, quiet=False, on_round=killer)
        record.update(stats=_plain(model.stats), kill_log=killer.log if killer else [])
        record.update(score(model.vocab.words, model.vectors))
    record["wall_seconds"] = time.monotonic() - started
    record["driver_peak_rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return record


class Killer:
    """Kills a random worker (SIGKILL) at ``kills`` random points of the run: in the round after the run
    passes each point, after a random part of a round's time, so it lands in training or in a sync."""

    def __init__(self, kills: int, seed: int):
        self.random = random.Random(seed)
        self.points = sorted(self.random.uniform(0.05, 0.9) for _ in range(kills))
        self.log = []
        self.last = time.monotonic()

    def __call__(self, run) -> None:
        now = time.monotonic()
        round_seconds, self.last = now - self.last, now
        done = run._done() / run.total_words
        if self.points and done >= self.points[0]:
            self.points.pop(0)
            victim = self.random.randrange(run.n_workers)
            pid = run.pids[victim]
            delay = self.random.uniform(0, round_seconds)
            threading.Timer(delay, os.kill, (pid, signal.SIGKILL)).start()
            self.log.append({"at": round(done, 3), "worker": victim + 1, "pid": pid, "delay_s": round(delay, 3)})


def interrupted_run(args) -> dict:
    """The CLI on a local Ray instance, SIGINT when about ``args.interrupt`` of it is done, then --resume."""
    out = Path(args.model)
    command = [sys.executable, "-m", "w2v", "train", args.corpus, "-o", str(out), "--cluster", "local",
               "--workers", str(args.workers), "--threads", "1", "--epochs", str(args.epochs),
               "--skipgram" if args.mode == "skipgram" else "--cbow", "--seed", str(args.seed)]
    for name, value in SETTINGS.items():
        command += ["--" + name.replace("_", "-"), str(value)]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    first = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=env)
    lines = []
    estimate = args.estimate_seconds
    for line in first.stderr:
        lines.append(line)
        if line.startswith("training on"):
            threading.Timer(estimate * args.interrupt, first.send_signal, (signal.SIGINT,)).start()
    first.wait()
    message = lines[-1].strip()
    resume = re.search(r"resume with: (.*)$", message)
    record = {"first_exit": first.returncode, "first_message": message}
    if resume is None:
        record["error"] = "no checkpoint"
        return record
    second = subprocess.run(resume.group(1).replace("w2v train", f"{sys.executable} -m w2v train", 1), shell=True,
                            capture_output=True, text=True, env=env)
    record.update(second_exit=second.returncode, second_log=second.stderr.strip().splitlines()[-6:],
                  first_log=[l.strip() for l in lines[-6:]])
    from w2v.vectors.formats import load_model
    import numpy as np

    model = load_model(str(out))
    record["words_trained"] = model.corpus.get("words_trained")
    record.update(score(model.words, np.asarray(model.vectors)))
    return record


def _plain(stats: dict) -> dict:
    return {k: v for k, v in stats.items() if isinstance(v, (int, float, str, list))}


# -- the report ----------------------------------------------------------------------------------------


def report(folder: Path) -> str:
    records = [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]
    for r in records:  # a run that failed has no scores
        r.setdefault("analogy", None)
        r.setdefault("ws353", None)
    out = ["# Cluster training (`w2v train --cluster`) on text8", "",
           "Generated by `benchmarks/cluster.py report` from the job records in `benchmarks/cluster.py`'s output "
           "folder; each job ran alone under `flock /work/bench.lock`. Machine: 2 cores (AMD EPYC), 23 GiB, "
           "shared with other work; Ray 2.60.0, a local instance started by each job (`--cluster local`). "
           f"Settings: {', '.join(f'{k} {v}' for k, v in SETTINGS.items())}; the single-process run uses 2 "
           "threads, a cluster run 1 thread a worker. With 2 to 8 workers time-sharing 2 cores, only accuracy "
           "and overheads mean anything here; speed is modelled below.", ""]
    plain = [r for r in records if not r["kills"] and r["interrupt"] is None]
    for mode in ("cbow", "skipgram"):
        for epochs in sorted({r["epochs"] for r in plain if r["mode"] == mode}):
            rows = sorted((r for r in plain if r["mode"] == mode and r["epochs"] == epochs),
                          key=lambda r: (r["workers"] != 0, r["schedule"] != "pword2vec", not _rule(r).startswith("mean, 1 to N"),
                                         _rule(r) != "mean at N x alpha",
                                         str(r.get("sync_every")) != "auto", r["workers"]))
            single = next((r for r in rows if r["workers"] == 0), None)
            if not rows:
                continue
            out += [f"## {'CBOW' if mode == 'cbow' else 'Skip-gram'}, {epochs} epochs", "",
                    "| run | sync | analogy (30k) | Δ points | WS353 ρ | Δ | train s | syncs (full) | MB a worker "
                    "a sync | sync share | worker words/s | peak RSS driver / worker |",
                    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
            for r in rows:
                s = r["stats"]
                da = _delta(r, single, "analogy", 100, "+.2f")
                dw = _delta(r, single, "ws353", 1, "+.3f")
                if r["workers"] == 0:
                    out.append(f"| single process, 2 threads | — | {_pct(r['analogy'])} | | {_rho(r['ws353'])} | "
                               f"| {s['train_seconds']:.1f} | — | — | — | {s['words_per_second'] / 2:,.0f} (a thread) "
                               f"| {r['driver_peak_rss'] / 2**20:,.0f} MiB |")
                    continue
                sync = _rule(r) + ("" if r["schedule"] == "epoch" else f", every {_every(r)}")
                out.append(f"| {r['workers']} worker{'s' if r['workers'] > 1 else ''} | {sync} | "
                           f"{_pct(r['analogy'])} | {da} | {_rho(r['ws353'])} | {dw} | {s['train_seconds']:.1f} | "
                           f"{s['syncs']} ({s['full_syncs']}) | {s['bytes_per_sync'] / 1e6:.2f} | "
                           f"{100 * s['sync_share']:.0f} % | {s['worker_words_per_second']:,.0f} | "
                           f"{r['driver_peak_rss'] / 2**20:,.0f} / {s['worker_peak_rss'] / 2**20:,.0f} MiB |")
            out.append("")
    out += scaling_model(plain)
    faults = [r for r in records if r["kills"] or r["interrupt"] is not None]
    if faults:
        out += ["## Fault runs", "", "| run | what happened | analogy (30k) | WS353 ρ | words trained |",
                "| --- | --- | --- | --- | --- |"]
        for r in faults:
            name = f"{r['mode']} {r['epochs']} epochs, {r['workers']} workers"
            if r["kills"]:
                s = r["stats"]
                moments = ", ".join(f"{100 * k['at']:.0f} %" for k in r["kill_log"])
                what = f"kill -9 of a worker at {moments} of the run; {s['restarts']} restarts"
                words = s["words"]
            else:
                at = re.search(r"at ([0-9.]+%)", r.get("first_message", ""))
                what = f"SIGINT to the driver at {at.group(1) if at else '?'}, exit {r['first_exit']}; resumed, " \
                       f"exit {r.get('second_exit')}"
                words = r.get("words_trained") or 0
            out.append(f"| {name} | {what} | {_pct(r['analogy'])} | {_rho(r['ws353'])} | {words:,} |")
        out.append("")
    notes = folder / "NOTES.md"  # what the figures say, written by hand after a run
    if notes.exists():
        out += [notes.read_text()]
    return "\n".join(out) + "\n"


def _rule(record) -> str:
    """How a run combined the workers' changes."""
    if record["schedule"] == "epoch":
        return "once an epoch, mean"
    combine = record.get("combine", "mixed")
    if combine == "mean" and record.get("scale_alpha"):
        # records from before the frequent words were slowed have no "saturation"
        saturation = record.get("saturation", 0) if record["workers"] > 1 else 0  # 1 worker: nothing to slow
        return f"mean, 1 to N x alpha by frequency (saturation {saturation:g})" if saturation else "mean at N x alpha"
    return {"mixed": "hot rows mean, others sum", "mean": "mean", "sum": "sum"}[combine]


def _every(record) -> str:
    """Words between two syncs, over all workers."""
    every = record.get("sync_every", 1 << 18)
    n = record["workers"]
    if every == "auto":
        # records from before the driver reported its round kept 2^20 / N^2, then the rule for both modes
        every = record.get("stats", {}).get("round_words") or max(1 << 14, (1 << 20) // n ** 2)
    label = " (auto)"
    if record["mode"] == "skipgram" and "round_words" not in record.get("stats", {}):
        label = " (auto until 2026-12-04: 2^20 / N^2)"
    return f"{every:,} words a worker" + (label if record.get("sync_every") == "auto" else "")


def _pct(value) -> str:
    return "—" if value is None else f"{100 * value:.2f} %"


def _rho(value) -> str:
    return "—" if value is None else f"{value:.3f}"


def _delta(record, single, key, scale, spec) -> str:
    if single is None or record is single or record[key] is None or single[key] is None:
        return ""
    return format(scale * (record[key] - single[key]), spec)


def scaling_model(records) -> list[str]:
    """Expected words/s of M machines x 16 cores from the measured per-thread rate and sync cost,
    at several numbers of words between two syncs (over all machines)."""
    out = []
    for mode in ("cbow", "skipgram"):
        single = [r for r in records if r["mode"] == mode and r["workers"] == 0]
        one = [r for r in records if r["mode"] == mode and r["workers"] == 1 and r["schedule"] == "pword2vec"]
        if not single or not one:
            continue
        single, one = single[0], one[0]
        thread_rate = single["stats"]["words_per_second"] / 2
        local = one["stats"]["sync_seconds"] / max(one["stats"]["syncs"], 1)
        vocab, dim, hot, k = single["vocab"], SETTINGS["dim"], 4096, 8
        full_bytes = 2 * vocab * dim * 4  # syn0 and syn1neg
        hot_bytes = 2 * min(hot, vocab) * dim * 4
        mean_bytes = ((k - 1) * hot_bytes + full_bytes) / k
        node_rate = 16 * thread_rate
        name = "CBOW" if mode == "cbow" else "Skip-gram"
        out += [f"## Scaling model, {name}", "",
                f"Measured here: {thread_rate:,.0f} words/s a thread (the single-process run, 2 threads); a sync's "
                f"local work (delta, combine, apply through Ray's object store; 1 worker, no network) "
                f"{1000 * local:.0f} ms. Assumed: a 16-core machine trains at 16 x that = {node_rate / 1e6:.1f}M "
                f"words/s (linear within a machine); one worker a machine with --threads 16, training W words "
                f"between two syncs (auto: {AUTO_RULE[mode]}, at least 16,384); a sync sends the {min(hot, vocab):,} hot rows of "
                f"syn0 and syn1neg ({hot_bytes / 1e6:.1f} MB) and every {k}th sync all {vocab:,} rows "
                f"({full_bytes / 1e6:.1f} MB): {mean_bytes / 1e6:.1f} MB on average. A reduce-scatter plus "
                "all-gather moves 2 (M-1)/M of that in and out of each machine, and the syncs do not overlap "
                "training, so", "",
                "    sync s = local + 2 (M-1)/M x bytes / bandwidth,   words/s = M x W / (W / node rate + sync s)",
                "", "| machines | cores | W (words a machine a sync) | 1 Gbit/s | 10 Gbit/s | 25 Gbit/s | ideal (no sync) |",
                "| --- | --- | --- | --- | --- | --- | --- |"]
        for machines in (4, 16, 64):
            auto = SyncSchedule().round_words(machines, skipgram=mode == "skipgram")
            for w, label in ((auto, f"{auto:,} (auto)"), (1 << 20, "1,048,576"), (1 << 23, "8,388,608")):
                cells = []
                for gbit in (1, 10, 25):
                    sync = local + 2 * (machines - 1) / machines * mean_bytes / (gbit * 1e9 / 8)
                    rate = machines * w / (w / node_rate + sync)
                    cells.append(f"{rate / 1e6:,.0f}M ({100 * rate / (machines * node_rate):.0f} %)")
                out.append(f"| {machines} | {16 * machines} | {label} | {' | '.join(cells)} | "
                           f"{machines * node_rate / 1e6:,.0f}M |")
        out.append("")
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    j = sub.add_parser("job")
    j.add_argument("--corpus", default="/work/scratch/cluster/text8")
    j.add_argument("--mode", choices=("cbow", "skipgram"), default="cbow")
    j.add_argument("--epochs", type=int, default=3)
    j.add_argument("--workers", type=int, default=2)
    j.add_argument("--schedule", choices=("pword2vec", "epoch"), default="pword2vec")
    j.add_argument("--sync-every", type=lambda v: v if v == "auto" else int(v), default="auto")
    j.add_argument("--hot-rows", type=int, default=4096)
    j.add_argument("--full-every", type=int, default=8)
    j.add_argument("--combine", choices=("mean", "sum"), default="mean")
    j.add_argument("--plain-alpha", action="store_true", help="average at the plain learning rate (pWord2Vec's)")
    j.add_argument("--saturation", type=float, default=500.0, help="frequent words step slower (0: all at N x alpha)")
    j.add_argument("--kills", type=int, default=0)
    j.add_argument("--interrupt", type=float, default=None)
    j.add_argument("--estimate-seconds", type=float, default=30.0, help="with --interrupt: the run's training time")
    j.add_argument("--model", default="/work/scratch/cluster/interrupted.w2v")
    j.add_argument("--seed", type=int, default=1)
    j.add_argument("--out", required=True)
    r = sub.add_parser("report")
    r.add_argument("folder")
    r.add_argument("--report", required=True)
    args = p.parse_args(argv)
    if args.command == "job":
        record = job(args)
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(record, indent=1))
        print(json.dumps({k: v for k, v in record.items() if k not in ("stats",)}, indent=1))
    else:
        text = report(Path(args.folder))
        Path(args.report).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
