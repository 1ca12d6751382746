"""w2v: fast word2vec training and instant queries.

    import w2v
    model = w2v.train(sentences, dim=100, cbow=False)   # or a path to a text file
    model.nearest("king")
    vectors = w2v.load("vectors.bin")                   # any format the CLI reads

Importing the package must stay cheap: query commands run in shell pipelines,
so nothing here may import numba (training modules import it themselves). The
library's names are loaded on first use.
"""

__version__ = "0.1.0"

# name -> the module that defines it, imported when the name is first used
_LAZY = {
    "train": "w2v.api", "load": "w2v.api", "from_gensim": "w2v.api", "TrainingInterruptedWarning": "w2v.api",
    "Model": "w2v.vectors.model", "Vectors": "w2v.vectors.model",
    "TrainParams": "w2v.training.params",
    "W2VError": "w2v.errors", "ParameterError": "w2v.errors", "CorpusError": "w2v.errors",
    "ModelError": "w2v.errors", "UnknownWordError": "w2v.errors", "TrainingDiverged": "w2v.errors",
}

__all__ = ["__version__", *_LAZY]


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
