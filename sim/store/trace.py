"""A run's ``trace.parquet`` written from its rows with pyarrow alone: saving a run needs no pandas.

``pyarrow.array`` asks whether its input is a pandas object and so imports pandas (~0.5 s) on first use; the
columns here are built from raw buffers instead (``pyarrow.Array.from_buffers``: little-endian int64 and float64
values, bit-packed booleans, int64 offsets and UTF-8 bytes of ``large_string``), with the types pandas'
``DataFrame(rows).to_parquet(index=False)`` wrote before (int64, double, bool, large_string). A column of any other
kind (None, mixed types) goes through ``pyarrow.array``. ``pd.read_parquet`` reads back the DataFrame the old
writer's file gave (``tests/test_startup.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def _column(values: list[Any]) -> Any:
    """One pyarrow array of a trace column (see the module docstring)."""
    # lazy: pyarrow costs ~0.2 s to import; negsim run --no-save and negsim validate start without it
    import pyarrow as pa

    kinds = {type(v) for v in values}
    n = len(values)
    if kinds == {bool}:
        bits = np.packbits(np.array(values, dtype=bool), bitorder="little")
        return pa.Array.from_buffers(pa.bool_(), n, [None, pa.py_buffer(bits.tobytes())])
    if kinds == {int}:
        return pa.Array.from_buffers(pa.int64(), n, [None, pa.py_buffer(np.array(values, dtype="<i8").tobytes())])
    if kinds == {float}:
        return pa.Array.from_buffers(pa.float64(), n, [None, pa.py_buffer(np.array(values, dtype="<f8").tobytes())])
    if kinds == {str}:
        data = [v.encode() for v in values]
        offsets = np.zeros(n + 1, dtype="<i8")
        np.cumsum([len(b) for b in data], out=offsets[1:])
        buffers = [None, pa.py_buffer(offsets.tobytes()), pa.py_buffer(b"".join(data))]
        return pa.Array.from_buffers(pa.large_string(), n, buffers)
    return pa.array(values)


def write_trace(path: Path, rows: tuple[dict[str, Any], ...] | list[dict[str, Any]]) -> None:
    """``trace.parquet`` of the trace rows (one per round and actor; columns in the first row's order)."""
    # lazy: pyarrow costs ~0.2 s to import; negsim run --no-save and negsim validate start without it
    import pyarrow as pa

    # lazy: as above
    import pyarrow.parquet as pq

    names = list(rows[0]) if rows else []
    table = pa.Table.from_arrays([_column([r[c] for r in rows]) for c in names], names=names)
    pq.write_table(table, path)
