"""Allocator settings for a load's process: memory that was freed should leave the process.

A load has two phases in one process: the fetch (pages parsed into Python objects and rows,
spooled to a file) and then the stage-and-merge (rows back from the spool, through Arrow, into
DuckDB). Each phase frees what it used, but the allocators keep freed memory for reuse, so the
merge's peak stacks on top of what the fetch left behind. Measured on a 20k-incident load
(docs/benchmarks.md, "Issue 19: memory"):

- Arrow's default pool on Linux is mimalloc, which kept ~35-40 MB of the per-batch tables'
  memory resident after the tables were gone (its segments are cached for reuse). Arrow's
  system pool (glibc malloc) returns large buffers to the OS on free; staging is a few batches
  of ~12 MB per load, so the pool's speed does not show.
- glibc keeps freed heap memory of the fetch phase; `malloc_trim(0)` before the merge hands
  the free pages of every arena back to the OS before DuckDB starts filling its cap.

Both are process-wide and harmless to everything else (they only change where freed memory
goes), so they are applied when a DuckDB merge session opens.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

import pyarrow as pa


@functools.cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    # malloc_trim is glibc's; musl and macOS have none, and there is nothing to trim then.
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


def use_system_arrow_pool() -> None:
    """Arrow allocates from glibc malloc, which returns large freed buffers to the OS."""
    if pa.default_memory_pool().backend_name != "system":
        pa.set_memory_pool(pa.system_memory_pool())


def release_free_memory() -> None:
    """Give the free pages of every glibc arena back to the OS (a no-op off glibc)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
