"""Numba's on-disk cache for w2v's kernels, made safe to find damaged.

Numba already ignores a cache entry from another Numba version, another CPU or an edited source
file (its index is keyed by all three), and then compiles. But it raises on a cache file it
cannot read back: a truncated or overwritten index or data file stops the run with an unpickling
error. ``protect(globals())``, at the end of each kernel module, makes such a file a cache miss
for that module's kernels: the kernel compiles as on a first run, and its fresh entry replaces
the damaged index. Caching stays an optimisation; it can never fail a command.
"""

from __future__ import annotations

import os

from numba.core.caching import FunctionCache
from numba.core.registry import CPUDispatcher


class SafeFunctionCache(FunctionCache):
    """A FunctionCache whose unreadable files are misses, not errors."""

    def load_overload(self, sig, target_context):
        try:
            return super().load_overload(sig, target_context)
        except Exception:  # noqa: BLE001 - any damage: compile instead
            self._forget_index()
            return None

    def save_overload(self, sig, data):
        try:
            super().save_overload(sig, data)
        except Exception:  # noqa: BLE001 - a damaged index: start it again
            self._forget_index()
            try:
                super().save_overload(sig, data)
            except Exception:  # noqa: BLE001 - an unwritable cache only costs the next run a compile
                pass

    def _forget_index(self) -> None:
        try:
            os.unlink(self._cache_file._index_path)
        except (AttributeError, OSError):
            pass


def protect(namespace: dict) -> None:
    """Give every cached Numba kernel in ``namespace`` (a module's globals) the safe cache."""
    for value in namespace.values():
        if isinstance(value, CPUDispatcher) and isinstance(getattr(value, "_cache", None), FunctionCache):
            value._cache.__class__ = SafeFunctionCache
