"""Python sentences as the bytes of a corpus file, for the streaming scanner in ``w2v.text.corpus``.

The scanner reads a binary stream; ``SentenceStream`` is one over an iterable of sentences.
It takes the sentences a batch at a time (about ``BATCH_BYTES`` of text) and encodes each
batch with a few C-level calls (``" ".join`` per sentence, one ``"\\n".join`` and one
``encode`` per batch), so no Python code runs per token. The text is the one a corpus file
would hold: a sentence per line, tokens separated by one space. The iterable is read once,
front to back, and only the current batch is held, so a generator works and memory stays small.

Sentences are either all token lists (lists or tuples of str; any other iterable of str works,
more slowly) or all strings (str or UTF-8 bytes, one sentence each, split by the corpus reader:
on whitespace, and a "\\n" inside ends the sentence). The kind is decided by the first sentence.

A token is one word: an empty token is skipped (as the reader skips the empty text between two
spaces), and a token holding whitespace (space, tab, newline, \\v, \\f, \\r or NUL, the bytes
the reader splits on or deletes) is a ``CorpusError``: it could only be split into several
words silently. Replace the whitespace first (``"new_york"``) or pass strings instead. A lone
surrogate in a str (from ``errors="surrogateescape"``, say) becomes U+FFFD, as an invalid
sequence in a file does.
"""

from __future__ import annotations

import codecs
import io
from itertools import chain, islice

from w2v.errors import CorpusError

BATCH_BYTES = 1 << 20  # text encoded at a time (the sentences are taken in groups of about this size)
_SEPARATORS = (b"\t", b"\r", b"\x0b", b"\x0c", b"\x00")  # besides " " and "\n": never inside a token
_FIRST_BATCH = 64  # sentences in the first batch, before their size is known
_REPLACE = "w2v-sentences-replace"


def _replace_surrogates(error):
    """One U+FFFD for each lone surrogate (the only str that UTF-8 cannot encode), as bytes: the
    UTF-8 encoder takes only ASCII text from an error handler."""
    return "\ufffd".encode("utf-8") * (error.end - error.start), error.end


codecs.register_error(_REPLACE, _replace_surrogates)


def is_sentences(corpus) -> bool:
    """Whether ``corpus`` is an iterable of sentences rather than a path."""
    return not isinstance(corpus, (str, bytes)) and not hasattr(corpus, "__fspath__") and \
        hasattr(corpus, "__iter__")


class SentenceStream(io.RawIOBase):
    """A readable binary stream of the text of ``sentences`` (see the module's docstring)."""

    def __init__(self, sentences):
        self._sentences = iter(sentences)
        self._pending = memoryview(b"")
        self._encode = None  # the batch encoder, chosen from the first sentence
        self._batch = _FIRST_BATCH
        self._done = False
        self.sentences = 0  # sentences read so far
        self.name = "the sentences given"

    def __str__(self):
        return self.name

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        view = memoryview(buffer).cast("B")
        while not self._pending and not self._done:
            self._pending = memoryview(self._next_batch())
        n = min(len(view), len(self._pending))
        view[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def _next_batch(self) -> bytes:
        batch = list(islice(self._sentences, self._batch))
        if not batch:
            self._done = True
            return b""
        if self._encode is None:
            self._encode = _encode_strings if isinstance(batch[0], (str, bytes)) else _encode_token_lists
        data = self._encode(batch, self.sentences)
        self.sentences += len(batch)
        # aim the next batch at BATCH_BYTES, from this batch's bytes per sentence
        self._batch = max(1, min(1 << 20, int(BATCH_BYTES * len(batch) / max(len(data), 1))))
        return data


def _encode_strings(batch, before: int) -> bytes:
    kinds = set(map(type, batch))
    if kinds <= {str}:
        return "\n".join(chain(batch, ("",))).encode("utf-8", _REPLACE)
    if kinds <= {bytes}:
        return b"\n".join(chain(batch, (b"",)))
    for i, sentence in enumerate(batch):
        if not isinstance(sentence, (str, bytes)) or type(sentence) is not type(batch[0]):
            raise CorpusError(_kind_message(before + i, sentence, "a string (str or bytes, like the first one)"))
    # subclasses of str or bytes
    return _encode_strings([(bytes if isinstance(s, bytes) else str)(s) for s in batch], before)


def _encode_token_lists(batch, before: int) -> bytes:
    if not set(map(type, batch)) <= {list, tuple}:
        batch = [_token_list(sentence, before + i) for i, sentence in enumerate(batch)]
    lengths = list(map(len, batch))
    try:
        text = "\n".join(chain(map(" ".join, batch), ("",)))
    except TypeError:
        _raise_bad_token(batch, before)
        raise  # not reached
    data = text.encode("utf-8", _REPLACE)
    # Separators in the text: one space between two tokens, a newline after each sentence. Any
    # more means a token holds whitespace, which the reader would split on.
    spaces = sum(lengths) - len(batch) + lengths.count(0)
    if data.count(b" ") != spaces or data.count(b"\n") != len(batch) or any(s in data for s in _SEPARATORS):
        _raise_whitespace_token(batch, before)
    return data


def _token_list(sentence, index: int):
    if isinstance(sentence, (str, bytes)):
        raise CorpusError(_kind_message(index, sentence, "a list of tokens, like the first one"))
    try:
        return list(sentence)
    except TypeError:
        raise CorpusError(_kind_message(index, sentence, "a list of tokens")) from None


def _raise_bad_token(batch, before: int):
    for i, sentence in enumerate(batch):
        for token in sentence:
            if not isinstance(token, str):
                raise CorpusError(f"sentence {before + i + 1} holds a token of type {type(token).__name__} "
                                  f"({token!r:.40}): tokens must be str (convert them, e.g. with map(str, ...))")


def _raise_whitespace_token(batch, before: int):
    whitespace = frozenset(" \t\n\r\x0b\x0c\x00")
    for i, sentence in enumerate(batch):
        for token in sentence:
            if not whitespace.isdisjoint(token):
                raise CorpusError(f"sentence {before + i + 1} holds a token with whitespace ({token!r:.40}): a token "
                                  f"is one word; replace the whitespace (e.g. with '_') or pass strings instead")


def _kind_message(index: int, sentence, wanted: str) -> str:
    return (f"sentence {index + 1} is a {type(sentence).__name__} ({sentence!r:.40}), "
            f"not {wanted}: give the sentences all as token lists or all as strings")
