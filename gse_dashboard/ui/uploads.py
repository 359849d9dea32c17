"""Uploads only where a page offers them: Streamlit's upload endpoint guarded inside the server.

Streamlit accepts `PUT /_stcore/upload_file/SESSION/FILE` from any live session and keeps the
file in memory until the session ends, whether or not its page has an upload widget: a visitor
could fill the server's memory 25 MB at a time. Streamlit has no setting for this (only
`server.maxUploadSize`, per file), so the app guards its upload manager once per server:

- upload addresses are given only to a session whose page drew an upload widget (`file_uploader`
  here records that) in its latest run or the run before (a run that starts while the editor is
  choosing a file must not take the address away), and only a file id given to that session is
  accepted. Only an editor's Manage data page draws an upload widget, so a viewer's session can
  never upload anything;
- a session holds at most `MAX_SESSION_UPLOAD_BYTES` of uploads at once.

Anything else is refused with 403 or 413 before it is stored.
"""

from __future__ import annotations

import os
import threading
from collections import defaultdict

import streamlit as st
from starlette.exceptions import HTTPException
from streamlit import runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ..importers.formats import MAX_UPLOAD_BYTES

# Four files at the import limit by default (a Civil Service Statistics release comes as several
# files at once); GSE_SESSION_UPLOAD_MB sets another cap in MB.
MAX_SESSION_UPLOAD_BYTES = int(os.environ.get("GSE_SESSION_UPLOAD_MB", "0") or 0) * 1024 * 1024 or 4 * MAX_UPLOAD_BYTES

_LOCK = threading.Lock()
# Sessions that may upload, those whose current run has drawn an upload widget, and the file ids
# each was given.
_OFFERED: set[str] = set()
_DRAWN: set[str] = set()
_ISSUED: dict[str, set[str]] = defaultdict(set)
_GUARDED_FLAG = "_gse_upload_guard"


def _session_id() -> str | None:
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx else None


def start_of_run() -> None:
    """At the start of every page run: a session whose last run drew no upload widget may no longer upload."""
    session = _session_id()
    if session:
        with _LOCK:
            if session not in _DRAWN:
                _OFFERED.discard(session)
            _DRAWN.discard(session)


def file_uploader(label: str, **options):
    """st.file_uploader, after recording that this session's page offers an upload (see the module)."""
    session = _session_id()
    if session:
        with _LOCK:
            _OFFERED.add(session)
            _DRAWN.add(session)
    return st.file_uploader(label, **options)


def session_may_upload(session: str, file_id: str | None = None) -> bool:
    """Whether SESSION's page offers an upload now (and, given FILE_ID, whether that id was given to it)."""
    with _LOCK:
        return session in _OFFERED and (file_id is None or file_id in _ISSUED.get(session, ()))


def guard_uploads() -> bool:
    """Install the guard on this server's upload manager (once; later calls do nothing). False without a server."""
    if not runtime.exists():
        return False
    manager = runtime.get_instance().uploaded_file_mgr
    if getattr(manager, _GUARDED_FLAG, False):
        return True
    with _LOCK:
        if getattr(manager, _GUARDED_FLAG, False):
            return True
        issue, store, remove_session = manager.get_upload_urls, manager.add_file, manager.remove_session_files

        def get_upload_urls(session_id, file_names):
            if not session_may_upload(session_id):
                return []
            urls = issue(session_id, file_names)
            with _LOCK:
                _ISSUED[session_id].update(url.file_id for url in urls)
            return urls

        def add_file(session_id, file):
            if not session_may_upload(session_id, file.file_id):
                raise HTTPException(status_code=403, detail="This page does not accept uploads")
            with _LOCK:
                issued = list(_ISSUED.get(session_id, ()))
            held = sum(len(kept.data) for kept in manager.get_files(session_id, issued)
                       if kept.file_id != file.file_id)
            if held + len(file.data) > MAX_SESSION_UPLOAD_BYTES:
                raise HTTPException(status_code=413, detail="Too much uploaded in this session: remove a file first")
            store(session_id, file)

        def remove_session_files(session_id):
            with _LOCK:
                _OFFERED.discard(session_id)
                _DRAWN.discard(session_id)
                _ISSUED.pop(session_id, None)
            remove_session(session_id)

        manager.get_upload_urls, manager.add_file = get_upload_urls, add_file
        manager.remove_session_files = remove_session_files
        setattr(manager, _GUARDED_FLAG, True)
    return True
