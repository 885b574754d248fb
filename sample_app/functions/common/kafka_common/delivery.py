"""Producing a consumed batch onward: per-key order kept across retries, permanent errors routed, the rest retried.

Why this module exists: a handler that sends its whole batch and only then reads the results cannot keep order
per key. If record N fails and N+k (same key) succeeds, Lambda resumes from N and writes N *after* N+k. And a
handler that reports a record Kafka will never accept stalls its partition behind it. :func:`deliver` decides,
for every record of the batch, one :class:`Fate`:

1. **Rounds.** Output records are sent in rounds; round *r* holds the *r*-th record of each output key (keyless
   records go in the first round). After each round the producer is flushed and every result read, so a record is
   sent only once every earlier record with its key has been acknowledged or given up on.
2. **Stop at the first transient failure.** A transient failure (``produce_errors``) at offset N stops its source
   partition: no record of that partition at or after N is sent any more in this invocation, and each of them is
   reported (``RETRY``), so Lambda resumes the partition at N. Hence, per key, what reaches the output topic in an
   invocation is a prefix of that key's records in offset order, and a retry re-sends from N in order: an earlier
   record is never written after a later one, though a retry may repeat records already written.
3. **Permanent errors do not stall.** A record Kafka rejects permanently, and a poison record (one the handler
   could not decode), is copied to the dead-letter topic when there is one (``DEAD_LETTERED``), with headers
   saying why; without one it is ``DROPPED`` (rejected) or ``SKIPPED`` (poison), logged and counted. Its
   partition goes on. If the dead-letter write itself fails transiently, the record is reported like any other
   transient failure; if the dead-letter topic rejects it permanently, it is dropped.
4. **Time.** All flushes share one budget (``FlushBudget``); records not attempted when it runs out are reported.

Every non-delivered fate is logged with the source record's topic/partition/offset. ``DeliveryReport.retry`` is
what the handler returns in ``batchItemFailures``.
"""

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from .decoding import original_parts
from .produce_errors import ErrorKind, classify, describe
from .producers import FlushBudget, LazyProducer, OutboundRecord, Producer, SendFuture, flush
from .records import Batch, RecordRef, SourceRecord

DEAD_LETTER_REASON = "x-dead-letter-reason"
DEAD_LETTER_SOURCE = "x-dead-letter-source"
DEAD_LETTER_STAGE = "x-dead-letter-stage"
#: Below this much flushing time left, a round is not started (its records are reported instead).
MIN_ROUND_S = 0.5


class Fate(Enum):
    DELIVERED = "delivered"
    DEAD_LETTERED = "dead-lettered"
    SKIPPED = "skipped"
    DROPPED = "dropped"
    RETRY = "retry"


@dataclass(frozen=True)
class Work:
    """One source record and what the handler made of it: an output record, or the reason it is poison."""

    source: SourceRecord
    output: OutboundRecord | None = None
    poison: str | None = None

    @property
    def ref(self) -> RecordRef:
        return self.source.ref


@dataclass
class DeliveryReport:
    fates: dict[RecordRef, Fate] = field(default_factory=dict)
    #: produce attempts that failed transiently / were rejected permanently / were acknowledged (dead letters too)
    transient_errors: int = 0
    rejected: int = 0
    acknowledged: int = 0

    def count(self, fate: Fate) -> int:
        return sum(1 for f in self.fates.values() if f is fate)

    def refs(self, fate: Fate) -> list[RecordRef]:
        return sorted(ref for ref, f in self.fates.items() if f is fate)

    @property
    def retry(self) -> list[RecordRef]:
        return self.refs(Fate.RETRY)


def poison_work(source: SourceRecord, reason: str) -> Work:
    return Work(source, poison=reason)


def delivery_metrics(report: DeliveryReport, works: Sequence[Work], *, unaddressable: int = 0) -> dict[str, int]:
    """The counts every producing consumer emits (names as in the functions' README)."""
    return {
        "MalformedRecords": sum(1 for w in works if w.output is None) + unaddressable,
        "ProduceFailures": report.transient_errors,
        "ProduceRejected": report.rejected,
        "DeadLettered": report.count(Fate.DEAD_LETTERED),
        "RecordsDropped": report.count(Fate.SKIPPED) + report.count(Fate.DROPPED),
        "RecordsRetried": len(report.retry),
    }


def dead_letter(topic: str, work: Work, reason: str, stage: str) -> OutboundRecord:
    """The source record as its producer wrote it (what of it decodes), plus headers saying where it came from,
    at which stage (``decode`` or ``produce``) and why it was given up on."""
    key, value, headers = original_parts(work.source.raw)
    return OutboundRecord(
        topic=topic,
        key=key,
        value=value if value is not None or key is not None else b"",
        headers=(
            *headers,
            (DEAD_LETTER_SOURCE, work.ref.label().encode("utf-8", "backslashreplace")),
            (DEAD_LETTER_STAGE, stage.encode()),
            (DEAD_LETTER_REASON, reason.encode("utf-8", "backslashreplace")[:1000]),
        ),
        source=work.ref,
    )


def _rounds(works: Sequence[Work]) -> Iterator[list[Work]]:
    """The output works in rounds: round r holds the r-th work of each (topic, key), in source order."""
    seen: dict[tuple[str, bytes], int] = {}
    rounds: list[list[Work]] = []
    for work in works:
        if work.output is None:
            continue
        index = 0
        if work.output.key is not None:
            index = seen.get((work.output.topic, work.output.key), 0)
            seen[(work.output.topic, work.output.key)] = index + 1
        while len(rounds) <= index:
            rounds.append([])
        rounds[index].append(work)
    yield from rounds


class _Delivery:
    def __init__(self, producer: Callable[[], Producer], budget: FlushBudget, logger: Any) -> None:
        self.producer = producer
        self.budget = budget
        self.logger = logger
        self.report = DeliveryReport()
        self.stopped_at: dict[str, int] = {}

    def is_open(self, work: Work) -> bool:
        return work.ref.offset < self.stopped_at.get(work.ref.topic_partition, math.inf)

    def settle(self, work: Work, fate: Fate) -> None:
        self.report.fates[work.ref] = fate

    def retry(self, work: Work, error: BaseException) -> None:
        self.report.transient_errors += 1
        self.settle(work, Fate.RETRY)
        tp = work.ref.topic_partition
        self.stopped_at[tp] = min(work.ref.offset, self.stopped_at.get(tp, work.ref.offset))
        self.logger.error(
            "produce failed (transient): the record is reported for retry, its partition stops here",
            extra={**work.ref.log_fields(), "error": describe(error)},
        )

    def send_round(self, batch: list[tuple[Work, OutboundRecord]]) -> list[tuple[Work, BaseException | None]]:
        """Send, flush once, and return each work with its error (None when acknowledged)."""
        sent: list[tuple[Work, SendFuture]] = []
        results: list[tuple[Work, BaseException | None]] = []
        open_batch = [(work, record) for work, record in batch if self.is_open(work)]
        producer = self.producer() if open_batch else None
        for work, record in open_batch:
            if not self.is_open(work):  # an earlier send of this round stopped the partition
                continue
            assert producer is not None
            try:
                future = producer.send(record.topic, value=record.value, key=record.key, headers=list(record.headers))
            except Exception as exc:
                results.append((work, exc))
                if classify(exc) is ErrorKind.TRANSIENT:
                    self.retry(work, exc)
                continue
            sent.append((work, future))
        if sent and producer is not None:
            flush(producer, self.budget.left_s())
        for work, future in sent:
            try:
                future.get(timeout=0)
            except Exception as exc:
                results.append((work, exc))
                if classify(exc) is ErrorKind.TRANSIENT:
                    self.retry(work, exc)
            else:
                self.report.acknowledged += 1
                results.append((work, None))
        return results


def deliver(
    producer: Callable[[], Producer],
    works: Sequence[Work],
    *,
    dead_letter_topic: str | None,
    budget: FlushBudget,
    logger: Any,
) -> DeliveryReport:
    """Decide the fate of every work (module docstring). ``works`` may come in any order; ``producer`` is called
    only when there is something to send (a batch of poison without a dead-letter topic needs no connection)."""
    ordered = sorted(works, key=lambda w: w.ref)
    run = _Delivery(producer, budget, logger)
    give_up: list[tuple[Work, str, str]] = [(w, w.poison or "poison", "decode") for w in ordered if w.output is None]
    for round_works in _rounds([w for w in ordered if w.output is not None]):
        if run.budget.left_s() < MIN_ROUND_S:
            break
        for work, error in run.send_round([(w, w.output) for w in round_works if w.output is not None]):
            if error is None:
                run.settle(work, Fate.DELIVERED)
            elif classify(error) is ErrorKind.PERMANENT:
                run.report.rejected += 1
                give_up.append((work, describe(error), "produce"))
    _give_up(run, sorted((g for g in give_up if run.is_open(g[0])), key=lambda g: g[0].ref), dead_letter_topic)
    _report_the_rest(run, ordered)
    return run.report


def deliver_batch(
    producer: LazyProducer,
    works: Sequence[Work],
    *,
    dead_letter_topic: str | None,
    remaining_ms: int | None,
    logger: Any,
) -> DeliveryReport:
    """:func:`deliver` with the invocation's flushing budget; drops the cached producer when records failed
    transiently and not one produce was acknowledged (stale connections or credentials: reconnect next time)."""
    report = deliver(
        producer.get, works, dead_letter_topic=dead_letter_topic, budget=FlushBudget(remaining_ms), logger=logger
    )
    if report.transient_errors and not report.acknowledged:
        producer.reset()
    return report


def deliver_source_batch(
    producer: LazyProducer,
    batch: Batch,
    works: Sequence[Work],
    *,
    env: Mapping[str, str],
    remaining_ms: int | None,
    logger: Any,
    count: Callable[[str, int], None],
) -> DeliveryReport:
    """What every producing consumer does with its batch: log the records without coordinates, deliver the works
    (dead letters to ``DEAD_LETTER_TOPIC`` when set) and ``count`` the :func:`delivery_metrics`."""
    for where in batch.unaddressable:
        logger.warning("skipping record without topic/partition/offset", extra={"record": where})
    report = deliver_batch(
        producer,
        works,
        dead_letter_topic=env.get("DEAD_LETTER_TOPIC", "").strip() or None,
        remaining_ms=remaining_ms,
        logger=logger,
    )
    for name, value in delivery_metrics(report, works, unaddressable=len(batch.unaddressable)).items():
        count(name, value)
    return report


def _report_the_rest(run: _Delivery, ordered: Sequence[Work]) -> None:
    """Works without a fate were not attempted (partition stopped, or out of time): reported for retry, with one
    log line per partition."""
    left: dict[str, list[int]] = {}
    for work in ordered:
        if work.ref not in run.report.fates:
            run.settle(work, Fate.RETRY)
            left.setdefault(work.ref.topic_partition, []).append(work.ref.offset)
    for tp, offsets in left.items():
        run.logger.warning(
            "records not attempted (partition stopped at an earlier failure, or out of time): reported for retry",
            extra={
                "topic_partition": tp,
                "stopped_at": run.stopped_at.get(tp),
                "offsets": offsets[:100],
                "count": len(offsets),
            },
        )


def _give_up(run: _Delivery, give_up: list[tuple[Work, str, str]], dead_letter_topic: str | None) -> None:
    """Poison and permanently rejected records: to the dead-letter topic, or skipped/dropped."""
    if dead_letter_topic is None or run.budget.left_s() < MIN_ROUND_S:
        for work, reason, stage in give_up:
            if dead_letter_topic is not None:
                continue  # out of time: left without a fate, so reported for retry
            _drop(run, work, reason, stage, "no dead-letter topic is configured")
        return
    letters = [(work, dead_letter(dead_letter_topic, work, reason, stage)) for work, reason, stage in give_up]
    reasons = {work.ref: (reason, stage) for work, reason, stage in give_up}
    for work, error in run.send_round(letters):
        reason, stage = reasons[work.ref]
        if error is None:
            run.settle(work, Fate.DEAD_LETTERED)
            run.logger.warning(
                "record sent to the dead-letter topic",
                extra={
                    **work.ref.log_fields(),
                    "stage": stage,
                    "reason": reason,
                    "dead_letter_topic": dead_letter_topic,
                },
            )
        elif classify(error) is ErrorKind.PERMANENT:
            _drop(run, work, reason, stage, f"the dead-letter topic rejected it too: {describe(error)}")


def _drop(run: _Delivery, work: Work, reason: str, stage: str, why: str) -> None:
    """Poison with no dead-letter topic is skipped; anything a dead-letter topic was meant to take but cannot (no
    topic for a rejected record, or the topic rejected it too) is dropped. Both are logged with the reason."""
    fields = {**work.ref.log_fields(), "stage": stage, "reason": reason, "not_dead_lettered": why}
    if stage == "decode" and "no dead-letter topic" in why:
        run.settle(work, Fate.SKIPPED)
        run.logger.warning("skipping malformed record", extra=fields)
    else:
        run.settle(work, Fate.DROPPED)
        run.logger.error("record dropped: it could not be delivered nor dead-lettered", extra=fields)
