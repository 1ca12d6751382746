"""w2v: fast word2vec training and instant queries.

    import w2v
    model = w2v.train(sentences, dim=100, cbow=False)   # or a path to a text file
    model.nearest("king")
    vectors = w2v.load("vectors.bin")                   # any format the CLI reads

Importing the package must stay cheap: query commands run in shell pipelines,
so nothing here may import numba (training modules import it themselves). The
library's names are loaded on first use.
"""

import sys as _sys
import types as _types

__version__ = "0.1.0"

# name -> the module that defines it, imported when the name is first used
_LAZY = {
    "load": "w2v.api", "from_gensim": "w2v.api", "TrainingInterruptedWarning": "w2v.api",
    "Model": "w2v.model", "Vectors": "w2v.model",
    "TrainParams": "w2v.params",
    "W2VError": "w2v.errors", "ParameterError": "w2v.errors", "CorpusError": "w2v.errors",
    "ModelError": "w2v.errors", "UnknownWordError": "w2v.errors", "TrainingDiverged": "w2v.errors",
}

__all__ = ["__version__", "train", *_LAZY]


def _trainer_module():
    import importlib

    return importlib.import_module("w2v.train")


class _Train:
    """``w2v.train``: the library's train function (``w2v.api.train``), which shares its name with
    the trainer module ``w2v/train.py``. Calling it trains; any other attribute (``w2v.train.train``,
    ``w2v.train.SPAN_IDS``, monkeypatching in tests) reaches that module, as ``import w2v.train``
    users expect. It looks like a function to ``help`` and ``inspect``.
    """

    __slots__ = ()
    __name__ = __qualname__ = "train"

    def __call__(self, corpus, **options):
        from w2v.api import train

        return train(corpus, **options)

    def __get__(self, obj, objtype=None):  # a method descriptor: pydoc and inspect document a routine
        return self

    @property
    def __doc__(self):
        from w2v.api import train

        return train.__doc__

    @property
    def __signature__(self):
        from w2v.api import train

        return train.__signature__

    def __repr__(self):
        return "<function w2v.train>"

    def __getattr__(self, name):
        if name.startswith("__"):  # inspect's probes (__wrapped__, ...) must not import the trainer
            raise AttributeError(name)
        return getattr(_trainer_module(), name)

    def __setattr__(self, name, value):
        setattr(_trainer_module(), name, value)

    def __delattr__(self, name):
        delattr(_trainer_module(), name)


class _Package(_types.ModuleType):
    def __setattr__(self, name, value):
        if name == "train" and isinstance(value, _types.ModuleType):
            return  # importing w2v.train binds it here: keep the function, which reaches the module
        super().__setattr__(name, value)


train = _Train()
_sys.modules[__name__].__class__ = _Package


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'w2v' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted({name for name in globals() if not name.startswith("_")} | set(_LAZY) | {"__version__"})
