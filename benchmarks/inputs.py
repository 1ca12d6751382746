"""Reading speed of compressed and legacy-encoded corpora (issue 15), against the plain file
and against the decompressor's (or iconv's) own speed.

    python benchmarks/inputs.py --text8 text8 --korean nsmc.txt --workdir /tmp/inputs --repeats 2 \\
        --record benchmarks/RESULTS_inputs.md

From ``--text8`` (plain text) it makes text8.gz (gzip -6), text8.bz2 (bzip2 -9) and text8.xz
(xz -6) in ``--workdir``; from ``--korean`` (UTF-8 Korean text) a CP949 copy. Then, in rounds
that alternate the cases, it times three things per input, each in its own child process:

- ``tool``: the decompressor alone, ``gzip -dc FILE > /dev/null`` (bzip2, xz; ``iconv -f cp949
  -t utf-8`` for the CP949 file; ``cat`` for a plain file);
- ``scan``: ``w2v.text.corpus.scan_corpus(FILE)`` alone (after a warm-up scan, so without start-up
  or kernel loading), the number the reader is responsible for;
- ``vocab``: the whole ``python -m w2v vocab FILE -o /dev/null`` command, with its peak RSS.

MB/s are MB of UTF-8 text per second (the decompressed size), so every row compares with the
plain file's. Medians over the rounds; the machine's other load during each run is shown.

    python benchmarks/inputs.py --statistics FILE...

prints, for each file, the numbers ``w2v.text.sources`` judges the start of a text by (control and
NUL bytes, invalid UTF-8), next to its thresholds, and what it decides.
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import run_measured  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SCAN = """import resource, sys, time
from w2v.text.corpus import scan_corpus
encoding = sys.argv[2] or None
with scan_corpus(sys.argv[3]) as s:  # warm-up: loads the cached kernels
    pass
start, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
with scan_corpus(sys.argv[1], encoding=encoding) as s:
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    print(time.perf_counter() - start, cpu, s.n_bytes, s.n_tokens)
"""


def prepare(args) -> list[dict]:
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    text8 = Path(args.text8).resolve()
    cases = [{"name": "text8 (plain)", "path": text8, "tool": ["cat", str(text8)], "text": text8}]
    for suffix, tool, level in (("gz", "gzip", "-6"), ("bz2", "bzip2", "-9"), ("xz", "xz", "-6")):
        path = work / f"text8.{suffix}"
        if not path.exists():
            with open(path, "wb") as out:
                subprocess.run([tool, level, "-c", str(text8)], stdout=out, check=True)
        cases.append({"name": f"text8.{suffix}", "path": path, "tool": [tool, "-dc", str(path)], "text": text8})
    if args.korean:
        korean = Path(args.korean).resolve()
        utf8, cp949 = work / "korean-utf8.txt", work / "korean-cp949.txt"
        if not cp949.exists():
            # characters CP949 lacks (emoji...) become '?': both files hold the same text
            text = korean.read_bytes().decode("utf-8", "replace").encode("cp949", "replace")
            cp949.write_bytes(text)
            utf8.write_bytes(text.decode("cp949").encode())
        cases.append({"name": "Korean (UTF-8, plain)", "path": utf8, "tool": ["cat", str(utf8)], "text": utf8})
        cases.append({"name": "Korean (CP949, --encoding cp949)", "path": cp949, "encoding": "cp949",
                      "tool": ["iconv", "-f", "cp949", "-t", "utf-8", str(cp949)], "text": utf8})
    tiny = work / "warmup.txt"
    tiny.write_text("a b c\n")
    for case in cases:
        case["warmup"] = tiny
        case["runs"] = {"tool": [], "scan": [], "vocab": []}
    return [c for c in cases if not args.only or any(o in c["name"] for o in args.only.split(","))]


def measure(case) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    text_mb = case["text"].stat().st_size / 1e6
    # (MB/s by the wall clock, peak RSS, others' share of the CPUs, MB per CPU second)
    tool = run_measured(["sh", "-c", shlex.join(case["tool"]) + " > /dev/null"])
    case["runs"]["tool"].append((text_mb / tool.wall, tool.peak_rss_kib, tool.others_cpu, text_mb / max(tool.cpu_s, 0.01)))
    scan = run_measured([sys.executable, "-c", SCAN, str(case["path"]), case.get("encoding", ""),
                         str(case["warmup"])], env=env).check("scan")
    seconds, cpu, n_bytes, _ = scan.stdout.split()
    mb = int(n_bytes) / 1e6
    case["runs"]["scan"].append((mb / float(seconds), scan.peak_rss_kib, scan.others_cpu, mb / max(float(cpu), 0.01)))
    encoding = ["--encoding", case["encoding"]] if case.get("encoding") else []
    vocab = run_measured([sys.executable, "-m", "w2v", "vocab", str(case["path"]), "-o", os.devnull, *encoding],
                         env=env).check("vocab")
    case["runs"]["vocab"].append((text_mb / vocab.wall, vocab.peak_rss_kib, vocab.others_cpu, text_mb / max(vocab.cpu_s, 0.01)))
    print(f"{case['name']}: tool {text_mb / tool.wall:.0f} MB/s ({text_mb / max(tool.cpu_s, 0.01):.0f} per CPU s), "
          f"scan {mb / float(seconds):.0f} MB/s ({mb / max(float(cpu), 0.01):.0f}), vocab {text_mb / vocab.wall:.0f} MB/s "
          f"({text_mb / max(vocab.cpu_s, 0.01):.0f}), {vocab.peak_rss_kib / 1024:.0f} MiB", flush=True)


def table(cases, command) -> str:
    def med(runs, i):
        return statistics.median(r[i] for r in runs)

    lines = [
        "| input | stored MB | tool alone MB/s | scan alone MB/s | `w2v vocab` MB/s | scan / tool (wall) "
        "| scan / tool (CPU) | `w2v vocab` peak RSS | scan peak RSS | others' CPU |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for c in cases:
        runs = c["runs"]
        tool, scan, vocab = (med(runs[k], 0) for k in ("tool", "scan", "vocab"))
        tool_cpu, scan_cpu, vocab_cpu = (med(runs[k], 3) for k in ("tool", "scan", "vocab"))
        others = max((r[2] or 0) for kind in runs.values() for r in kind)
        lines.append(f"| {c['name']} | {c['path'].stat().st_size / 1e6:.1f} | {tool:.0f} ({tool_cpu:.0f}) | "
                     f"{scan:.0f} ({scan_cpu:.0f}) | {vocab:.0f} ({vocab_cpu:.0f}) | {scan / tool:.2f} | "
                     f"{scan_cpu / tool_cpu:.2f} | {med(runs['vocab'], 1) / 1024:.0f} MiB | "
                     f"{med(runs['scan'], 1) / 1024:.0f} MiB | up to {100 * min(others, 1):.0f}% |")
    lines.append("\nMB/s: MB of UTF-8 text per second of wall clock; in brackets, per CPU second of the process "
                 "(the tool's, the scan's alone, or the whole `w2v vocab` command's).")
    return "\n".join(lines) + f"\n\nCommand: `{command}`; {len(cases[0]['runs']['scan'])} rounds, medians.\n"


def statistics_table(paths) -> str:
    """The sniffing statistics of each file's first SAMPLE_BYTES (after decompression)."""
    import numpy as np

    from w2v.errors import CorpusError
    from w2v.text import sources

    lines = ["| file | sample | control bytes | NUL bytes | invalid UTF-8 sequences | of non-ASCII bytes | decision |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for path in paths:
        with open(path, "rb") as f:
            head = f.read(8)
        kind = sources._compression(head)
        opener = {"gzip": "gzip", "bzip2": "bz2", "xz": "lzma"}.get(kind)
        if opener:
            module = __import__(opener)
            with module.open(path, "rb") as f:
                sample = f.read(sources.SAMPLE_BYTES)
        else:
            with open(path, "rb") as f:
                sample = f.read(sources.SAMPLE_BYTES)
        data = np.frombuffer(sample, dtype=np.uint8)
        control = int(sources._CONTROL[data].sum())
        nul = int((data == 0).sum())
        sequences, invalid, non_ascii = sources._invalid_utf8(sample)
        try:
            with sources.open_source(path):
                decision = "read"
        except CorpusError as e:
            decision = "refused: " + str(e).replace(repr(str(path)), "FILE").split(":")[0]
        n = max(data.shape[0], 1)
        lines.append(f"| {Path(path).name} | {data.shape[0]:,} B | {100 * control / n:.3f}% | {100 * nul / n:.3f}% | "
                     f"{sequences:,} ({sequences * 10_000 / n:.2f} per 10 kB) | "
                     f"{100 * invalid / max(non_ascii, 1):.1f}% of {non_ascii:,} | {decision} |")
    lines.append(f"\nThresholds: control > {100 * sources.MAX_CONTROL_SHARE:g}% or NUL > "
                 f"{100 * sources.MAX_NUL_SHARE:g}% is binary; invalid UTF-8 > {100 * sources.MAX_INVALID_SHARE:g}% "
                 f"of the non-ASCII bytes, with at least {sources.MIN_INVALID} sequences and one per "
                 f"{sources.INVALID_PER_BYTES:,} bytes, is not UTF-8.")
    return "\n".join(lines) + "\n"


def main() -> None:
    if sys.argv[1:2] == ["--statistics"]:
        print(statistics_table(sys.argv[2:]))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--text8", required=True, help="the plain text8 file")
    parser.add_argument("--korean", help="a UTF-8 Korean text file (e.g. nsmc_reviews.txt, gunzipped)")
    parser.add_argument("--workdir", required=True, help="where the compressed and CP949 copies are made")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--only", help="comma-separated parts of case names to run (e.g. gz,bz2)")
    parser.add_argument("--record", help="append the table to this Markdown file")
    args = parser.parse_args()
    cases = prepare(args)
    for round_ in range(args.repeats):  # alternate the order, so that no case always runs first
        for case in cases if round_ % 2 == 0 else cases[::-1]:
            measure(case)
    report = f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n\n" + table(
        cases, "python benchmarks/inputs.py " + shlex.join(sys.argv[1:]))
    print(report)
    if args.record:
        with open(args.record, "a") as f:
            f.write("\n" + report)


if __name__ == "__main__":
    main()
