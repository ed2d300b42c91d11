"""Validating incoming features in batches, the same for every backend."""

from __future__ import annotations

import gc
import itertools
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime

from geomap.errors import ValidationError
from geomap.incident_json import parse_any


def validated_batch(items: Iterator[tuple[int, Mapping]], size: int,
                    prepare: Callable[[dict], tuple]) -> tuple[list, list, bool]:
    """The next ``size`` items: (position, *prepare(feature)) of each valid one, the
    refusals as (position, field, message), and whether more items may follow. An item
    is a raw feature or one decoded typed (incident_json.py)."""
    now, prepared, refused, count = datetime.now(UTC), [], [], 0
    for position, obj in itertools.islice(items, size):
        count += 1
        try:
            prepared.append((position, *prepare(parse_any(obj, now=now))))
        except ValidationError as error:
            refused.append((position, error.field, error.message))
    return prepared, refused, count == size


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection while batches of fresh dicts come and go.

    Parsed features hold no reference cycles; without this, collections that walk every
    live batch take over a third of the parsing time (benchmarks/bench_store.py).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
