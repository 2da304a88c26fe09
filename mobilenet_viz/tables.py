"""The one CSV writer: rows of same-keyed dicts -> CSV text, for every table a page offers as a download.

Columns are the first row's keys, in order; a key missing from a later row is an empty cell (the
architectures table's total line); lines end in ``\\n``. Imports only the standard library, so the
analytic half may use it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence


def rows_to_csv(rows: Sequence[Mapping[str, object]]) -> str:
    """CSV text with a header line and one line per row; ``""`` for no rows."""
    if not rows:
        return ""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n", restval="")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
