"""w2v plot: PCA, valid PNG and SVG files, labels that do not overlap, and the error without matplotlib."""

import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from click.testing import CliRunner

from w2v.cli import cli
from w2v.vectors.formats import load_vectors, save_model
from w2v.vectors.plot import build_map, pca_2d

pytestmark = pytest.mark.plot

WORDS = ["king", "queen", "man", "woman", "prince", "princess", "boy", "girl", "paris", "france", "rome", "italy",
         "berlin", "germany", "madrid", "spain", "서울", "한국", "東京", "日本"]


def needs_matplotlib():
    return pytest.importorskip("matplotlib")


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    # Clusters: each of the first four word pairs near its own direction, so maps are crowded in places.
    rng = np.random.default_rng(5)
    centres = rng.standard_normal((5, 16))
    rows = centres[np.arange(len(WORDS)) % 5] + 0.3 * rng.standard_normal((len(WORDS), 16))
    path = tmp_path_factory.mktemp("plot") / "m.w2v"
    save_model(path, WORDS, rows.astype(np.float32), np.arange(len(WORDS), 0, -1) * 10)
    return str(path)


def run(*args, input=None):
    return CliRunner().invoke(cli, ["plot", *args], input=input)


def test_pca_finds_the_axes_of_largest_variance():
    rng = np.random.default_rng(0)
    plane = rng.standard_normal((200, 2)) * [5.0, 2.0]
    basis = np.linalg.qr(rng.standard_normal((6, 2)))[0].T  # two orthonormal directions in 6-D
    rows = plane @ basis + 0.01 * rng.standard_normal((200, 6)) + 3.0
    coords, (_, axes, share) = pca_2d(rows)
    covariance = np.cov(rows, rowvar=False)
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)
    for k in range(2):
        assert abs(axes[k] @ eigenvectors[:, -1 - k]) == pytest.approx(1.0, abs=1e-6)
        assert coords[:, k].var(ddof=1) == pytest.approx(eigenvalues[-1 - k], rel=1e-6)
    assert share.sum() == pytest.approx(1.0, abs=1e-3) and share[0] > share[1]


def test_a_png_map_is_a_picture(model, tmp_path):
    matplotlib = needs_matplotlib()
    import matplotlib.image

    target = tmp_path / "map.png"
    result = run("king", "paris", "-n", "3", "-m", model, "-o", str(target))
    assert result.exit_code == 0, result.output
    assert "wrote a map of 8 words" in result.stderr
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pixels = matplotlib.image.imread(target)
    assert pixels.shape[0] > 500 and pixels.shape[1] > 500
    assert pixels[..., :3].std() > 0.05  # not a blank page


def test_an_svg_map_keeps_its_labels_as_text(model, tmp_path):
    needs_matplotlib()
    target = tmp_path / "map.svg"
    result = run("서울", "king", "東京", "-n", "2", "-m", model, "-o", str(target))
    assert result.exit_code == 0, result.output
    root = ET.parse(target).getroot()
    assert root.tag.endswith("svg")
    texts = {"".join(node.itertext()).strip() for node in root.iter() if node.tag.endswith("text")}
    vectors = load_vectors(model)
    expected = {"서울", "king", "東京"} | {w for q in ("서울", "king", "東京") for w, _ in vectors.nearest(q, k=2)}
    assert expected <= texts


def test_labels_do_not_overlap(model, tmp_path):
    needs_matplotlib()
    from w2v.vectors.plot import draw_map

    vectors = load_vectors(model)
    word_map = build_map(vectors, WORDS[:16])
    boxes = draw_map(str(tmp_path / "m.png"), "png", vectors, word_map)
    assert set(boxes) == set(WORDS[:16])
    placed = list(boxes.values())
    for i, a in enumerate(placed):
        for b in placed[i + 1:]:
            overlap_x = min(a[2], b[2]) - max(a[0], b[0])
            overlap_y = min(a[3], b[3]) - max(a[1], b[1])
            assert overlap_x <= 0 or overlap_y <= 0


def test_the_analogy_adds_its_answer_and_arrows(model):
    vectors = load_vectors(model)
    word_map = build_map(vectors, [], analogy=("king", "man", "woman"))
    answer = vectors.analogy("king", "man", "woman", k=1)[0][0]
    assert word_map.words == ["king", "man", "woman", answer]
    assert word_map.arrows == [("man", "king"), ("woman", answer)]


def test_words_come_from_stdin(model, tmp_path):
    needs_matplotlib()
    target = tmp_path / "map.svg"
    result = run("-", "-m", model, "-o", str(target), input="king queen\nparis\n")
    assert result.exit_code == 0, result.output
    assert "wrote a map of 3 words" in result.stderr


def test_a_font_missing_glyphs_is_a_warning(tmp_path):
    needs_matplotlib()
    words = ["\U000F0001\U000F0002", "plain"]  # private-use characters: no font has them
    path = tmp_path / "m.w2v"
    save_model(path, words, np.eye(2, 4, dtype=np.float32), [2, 1])
    result = run(*words, "-m", str(path), "-o", str(tmp_path / "map.png"))
    assert result.exit_code == 0, result.output
    assert "Warning: no installed font has glyphs for" in result.stderr
    assert (tmp_path / "map.png").exists()


def test_hangul_labels_get_a_font_that_has_them_when_one_is_installed():
    needs_matplotlib()
    from matplotlib import font_manager, ft2font

    from w2v.vectors.plot import label_fonts

    families, missing = label_fonts(["서울", "king"])
    has_hangul = [f for f in font_manager.fontManager.ttflist
                  if not f.name.startswith("Last Resort") and ord("서") in ft2font.FT2Font(f.fname).get_charmap()]
    if not has_hangul:
        assert missing == ["서", "울"]
        pytest.skip("no installed font has Hangul")
    assert missing == [] and families[1] in {f.name for f in has_hangul}


@pytest.mark.parametrize("args, message", [
    (["king", "-o", "map.pdf"], "Error: the map is written as PNG or SVG: name the output .png or .svg"),
    (["kingg", "-o", "map.png"], "Error: word not in vocabulary: 'kingg'; did you mean: king?"),
    (["-o", "map.png"], "Error: give the words to map"),
    (["king", "-o", "map.png"], "Error: a map needs at least 2 words"),
])
def test_bad_requests_are_one_line_errors(model, tmp_path, monkeypatch, args, message):
    needs_matplotlib()
    monkeypatch.chdir(tmp_path)
    result = run(*args, "-m", model)
    assert result.exit_code != 0
    assert message in result.output
    assert not (tmp_path / "map.png").exists()


def test_without_matplotlib_one_error_line_says_how_to_install_it(model, tmp_path, monkeypatch):
    """Runs with or without matplotlib: None in sys.modules makes its import fail."""
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    target = tmp_path / "map.png"
    result = run("king", "queen", "-m", model, "-o", str(target))
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == \
        ["Error: plot needs matplotlib, an optional extra: pip install 'w2v[plot]'"]
    assert not target.exists()
