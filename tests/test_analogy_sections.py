"""Analogy sections: gram... and syn... are syntactic, sem... and the rest semantic; --syntactic adds prefixes."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from w2v.cli import cli
from w2v.vectors.evaluate import evaluate_analogies, is_syntactic
from w2v.vectors.formats import save_model


@pytest.mark.parametrize("name, syntactic", [
    ("gram1-adjective-to-adverb", True), ("syn1_case", True), ("SYN2_tense", True), ("sem1_capitals", False),
    ("capital-common-countries", False), ("family", False), ("verb-past", False),
])
def test_section_kinds_follow_the_name(name, syntactic):
    assert is_syntactic(name) is syntactic


def test_other_prefixes_can_be_syntactic():
    assert is_syntactic("verb-past", ("gram", "syn", "verb-"))
    assert not is_syntactic("family", ("gram", "syn", "verb-"))


# A tiny model: these tests check the kinds of the sections, not the answers.
WORDS = ["a", "b", "c", "d"]
VECTORS = np.array([[1, 0], [1, 1], [0, 0.2], [0, 1.2]], dtype=np.float32)
LINES = [": sem1_pairs", "a b c d", ": syn1_case", "a b c d", "c d a b", ": gram2-x", "b a d c",
         ": verb-forms", "a c b d"]


def test_syn_sections_count_as_syntactic():
    result = evaluate_analogies(WORDS, VECTORS, LINES, restrict_vocab=None)
    assert [s.semantic for s in result.sections] == [True, False, False, True]
    assert (result.semantic.seen, result.syntactic.seen) == (2, 3)


def test_the_cli_takes_more_syntactic_prefixes(tmp_path):
    model = tmp_path / "m.w2v"
    save_model(model, WORDS, VECTORS, None)
    questions = tmp_path / "q.txt"
    questions.write_text("\n".join(LINES) + "\n")
    result = CliRunner().invoke(cli, ["eval", "analogies", str(questions), "-m", str(model), "--json",
                                      "--syntactic", "verb-"])
    assert result.exit_code == 0, result.output
    kinds = [s["kind"] for s in json.loads(result.output)["sections"]]
    assert kinds == ["semantic", "syntactic", "syntactic", "syntactic"]
    table = CliRunner().invoke(cli, ["eval", "analogies", str(questions), "-m", str(model)]).output
    semantic_row = next(line for line in table.splitlines() if line.startswith("semantic"))
    assert semantic_row.split()[2:4] == ["2", "2"]
