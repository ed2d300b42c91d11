"""A large file of incidents read in a worker process while this one writes.

Reading (ijson or orjson), checking every feature and turning it into the store's rows
cost as much CPU as writing them; in one process they take turns on the GIL. So
``FileFeatures`` hands ``add_many`` one chunk of a file at a time, and a store that can
(``PreparableFeatures`` in store/base.py) asks the chunk for prepared batches: a spawned
process reads the file and runs the store's own ``prepare(items, size)`` on it, a batch
ahead, while the store writes the last one. What the reading notes on the way (where each
feature was, the features the reader refused, how far it got, an unreadable rest) comes
back with each batch. A store that reads features itself just iterates the chunk here.

The worker holds no store connection and writes nothing: a killed ingest leaves what the
store committed, and the worker, finding its pipe closed, ends too.
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from geomap.errors import SourceError, ValidationError
from geomap.services.readers import READERS, TYPED_READERS, Item

#: Files smaller than this are read here: starting a worker costs about half a second.
WORKER_MIN_BYTES = 8_000_000
#: Seconds a worker may take to end once told to, before it is terminated.
STOP_TIMEOUT = 10


@dataclass
class Notes:
    """What reading noted since it was last drained: duck-types FileResult for the filters."""

    wheres: list[str] = field(default_factory=list)
    refused: list[tuple[str, str, str]] = field(default_factory=list)
    position: int = 0
    error: str | None = None

    def refuse(self, where: str, error: ValidationError) -> None:
        """Note one feature the reader refused."""
        self.refused.append((where, error.field, error.message))

    def tick(self, position: int) -> None:
        """Note how many bytes have been read."""
        self.position = position

    def drain(self) -> Notes:
        """These notes, leaving this object empty (the position stays); the lists are
        emptied in place, as the readers' filters hold them."""
        drained = Notes(self.wheres.copy(), self.refused.copy(), self.position, self.error)
        self.wheres.clear()
        self.refused.clear()
        self.error = None
        return drained


def iter_guarded(items: Iterator[Item], result) -> Iterator[Item]:
    """The items until the file turns unreadable; the error ends the stream, not the batch."""
    try:
        yield from items
    except SourceError as exc:
        result.error = str(exc)


def iter_valid(items: Iterable[Item], wheres: list[str], result) -> Iterator[dict]:
    """The features of ``items``, their wheres appended in order; refusals to ``result``."""
    for where, item in items:
        if isinstance(item, ValidationError):
            result.refuse(where, item)
        else:
            wheres.append(where)
            yield item


def as_draft(feature: dict) -> dict:
    """The feature with status draft (an analyst's import stores drafts only)."""
    properties = feature.get("properties") if isinstance(feature, dict) else None
    if isinstance(properties, dict):
        return {**feature, "properties": {**properties, "status": "draft"}}
    return feature


def iter_file_features(path: Path, suffix: str, drafts_only: bool, notes) -> Iterator:
    """The features of a file, noting wheres, reader refusals, progress and errors; those
    in stored form typed (for the store's prepare, which parses with parse_any), unless
    every one is to be made a draft."""
    reader = READERS[suffix] if drafts_only else TYPED_READERS.get(suffix, READERS[suffix])
    features = iter_valid(iter_guarded(reader(path, notes.tick), notes), notes.wheres, notes)
    return map(as_draft, features) if drafts_only else features


class FileFeatures:
    """One file's features for add_many, ``chunk`` at a time (see the module's docstring).

    ``result`` (a FileResult) gets the refusals and the error, ``tick(position)`` the
    progress; ``worker`` says whether a store that can may have the file read in a worker.
    Use it as a context manager: leaving it stops the worker.
    """

    def __init__(self, path: Path, suffix: str, *, drafts_only: bool, result,
                 tick: Callable[[int], None], chunk: int, worker: bool):
        self.path, self.suffix, self.drafts_only = path, suffix, drafts_only
        self.result, self.tick, self.chunk, self.worker = result, tick, chunk, worker
        self.done = False
        self._process = self._pipe = self._items = None

    def __enter__(self) -> FileFeatures:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def chunks(self) -> Iterator[FileChunk]:
        """Chunks until the file is read to its end."""
        if self.worker:
            while not self.done:
                yield WorkerChunk(self)
            return
        items = iter_guarded(READERS[self.suffix](self.path, self.tick), self.result)
        while (first := next(items, None)) is not None:
            yield FileChunk(itertools.chain([first], itertools.islice(items, self.chunk - 1)),
                            self.drafts_only, self.result)

    def iter_here(self, chunk: WorkerChunk) -> Iterator[dict]:
        """The chunk's features read in this process, for a store that reads them itself."""
        if self._process is not None:
            raise RuntimeError("the worker holds the file's position; read the rest there")
        if self._items is None:
            self._items = iter_guarded(READERS[self.suffix](self.path, self.tick), self.result)
        count = 0

        def counted() -> Iterator[Item]:
            nonlocal count
            for count, item in enumerate(itertools.islice(self._items, self.chunk), 1):  # noqa: B007
                yield item
        yield from FileChunk(counted(), self.drafts_only, self.result, chunk.wheres)
        self.done = count < self.chunk

    def iter_prepared(self, chunk: WorkerChunk, prepare: Callable, size: int) -> Iterator[tuple]:
        """``prepare``'s batches of the chunk, made by the worker one batch ahead."""
        pipe = self._start(prepare)
        start, left = 0, self.chunk
        pipe.send((start, min(size, left)))
        while True:
            prepared, refused, asked, notes = _reply(pipe)
            self._absorb(chunk, notes)
            start, left = start + len(prepared) + len(refused), left - asked
            self.done = len(prepared) + len(refused) < asked
            more = not self.done and left > 0
            if more:  # the worker prepares the next batch while the store writes this one
                pipe.send((start, min(size, left)))
            yield prepared, refused, more
            if not more:
                return

    def close(self) -> None:
        """Stop the worker (if one was started) and wait for it."""
        if self._process is None:
            return
        try:
            self._pipe.send(None)
        except OSError:
            pass  # it has ended already
        self._pipe.close()
        self._process.join(STOP_TIMEOUT)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join()
        self._process = None

    def _start(self, prepare: Callable):
        if self._process is None:
            context = multiprocessing.get_context("spawn")  # no copy of this process's threads
            self._pipe, theirs = context.Pipe()
            self._process = context.Process(
                target=work, name="geomap-read", daemon=True,
                args=(theirs, self.path, self.suffix, self.drafts_only, prepare))
            self._process.start()
            theirs.close()
        return self._pipe

    def _absorb(self, chunk: WorkerChunk, notes: Notes) -> None:
        """Take what the worker noted: wheres to the chunk, refusals and errors to the result."""
        chunk.wheres.extend(notes.wheres)
        for where, field_name, message in notes.refused:
            self.result.refuse(where, ValidationError(field_name, message))
        if notes.error:
            self.result.error = notes.error
        self.tick(notes.position)


class FileChunk:
    """Up to ``chunk`` features of a file for one add_many call, read here;
    ``wheres[position]`` says where the feature at each position of the chunk was."""

    def __init__(self, items: Iterator[Item], drafts_only: bool, result,
                 wheres: list[str] | None = None):
        self.items, self.drafts_only, self.result = items, drafts_only, result
        self.wheres: list[str] = [] if wheres is None else wheres

    def __iter__(self) -> Iterator[dict]:
        features = iter_valid(self.items, self.wheres, self.result)
        return map(as_draft, features) if self.drafts_only else features


class WorkerChunk(FileChunk):
    """A chunk that a store able to (PreparableFeatures) has prepared in the worker."""

    def __init__(self, source: FileFeatures):
        super().__init__(iter(()), source.drafts_only, source.result)
        self.source = source

    def __iter__(self) -> Iterator[dict]:
        return self.source.iter_here(self)

    def prepared(self, prepare: Callable, size: int) -> Iterator[tuple]:
        """Batches of ``prepare(items, size)`` made in the worker (PreparableFeatures)."""
        return self.source.iter_prepared(self, prepare, size)


def _reply(pipe) -> tuple:
    kind, *reply = pipe.recv()
    if kind == "failed":
        raise reply[0]
    return reply


def work(pipe, path: Path, suffix: str, drafts_only: bool, prepare: Callable) -> None:
    """The worker: answer each request (start, size) with ``prepare``'s next batch."""
    gc.disable()  # features hold no cycles; collections would walk every batch in flight
    notes = Notes()
    features = iter_file_features(path, suffix, drafts_only, notes)
    try:
        while (request := pipe.recv()) is not None:
            start, size = request
            prepared, refused, _ = prepare(zip(itertools.count(start), features), size)
            pipe.send(("batch", prepared, refused, size, notes.drain()))
    except (EOFError, BrokenPipeError):
        return  # the writing process has gone (killed, or done early)
    except Exception as exc:  # noqa: BLE001 (sent on, raised in the writing process)
        _send_failure(pipe, exc)


def _send_failure(pipe, exc: Exception) -> None:
    try:
        pipe.send(("failed", exc))
    except Exception:  # noqa: BLE001 (an exception that does not pickle)
        try:
            pipe.send(("failed", RuntimeError(f"reading failed: {exc!r}")))
        except OSError:
            pass
