"""One event loop per process, on a daemon thread, for calling ``async`` rewards from synchronous code.

TRL runs ``async`` rewards on its own background loop. Outside TRL (the watch when no training reward is async,
verl's synchronous ``compute_score``) a reward's model clients must still see one long-lived loop, not a fresh
``asyncio.run`` loop per call (an HTTP client or a lock made on one loop cannot be used from another).
:func:`run_on_background_loop` runs a coroutine on that loop and waits for its result.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

_LOOP: asyncio.AbstractEventLoop | None = None
_LOCK = threading.Lock()


def background_loop() -> asyncio.AbstractEventLoop:
    """The process's background loop (started on first use, on a daemon thread named ``greetbench-rewards``)."""
    global _LOOP
    with _LOCK:
        if _LOOP is None or _LOOP.is_closed():
            loop = asyncio.new_event_loop()
            ready = threading.Event()

            def run() -> None:
                asyncio.set_event_loop(loop)
                loop.call_soon(ready.set)
                loop.run_forever()

            threading.Thread(target=run, name="greetbench-rewards", daemon=True).start()
            ready.wait()
            _LOOP = loop
        return _LOOP


def run_on_background_loop(coroutine: Coroutine[Any, Any, T], loop: asyncio.AbstractEventLoop | None = None) -> T:
    """Run ``coroutine`` on ``loop`` if it is running (e.g. TRL's), else on :func:`background_loop`; wait for it.

    Must not be called from the loop it targets (that would wait on itself).
    """
    target = loop if loop is not None and loop.is_running() else background_loop()
    return asyncio.run_coroutine_threadsafe(coroutine, target).result()
