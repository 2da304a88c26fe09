"""One session cannot keep unbounded uploads on the server (issue 16): 40 photos of 9.5 MB were
kept in memory until the session expired (+700 MB)."""

from __future__ import annotations

from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager

from mobilenet_viz.inputs.samples import get_sample
from tests.app.helpers import assert_no_exception, by_key, open_page

PAGE = "pages/classify.py"


def test_more_than_24_photos_are_not_kept_and_the_page_says_which(offline, monkeypatch):
    removed: list[int] = []
    original = MemoryUploadedFileManager.remove_file

    def remove_file(self, session_id, file_id):
        before = sum(len(f.data) for f in self.file_storage.get(session_id, {}).values())
        original(self, session_id, file_id)
        removed.append(
            before - sum(len(f.data) for f in self.file_storage.get(session_id, {}).values())
        )

    monkeypatch.setattr(MemoryUploadedFileManager, "remove_file", remove_file)
    at = open_page(PAGE, query={"runs": "1", "engine": "eager", "cam": "0"})
    at.pills(key="cls_samples").set_value([])
    photo = get_sample("coins.jpg").read_bytes()
    by_key(at.file_uploader, "cls_uploads").set_value(
        [(f"p{i:02}.jpg", photo, "image/jpeg") for i in range(30)]
    )
    at.run(timeout=300)
    assert_no_exception(at)
    warning = " ".join(str(w.value) for w in at.warning)
    assert (
        "6 files not kept (“p24.jpg”, “p25.jpg”, “p26.jpg” and 3 more): one upload box keeps at most 24 files"
        in warning
    )
    assert len([h for h in at.subheader if str(h.value).startswith("p")]) == 24
    assert (
        removed == [len(photo)] * 6
    )  # the dropped files' bytes are deleted from the server's store


def test_the_48_mb_a_session_keeps_is_counted_in_bytes(monkeypatch):
    from ui.uploads import bounded

    class Upload:
        def __init__(self, i, size):
            self.name, self.size, self.file_id = f"big{i}.jpg", size, str(i)

    forgotten = []
    monkeypatch.setattr("ui.uploads._forget", forgotten.extend)
    monkeypatch.setattr("ui.uploads.st.session_state", {})
    files = [Upload(i, int(9.5 * 2**20)) for i in range(40)]  # issue 16: 40 x 9.5 MB
    kept, message = bounded(files, max_files=24, max_bytes=48 * 2**20, key="k")
    assert [f.name for f in kept] == [f"big{i}.jpg" for i in range(5)]  # 47.5 MB
    assert len(forgotten) == 35 and message.startswith(
        "35 files not kept (“big5.jpg”, “big6.jpg”, “big7.jpg” and 32 more)"
    )
