"""The kernels' software prefetch compiles for every row width and changes no value."""

import numpy as np
import pytest
from numba import njit

from w2v.training.prefetch import prefetch_row


@njit(cache=False)
def prefetch_every_row_then_sum(matrix):
    total = np.float32(0.0)
    for row in range(matrix.shape[0]):
        prefetch_row(matrix, row, matrix.shape[1])
        for k in range(matrix.shape[1]):
            total += matrix[row, k]
    return total


@pytest.mark.parametrize("dim", [1, 15, 16, 17, 100, 300])
def test_prefetching_rows_of_any_width_leaves_them_as_they_were(dim):
    matrix = np.random.default_rng(dim).random((7, dim), dtype=np.float32)
    before = matrix.copy()
    total = prefetch_every_row_then_sum(matrix)
    np.testing.assert_array_equal(matrix, before)
    assert total == pytest.approx(float(before.sum()), rel=1e-5)
