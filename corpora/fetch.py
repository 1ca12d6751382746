#!/usr/bin/env python3
"""Fetch word2vec's usual training and evaluation data.

    python corpora/fetch.py                      # all of it, into corpora/data/
    python corpora/fetch.py text8 --mirror DIR   # copy from a local mirror instead
    W2V_CORPORA_MIRROR=DIR python corpora/fetch.py

Data sets: text8 (unpacked from text8.zip), questions-words (questions-words.txt,
Google's analogy set) and wordsim353 (wordsim353.tsv: "word1<TAB>word2<TAB>score"
with "#" comment lines); on request, for Korean, ko-ws353 (WS353_korean.csv) and
ko-analogy (word_analogy_korean.txt), Park et al.'s (ACL 2018) test sets.  Files
already present and valid are left alone.  A
mirror is a folder holding the same file names (text8.zip, questions-words.txt,
wordsim353.tsv).  The paths of the ready files are printed to stdout, progress to
stderr.  Standard library only.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent

# The project's shared mirror holds a text8 *stand-in* built by the text8 recipe from
# other Wikipedia articles; it is the only text8 whose hashes are known here.
STAND_IN = "the text8 stand-in of the project's corpora mirror"


@dataclass
class Dataset:
    name: str
    file: str  # the ready file in dest
    url: str
    fetched: str  # the file fetched from url or mirror (an archive or the file itself)
    sha256: dict[str, str] = field(default_factory=dict)  # of `fetched`: hash -> which copy
    size: dict[int, str] = field(default_factory=dict)  # of `fetched`, when no hash is known
    member: str | None = None  # in the archive
    member_size: int | None = None
    member_sha256: dict[str, str] = field(default_factory=dict)
    on_request: bool = False  # fetched only when named (not by a bare `fetch.py`)


DATASETS = {
    "text8": Dataset(
        name="text8",
        file="text8",
        url="http://mattmahoney.net/dc/text8.zip",
        fetched="text8.zip",
        sha256={"8e1505be14a8f5fd063c23e17842593eee9003cea29f93928fe67931cda3c69d": STAND_IN},
        # the real text8.zip: only its size is known (TensorFlow's word2vec tutorial checks it)
        size={31344016: "Matt Mahoney's text8.zip (checked by size; no sha256 known)"},
        member="text8",
        member_size=100_000_000,  # text8 is the first 10^8 bytes; the stand-in is cut to the same
        member_sha256={"9357430f32f29ad5967c02ab38db9481d7b3c6d698098f680b0312ee7695e3f3": STAND_IN},
    ),
    "questions-words": Dataset(
        name="questions-words",
        file="questions-words.txt",
        url="https://raw.githubusercontent.com/tmikolov/word2vec/master/questions-words.txt",
        fetched="questions-words.txt",
        sha256={
            "8c29b3332afc46f3fb8be04cb5297bf96f39aa7131272dff57869b4485b22a36":
                "word2vec's questions-words.txt",
        },
    ),
    "wordsim353": Dataset(
        name="wordsim353",
        file="wordsim353.tsv",
        # WordSim-353 (Finkelstein et al.) as gensim's test data ships it: already this TSV layout
        url="https://raw.githubusercontent.com/piskvorky/gensim/develop/gensim/test/test_data/wordsim353.tsv",
        fetched="wordsim353.tsv",
        sha256={
            "f92a022fc2537793a15bc3a8c162ebcd74990e033a228bb6388cb71e4c0b1e1d":
                "WordSim-353 as in gensim's test data",
        },
    ),
    # Korean sets of Park, Byun, Baek, Cho & Oh, "Subword-level Word Vector Representations for Korean"
    # (ACL 2018), from their public repository; used by benchmarks/subwords.py.
    "ko-ws353": Dataset(
        name="ko-ws353",
        file="WS353_korean.csv",  # 353 pairs, CSV with a UTF-8 BOM and a header: word 1,word 2,kor_score
        url="https://raw.githubusercontent.com/SungjoonPark/KoreanWordVectors/master/WS353_korean.csv",
        fetched="WS353_korean.csv",
        on_request=True,
        sha256={"1a2d9048dfde1a63e864c59f292db42ebe62b63469900d08bb87b074cc96306e": "WS353 in Korean (Park et al.)"},
    ),
    "ko-analogy": Dataset(
        name="ko-analogy",
        file="word_analogy_korean.txt",  # 10,000 questions: sections sem1..sem5 and syn1..syn5
        url="https://raw.githubusercontent.com/SungjoonPark/KoreanWordVectors/master/word_analogy_korean.txt",
        fetched="word_analogy_korean.txt",
        on_request=True,
        sha256={"b6dea84dda708883948de3b5922604acbe8fe71ed137c005c5b58b2cccbe4e96":
                "Korean word analogies (Park et al.)"},
    ),
}


class FetchError(Exception):
    pass


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def identify(path: Path, hashes: dict[str, str], sizes: dict[int, str] | None = None) -> str | None:
    """Which known copy ``path`` is ("unchecked" when nothing is known), or None if none."""
    if hashes:
        which = hashes.get(sha256_of(path))
        if which:
            return which + " (sha256 ok)"
    if sizes:
        which = sizes.get(path.stat().st_size)
        if which:
            return which
    return None if (hashes or sizes) else "unchecked"


def download(url: str, target: Path) -> None:
    part = target.with_name(target.name + ".part")
    request = urllib.request.Request(url, headers={"User-Agent": "w2v-corpora-fetch"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response, open(part, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0)
            done, shown = 0, -1
            for block in iter(lambda: response.read(1 << 20), b""):
                out.write(block)
                done += len(block)
                if total and sys.stderr.isatty() and 100 * done // total != shown:
                    shown = 100 * done // total
                    print(f"\r  {target.name}: {shown:3d} %", end="", file=sys.stderr, flush=True)
        if total and sys.stderr.isatty():
            print(file=sys.stderr)
        if total and done != total:
            raise FetchError(f"download of {url} stopped at {done} of {total} bytes")
    except OSError as e:  # URLError, HTTPError and socket errors are OSErrors
        part.unlink(missing_ok=True)
        raise FetchError(f"cannot download {url}: {getattr(e, 'reason', e)}") from None
    part.replace(target)


def obtain(ds: Dataset, dest: Path, mirror: Path | None) -> str:
    """Put a verified ``ds.fetched`` into dest; return a description of where it came from."""
    target = dest / ds.fetched
    if target.exists():
        which = identify(target, ds.sha256, ds.size)
        if which:
            return f"{target} already present: {which}"
        log(f"{ds.name}: {target} matches no known copy; fetching it again")
    if mirror is not None:
        source = mirror / ds.fetched
        if not source.is_file():
            raise FetchError(f"{ds.fetched} not in mirror {str(mirror)!r}")
        part = target.with_name(target.name + ".part")
        shutil.copyfile(source, part)
        part.replace(target)
        origin = f"copied from {source}"
    else:
        log(f"{ds.name}: downloading {ds.url}")
        download(ds.url, target)
        origin = f"downloaded from {ds.url}"
    which = identify(target, ds.sha256, ds.size)
    if which is None:
        digest = sha256_of(target)
        target.unlink()
        raise FetchError(f"{ds.fetched} {origin} matches no known copy (sha256 {digest})")
    return f"{origin}: {which}"


def unpack(ds: Dataset, dest: Path) -> str:
    archive = dest / ds.fetched
    out = dest / ds.file
    part = out.with_name(out.name + ".part")
    try:
        with zipfile.ZipFile(archive) as z, z.open(ds.member) as src, open(part, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
    except (zipfile.BadZipFile, KeyError) as e:
        part.unlink(missing_ok=True)
        raise FetchError(f"cannot unpack {ds.member!r} from {str(archive)!r}: {e}") from None
    size = part.stat().st_size
    if ds.member_size is not None and size != ds.member_size:
        part.unlink()
        raise FetchError(f"{ds.member} unpacked from {str(archive)!r} has {size} bytes, expected {ds.member_size}")
    which = ""
    if ds.member_sha256:
        known = ds.member_sha256.get(sha256_of(part))
        which = f"; {known} (sha256 ok)" if known else "; sha256 not a known copy (size ok)"
    part.replace(out)
    return f"unpacked {size:,} bytes{which}"


def ready(ds: Dataset, dest: Path) -> bool:
    """Is the final file there and plausible (cheap check: no hashing of text8)."""
    out = dest / ds.file
    if not out.is_file():
        return False
    if ds.member is not None:
        return ds.member_size is None or out.stat().st_size == ds.member_size
    return identify(out, ds.sha256, ds.size) is not None


def fetch(names, dest: Path, mirror: Path | None = None) -> list[Path]:
    dest.mkdir(parents=True, exist_ok=True)
    done = []
    for name in names:
        ds = DATASETS[name]
        out = dest / ds.file
        if ready(ds, dest):
            log(f"{name}: {out} already present")
        else:
            log(f"{name}: {obtain(ds, dest, mirror)}")
            if ds.member is not None:
                log(f"{name}: {unpack(ds, dest)}")
        done.append(out)
    return done


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description="Fetch text8, questions-words.txt and wordsim353.tsv (from their public "
        "homes, or from a local mirror folder).",
        epilog="example: python corpora/fetch.py --mirror ../shared/corpora",
    )
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"data sets to fetch: {', '.join(DATASETS)} (default: those not marked on request: "
                             f"{', '.join(n for n, d in DATASETS.items() if not d.on_request)})")
    parser.add_argument("--dest", type=Path, default=HERE / "data",
                        help="where to put the files (default: corpora/data)")
    parser.add_argument("--mirror", type=Path, default=os.environ.get("W2V_CORPORA_MIRROR") or None,
                        help="copy from this folder instead of downloading "
                        "(default: $W2V_CORPORA_MIRROR if set)")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in DATASETS]
    if unknown:
        parser.error(f"unknown data set {unknown[0]!r}; choose from {', '.join(DATASETS)}")
    mirror = Path(args.mirror) if args.mirror else None
    if mirror is not None and not mirror.is_dir():
        print(f"Error: mirror folder not found: {str(mirror)!r}", file=sys.stderr)
        return 1
    try:
        paths = fetch(args.names or [n for n, d in DATASETS.items() if not d.on_request], args.dest, mirror)
    except (FetchError, OSError) as e:
        print(f"Error: {e}", file=sys.stderr)
        return 1
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
