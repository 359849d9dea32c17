"""Slow work taken in turns, one piece at a time per server: Board pack builds, and Explore views not seen before.

A pack build drives Chromium and kaleido for a minute or more on a two-core machine, and an Explore
view of commitments took seconds of a core each: several at once slowed each other and every
reader's page (issue 28: four packs at once took 81–94 s each; six tabs cycling new Explore views
made another viewer's page four times slower). Each kind of work has its own queue.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import time
from collections.abc import Callable, Iterator


class OneAtATime:
    """A first-come queue of slow work, one piece running at a time in this server; the others wait their turn.

    `turn(waiting)` blocks until it is this piece's turn, calling WAITING(ahead) whenever the number
    of pieces ahead of it changes.
    """

    def __init__(self, poll_s: float = 0.5) -> None:
        self._lock = threading.Lock()
        self._queue: list[int] = []
        self._tickets = itertools.count()
        self._poll_s = poll_s

    def ahead_of(self, ticket: int) -> int:
        """How many pieces are before TICKET in the queue."""
        with self._lock:
            return self._queue.index(ticket) if ticket in self._queue else 0

    def queued(self) -> int:
        """How many pieces are in the queue, the running one included."""
        with self._lock:
            return len(self._queue)

    @contextlib.contextmanager
    def turn(self, waiting: Callable[[int], None]) -> Iterator[None]:
        with self._lock:
            ticket = next(self._tickets)
            self._queue.append(ticket)
        try:
            told = None
            while (ahead := self.ahead_of(ticket)) > 0:
                if ahead != told:
                    waiting(ahead)
                    told = ahead
                time.sleep(self._poll_s)
            yield
        finally:  # also when the visitor leaves while waiting (Streamlit stops the run)
            with self._lock:
                self._queue.remove(ticket)
