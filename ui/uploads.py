"""Per-session bounds on what an upload box keeps on the server.

Streamlit keeps every uploaded file in the server's memory until the student removes it or the
session expires: 40 photos of 9.5 MB stayed as +700 MB (issue 16). :func:`bounded` keeps the
first files that fit ``max_files`` and ``max_bytes`` and deletes the others from Streamlit's
in-memory upload store at once (``MemoryUploadedFileManager.remove_file``, the call
``st.chat_input`` makes for the same reason), then says which files were not kept and why.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ui.text import md


def _forget(files: Sequence) -> None:
    ctx = get_script_run_ctx()
    if ctx is None or not isinstance(ctx.uploaded_file_mgr, MemoryUploadedFileManager):
        return
    for f in files:
        ctx.uploaded_file_mgr.remove_file(session_id=ctx.session_id, file_id=f.file_id)


def bounded(
    files: Sequence, *, max_files: int, max_bytes: int, key: str
) -> tuple[list, str | None]:
    """(the files kept, in order; a one-line Markdown message naming those dropped, or None).

    ``key``: the uploader's widget key. The message is kept in ``st.session_state`` and returned
    again on later runs while the kept files stay the same (the upload box still lists the
    dropped files, whose bytes are gone from the server).
    """
    memo = f"_{key}_dropped"
    ids = tuple(f.file_id for f in files)
    earlier = st.session_state.get(memo)
    kept, dropped, total = [], [], 0
    for f in files:
        if len(kept) < max_files and total + f.size <= max_bytes:
            kept.append(f)
            total += f.size
        else:
            dropped.append(f)
    if not dropped:
        if earlier is not None and earlier[0] == ids:
            return kept, earlier[1]
        st.session_state.pop(memo, None)
        return kept, None
    _forget(dropped)
    names = ", ".join(f"“{md(f.name)}”" for f in dropped[:3]) + (
        f" and {len(dropped) - 3} more" if len(dropped) > 3 else ""
    )
    message = (
        f"{len(dropped)} file{'s' if len(dropped) != 1 else ''} not kept ({names}): one upload box keeps at most "
        f"{max_files} files and {max_bytes / 2**20:.0f} MB in a session. Remove some (×) to add others."
    )
    st.session_state[memo] = (tuple(f.file_id for f in kept), message)
    return kept, message
