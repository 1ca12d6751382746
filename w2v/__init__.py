"""w2v: fast word2vec training and instant queries.

Importing the package must stay cheap: query commands run in shell pipelines,
so nothing here may import numba (training modules import it themselves).
"""

__version__ = "0.1.0"
