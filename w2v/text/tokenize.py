"""Raw text to training tokens: a streaming filter, bytes in, UTF-8 lines of space-separated tokens out.

The rules, applied in this order to every line:

1. **Invalid UTF-8** becomes U+FFFD (the replacement character), never an error. U+FFFD stays
   where the bad bytes were, inside its word: it is not treated as a symbol.
2. **NFKC** (Unicode compatibility normalisation): full-width letters and digits become ASCII
   (``Ａ１`` -> ``A1``), ligatures are spelled out (``ﬁ`` -> ``fi``), decomposed Hangul is
   composed, the ideographic and no-break spaces become spaces. Hangul compatibility jamo
   (U+3131..U+318E, what a keyboard types for ㅋ, ㅎ, ㅠ) are left as they are: NFKC would turn
   them into conjoining jamo, which render as fragments and which nobody types in a query.
3. **Lower case** (``str.lower``), unless ``lower=False`` (``--no-lower``).
4. **Punctuation and symbols are split off words** (Unicode categories P* and S*: ``.`` ``,``
   ``!`` ``~`` ``^`` ``♥``, emoji...). A run of one repeated character is one token
   (``영화...`` -> ``영화 ...``; ``^^`` stays ``^^``); different characters are separate tokens
   (``?!`` -> ``? !``). Kept inside a word: an apostrophe or hyphen between two letters or digits
   (``don't``, ``e-mail``) and a period or comma between two digits (``3.5``, ``1,000``).
5. **Hangul jamo emoticons** (runs of compatibility jamo such as ㅋㅋ, ㅎㅎ, ㅠㅠ, ㅇㅋ) are
   tokens of their own: ``재밌다ㅋㅋ`` -> ``재밌다 ㅋㅋ``.
6. **Whitespace**: any run of Unicode whitespace (tabs, carriage returns included) becomes one
   space, and lines are stripped.

Every input line gives one output line (empty lines stay, as empty lines); a last line without
a newline gets one. Memory is bounded whatever the line length: input is read ``CHUNK_BYTES``
at a time, and a line longer than ``MAX_PIECE`` characters is cut at its last whitespace (or,
with no whitespace in it, anywhere) and processed piece by piece, its pieces joined on the same
output line. The text is processed a batch of lines at a time with ``str`` methods and
compiled regular expressions, never a Python loop per character.
"""

from __future__ import annotations

import codecs
import re
import sys
import unicodedata

CHUNK_BYTES = 1 << 20  # bytes read at a time
MAX_PIECE = 1 << 20  # characters of one line processed at a time, at most
REPLACEMENT = "\ufffd"
COMPAT_JAMO = "\u3131-\u318e"
# Kept inside a word when between two word characters (or two digits, for the second set).
_IN_WORD = "'\u2019-"
_IN_NUMBER = ".,"
_WHITESPACE_CUTS = (" ", "\t", "\r", "\x0b", "\x0c", "\u3000", "\xa0")

_patterns = None


def _class(codes) -> str:
    """A regex character class body matching exactly ``codes`` (sorted), written as ranges."""
    ranges = []
    for code in codes:
        if ranges and code == ranges[-1][1] + 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)


def _symbols():
    """Every punctuation and symbol code point (P*, S*) but U+FFFD and the in-word ones: (BMP, astral)."""
    codes = [code for code in range(sys.maxunicode + 1)
             if unicodedata.category(chr(code))[0] in "PS" and chr(code) not in REPLACEMENT + _IN_WORD + _IN_NUMBER]
    return [c for c in codes if c < 0x10000], [c for c in codes if c >= 0x10000]


def _compiled():
    """The regular expressions, built on first use (collecting the symbols takes ~0.2 s)."""
    global _patterns
    if _patterns is None:
        bmp, astral = _symbols()
        jamo, symbol, astral = f"[{COMPAT_JAMO}]", f"[{_class(bmp)}]", f"[{_class(astral)}]"
        in_word, in_number = f"[{_class(sorted(map(ord, _IN_WORD)))}]", f"[{_class(sorted(map(ord, _IN_NUMBER)))}]"
        # One class up front lets re skip ordinary letters at C speed; the look-behinds then say which
        # kind the first character is. Astral symbols (emoji) are a long list of ranges that re tests
        # one by one, so only astral characters are tested against it.
        first = f"[{COMPAT_JAMO}{_class(bmp)}{_class(sorted(map(ord, _IN_WORD + _IN_NUMBER)))}\\U00010000-\\U0010ffff]"
        # Group 1 is the whole token (re.split keeps it), group 2 its first character.
        split_off = (rf"(({first})(?:"
                     rf"(?<={jamo}){jamo}*"  # a jamo emoticon
                     rf"|(?:(?<={symbol})|(?<=[\U00010000-\U0010ffff])(?<={astral}))\2*"  # a symbol, repeated
                     rf"|(?<={in_word})(?:(?<!\w.)|(?!\w))\2*"  # an apostrophe or hyphen not inside a word
                     rf"|(?<={in_number})(?:(?<!\d.)|(?!\d))\2*))")  # . or , not inside a number
        _patterns = (re.compile(jamo + "+"), re.compile(split_off))
    return _patterns


def _nfkc(text: str, jamo: re.Pattern) -> str:
    if not jamo.search(text):
        return unicodedata.normalize("NFKC", text)
    parts = jamo.split(text)  # jamo runs are the odd parts (the pattern has no group: re-find them)
    runs = jamo.findall(text)
    out = []
    for i, part in enumerate(parts):
        out.append(unicodedata.normalize("NFKC", part))
        if i < len(runs):
            out.append(runs[i])
    return "".join(out)


def tokenize_text(text: str, lower: bool = True) -> str:
    """Apply the module's rules to ``text`` (any number of ``\\n``-separated lines)."""
    jamo, split_off = _compiled()
    text = _nfkc(text, jamo)
    if lower:
        text = text.lower()
    parts = split_off.split(text)  # text, token, its first character, text, ...: 2x faster than sub()
    del parts[2::3]
    text = " ".join(parts)
    return "\n".join([" ".join(line.split()) for line in text.split("\n")])


def _cut(piece: str) -> int:
    """Where to cut an over-long line: after its last whitespace, else at the end."""
    at = max(piece.rfind(c) for c in _WHITESPACE_CUTS)
    return at + 1 if at > 0 else len(piece)


def tokenize_stream(source, sink, lower: bool = True) -> None:
    """Read bytes from ``source`` (a binary file object), write tokenized UTF-8 lines to ``sink``.

    Memory stays within a few times ``CHUNK_BYTES`` + ``MAX_PIECE`` whatever the input.
    """
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    pending = ""
    space = False  # the last piece written ended a token without ending its line: a space is due
    while True:
        chunk = source.read(CHUNK_BYTES)
        pending += decoder.decode(chunk or b"", final=not chunk)
        if not chunk and pending and not pending.endswith("\n"):
            pending += "\n"  # the last line gets its newline
        end = pending.rfind("\n") + 1
        if end:
            text, pending = pending[:end], pending[end:]
            _write(sink, tokenize_text(text[:-1], lower) + "\n", space)
            space = False
        while len(pending) > MAX_PIECE:
            at = _cut(pending[:MAX_PIECE])
            text, pending = pending[:at], pending[at:]
            out = tokenize_text(text, lower)
            _write(sink, out, space)
            # A piece cut at whitespace is followed by a new token; one cut inside a token is not.
            space = (space or bool(out)) and text[-1].isspace()
        if not chunk:
            break


def _write(sink, text: str, space: bool) -> None:
    if space and text and not text.startswith("\n"):
        text = " " + text
    if text:
        sink.write(text.encode("utf-8"))
