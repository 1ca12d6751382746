"""Tests of the benchmark harness's own parts: python -m pytest benchmarks -q."""

import importlib.util
import sys
from pathlib import Path

import pytest

spec = importlib.util.spec_from_file_location("bench_run", Path(__file__).with_name("run.py"))
run = sys.modules["bench_run"] = importlib.util.module_from_spec(spec)
spec.loader.exec_module(run)


def test_w2v_summary_parser_is_tolerant():
    assert run.parse_w2v_summary(
        "progress...\ntrained 17,270,244 words in 10.50 s, 1,644,785 words/s (2 threads, ...)\n"
    ) == (17270244, 10.5, 1644785)
    assert run.parse_w2v_summary("Trained 1000 words in 2s -> 500 words/s") == (1000, 2, 500)
    assert run.parse_w2v_summary("no summary here") is None


def test_c_training_seconds_from_progress_lines():
    events = [(1.0, "out", "Vocab size: 10"), (2.0, "out", "Alpha: 0.024  Progress: 10.00%  Words/thread/sec: 100.00k  "),
              (11.0, "out", "Alpha: 0.000  Progress: 100.00%  Words/thread/sec: 100.00k  ")]
    assert run.c_training_seconds(events) == pytest.approx(10.0)
    assert run.c_training_seconds(events[:2]) is None


def test_count_and_split(tmp_path):
    one = tmp_path / "one"
    one.write_bytes(b" a bb  ccc d e\n")
    assert run.count_words(one) == 5
    run.split_lines(one, tmp_path / "one.lines", 2)
    assert (tmp_path / "one.lines").read_bytes() == b"a bb\nccc d\ne\n"
    many = tmp_path / "many"
    many.write_bytes(b"a b c\nd e\n\nf\n")
    run.split_lines(many, tmp_path / "many.lines", 2)
    assert (tmp_path / "many.lines").read_bytes() == b"a b\nc\nd e\nf\n"


@pytest.mark.parametrize("launcher", ["time", "python"])
def test_peak_rss_is_the_childs_own(launcher, monkeypatch):
    if launcher == "python":
        monkeypatch.setattr(run, "TIME_BIN", None)
    elif not run.TIME_BIN:
        pytest.skip("no GNU time here")
    ballast = bytearray(300 << 20)  # this process is large; a small child must not look large
    ballast[::4096] = b"x" * len(ballast[::4096])
    small = run.run_measured([sys.executable, "-c", "pass"])
    big = run.run_measured([sys.executable, "-c", "x = bytearray(200 << 20); x[::4096] = b'x' * len(x[::4096])"])
    assert small.returncode == 0 and small.peak_rss_kib < 100 << 10
    assert big.peak_rss_kib > 200 << 10
    assert big.cpu_s is not None and big.cpu_s >= 0
    assert big.others_cpu is None or 0 <= big.others_cpu <= 1
    del ballast


def test_run_measured_output_stdin_and_failure():
    child = run.run_measured([sys.executable, "-c", "import sys; print(sys.stdin.read().upper()); sys.exit(3)"],
                             stdin_text="king\nEXIT\n")
    assert child.returncode == 3 and child.stdout == "KING\nEXIT\n\n"
    assert [e[2] for e in child.events] == ["KING", "EXIT"]
    with pytest.raises(RuntimeError, match="exit 3"):
        child.check("demo")


def test_report_from_results():
    runs = [{"tool": t, "mode": "sg", "words_per_s": w, "train_s": 10, "wall_s": wall, "peak_rss_mib": 100,
             "analogy": a, "analogy_semantic": a, "analogy_syntactic": a, "ws353_spearman": 0.6,
             "train_s_from": "x", "others_cpu": 0.1}
            for t, w, a, wall in [("w2v", 2e6, 0.12, 12), ("c", 5e5, 0.11, 24)]]
    summary = run.summarise(runs)
    c = next(s for s in summary if s["tool"] == "c")
    assert c["w2v_speed_ratio"] == pytest.approx(4.0) and c["w2v_analogy_points"] == pytest.approx(1.0)
    meta = {"command": "python benchmarks/run.py", "date": "d", "machine": {"cpu": "cpu", "cores": 2},
            "versions": {"python": "3"}, "corpus": "text8", "corpus_words": 10,
            "settings": {"dim": 100, "window": 5, "negative": 5, "sample": 1e-4, "min_count": 5, "epochs": 1,
                         "threads": 2, "alpha": {"sg": 0.025}, "repeats": 1}}
    text = run.markdown({"train": {"meta": meta, "runs": runs, "summary": summary}})
    assert "| skip-gram | C word2vec | 500k | 10.0 | 24.0 | 100 MiB | 11.0 % |" in text
    assert "| 0.600 | 4.00x | 2.00x |" in text  # speed ratio, then end-to-end ratio
    assert "Other processes used 10–10 % of the machine's CPU time" in text


def test_the_classic_kernel_is_a_tool_on_request_only():
    assert run.parse_args([]).tools == run.TOOLS
    assert run.parse_args(["--tools", "w2v,w2v-classic"]).tools == ["w2v", "w2v-classic"]
    with pytest.raises(SystemExit):
        run.parse_args(["--tools", "w2v-fast"])
