"""Spread independent work over processes: lxml holds the GIL while it parses, so threads would not help.

Forked children inherit the loaded policies and modules, so a worker costs a fork (about a
millisecond), not an interpreter start and a re-import. Every process takes the next item from a
shared queue when it is free and works through items one at a time (memory stays that of one
item); the children send back their results pickled through a pipe.
"""

from __future__ import annotations

import os
from typing import Callable, Iterator, Sequence, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

# Fewer clusters than this are not worth a fork: one 3-node cluster takes a few milliseconds.
MIN_ITEMS_TO_FORK = 4


class WorkerError(RuntimeError):
    """A child process failed; the message is the child's exception, in one line."""


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def choose_jobs(requested: int, items: int) -> int:
    """How many processes to use: ``requested`` if positive, else one per core; 1 for small runs or without fork."""
    if not hasattr(os, "fork"):  # Windows
        return 1
    jobs = requested if requested > 0 else (available_cores() if items >= MIN_ITEMS_TO_FORK else 1)
    return max(1, min(jobs, items))


_RECORD = 4  # bytes per queue entry: the first index of a chunk of items
# 4 KiB, the smallest buffer a pipe gets (Linux under pipe-user-pages limits): the whole queue is
# written before any worker reads, so it must fit, or the write would block forever.
_QUEUE_RECORDS = 1024


def _take(queue_fd: int, chunk: int, total: int) -> Iterator[int]:
    """Item indices, a chunk at a time, from the shared queue until it is empty.

    Reads of one record from a pipe are atomic, so each chunk goes to exactly one process, and a
    process that finishes early takes more: no core idles while another has a slow cluster."""
    while True:
        record = os.read(queue_fd, _RECORD)
        if not record:
            return
        first = int.from_bytes(record, "little")
        yield from range(first, min(first + chunk, total))


def _terminate(signum, frame):
    raise KeyboardInterrupt("terminated")  # unwinds the parent through the clean-up that stops the workers


def _child(work: Callable[[Item], Result], items: Sequence[Item], indices: Iterator[int], write_fd: int) -> None:
    import pickle  # loaded by the parent before it forked
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the parent's handler is not the child's: just end
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent decides
    try:
        payload = ("ok", [(i, work(items[i])) for i in indices])
    except BaseException as exc:  # reported by the parent; a child must never fall back into the parent's code
        payload = ("error", f"{type(exc).__name__}: {exc}")
    try:
        with os.fdopen(write_fd, "wb") as pipe:
            pickle.dump(payload, pipe, protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        os._exit(0)


def map_in_processes(work: Callable[[Item], Result], items: Sequence[Item], jobs: int) -> list[Result]:
    """``work(item)`` for every item, in order, computed by ``jobs`` processes (this one included)."""
    if jobs <= 1:
        return [work(item) for item in items]
    import pickle  # here: a one-process run (pre-commit's) should not pay for importing them
    import signal

    chunk = -(-len(items) // _QUEUE_RECORDS)
    queue_r, queue_w = os.pipe()
    os.write(queue_w, b"".join(first.to_bytes(_RECORD, "little") for first in range(0, len(items), chunk)))
    os.close(queue_w)  # an empty queue then reads as end of file
    children = []
    try:
        previous = signal.signal(signal.SIGTERM, _terminate)
    except ValueError:  # not the main thread: signals are its caller's business
        previous = None
    try:
        for _ in range(1, jobs):
            read_fd, write_fd = os.pipe()
            try:
                pid = os.fork()
            except OSError:  # out of processes or memory: the processes we have share the queue
                os.close(read_fd)
                os.close(write_fd)
                break
            if pid == 0:
                os.close(read_fd)
                _child(work, items, _take(queue_r, chunk, len(items)), write_fd)
            os.close(write_fd)
            children.append((pid, read_fd))
        try:
            results: dict[int, Result] = {i: work(items[i]) for i in _take(queue_r, chunk, len(items))}
        finally:
            os.close(queue_r)
        outcomes = []
        while children:
            pid, read_fd = children[0]
            try:
                with os.fdopen(read_fd, "rb") as pipe:
                    outcomes.append(pickle.load(pipe))
            except (EOFError, pickle.UnpicklingError, OSError) as exc:
                outcomes.append(("error", f"worker process ended without a result ({exc or type(exc).__name__})"))
            children.pop(0)
            os.waitpid(pid, 0)
    except BaseException:
        for pid, _ in children:  # the run is over (an error, Ctrl-C or SIGTERM): don't leave workers behind
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        raise
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    failure = None
    for status, payload in outcomes:
        if status == "ok":
            results.update(payload)
        else:
            failure = failure or payload
    if failure:
        raise WorkerError(failure)
    return [results[i] for i in range(len(items))]
