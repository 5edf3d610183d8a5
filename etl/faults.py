"""Faults a build must survive: named checkpoints for kill tests, and a full disk told apart from other errors.

Test hook: with `DIGITALMONITOR_FAULT_KILL_AT=<checkpoint>` in the environment a build kills its own
process with SIGKILL (no clean-up, no `finally`, like a power cut of the process) when it reaches that
checkpoint; `tests/test_faults_etl.py` uses it to show that the published database survives a kill at
every stage. Unset, a checkpoint costs one dictionary lookup. The build steps name theirs in `etl/steps.py`
(CHECKPOINT_AFTER); a complete build passes every one of them in this order (`BuildReport.checkpoints`, checked
by the tests), so a stage renamed or dropped cannot silently take a kill test with it. The checkpoints:

    locked      build lock held, leftovers of a killed build removed, free space checked; nothing written
    register    the register editions read
    shapes      boundaries read and map shapes simplified
    writing     the new `.part` file holds schema, regions and shapes (open, WAL on disk)
    imports     the imports step done (reference data and analyst files in the new file)
    metrics     the metric step done (the demo step ran before it)
    closed      the new file checkpointed, closed, fsynced and renamed to its versioned name; link untouched
    linked      a temporary link to the new file exists; the published link not yet replaced
    swapped     the published link points at the new build; old builds not yet pruned
"""

from __future__ import annotations

import errno
import os
import signal

from etl.errors import EtlError

KILL_ENV = "DIGITALMONITOR_FAULT_KILL_AT"
CHECKPOINTS = ("locked", "register", "shapes", "writing", "imports", "metrics", "closed", "linked", "swapped")

_reached: list[str] = []  # the checkpoints the running build has passed, in order

# errno values and their messages (as DuckDB and the C library word them) that mean "no room to write"
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT})
DISK_FULL_TEXTS = tuple(os.strerror(code) for code in sorted(DISK_FULL_ERRNOS))


def kill_point() -> str | None:
    """The checkpoint named by the test hook (None when unset); an unknown name is an error, not a no-op."""
    name = os.environ.get(KILL_ENV) or None
    if name is not None and name not in CHECKPOINTS:
        raise EtlError(None, f"{KILL_ENV}={name!r} names no checkpoint; known: {', '.join(CHECKPOINTS)}")
    return name


def checkpoint(name: str) -> None:
    """Record that the build passed this checkpoint; die here by SIGKILL when the test hook names it."""
    if name not in CHECKPOINTS:
        raise ValueError(f"undeclared checkpoint {name!r}")
    _reached.append(name)
    if os.environ.get(KILL_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def start() -> None:
    """A new build begins: forget the checkpoints of the one before (one build at a time per process)."""
    _reached.clear()


def reached() -> tuple[str, ...]:
    """The checkpoints passed since `start()`, in order (a complete build passes all of CHECKPOINTS)."""
    return tuple(_reached)


def disk_full_reason(exc: BaseException) -> str | None:
    """The OS's words when `exc` (or an exception it was raised from) means the disk or file size limit is
    full: an OSError with ENOSPC, EFBIG or EDQUOT, or a DuckDB error quoting one of their messages."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in DISK_FULL_ERRNOS:
            return os.strerror(current.errno)
        text = str(current)
        for reason in DISK_FULL_TEXTS:
            if reason in text:
                return reason
        current = current.__cause__ or current.__context__
    return None
