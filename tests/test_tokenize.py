"""w2v tokenize: the rules one by one, streaming, bounded memory, bad bytes, the CLI."""

import gzip
import io
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
from click.testing import CliRunner

from w2v.cli import cli
from w2v.text import tokenize as tok
from w2v.text.tokenize import tokenize_stream, tokenize_text

NSMC = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "nsmc_reviews.txt.gz"


def stream(data: bytes, **kwargs) -> bytes:
    out = io.BytesIO()
    tokenize_stream(io.BytesIO(data), out, **kwargs)
    return out.getvalue()


@pytest.mark.parametrize("raw, tokens", [
    ("영화...", "영화 ..."),
    ("영화,,", "영화 ,,"),
    ("최고!!!^^", "최고 !!! ^^"),
    ("?!", "? !"),
    ("(괄호)와 \"따옴표\"", "( 괄호 ) 와 \" 따옴표 \""),
    ("♥사랑♥ 😀😀", "♥ 사랑 ♥ 😀😀"),
    ("don't e-mail", "don't e-mail"),
    ("'quoted' -dash-", "' quoted ' - dash -"),
    ("3.5 1,000 end.", "3.5 1,000 end ."),
    ("a--b", "a -- b"),
])
def test_punctuation_and_symbols_are_split_off_words(raw, tokens):
    assert tokenize_text(raw) == tokens


@pytest.mark.parametrize("raw, tokens", [
    ("재밌다ㅋㅋ", "재밌다 ㅋㅋ"),
    ("ㅎㅎ좋아요ㅠㅠ", "ㅎㅎ 좋아요 ㅠㅠ"),
    ("ㅋㅋㅋㅋ ㅇㅋ", "ㅋㅋㅋㅋ ㅇㅋ"),
    ("ㅠ.ㅠ", "ㅠ . ㅠ"),
])
def test_jamo_emoticons_are_their_own_tokens_and_stay_compatibility_jamo(raw, tokens):
    out = tokenize_text(raw)
    assert out == tokens
    assert "\u110f" not in out and "\u1112" not in out  # NFKC's conjoining jamo never appear


@pytest.mark.parametrize("raw, tokens", [
    ("ＡＢＣ１２３", "abc123"),  # full-width letters and digits
    ("ﬁne ﬂow", "fine flow"),  # ligatures
    ("a\u3000b\xa0c", "a b c"),  # ideographic and no-break spaces
    ("\u1100\u1161\u11a8", "각"),  # conjoining jamo compose into a syllable
    ("①", "1"),
    ("Ⅻ", "xii"),
])
def test_nfkc(raw, tokens):
    assert tokenize_text(raw) == tokens


def test_lower_case_is_the_default_and_can_be_turned_off():
    assert tokenize_text("Hello WORLD") == "hello world"
    assert tokenize_text("Hello WORLD", lower=False) == "Hello WORLD"
    assert stream(b"Hello\n", lower=False) == b"Hello\n"


def test_one_output_line_per_input_line_blank_lines_kept_whitespace_squeezed():
    assert stream(b"  A  b\t c \r\n\n...\n   \nlast") == b"a b c\n\n...\n\nlast\n"


def test_invalid_utf8_becomes_the_replacement_character_inside_its_word():
    assert stream(b"ab\xffcd \xed\x95 ok\n") == "ab\ufffdcd \ufffd ok\n".encode()
    assert stream(b"\x80\x80") == "\ufffd\ufffd\n".encode()


def test_a_character_split_across_read_chunks_is_decoded_whole(monkeypatch):
    monkeypatch.setattr(tok, "CHUNK_BYTES", 7)
    text = "영화관에서 재밌다ㅋㅋ 영화... 최고!\n" * 3
    assert stream(text.encode()) == (tokenize_text(text[:-1]) + "\n").encode()


def test_a_long_line_is_cut_at_whitespace_into_one_output_line(monkeypatch):
    monkeypatch.setattr(tok, "CHUNK_BYTES", 64)
    monkeypatch.setattr(tok, "MAX_PIECE", 50)
    line = " ".join(f"Word{i}," for i in range(200))
    out = stream((line + "\nnext\n").encode()).decode()
    assert out.split("\n") == [tokenize_text(line), "next", ""]


def test_a_long_line_without_whitespace_is_cut_without_inserting_spaces(monkeypatch):
    monkeypatch.setattr(tok, "CHUNK_BYTES", 64)
    monkeypatch.setattr(tok, "MAX_PIECE", 50)
    assert stream(b"x" * 1000) == b"x" * 1000 + b"\n"


def test_memory_stays_bounded_on_a_line_with_no_newline(monkeypatch):
    monkeypatch.setattr(tok, "CHUNK_BYTES", 1 << 16)
    monkeypatch.setattr(tok, "MAX_PIECE", 1 << 16)

    class Endless:
        """8 MB of one line, produced on demand (never held whole)."""

        def __init__(self, size):
            self.left = size

        def read(self, n):
            n = min(n, self.left)
            self.left -= n
            return (b"Abcdefghi, " * (n // 11 + 1))[:n]

    class Counting:
        size = 0

        def write(self, data):
            self.size += len(data)

    sink = Counting()
    tracemalloc.start()
    tokenize_stream(Endless(8 << 20), sink)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert sink.size > 8 << 20  # "Abcdefghi, " -> "abcdefghi , "
    assert peak < 2 << 20  # a few copies of one 64 KiB piece and its tokens, far below the 8 MB line


def test_cli_reads_a_file_or_stdin_and_writes_stdout(tmp_path):
    path = tmp_path / "raw.txt"
    path.write_bytes("재밌다ㅋㅋ 영화...\nＧｏｏｄ!\n".encode())
    from_file = CliRunner().invoke(cli, ["tokenize", str(path)])
    from_stdin = CliRunner().invoke(cli, ["tokenize", "-"], input=path.read_bytes())
    assert from_file.exit_code == 0 and from_stdin.exit_code == 0
    assert from_file.stdout_bytes == from_stdin.stdout_bytes == "재밌다 ㅋㅋ 영화 ...\ngood !\n".encode()
    assert CliRunner().invoke(cli, ["tokenize", "--no-lower"], input=b"Good!").stdout_bytes == b"Good !\n"


def test_cli_missing_file_is_one_error_line(tmp_path):
    result = CliRunner().invoke(cli, ["tokenize", str(tmp_path / "nope.txt")])
    assert result.exit_code == 1
    assert result.output == f"Error: text not found: {str(tmp_path / 'nope.txt')!r}\n"


def test_cli_reads_compressed_text_in_another_encoding(tmp_path):
    path = tmp_path / "raw.txt.gz"
    path.write_bytes(gzip.compress("재밌다ㅋㅋ 영화...\n".encode("cp949")))
    result = CliRunner().invoke(cli, ["tokenize", str(path), "--encoding", "cp949"])
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == "재밌다 ㅋㅋ 영화 ...\n".encode()


@pytest.mark.skipif(not NSMC.exists(), reason="needs ../shared/corpora/nsmc_reviews.txt.gz")
def test_nsmc_slice_through_the_real_command():
    with gzip.open(NSMC, "rb") as f:
        raw = b"".join(f.readline() for _ in range(2000))
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    done = subprocess.run([sys.executable, "-m", "w2v", "tokenize", "-"], input=raw, capture_output=True, env=env,
                          check=True)
    lines = done.stdout.decode().split("\n")
    assert len(lines) == 2001 and lines[-1] == ""
    tokens = " ".join(lines).split()
    assert "영화" in tokens and "..." in tokens
    assert not any(t.startswith("영화") and t[-1] in ".,!?~" for t in tokens)
