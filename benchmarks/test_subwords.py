"""Tests of benchmarks/subwords.py's own parts (no fastText needed): python -m pytest benchmarks -q."""

import importlib.util
import sys
from pathlib import Path

import numpy as np

spec = importlib.util.spec_from_file_location("bench_subwords", Path(__file__).with_name("subwords.py"))
bench = sys.modules["bench_subwords"] = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


def setup(tmp_path, fasttext="fasttext"):
    args = bench.parse_args(["--out", str(tmp_path), "--fasttext", fasttext, "--threads", "2"])
    return bench.Setup(args)


def test_every_row_trains_skipgram_with_the_same_settings(tmp_path):
    s = setup(tmp_path)
    fast = bench.train_command(s, "fasttext-1-4", Path("c.txt"), tmp_path / "m.bin", 5)
    assert fast[:2] == ["fasttext", "skipgram"] and fast[-4:] == ["-minn", "1", "-maxn", "4"]
    assert fast[fast.index("-output") + 1] == str(tmp_path / "m")  # fastText adds .bin and .vec itself
    jamo = bench.train_command(s, "w2v-jamo", Path("c.txt"), tmp_path / "m.w2v", 5)
    assert "--skipgram" in jamo and jamo[-2:] == ["--subwords", "--jamo"]
    for cmd in (fast, jamo):
        assert cmd[cmd.index("-thread" if cmd is fast else "--threads") + 1] == "2"
        assert "1e-4" in cmd and "100" in cmd


def test_print_word_vectors_is_parsed_one_row_per_word(tmp_path):
    fake = tmp_path / "fasttext"
    fake.write_text("#!/bin/sh\nwhile read w; do echo \"$w 0.5 -1.25 \"; done\n")
    fake.chmod(0o755)
    got = bench.print_word_vectors(str(fake), tmp_path / "m.bin", ["영화", "movie"])
    np.testing.assert_array_equal(got, [[0.5, -1.25], [0.5, -1.25]])


def run(corpus, row, wall, repeat=0, spearman=0.3):
    part = {"accuracy": 0.1, "seen": 800, "questions": 1000}
    return {"corpus": corpus, "row": row, "wall_s": wall, "words_per_s": 1e6 / wall, "peak_rss_mib": wall * 10,
            "model_mib": wall, "pairs_spearman": spearman, "others_cpu": 0.1, "pairs_used": 350, "pairs": 353, "pairs_composed": 10,
            "analogy": part, "analogy_semantic": part, "analogy_syntactic": part, "analogy_composed": 5,
            "vocab_size": 1000, "repeat": repeat}


def test_the_report_gives_medians_ratios_and_the_interop_check():
    results = {
        "meta": {"command": "python benchmarks/subwords.py", "date": "today", "repeats": 2},
        "corpora": {"nsmc": {"path": "nsmc.txt", "words": 1000, "epochs": 5,
                             "rows": ["fasttext-1-4", "w2v-subwords"]}},
        "runs": [run("nsmc", "fasttext-1-4", 200), run("nsmc", "fasttext-1-4", 240, 1),
                 run("nsmc", "w2v-subwords", 50), run("nsmc", "w2v-subwords", 60, 1)],
        "interop": [{"corpus": "nsmc", "row": "w2v-subwords", "file": "w.bin", "bin_mib": 766,
                     "vocabulary": {"words": 300, "zero_vectors": 0, "max_abs_diff": 4e-5, "max_value": 1.5,
                                    "beyond_print_precision": 0, "values": 30000, "min_cosine": 1.0}}],
    }
    text = bench.markdown(results)
    assert "| fastText 1–4 | 220.0 s (200.0–240.0) | 4,583 |" in text
    assert "| w2v --subwords (automatic lengths) | 55.0 s (50.0–60.0) |" in text
    assert "- w2v --subwords against fastText 1–4: 4.00x faster (wall), 0.25x the memory" in text
    assert "| nsmc | w2v --subwords (automatic lengths) | w.bin (766 MiB) | 300 vocabulary | 4e-05 | 1.5 | 0 of 30000 |" \
        in text
    assert "0.300 (350/353)" in text and "10.00 % (800/1000 answerable)" in text


def test_several_seeds_give_each_quality_figure_its_range():
    runs = [dict(run("nsmc", "w2v-subwords", 50, 0, 0.25), seed=1), dict(run("nsmc", "w2v-subwords", 60, 1, 0.30), seed=2),
            dict(run("nsmc", "w2v-subwords", 55, 2, 0.20), seed=3)]
    results = {"meta": {}, "corpora": {"nsmc": {"path": "n", "words": 1000, "epochs": 5, "rows": ["w2v-subwords"]}},
               "runs": runs}
    text = bench.markdown(results)
    assert "| w2v --subwords (automatic lengths), seeds 1, 2, 3 | 55.0 s (50.0–60.0) |" in text
    assert "0.250 (0.200–0.300) (350/353)" in text
    assert bench.parse_args(["--seeds", "4,5"]).repeats == 2


def test_unknown_rows_and_corpora_are_refused():
    for argv in (["--rows", "nope"], ["--corpora", "nope"]):
        try:
            bench.parse_args(argv)
        except SystemExit as e:
            assert e.code == 2
        else:
            raise AssertionError(f"{argv} was accepted")


def test_an_empty_run_still_gives_a_report():
    assert bench.markdown({"corpora": {}, "runs": []}).startswith("# Subword models")


def test_appending_a_row_keeps_the_others_and_replaces_its_own():
    meta = {"command": "a"}
    first = {"meta": meta, "corpora": {"nsmc": {"path": "n", "words": 1, "epochs": 5, "rows": ["fasttext-1-4"]}},
             "runs": [run("nsmc", "fasttext-1-4", 200), run("nsmc", "w2v-subwords", 99)]}
    second = {"meta": {"command": "b"},
              "corpora": {"nsmc": {"path": "n", "words": 1, "epochs": 5, "rows": ["w2v-subwords"]}},
              "runs": [run("nsmc", "w2v-subwords", 50)]}
    out = bench.merged(first, second)
    assert [(r["row"], r["wall_s"]) for r in out["runs"]] == [("fasttext-1-4", 200), ("w2v-subwords", 50)]
    assert out["corpora"]["nsmc"]["rows"] == ["fasttext-1-4", "w2v-subwords"]
    assert out["meta"]["command"] == "a ; b"
