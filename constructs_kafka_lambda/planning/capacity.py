"""How many records per second a Kafka event source mapping can deliver, and with how many pollers.

The model, in the terms AWS documents (kafka-scaling-modes, with-kafka-low-latency):

- A poller reads at most 5 MB/s (`POLLER_MAX_BYTES_PER_SECOND`) of records, before filtering, and keeps at most 5
  invocations in flight (`POLLER_MAX_CONCURRENT_INVOKES`).
- Lambda keeps each partition's records in order and never runs more pollers than partitions. The planner reads
  the ordering as one batch per partition in flight at a time (AWS states the order, not this number), so
  in-flight invocations are at most min(5 x pollers, partitions).
- Filtering happens before batching, so batches hold kept records only; a batch holds at most `batch_size` records
  and at most 6 MB of event payload.

Capacity with N pollers, in records/s read from the topic:
    min(N x 5 MB/s / record size,  min(5N, partitions) x records per full batch / duration / share kept)
AWS's own example reproduces with it: batch 20, 50 ms, 5 in flight -> 20 x (1000 / 50) x 5 = 2,000 records/s per
poller (with-kafka-low-latency), which also needs 5 partitions per poller: the second term is where topics with few
partitions hit their ceiling.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from . import constants as c


@dataclass(frozen=True)
class Workload:
    """The inputs of the capacity model, already checked by plan()."""

    records_per_second: float
    record_bytes: float
    partitions: int
    duration_seconds: float
    batch_size: int
    window_seconds: float
    keep_ratio: float

    @property
    def kept_per_second(self) -> float:
        return self.records_per_second * self.keep_ratio

    @property
    def event_bytes_per_record(self) -> float:
        """Bytes one kept record adds to the invocation payload (base64 value + JSON around it)."""
        return self.record_bytes * c.BASE64_EXPANSION + c.RECORD_EVENT_OVERHEAD_BYTES


def full_batch(w: Workload) -> int:
    """Records in a full batch: the batch size, or fewer when 6 MB of payload is reached first (at least 1)."""
    fit = int(c.INVOKE_PAYLOAD_MAX_BYTES // w.event_bytes_per_record)
    return max(1, min(w.batch_size, fit))


def in_flight_cap(pollers: int, partitions: int) -> int:
    """Invocations that can run at once: 5 per poller, and one per partition (order within a partition)."""
    return min(c.POLLER_MAX_CONCURRENT_INVOKES * pollers, partitions)


def capacity(pollers: int, w: Workload, overhead_seconds: float = 0.0) -> float:
    """Records/s read from the topic that `pollers` pollers sustain (both the byte and the invoke limit).

    overhead_seconds: time each batch costs beyond the function's duration (0: AWS's stated limits, the ceiling;
    drain.py passes the fitted BATCH_OVERHEAD_SECONDS for what to expect).
    """
    pollers = min(pollers, w.partitions)
    by_bytes = pollers * c.POLLER_MAX_BYTES_PER_SECOND / w.record_bytes
    if w.keep_ratio <= 0:
        return by_bytes
    kept_rate = in_flight_cap(pollers, w.partitions) * full_batch(w) / (w.duration_seconds + overhead_seconds)
    return min(by_bytes, kept_rate / w.keep_ratio)


def pollers_needed(rate: float, w: Workload) -> int | None:
    """The fewest pollers (<= partitions) whose capacity reaches `rate` records/s; None if no count does."""
    upper = min(w.partitions, c.MAX_POLLERS_RANGE[1])
    for pollers in range(1, upper + 1):
        if capacity(pollers, w) >= rate:
            return pollers
    return None


def steady_batch(pollers: int, w: Workload) -> float:
    """Average records per invocation when the load is below capacity.

    Each poller gathers its share of kept records until the batch is full or the batching window ends. With no
    window, a poller sends what arrived while its invocation slots were busy (duration / slots per poller). Either
    way a batch holds at least what arrives while all slots are busy, or the invocations would outrun the slots.
    """
    pollers = max(1, min(pollers, w.partitions))
    per_poller = w.kept_per_second / pollers
    slots = in_flight_cap(pollers, w.partitions)
    gathered = (
        per_poller * w.window_seconds if w.window_seconds > 0 else per_poller * w.duration_seconds * pollers / slots
    )
    # Records also pile up while every slot is busy: by Little's law batches hold at least rate x duration / slots.
    busy = w.kept_per_second * w.duration_seconds / slots
    return float(min(full_batch(w), max(1.0, gathered, busy)))


def invocations_per_second(pollers: int, w: Workload) -> float:
    if w.kept_per_second <= 0:
        return 0.0
    return w.kept_per_second / steady_batch(pollers, w)


def drain_seconds(backlog: float, rate: float, cap: float) -> float:
    """Seconds to read a backlog while new records keep arriving at `rate`; inf if capacity does not exceed it."""
    if backlog <= 0:
        return 0.0
    spare = cap - rate
    return backlog / spare if spare > 0 else math.inf
