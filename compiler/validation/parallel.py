"""One batch of independent work in two processes: this one and a fork of it.

This process takes the items from the front and the forked one from the back,
until they meet, so neither waits for the other whatever else slows one of them
down (here, unpickling the other's results; on a shared machine, anyone's load).
Each claims an item by publishing its position in shared memory before doing it;
the positions are read without a lock, so near the meeting point both may do one
item, never none, and the duplicate result is dropped. The forked process sends
its results back pickled, in small batches this process unpickles between its own
items; any item it sent nothing for (it failed or was killed) is done here.
"""

from __future__ import annotations

import gc
import multiprocessing
import pickle
from typing import Callable, TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: Results the forked process sends at a time: small enough for two to fit in the pipe, so it
#: never waits for this process to read them.
BATCH = 8


def available() -> bool:
    """Two processes can share the work: two processors and ``fork``."""
    import os

    return (os.cpu_count() or 1) >= 2 and "fork" in multiprocessing.get_all_start_methods()


def in_two(items: list[T], work: Callable[[T], R], done: Callable[[T], None] | None = None,
           meanwhile: Callable[[], None] | None = None) -> list[R]:
    """``work`` of every item, in order; ``done(item)`` once per item as its result arrives.

    ``meanwhile`` runs here right after the fork, while the other process works.
    """
    ctx = multiprocessing.get_context("fork")
    # [next item this process takes, last item the forked one took]: one writer each.
    ends = ctx.RawArray("q", [0, len(items)])
    receive, send = ctx.Pipe(duplex=False)
    # A collection walks every object tracked. What existed before (modules, catalogs) and the
    # results kept (about a hundred thousand objects for 550 workbooks) are frozen out of the
    # walks, each result as it comes, so they see only each item's own garbage.
    freeze = gc.isenabled() and not gc.get_freeze_count()
    if freeze:
        gc.freeze()
    worker = ctx.Process(target=_from_the_back, args=(items, work, ends, send), daemon=True)
    mine: dict[int, R] = {}
    theirs: dict[int, R] = {}

    def arrived(batch: list[tuple[int, R]]) -> None:
        for k, result in batch:
            if k not in mine:
                theirs[k] = result
                if done:
                    done(items[k])
        if freeze:
            gc.freeze()

    try:
        worker.start()
        send.close()
        if meanwhile:
            meanwhile()
        open_ = True
        while (k := ends[0]) < ends[1]:
            ends[0] = k + 1
            mine[k] = work(items[k])
            if done:
                done(items[k])
            while open_ and receive.poll():
                open_ = _receive(receive, arrived)
        while open_:
            open_ = _receive(receive, arrived)
    finally:
        receive.close()
        worker.join()
        if freeze:
            gc.unfreeze()
    out = []
    for k, item in enumerate(items):
        if k not in mine and k not in theirs:
            mine[k] = work(item)  # the forked process sent nothing for it
            if done:
                done(item)
        out.append(mine[k] if k in mine else theirs[k])
    return out


def _receive(receive, arrived: Callable[[list], None]) -> bool:
    """One batch handed to ``arrived``; False once the forked process is done (or gone)."""
    try:
        arrived(pickle.loads(receive.recv_bytes()))
        return True
    except (EOFError, OSError, pickle.UnpicklingError):
        return False


def _from_the_back(items: list, work: Callable, ends, send) -> None:
    """The forked process: items from the back until the two meet, results sent in batches."""
    # Short-lived: no collection walks the objects it shares with its parent (copying their pages).
    gc.disable()
    batch = []
    try:
        while (k := ends[1] - 1) >= ends[0]:
            ends[1] = k
            batch.append((k, work(items[k])))
            if len(batch) == BATCH:
                send.send_bytes(pickle.dumps(batch, protocol=5))
                batch = []
        if batch:
            send.send_bytes(pickle.dumps(batch, protocol=5))
    except BaseException:  # noqa: BLE001 - the parent does the items it got nothing for
        pass
    send.close()
