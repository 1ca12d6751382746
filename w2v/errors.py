"""One exception type per kind of user error.

The CLI turns any ``W2VError`` into a one-line ``Error: ...`` message and a
non-zero exit status; library users can catch the specific subclasses.
"""


class W2VError(Exception):
    """Base class of every error a user can cause and fix."""

    exit_code = 1


class ParameterError(W2VError):
    """A hyper-parameter or option value that cannot work."""

    exit_code = 2


class CorpusError(W2VError):
    """The training text is missing, unreadable, empty or otherwise unusable."""


class ModelError(W2VError):
    """A model or vectors file is missing, truncated, corrupt or of an unknown format."""


class UnknownWordError(W2VError, KeyError):
    """A query word is not in the vocabulary; ``word`` is it, ``suggestions`` the close words found."""

    def __init__(self, word, suggestions=()):
        self.word = word
        self.suggestions = list(suggestions)
        message = f"word not in vocabulary: {word!r}"
        if self.suggestions:
            message += "; did you mean: " + ", ".join(self.suggestions) + "?"
        super().__init__(message)

    def __str__(self):
        return self.args[0]


WordNotFound = UnknownWordError  # the name the query modules and the CLI use


class WordBeyondLimit(WordNotFound):
    """A query word is in the vocabulary, but beyond the most frequent words that were loaded."""

    def __init__(self, word, limit, rank):
        self.word, self.suggestions, self.limit, self.rank = word, [], limit, rank
        W2VError.__init__(self, f"word {word!r} is beyond the {limit:,} most frequent words loaded "
                                f"(it is number {rank:,}); raise --limit")


class TrainingDiverged(W2VError):
    """Training produced NaN or Inf weights (usually a learning rate that is too high)."""
