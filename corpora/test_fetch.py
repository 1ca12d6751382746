"""Tests of corpora/fetch.py: python -m pytest corpora -q (no network needed)."""

import hashlib
import importlib.util
import sys
import zipfile
from pathlib import Path

import pytest

spec = importlib.util.spec_from_file_location("corpora_fetch", Path(__file__).with_name("fetch.py"))
fetch = sys.modules["corpora_fetch"] = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fetch)

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpora"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    """Small data sets with known hashes, served from a mirror folder and file:// URLs."""
    home = tmp_path / "home"
    home.mkdir()
    text = b"anarchism originated as a term of abuse " * 10
    with zipfile.ZipFile(home / "corpus.zip", "w") as z:
        z.writestr("corpus", text)
    pairs = b"# pairs\nlove\tsex\t6.77\n"
    (home / "pairs.tsv").write_bytes(pairs)
    datasets = {
        "corpus": fetch.Dataset(
            name="corpus", file="corpus", url=(home / "corpus.zip").as_uri(), fetched="corpus.zip",
            size={(home / "corpus.zip").stat().st_size: "the test zip (by size)"},
            member="corpus", member_size=len(text), member_sha256={sha(text): "the test corpus"},
        ),
        "pairs": fetch.Dataset(
            name="pairs", file="pairs.tsv", url=(home / "pairs.tsv").as_uri(), fetched="pairs.tsv",
            sha256={sha(pairs): "the test pairs"},
        ),
    }
    monkeypatch.setattr(fetch, "DATASETS", datasets)
    return home, text, pairs


def test_download_path_unpacks_and_verifies(tiny, tmp_path, capsys):
    home, text, pairs = tiny
    dest = tmp_path / "data"
    assert fetch.main(["--dest", str(dest)]) == 0
    out, err = capsys.readouterr()
    assert out.split() == [str(dest / "corpus"), str(dest / "pairs.tsv")]
    assert (dest / "corpus").read_bytes() == text
    assert (dest / "pairs.tsv").read_bytes() == pairs
    assert "the test corpus (sha256 ok)" in err and "the test pairs (sha256 ok)" in err
    assert not list(dest.glob("*.part"))


def test_second_run_does_nothing_and_damage_is_repaired(tiny, tmp_path, capsys):
    home, text, pairs = tiny
    dest = tmp_path / "data"
    fetch.main(["--dest", str(dest)])
    capsys.readouterr()
    assert fetch.main(["--dest", str(dest)]) == 0
    assert capsys.readouterr().err.count("already present") == 2
    (dest / "corpus").write_bytes(b"truncated")
    (dest / "pairs.tsv").write_bytes(b"edited")
    assert fetch.main(["--dest", str(dest)]) == 0
    err = capsys.readouterr().err
    assert "corpus.zip already present" in err and "matches no known copy; fetching it again" in err
    assert (dest / "corpus").read_bytes() == text
    assert (dest / "pairs.tsv").read_bytes() == pairs


def test_mirror_copy_and_env_var(tiny, tmp_path, monkeypatch, capsys):
    home, text, pairs = tiny
    monkeypatch.setenv("W2V_CORPORA_MIRROR", str(home))
    for ds in fetch.DATASETS.values():
        ds.url = "http://unreachable.invalid/"  # the mirror must be used
    assert fetch.main(["--dest", str(tmp_path / "data"), "pairs"]) == 0
    assert f"copied from {home / 'pairs.tsv'}" in capsys.readouterr().err


def test_bad_copies_and_missing_things_fail_with_one_line(tiny, tmp_path, capsys):
    home, text, pairs = tiny
    (home / "pairs.tsv").write_bytes(b"tampered\n")
    assert fetch.main(["--dest", str(tmp_path / "d1"), "--mirror", str(home), "pairs"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: pairs.tsv copied from") and "matches no known copy (sha256 " in err
    assert not (tmp_path / "d1" / "pairs.tsv").exists()
    (home / "corpus.zip").unlink()
    assert fetch.main(["--dest", str(tmp_path / "d2"), "--mirror", str(home), "corpus"]) == 1
    assert capsys.readouterr().err == f"Error: corpus.zip not in mirror {str(home)!r}\n"
    assert fetch.main(["--dest", str(tmp_path / "d3"), "corpus"]) == 1
    assert "\nError: cannot download file://" in capsys.readouterr().err
    assert fetch.main(["--mirror", str(tmp_path / "nope")]) == 1
    assert "Error: mirror folder not found" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        fetch.main(["nonsense"])


@pytest.mark.skipif(not (SHARED / "wordsim353.tsv").exists(), reason="no shared mirror here")
def test_the_shared_mirror_small_files(tmp_path, capsys):
    dest = tmp_path / "data"
    assert fetch.main(["--dest", str(dest), "--mirror", str(SHARED), "questions-words", "wordsim353"]) == 0
    err = capsys.readouterr().err
    assert err.count("(sha256 ok)") == 2


def test_on_request_sets_are_fetched_only_when_named(tiny, tmp_path, capsys):
    home, _, pairs = tiny
    extra = fetch.Dataset(name="extra", file="extra.tsv", url=(home / "pairs.tsv").as_uri(), fetched="extra.tsv",
                          sha256={sha(pairs): "the test pairs"}, on_request=True)
    fetch.DATASETS["extra"] = extra
    dest = tmp_path / "data"
    assert fetch.main(["--dest", str(dest)]) == 0
    assert not (dest / "extra.tsv").exists()
    assert fetch.main(["--dest", str(dest), "extra"]) == 0
    assert (dest / "extra.tsv").read_bytes() == pairs
