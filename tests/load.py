"""Many readers at once: Streamlit websocket sessions on loopback rerunning pages, timed.

Each session speaks Streamlit's own protocol (BackMsg / ForwardMsg protobufs over
ws://127.0.0.1:PORT/_stcore/stream), as a browser tab does, without drawing anything: what is
measured is the server's rerun time under load. A session counts as failed on any exception or
error message a page shows, a run that does not finish, or a dropped connection.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass, field

import websockets
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

# (page url path, query string): the pages a reader moves between.
READ_PAGES = [
    ("", ""),
    ("workstreams", "workstream=4"),
    ("membership", ""),
    ("diversity", ""),
    ("explore", "source=members&by=department"),
    ("about", ""),
    ("workstreams", "workstream=7&as_at=2018-10-17"),
]
# A reader looks at a page for this long before moving on.
THINK_S = 1.0
# A rerun that takes longer than this has failed, whatever the load (CI runs other tests beside it).
RERUN_TIMEOUT_S = 240.0
# Twenty sessions opening at once on two cores busy with other tests: each may wait its turn.
OPEN_TIMEOUT_S = 180.0


@dataclass
class LoadResult:
    """What the sessions saw: every rerun's time, and every problem by session."""

    latencies: list[float] = field(default_factory=list)
    by_page: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    sessions: int = 0
    # The page titles (st.title) each page path showed: proof the right page ran.
    titles: dict[str, set[str]] = field(default_factory=dict)

    def summary(self) -> dict:
        """Rerun count, median and 95th percentile in seconds, and the error count."""
        ordered = sorted(self.latencies)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] if ordered else float("nan")
        return {"sessions": self.sessions, "reruns": len(ordered),
                "median_s": statistics.median(ordered) if ordered else float("nan"),
                "p95_s": p95, "max_s": ordered[-1] if ordered else float("nan"), "errors": len(self.errors)}


def _problem(message: ForwardMsg) -> str | None:
    """An exception or an error alert in MESSAGE, as text; else None."""
    if message.WhichOneof("type") != "delta" or message.delta.WhichOneof("type") != "new_element":
        return None
    element = message.delta.new_element
    kind = element.WhichOneof("type")
    if kind == "exception":
        return f"exception: {element.exception.type}: {element.exception.message[:200]}"
    if kind == "alert" and element.alert.format == Alert.ERROR:
        return f"error shown: {element.alert.body[:200]}"
    return None


async def _rerun(socket, page: str, query: str) -> tuple[list[str], set[str]]:
    """Ask for one run of PAGE and read until it finishes; return the problems and the page titles it showed."""
    request = BackMsg()
    request.rerun_script.query_string = query
    request.rerun_script.page_name = page
    await socket.send(request.SerializeToString())
    problems, titles = [], set()
    while True:
        message = ForwardMsg()
        message.ParseFromString(await asyncio.wait_for(socket.recv(), RERUN_TIMEOUT_S))
        problem = _problem(message)
        if problem:
            problems.append(problem)
        if (message.WhichOneof("type") == "delta" and message.delta.WhichOneof("type") == "new_element"
                and message.delta.new_element.WhichOneof("type") == "heading"
                and message.delta.new_element.heading.tag == "h1"):
            titles.add(message.delta.new_element.heading.body)
        if message.WhichOneof("type") == "script_finished":
            if message.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                problems.append("the script did not compile")
            if message.script_finished in (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR):
                return problems, titles


async def _reader(url: str, number: int, deadline: float, result: LoadResult) -> None:
    """One session moving between the pages until DEADLINE, each rerun timed."""
    address = url.replace("http://", "ws://") + "/_stcore/stream"
    try:
        async with websockets.connect(address, subprotocols=["streamlit"], max_size=None,
                                      open_timeout=OPEN_TIMEOUT_S, ping_interval=None) as socket:
            step = number
            # Every session reads at least two pages, however long each takes on a busy machine.
            while time.monotonic() < deadline or step < number + 2:
                page, query = READ_PAGES[step % len(READ_PAGES)]
                started = time.monotonic()
                problems, titles = await _rerun(socket, page, query)
                took = time.monotonic() - started
                result.titles.setdefault(page or "overview", set()).update(titles)
                result.latencies.append(took)
                result.by_page.setdefault(page or "overview", []).append(took)
                result.errors.extend(f"session {number}, {page or 'overview'}: {p}" for p in problems)
                step += 1
                await asyncio.sleep(THINK_S)
    except (OSError, TimeoutError, websockets.WebSocketException) as error:
        result.errors.append(f"session {number}: connection failed: {type(error).__name__}: {error}")


async def _readers(url: str, sessions: int, seconds: float) -> LoadResult:
    result = LoadResult(sessions=sessions)
    deadline = time.monotonic() + seconds
    await asyncio.gather(*(_reader(url, n, deadline, result) for n in range(sessions)))
    return result


def read_under_load(url: str, *, sessions: int = 20, seconds: float = 20.0) -> LoadResult:
    """SESSIONS readers rerunning pages of the dashboard at URL for SECONDS (bounded, loopback only)."""
    if not url.startswith(("http://127.0.0.1:", "http://localhost:")):
        raise ValueError("the load test only ever targets a server on this machine's loopback")
    return asyncio.run(_readers(url, sessions, seconds))


# The department every row of the editor's import is for, so its rows can be counted afterwards.
LOAD_DEPARTMENT = "Load Test Department"


def observations_file(rows: int) -> bytes:
    """An observations CSV of ROWS member counts for LOAD_DEPARTMENT, one per grade and role type cell."""
    lines = ["indicator,period,population,department,grade,role_type,value,source"]
    lines += [f"members,2026-09-30,GSE,{LOAD_DEPARTMENT},Load grade {i // 50},Load role {i % 50},{10 + i % 40},"
              "load test" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def import_while_reading(db_path, url: str, *, sessions: int, seconds: float, rows: int,
                         start_after_s: float = 3.0) -> tuple[LoadResult, dict]:
    """Readers on URL for SECONDS while an editor imports ROWS observations into DB_PATH, as Manage data does.

    Returns the readers' result and what the import did (batch id, rows added, seconds taken,
    or the error it raised).
    """
    import threading

    from gse_dashboard import importers
    from gse_dashboard.rules import auth
    from gse_dashboard.storage import store

    outcome: dict = {}

    def editor() -> None:
        time.sleep(start_after_s)
        started = time.monotonic()
        try:
            data = observations_file(rows)
            database = store.connect(db_path)
            try:
                validation = importers.validate(database, "observations",
                                                importers.read_upload(data, "load.csv"), filename="load.csv")
            finally:
                database.close()
            done = importers.apply_import(db_path, "observations", validation,
                                          user=auth.command_line_user("Load test editor"), filename="load.csv")
            outcome.update(batch=done.batch_id, added=done.added, seconds=time.monotonic() - started)
        except Exception as error:  # reported to the caller, who fails the test with it
            outcome["error"] = f"{type(error).__name__}: {error}"

    thread = threading.Thread(target=editor)
    thread.start()
    result = read_under_load(url, sessions=sessions, seconds=seconds)
    thread.join()
    return result, outcome


@dataclass
class SessionView:
    """What one run of a page sent a session: its navigation, its alerts and text, and problems."""

    pages: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def session_socket(url: str, host: str | None = None, headers: dict | None = None, origin: str | None = None):
    """A websocket to the app at URL, as a browser tab opens one (Host HOST, extra HEADERS, Origin ORIGIN).

    It connects to this machine's loopback, whatever name the Host header and Origin give.
    """
    port = int(url.rsplit(":", 1)[1])
    name = host or f"127.0.0.1:{port}"
    return websockets.connect(f"ws://{name}/_stcore/stream", host="127.0.0.1", port=port,
                              origin=origin or f"http://{name}", additional_headers=headers or None,
                              subprotocols=["streamlit"], max_size=None, open_timeout=60, ping_interval=None)


async def start_run(socket, page: str, query: str) -> None:
    """Ask the session on SOCKET for a run of PAGE with QUERY in its address."""
    request = BackMsg()
    request.rerun_script.query_string = query
    request.rerun_script.page_name = page
    await socket.send(request.SerializeToString())


async def _view_as(url: str, page: str, query: str, host: str | None, headers: dict,
                   origin: str | None = None) -> SessionView:
    view = SessionView()
    async with session_socket(url, host, headers, origin) as socket:
        await start_run(socket, page, query)
        while True:
            message = ForwardMsg()
            message.ParseFromString(await asyncio.wait_for(socket.recv(), RERUN_TIMEOUT_S))
            kind = message.WhichOneof("type")
            if kind == "navigation":
                view.pages = [p.page_name for p in message.navigation.app_pages]
            problem = _problem(message)
            if problem:
                view.problems.append(problem)
            if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                element = message.delta.new_element
                part = element.WhichOneof("type")
                body = getattr(getattr(element, part), "body", None) if part else None
                if isinstance(body, str):
                    view.texts.append(body)
                if part == "button":
                    view.texts.append(f"[button] {element.button.label}")
                if part == "text_area":
                    view.texts.append(f"[text_area] {element.text_area.label}")
            if kind == "script_finished" and message.script_finished in (
                    ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR):
                return view


def view_as(url: str, page: str = "", query: str = "", *, host: str | None = None,
            headers: dict | None = None, origin: str | None = None) -> SessionView:
    """Open one websocket session to the loopback server at URL as a browser at HOST would, run PAGE once.

    HOST (e.g. "evil.example:8501") is sent as the Host header and in a matching Origin, as a page
    that rebinds its own DNS name to 127.0.0.1 would; HEADERS are added (e.g. X-Forwarded-For);
    ORIGIN, if given, is sent instead (a proxy passes on the page's own origin).
    """
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError("only ever a server on this machine's loopback")
    return asyncio.run(_view_as(url, page, query, host, headers or {}, origin))
