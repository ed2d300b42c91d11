"""Validating incoming features in batches, the same for every backend."""

from __future__ import annotations

import gc
import itertools
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime

from geomap.errors import ValidationError
from geomap.incident_json import DecodedFeature, parse_any, stored_form


def validated_batch(items: Iterator[tuple[int, Mapping]], size: int,
                    prepare: Callable[[dict], tuple],
                    prepare_stored: Callable[[DecodedFeature], tuple] | None = None
                    ) -> tuple[list, list, bool]:
    """The next ``size`` items: (position, *prepare(feature)) of each valid one, the
    refusals as (position, field, message), and whether more items may follow. An item
    is a raw feature or one decoded typed (incident_json.py); ``prepare_stored``, if
    given, makes the same tuple straight from a typed one in stored form (no dict between)."""
    now, prepared, refused, count = datetime.now(UTC), [], [], 0
    for position, obj in itertools.islice(items, size):
        count += 1
        try:
            if (prepare_stored is not None and type(obj) is DecodedFeature
                    and (ready := stored_form(obj, now=now)) is not None):
                prepared.append((position, *prepare_stored(ready)))
            else:
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
