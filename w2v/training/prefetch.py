"""Software prefetch for the kernels: start loading a matrix row before the code reads it.

A subword model's rows are scattered over hundreds of MB (text8: 82k words and 206 MB of n-gram
rows), so the first read of a row waits on memory. Issued one step ahead (the next centre's
n-gram rows, the next pair's output rows), the loads arrive while the current step computes
(benchmarks/RESULTS_subwords.md, sixth run). A prefetch is a hint: it changes no value.
"""

from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

FLOATS_PER_LINE = 16  # a 64-byte cache line of float32

_READ, _KEEP_IN_ALL_LEVELS, _DATA = 0, 3, 1  # llvm.prefetch's rw, locality and cache-type arguments


@intrinsic
def prefetch(typingctx, matrix, row, column):
    """Start loading the cache line that holds matrix[row, column] (LLVM's ``prefetch``)."""

    def codegen(context, builder, signature, args):
        matrix_type, row_type, column_type = signature.args
        array = context.make_array(matrix_type)(context, builder, args[0])
        indices = [context.cast(builder, args[1], row_type, types.intp),
                   context.cast(builder, args[2], column_type, types.intp)]
        pointer = cgutils.get_item_pointer(context, builder, matrix_type, array, indices, wraparound=False)
        i32 = ir.IntType(32)
        function_type = ir.FunctionType(ir.VoidType(), [pointer.type, i32, i32, i32])
        function = cgutils.get_or_insert_function(builder.module, function_type, "llvm.prefetch.p0")
        builder.call(function, [pointer, ir.Constant(i32, _READ), ir.Constant(i32, _KEEP_IN_ALL_LEVELS),
                                ir.Constant(i32, _DATA)])
        return context.get_dummy_value()

    return types.void(matrix, row, column), codegen


@njit(nogil=True, cache=True, inline="always")
def prefetch_row(matrix, row, dim):
    """Start loading every cache line of matrix[row, :dim]."""
    for k in range(0, dim, FLOATS_PER_LINE):
        prefetch(matrix, row, k)
    prefetch(matrix, row, dim - 1)  # a row that starts mid-line ends in one line more
