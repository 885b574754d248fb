"""`LocalRuntime`: a Kafka event source mapping's semantics, on a real broker, around a real Python handler.

What it does, each with the Lambda guide page it follows (checked December 2026):
- Reads the topic as the mapping's consumer group (ConsumerGroupId, else the mapping's UUID) and, where the group
  has no committed offset, from the starting position (TRIM_HORIZON, LATEST, AT_TIMESTAMP) (with-msk, kafka-
  starting-positions). Offsets are committed to the broker only once every earlier record of the partition is
  resolved: delivered successfully, filtered out, or handed to the failure destination (at least once, never
  skipped).
- Filters on the record's value with the preview's matcher; dropped records are committed, never delivered, and
  batching comes after filtering (kafka-filtering).
- Batches up to BatchSize records, waiting up to the batching window from the first buffered record, and never
  past the 6 MB invocation payload (kafka-batching, invocation-eventsourcemapping); a record that alone exceeds
  it goes to the destination as MaximumPayloadSizeExceeded.
- One batch at a time, so one batch in flight per partition and per-partition order (kafka-scaling-modes).
- Failures by mode (kafka-retry-configurations, kafka-on-failure): on-demand retries a failing batch until it
  succeeds (records expire only by retention, which a local run never reaches, so the run reports the partition
  stalled at its deadline). Provisioned mode honours MaximumRetryAttempts (-1 with a destination: at most 10, as
  AWS documents), MaximumRecordAgeInSeconds, BisectBatchOnFunctionError and ReportBatchItemFailures (the retry
  starts at the lowest failed offset of each partition the response names; an invalid response fails the batch).
- A raised exception, or a handler that runs past the function's timeout, is a function error.
Our choices where AWS is silent (also in the README's "how far to trust the local runtime"): the retry delay
(`retry_delay`, doubling to `max_retry_delay`); a bisect split costs no retry attempt, a half inherits its parent's
count; batches take partitions in turn; exhausted records without a destination are dropped (reported).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from .client import KafkaClient
from .events import MAX_PAYLOAD_BYTES, PAYLOAD_MARGIN, KafkaRecord, LambdaContext, build_event, record_bytes
from .failures import (
    PAYLOAD_TOO_LARGE,
    RECORD_AGE_EXCEEDED,
    RETRIES_EXHAUSTED,
    Deliverer,
    Outcome,
    batch_record,
    kafka_topic_record,
)
from .result import RunResult
from .settings import MappingSettings, settings_from_template

if TYPE_CHECKING:
    from ..consumer import KafkaLambdaConsumer

Handler = Callable[[dict[str, Any], Any], Any]
_MAX_RETRIES_WITH_DESTINATION = 10  # kafka-retry-configurations: infinite retries + a destination -> 10


class _Deadline(Exception):
    """The run's time is up: stop where we are, with nothing committed past what is resolved."""


@dataclass
class _Entry:
    record: KafkaRecord
    passed: bool
    resolved: bool = False
    arrived: float = 0.0
    size: int = 0  # what the record adds to an event's JSON, computed once when fetched


def _fits(entries: list[_Entry]) -> bool:
    """Whether one event can carry these records within the invocation payload cap."""
    return sum(e.size for e in entries) + PAYLOAD_MARGIN <= MAX_PAYLOAD_BYTES


@dataclass
class _Work:
    records: list[_Entry]
    retries: int = 0
    invokes: int = 0
    last: Outcome | None = None


class LocalRuntime:
    """Polls a topic as the mapping would and invokes `handler(event, context)` in this process."""

    def __init__(
        self,
        settings: MappingSettings,
        handler: Handler,
        bootstrap_servers: str | Sequence[str],
        *,
        retry_delay: float = 0.05,
        max_retry_delay: float = 1.0,
        log: Callable[[str], None] | None = None,
        client: KafkaClient | None = None,
    ) -> None:
        if not callable(handler):
            raise ConfigError("handler", handler, "must be a callable handler(event, context)",
                              "pass the function object, e.g. handler=orders.handler")  # fmt: skip
        self.settings = settings
        self.handler = handler
        servers = bootstrap_servers if isinstance(bootstrap_servers, str) else ",".join(bootstrap_servers)
        self.bootstrap_servers = servers
        self.retry_delay, self.max_retry_delay = retry_delay, max_retry_delay
        self.log = log or (lambda _message: None)
        self.client = client or KafkaClient(servers, settings.group_id)
        target = settings.on_failure
        self.deliverer = Deliverer(target, settings.mapping_uuid, self.client.produce) if target else None
        self._entries: dict[str, deque[_Entry]] = {}
        self._turn = 0
        self._opened = False

    # ------------------------------------------------------------------------------------------- constructors
    @classmethod
    def from_template(
        cls,
        template: Any,
        consumer: str | None = None,
        *,
        handler: Handler,
        bootstrap_servers: str | Sequence[str],
        **options: Any,
    ) -> LocalRuntime:
        """From a synthesized template (path or dict): `consumer` is a construct path such as "Stack/Orders" or a
        logical id; any Kafka mapping works, including CDK's L2 event sources and SAM's."""
        return cls(settings_from_template(template, consumer), handler, bootstrap_servers, **options)

    @classmethod
    def for_consumer(
        cls, consumer: KafkaLambdaConsumer, *, handler: Handler, bootstrap_servers: str | Sequence[str], **options: Any
    ) -> LocalRuntime:
        """From a `KafkaLambdaConsumer` in a CDK app (no synthesis: its L1s are rendered directly)."""
        from .from_consumer import settings_from_consumer

        return cls(settings_from_consumer(consumer), handler, bootstrap_servers, **options)

    # ------------------------------------------------------------------------------------------------- running
    def run_until_idle(self, timeout_seconds: float = 30.0) -> RunResult:
        """Poll, filter, batch, invoke, retry and commit until every partition is read to its end and every record
        is resolved, or until `timeout_seconds` (then `result.idle` is False and `result.stalled` says where)."""
        return self._run(time.monotonic() + timeout_seconds, stop_when_idle=True)

    def run_for(self, seconds: float) -> RunResult:
        """Keep consuming for `seconds` (the CLI's `--for`), as a deployed mapping would."""
        return self._run(time.monotonic() + seconds, stop_when_idle=False)

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> LocalRuntime:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _run(self, deadline: float, *, stop_when_idle: bool) -> RunResult:
        result = RunResult()
        settings = self.settings
        if not settings.enabled:
            self.log(f"{settings.path}: the mapping is disabled (Enabled: false); nothing is read")
            result.idle = True
            return result
        if settings.queue_mode:
            self.log(f"{settings.path}: queue mode (share groups) runs as a stream here: order is kept, not relaxed")
        if not self._opened:  # the position is fixed once, as when the mapping is created; later runs continue
            partitions = self.client.open(settings.topic, settings.starting_position,
                                          settings.starting_position_timestamp)  # fmt: skip
            for partition in partitions:
                self._entries.setdefault(f"{settings.topic}-{partition}", deque())
            self._opened = True
        try:
            while True:
                self._check(deadline)
                self._fetch(result, wait=0.05)  # short: idleness is read from the high watermarks, not waited out
                batch = self._next_batch(deadline)
                if batch:
                    self._process(batch, result, deadline)
                    self._commit()
                elif stop_when_idle and not self._pending() and self.client.at_end():
                    result.idle = True
                    break
        except _Deadline:
            result.stalled = {key: entries[0].record.offset for key, entries in self._entries.items() if entries}
        self._commit()
        result.committed = self.client.committed()
        return result

    # -------------------------------------------------------------------------------------------- fetch, batch
    def _check(self, deadline: float) -> None:
        if time.monotonic() > deadline:
            raise _Deadline()

    def _pending(self) -> bool:
        return any(not entry.resolved and entry.passed for entries in self._entries.values() for entry in entries)

    def _fetch(self, result: RunResult, wait: float) -> None:
        buffered = {key: sum(1 for e in entries if not e.resolved) for key, entries in self._entries.items()}
        now = time.monotonic()
        for record in self.client.poll(
            wait, full={k for k, n in buffered.items() if n >= 4 * self.settings.batch_size}
        ):
            passed = self._passes(record)
            entry = _Entry(record, passed, resolved=not passed, arrived=now, size=record_bytes(record))
            self._entries.setdefault(record.partition_key, deque()).append(entry)
            if not passed:
                result.filtered_out.append(record.event_record())
                self.log(f"  filtered out {record.partition_key}@{record.offset}")

    def _passes(self, record: KafkaRecord) -> bool:
        if not self.settings.filters:
            return True
        from ..planning.preview import preview_filters

        verdict = preview_filters(list(self.settings.filters), [record.event_record()]).records[0]
        return verdict.passed

    def _next_batch(self, deadline: float) -> list[_Entry]:
        """Up to BatchSize records (payload-capped), waiting up to the batching window for more to arrive."""
        waiting = [e for entries in self._entries.values() for e in entries if e.passed and not e.resolved]
        if not waiting:
            return []
        first = min(e.arrived for e in waiting)
        window = self.settings.batching_window_seconds
        full = len(waiting) >= self.settings.batch_size or not _fits(waiting)
        now = time.monotonic()
        still_open = window - (now - first)
        if not full and still_open > 0:
            if self.client.at_end():  # nothing more to fetch now: the window is waited out, as Lambda does
                time.sleep(max(0.0, min(still_open, deadline - now)))
            return []  # otherwise fetch more while the window is open
        keys = sorted(self._entries)
        self._turn = (self._turn + 1) % max(1, len(keys))
        batch: list[_Entry] = []
        size = PAYLOAD_MARGIN
        for key in keys[self._turn :] + keys[: self._turn]:
            for entry in self._entries[key]:
                if entry.resolved or not entry.passed:
                    continue
                grow = entry.size
                if len(batch) >= self.settings.batch_size or (batch and size + grow > MAX_PAYLOAD_BYTES):
                    return batch
                batch.append(entry)
                size += grow
                if size > MAX_PAYLOAD_BYTES:  # alone too large: it goes out by itself, to the destination
                    return batch
        return batch

    # ------------------------------------------------------------------------------------------------ process
    def _process(self, batch: list[_Entry], result: RunResult, deadline: float) -> None:
        work_queue: deque[_Work] = deque([_Work(batch)])
        while work_queue:
            work = work_queue.popleft()
            work.records = self._expire(work, result)
            if not work.records:
                continue
            if not _fits(work.records):
                self._fail(work, PAYLOAD_TOO_LARGE, result, invoked=False)
                continue
            failed = self._invoke(work, result)
            if not failed:
                continue
            if failed is work.records and self._bisect(work):
                half = len(work.records) // 2
                work_queue.appendleft(_Work(work.records[half:], work.retries, work.invokes, work.last))
                work_queue.appendleft(_Work(work.records[:half], work.retries, work.invokes, work.last))
                self.log(f"  bisect: {len(work.records)} records -> {half} + {len(work.records) - half}")
                continue
            retry = _Work(failed, work.retries + 1, work.invokes, work.last)
            if retry.retries > self._retry_limit():
                self._fail(retry, RETRIES_EXHAUSTED, result, invoked=True)
                continue
            result.retries += 1
            delay = min(self.max_retry_delay, self.retry_delay * 2 ** min(retry.retries - 1, 16))
            if time.monotonic() + delay > deadline:
                raise _Deadline()
            time.sleep(delay)
            work_queue.appendleft(retry)

    def _retry_limit(self) -> float:
        settings = self.settings
        if not settings.provisioned:
            return float("inf")  # on-demand: until it succeeds or the records expire (kafka-retry-configurations)
        if settings.retry_attempts >= 0:
            return settings.retry_attempts
        return _MAX_RETRIES_WITH_DESTINATION if settings.on_failure else float("inf")

    def _bisect(self, work: _Work) -> bool:
        return self.settings.bisect_batch_on_error and len(work.records) > 1

    def _expire(self, work: _Work, result: RunResult) -> list[_Entry]:
        age = self.settings.max_record_age_seconds
        if not self.settings.provisioned or age < 0:
            return work.records
        oldest_allowed = time.time() * 1000 - age * 1000
        expired = [e for e in work.records if e.record.timestamp < oldest_allowed]
        if expired:
            self._fail(_Work(expired, work.retries, work.invokes, work.last), RECORD_AGE_EXCEEDED, result, True)
        return [e for e in work.records if e.record.timestamp >= oldest_allowed]

    def _invoke(self, work: _Work, result: RunResult) -> list[_Entry]:
        """Invoke once; the records to retry ([] on success, `work.records` itself on a function error)."""
        records = [e.record for e in work.records]
        event = build_event(self.settings, self.bootstrap_servers, records)
        started = time.monotonic()
        context = LambdaContext(self.settings, started)
        result.invocations.append(event)
        work.invokes += 1
        error: str | None = None
        try:
            response = self.handler(event, context)
        except Exception as raised:  # a function error, as Lambda sees an unhandled exception
            response, error = raised, f"{type(raised).__name__}: {raised}"
        elapsed = time.monotonic() - started
        if error is None and elapsed > self.settings.function.timeout_seconds:
            error = f"Task timed out after {self.settings.function.timeout_seconds:.2f} seconds"
        result.responses.append(response)
        work.last = Outcome(context.aws_request_id, "Unhandled" if error else None)
        where = ", ".join(f"{k}@{v[0]['offset']}..{v[-1]['offset']}" for k, v in event["records"].items())
        if error is not None:
            self.log(f"invoke {len(records)} records [{where}] -> error: {error}")
            return work.records
        failed = self._partial_failures(work, response)
        if failed is None:
            self.log(f"invoke {len(records)} records [{where}] -> invalid batchItemFailures: the batch failed")
            return work.records
        for entry in work.records:
            if not any(entry is f for f in failed):
                entry.resolved = True
        self.log(f"invoke {len(records)} records [{where}] -> ok" + (f", {len(failed)} to retry" if failed else ""))
        return failed

    def _partial_failures(self, work: _Work, response: Any) -> list[_Entry] | None:
        """Records to retry under ReportBatchItemFailures: from the lowest failed offset of each named partition
        on (in this batch). None: the response is invalid, so the whole batch failed."""
        if not self.settings.report_batch_item_failures or not isinstance(response, Mapping):
            return []
        items = response.get("batchItemFailures")
        if not items:
            return []
        lowest: dict[str, int] = {}
        in_batch = {(e.record.partition_key, e.record.offset) for e in work.records}
        try:
            for item in items:
                identifier = item["itemIdentifier"]
                key, offset = str(identifier["partition"]), int(identifier["offset"])
                if (key, offset) not in in_batch:
                    return None
                lowest[key] = min(offset, lowest.get(key, offset))
        except (KeyError, TypeError, ValueError):
            return None
        return [e for e in work.records if e.record.offset >= lowest.get(e.record.partition_key, 1 << 62)]

    def _fail(self, work: _Work, condition: str, result: RunResult, invoked: bool) -> None:
        """Exhausted, expired or oversized records: to the destination (then resolved), or dropped without one."""
        records = [e.record for e in work.records]
        outcome = work.last if invoked else None
        if self.deliverer is None:
            result.dropped += [r.event_record() for r in records]
            self.log(f"  {condition}: {len(records)} records dropped (no failure destination)")
        else:
            if self.deliverer.target.kind == "kafka":
                items = [kafka_topic_record(self.settings, self.bootstrap_servers, r, work.invokes, outcome)
                         for r in records]  # fmt: skip
                if condition != RETRIES_EXHAUSTED:
                    for item in items:
                        item["requestContext"]["condition"] = condition
                self.deliverer.deliver(items, records)
            else:
                with_payload = self.deliverer.target.kind == "s3"
                items = [batch_record(self.settings, self.bootstrap_servers, records, condition, work.invokes,
                                      outcome, with_payload=with_payload)]  # fmt: skip
                self.deliverer.deliver(items, records)
            result.failures += items
            self.log(
                f"  {condition}: {len(records)} records -> {self.deliverer.target.kind}://{self.deliverer.target.name}"
            )
        for entry in work.records:
            entry.resolved = True

    # ------------------------------------------------------------------------------------------------- commit
    def _commit(self) -> None:
        offsets: dict[str, int] = {}
        for key, entries in self._entries.items():
            last = None
            while entries and entries[0].resolved:
                last = entries.popleft().record.offset
            if last is not None:
                offsets[key] = last + 1
        if offsets:
            self.client.commit(offsets)
            self.log("  committed " + ", ".join(f"{k}={v}" for k, v in sorted(offsets.items())))
