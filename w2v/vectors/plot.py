"""A labelled 2-D map of words: their unit vectors projected by PCA (NumPy), drawn with matplotlib.

matplotlib is an optional extra (``pip install 'w2v[plot]'``), imported only when a map is drawn.
The figure is built without pyplot (no global state, no display needed). SVG keeps its labels
as text, so a browser renders any script with its own fonts; for PNG an installed font with the
labels' glyphs is chosen, and a warning names the characters no installed font has.
Labels are placed one by one at the first spot around their point that overlaps no other
label and no point, so they do not pile up.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from w2v.errors import ParameterError, W2VError

INSTALL_HINT = "pip install 'w2v[plot]'"
FORMATS = {".png": "png", ".svg": "svg"}
# Fonts tried first for glyphs the default font lacks (Hangul, CJK, other scripts).
PREFERRED_FONTS = ("Noto Sans CJK KR", "Noto Sans CJK JP", "Noto Sans CJK SC", "Noto Sans", "NanumGothic",
                   "Noto Serif CJK KR", "Droid Sans Fallback", "Unifont")
DEFAULT_FONT = "DejaVu Sans"
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22")


class PlotUnavailable(W2VError):
    """matplotlib is not installed."""


@dataclass
class WordMap:
    """The words of a map, each with its group (the query word it belongs to), and its arrows."""

    words: list[str] = field(default_factory=list)
    groups: list[int] = field(default_factory=list)
    queries: set = field(default_factory=set)
    arrows: list[tuple[str, str]] = field(default_factory=list)
    analogy: tuple[str, str, str] | None = None  # A, B, C of the point A - B + C

    def add(self, word: str, group: int) -> None:
        if word not in self.words:
            self.words.append(word)
            self.groups.append(group)


def build_map(vectors, words, neighbours: int = 0, analogy=None) -> WordMap:
    """The query words, and for ``analogy`` (A, B, C) the words A, B, C and the answer D, with arrows
    B -> A and C -> D (king - man + woman: man -> king, woman -> queen); each with its ``neighbours``
    nearest words."""
    result = WordMap()
    for group, word in enumerate(words):
        vectors.index(word)  # an unknown word is an error before anything is drawn
        result.add(word, group)
        result.queries.add(word)
    if analogy is not None:
        a, b, c = analogy
        answer = vectors.analogy(a, b, c, k=1)
        if not answer:
            raise ParameterError(f"no answer to {a} - {b} + {c}: the vocabulary has no other word")
        d = answer[0][0]
        for group, word in enumerate((a, b, c, d), start=len(words)):
            result.add(word, group)
            result.queries.add(word)
        result.arrows = [(b, a), (c, d)]
        result.analogy = (a, b, c)
    for word in list(result.words) if neighbours else ():
        group = result.groups[result.words.index(word)]
        for neighbour, _ in vectors.nearest([word], k=neighbours):
            result.add(neighbour, group)
    if len(result.words) < 2:
        raise ParameterError("a map needs at least 2 words (give more words, --neighbours K or --analogy A B C)")
    return result


def pca_2d(rows: np.ndarray):
    """Coordinates of rows on their first two principal axes, and (mean, axes, explained share)."""
    x = np.asarray(rows, dtype=np.float64)
    mean = x.mean(axis=0)
    _, singular, axes = np.linalg.svd(x - mean, full_matrices=False)
    axes = axes[:2]
    if axes.shape[0] < 2:
        axes = np.vstack([axes, np.zeros((2 - axes.shape[0], x.shape[1]))])
    # Deterministic signs: each axis points where its largest coefficient is positive.
    signs = np.sign(axes[np.arange(2), np.abs(axes).argmax(axis=1)])
    axes = axes * np.where(signs == 0, 1, signs)[:, None]
    variance = singular ** 2
    share = variance[:2] / variance.sum() if variance.sum() > 0 else np.zeros(2)
    return (x - mean) @ axes.T, (mean, axes, np.pad(share, (0, 2 - len(share))))


def unit_rows(vectors, words) -> np.ndarray:
    rows = np.stack([np.asarray(vectors.vectors[vectors.index(w)], dtype=np.float64) for w in words])
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.where(norms > 0, norms, 1)


def _matplotlib():
    try:
        import matplotlib
        from matplotlib.figure import Figure
    except ImportError:
        raise PlotUnavailable(f"plot needs matplotlib, an optional extra: {INSTALL_HINT}") from None
    return matplotlib, Figure


def label_fonts(labels) -> tuple[list[str], list[str]]:
    """Font families that together have every glyph of the labels, and the characters none has."""
    from matplotlib import font_manager, ft2font

    needed = {ch for label in labels for ch in label if not ch.isspace()}

    def glyphs(path) -> set:
        try:
            charmap = ft2font.FT2Font(path).get_charmap()
        except (OSError, RuntimeError, ValueError):
            return set()
        return {ch for ch in needed if ord(ch) in charmap}

    families = [DEFAULT_FONT]
    missing = needed - glyphs(font_manager.findfont(DEFAULT_FONT, fallback_to_default=True))
    if not missing:
        return families, []
    rank = {name: i for i, name in enumerate(PREFERRED_FONTS)}
    manager = font_manager.fontManager

    def candidates():
        # Fonts installed after matplotlib built its font cache are not in it yet.
        cached = {f.fname for f in manager.ttflist}
        for path in sorted(set(font_manager.findSystemFonts()) - cached):
            try:
                manager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
        known = sorted((f for f in manager.ttflist if not f.name.startswith("Last Resort")),
                       key=lambda f: (rank.get(f.name, len(rank)), f.weight not in (400, "normal", "regular"),
                                      f.style != "normal", f.name))
        return [(f.fname, f.name) for f in known]

    seen = set()
    for path, name in candidates():
        if path in seen or name in families:
            continue
        seen.add(path)
        found = glyphs(path) & missing
        if found:
            families.append(name)
            missing -= found
            if not missing:
                break
    return families, sorted(missing)


def draw_map(path: str, fmt: str, vectors, word_map: WordMap, title: str | None = None, warn=None) -> dict:
    """Write the map of ``word_map`` as PNG or SVG to ``path`` (atomically).

    ``warn(text)`` is told about characters no installed font has. Returns each label's box
    (x0, y0, x1, y1) in pixels."""
    matplotlib, Figure = _matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from w2v.vectors.formats import _atomic_output

    words = word_map.words
    units = unit_rows(vectors, words)
    coords, (mean, axes, share) = pca_2d(units)
    labels = list(words)
    families, missing = label_fonts(labels) if fmt == "png" else ([DEFAULT_FONT], [])
    if missing and warn is not None:
        warn(f"no installed font has glyphs for {''.join(missing[:20])!r}: those labels will show as boxes in "
             f"the PNG (install a font for them, e.g. fonts-noto-cjk, or write an .svg, whose labels a browser "
             f"draws with its own fonts)")
    settings = {"svg.fonttype": "none", "font.family": families, "font.size": 10, "svg.hashsalt": "w2v"}
    with matplotlib.rc_context(settings), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")  # warned about above
        figure = Figure(figsize=(8, 6.5), dpi=120)
        FigureCanvasAgg(figure)  # measures the labels while they are placed
        axes_ = figure.add_subplot()
        _scatter(axes_, coords, word_map)
        drawn = _arrows(axes_, coords, word_map, mean, axes, vectors)
        axes_.set_xlabel(f"first principal axis ({100 * share[0]:.0f}% of the variance)")
        axes_.set_ylabel(f"second principal axis ({100 * share[1]:.0f}%)")
        axes_.set_title(title if title is not None else _default_title(word_map), fontsize=11)
        for side in ("top", "right"):
            axes_.spines[side].set_visible(False)
        _frame(axes_, coords)
        figure.tight_layout()
        boxes = _place_labels(figure, axes_, coords, labels, word_map, drawn)
        metadata = {"Date": None} if fmt == "svg" else {"Software": None}
        with _atomic_output(path, "map") as f:
            figure.savefig(f, format=fmt, metadata=metadata)
    return boxes


def _default_title(word_map: WordMap) -> str:
    if word_map.analogy is not None:
        a, b, c = word_map.analogy
        return f"{a} \u2212 {b} + {c}: unit vectors projected by PCA"
    return "Words projected by PCA of their unit vectors"


def _scatter(axes, coords, word_map):
    colours = [COLOURS[g % len(COLOURS)] for g in word_map.groups]
    sizes = [46 if w in word_map.queries else 18 for w in word_map.words]
    axes.scatter(coords[:, 0], coords[:, 1], c=colours, s=sizes, zorder=3, linewidths=0)


def _arrows(axes, coords, word_map, mean, principal, vectors):
    """Draw the analogy's arrows and its point A - B + C; returns what labels must not cover:
    the arrows as (start, end) in data coordinates, and the point's label."""
    at = {w: coords[i] for i, w in enumerate(word_map.words)}
    segments, texts = [], []
    for start, end in word_map.arrows:
        axes.annotate("", xy=at[end], xytext=at[start], zorder=2,
                      arrowprops=dict(arrowstyle="-|>", color="#444444", lw=1.3, shrinkA=5, shrinkB=5))
        segments.append((at[start], at[end]))
    if word_map.analogy is not None:
        a, b, c = word_map.analogy
        ua, ub, uc = unit_rows(vectors, [a, b, c])
        point = (ua - ub + uc - mean) @ principal.T
        axes.scatter([point[0]], [point[1]], marker="x", color="#444444", s=40, zorder=3)
        texts.append(axes.annotate(f"{a} \u2212 {b} + {c}", point, xytext=(6, -12), textcoords="offset points",
                                   fontsize=8, color="#444444", style="italic"))
        segments.append((point, point))
    return segments, texts


def _frame(axes, coords):
    low, high = coords.min(axis=0), coords.max(axis=0)
    pad = np.maximum((high - low) * 0.12, 1e-3)
    axes.set_xlim(low[0] - pad[0], high[0] + pad[0])
    axes.set_ylim(low[1] - pad[1], high[1] + pad[1])


# Offsets tried around a point, nearest first: right, left, above, below, then the diagonals.
_DIRECTIONS = [(1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1)]
_RADII = (5, 10, 16, 24, 34, 46)


def _place_labels(figure, axes, coords, labels, word_map, drawn):
    renderer = figure.canvas.get_renderer()
    points = axes.transData.transform(coords)
    frame = axes.get_window_extent(renderer)
    obstacles = [(x - 4, y - 4, x + 4, y + 4) for x, y in points]
    segments, texts = drawn
    for start, end in segments:  # an arrow, as small boxes along it
        for t in np.linspace(0, 1, 24):
            x, y = axes.transData.transform(np.asarray(start) * (1 - t) + np.asarray(end) * t)
            obstacles.append((x - 3, y - 3, x + 3, y + 3))
    for text in texts:
        box = text.get_window_extent(renderer)
        obstacles.append((box.x0, box.y0, box.x1, box.y1))
    placed, boxes = [], {}
    order = sorted(range(len(labels)), key=lambda i: labels[i] not in word_map.queries)
    for i in order:
        query = labels[i] in word_map.queries
        best = None
        for radius in _RADII:
            for dx, dy in _DIRECTIONS:
                offset = (dx * radius, dy * radius * 0.8)
                text = axes.annotate(labels[i], coords[i], xytext=offset, textcoords="offset points",
                                     ha="left" if dx > 0 else "right" if dx < 0 else "center",
                                     va="bottom" if dy > 0 else "top" if dy < 0 else "center",
                                     fontsize=10 if query else 8.5, fontweight="bold" if query else "normal",
                                     color=COLOURS[word_map.groups[i] % len(COLOURS)], zorder=4)
                box = text.get_window_extent(renderer)
                box = (box.x0 - 1, box.y0 - 1, box.x1 + 1, box.y1 + 1)
                cost = sum(_overlap(box, other) for other in placed) + \
                    sum(_overlap(box, other) for j, other in enumerate(obstacles) if j != i) + \
                    _outside(box, frame)
                if best is None or cost < best[0]:
                    if best is not None:
                        best[1].remove()
                    best = (cost, text, box, radius)
                else:
                    text.remove()
                if cost == 0:
                    break
            if best[0] == 0:
                break
        _, text, box, radius = best
        if radius > _RADII[1]:  # far from its point: a thin leader line shows whose label it is
            x, y = _nearest_corner(box, points[i])
            size = figure.bbox
            axes.annotate("", coords[i], xytext=(x / size.width, y / size.height), textcoords="figure fraction",
                          arrowprops=dict(arrowstyle="-", color="#999999", lw=0.6, shrinkA=0, shrinkB=3))
        placed.append(box)
        boxes[labels[i]] = box
    return boxes


def _overlap(a, b) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    return width * height if width > 0 and height > 0 else 0.0


def _outside(box, frame) -> float:
    """Area of the box outside the axes, weighted heavily: a label cut off is worse than a crowded one."""
    inside = _overlap(box, (frame.x0, frame.y0, frame.x1, frame.y1))
    return 4 * ((box[2] - box[0]) * (box[3] - box[1]) - inside)


def _nearest_corner(box, point):
    x = min(max(point[0], box[0]), box[2])
    y = min(max(point[1], box[1]), box[3])
    return (x, y)


def output_format(path: str) -> str:
    import os

    fmt = FORMATS.get(os.path.splitext(path)[1].lower())
    if fmt is None:
        raise ParameterError(f"the map is written as PNG or SVG: name the output .png or .svg, got {path!r}")
    return fmt
