"""A static replica of one page: the very messages the page sent, sent again with no computation at all.

`benchmarks/run.py` records what a page of the dashboard drew in the browser (every element, block,
chart and widget Streamlit sent, exactly as sent) for its first load and for each rerun, and writes
them to the file named by GSE_REPLICA. This script, served by its own `streamlit run`, draws them
back: the same navigation, the same page settings, then the recorded elements at their recorded
places. Its Nth run in a session sends what the page sent on its Nth run, so a rerun after the same
change draws what the page drew then. What the page costs above its replica is the app's own work.
"""

import base64
import json
import os
from pathlib import Path

import streamlit as st
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

RUN_KEY = "replica_run"


@st.cache_resource
def recording(path: str) -> dict:
    """The recorded navigation and runs, decoded once per server."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))

    def decode(text: str) -> ForwardMsg:
        return ForwardMsg.FromString(base64.b64decode(text))

    return {"navigation": decode(data["navigation"]) if data.get("navigation") else None,
            "runs": [[decode(text) for text in run] for run in data["runs"]]}


def replay() -> None:
    """Send this session's next recorded run, message by message, in the order the page sent them."""
    runs = recording(os.environ["GSE_REPLICA"])["runs"]
    count = st.session_state.get(RUN_KEY, 0)
    st.session_state[RUN_KEY] = count + 1
    ctx = get_script_run_ctx()
    for recorded in runs[min(count, len(runs) - 1)]:
        msg = ForwardMsg()
        msg.CopyFrom(recorded)
        msg.ClearField("hash")
        msg.metadata.ClearField("cacheable")
        if msg.HasField("delta"):
            # Every replica run is a whole run: no element belongs to a fragment of this script.
            msg.delta.ClearField("fragment_id")
        ctx.enqueue(msg)


def pages(navigation) -> list | dict:
    """The recorded navigation as st.Page objects that all replay: the same titles, icons, paths and sections."""
    if navigation is None:
        return [st.Page(replay, title="Replica", default=True)]
    sections: dict[str, list] = {}
    for number, page in enumerate(navigation.navigation.app_pages):
        kwargs = {"title": page.page_name, "default": page.is_default,
                  "url_path": page.url_pathname or f"page-{number}"}
        if page.icon:
            kwargs["icon"] = page.icon
        if page.is_hidden:
            kwargs["visibility"] = "hidden"
        sections.setdefault(page.section_header, []).append(st.Page(replay, **kwargs))
    return sections if len(sections) > 1 else next(iter(sections.values()))


POSITIONS = {0: "hidden", 1: "sidebar", 2: "top"}
recorded = recording(os.environ["GSE_REPLICA"])
navigation = recorded["navigation"]
st.navigation(pages(navigation), position=POSITIONS[navigation.navigation.position] if navigation else "sidebar",
              expanded=navigation.navigation.expanded if navigation else False).run()
