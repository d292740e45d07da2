"""Verify the checksum of every storage block of a DuckDB file, without DuckDB.

Reading every table back (``check``'s integrity step) only touches the blocks that hold table
data: damage in a block that holds an index (e.g. the primary key of ``observations``) or
metadata goes unnoticed until a later write trips over it. DuckDB stores, in front of each
block, a checksum of the rest of the block: ``5381 XOR (XOR over the block's 64-bit words w of
w x 0xbf58476d1ce4e5b9)`` (DuckDB's ``Checksum``, for a block size that is a multiple of 8).
This module recomputes it for every block (numpy, ~10 ms for a 10 MB file).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

HEADER_BYTES = 3 * 4096  #: the main header and the two database headers
CHECKSUM_BYTES = 8
_MULTIPLIER = np.uint64(0xBF58476D1CE4E5B9)
_SEED = np.uint64(5381)


def damaged_blocks(path: str | Path, block_size: int = 262144) -> list[int]:
    """Numbers of the blocks of ``path`` whose stored checksum does not match their content.

    ``block_size`` is the file's block allocation size (``PRAGMA database_size``: 256 KiB by
    default). A block never written (all zeros, e.g. at the end of a file being extended) is
    not counted. Returns [] for a file too small to hold a block.
    """
    raw = np.fromfile(Path(path), dtype=np.uint8)
    n = (raw.size - HEADER_BYTES) // block_size
    if n <= 0 or block_size % 8:
        return []
    blocks = raw[HEADER_BYTES:HEADER_BYTES + n * block_size].reshape(n, block_size)
    stored = blocks[:, :CHECKSUM_BYTES].copy().view(np.uint64)[:, 0]
    words = blocks[:, CHECKSUM_BYTES:].copy().view(np.uint64)
    with np.errstate(over="ignore"):
        computed = np.bitwise_xor.reduce(words * _MULTIPLIER, axis=1) ^ _SEED
    empty = ~blocks.any(axis=1)
    return [int(i) for i in np.nonzero((stored != computed) & ~empty)[0]]
