"""One writer at a time for a gazetteer index that several workers on a host share.

Every web worker opens the same index file. Without a lock, two workers that find it
stale both rebuild it, and a GeoNames import made while another process rebuilds goes
into the file that the rebuild then replaces, so the import is lost.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from geomap.errors import BusyError

# A full build takes about a minute on a laptop; a large dump import some minutes.
WAIT_SECONDS = 1800


@contextmanager
def index_writer(path: Path, wait: float = WAIT_SECONDS) -> Iterator[None]:
    """Hold the write lock of the index at ``path``; raises BusyError after ``wait`` s."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(lock_path(path)))
    try:
        lock.acquire(timeout=wait)
    except Timeout:
        raise BusyError(f"the gazetteer index {path} is being written by another process "
                        f"(lock {lock_path(path)} held for over {wait:g} s)") from None
    try:
        yield
    finally:
        lock.release()


def lock_path(path: Path) -> Path:
    """The lock file beside the index."""
    return path.with_name(path.name + ".lock")


def remove_abandoned_builds(path: Path) -> int:
    """Delete partial builds left by killed processes; call only while holding the lock."""
    abandoned = list(path.parent.glob(path.name + ".building-*"))
    for partial in abandoned:
        partial.unlink(missing_ok=True)
    return len(abandoned)
