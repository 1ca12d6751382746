"""fastText's subword model (Bojanowski et al., TACL 2017): character n-grams and their vectors.

A word's vector is the average of its own row and the rows of its character n-grams, taken from
``<word>`` with lengths ``minn``..``maxn`` (a character is one Unicode code point) and hashed
with fastText's 32-bit FNV-1a into ``bucket`` buckets. Ids and hashes equal fastText's and
gensim's, so models move between the three.

NumPy and the standard library only: query commands import this package, and they never import
numba. The training kernels live in ``w2v.subwords.kernels``, imported by training alone.
"""

from w2v.subwords.ngrams import SubwordSpec, fnv1a_32, ngram_buckets, ngram_hashes_batch, word_ngrams
from w2v.subwords.table import SubwordTable

__all__ = ["SubwordSpec", "SubwordTable", "fnv1a_32", "ngram_buckets", "ngram_hashes_batch", "word_ngrams"]
