"""The Kafka client under the local runtime (kafka-python), behind the few calls the runtime makes.

The runtime assigns itself every partition of the topic and commits under the mapping's group id without joining
the group: a local run is the group's only member, and this avoids waiting on rebalances (a group join costs
seconds; see ../shared/design/local-broker.md). Offsets it commits are ordinary group offsets: a restarted run, the
`kafka-consumer-groups` tool or a deployed mapping with the same ConsumerGroupId read them.

End offsets come from fetch responses (the high watermark), never from ListOffsets: the embedded broker reports
a wrong end after multi-record batches (broker.py), and the fetch's high watermark is right on every broker.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from .events import KafkaRecord

_METADATA_SECONDS = 10.0


class KafkaClient:
    def __init__(self, bootstrap_servers: str, group_id: str) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.group_id = group_id
        self.topic = ""
        self._consumer: Any = None
        self._producer: Any = None
        self._partitions: list[Any] = []
        self._skip_before: dict[tuple[str, int], int] = {}  # AT_TIMESTAMP: until the first record at or after it

    def _new_consumer(self, group_id: str | None) -> Any:
        from kafka import KafkaConsumer

        return KafkaConsumer(
            bootstrap_servers=self.bootstrap_servers.split(","),
            group_id=group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=50,
            max_partition_fetch_bytes=8 * 1024 * 1024,
            client_id="constructs-kafka-lambda-local",
        )

    # ------------------------------------------------------------------------------------------------- start
    def open(self, topic: str, starting_position: str, timestamp: float | None) -> list[int]:
        """Assign every partition and place each at the group's committed offset, else at the starting position."""
        from kafka import TopicPartition

        self.topic = topic
        consumer = self._consumer = self._new_consumer(self.group_id)
        deadline = time.monotonic() + _METADATA_SECONDS
        partitions = consumer.partitions_for_topic(topic)
        while not partitions and time.monotonic() < deadline:
            time.sleep(0.1)
            partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            raise RuntimeError(f"topic {topic!r} does not exist on {self.bootstrap_servers} (create it first)")
        self._partitions = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(self._partitions)
        fresh = []
        for tp in self._partitions:
            committed = consumer.committed(tp)
            if committed is not None:
                consumer.seek(tp, committed)
            else:
                fresh.append(tp)
        if fresh:
            self._place(fresh, starting_position, timestamp)
        return sorted(partitions)

    def _place(self, partitions: list[Any], starting_position: str, timestamp: float | None) -> None:
        consumer = self._consumer
        if starting_position == "LATEST":
            for tp, end in self.high_watermarks(partitions).items():
                consumer.seek(tp, end)
        elif starting_position == "AT_TIMESTAMP" and timestamp is not None:
            # The broker's answer (ListOffsets by time) is a hint: some brokers (the embedded one) answer the
            # earliest offset. `poll` then skips the leading records stamped before the time, which gives
            # Kafka's own rule (the first offset whose timestamp is at or after it) on every broker.
            since = int(timestamp * 1000)
            found = consumer.offsets_for_times({tp: since for tp in partitions})
            for tp in partitions:
                hit = found.get(tp)
                if hit is not None:
                    consumer.seek(tp, hit.offset)
                else:
                    consumer.seek_to_beginning(tp)
                self._skip_before[(tp.topic, tp.partition)] = since
        else:
            consumer.seek_to_beginning(*partitions)

    def high_watermarks(self, partitions: Iterable[Any]) -> dict[Any, int]:
        """Each partition's end, read from a fetch (see the module docstring)."""
        wanted = list(partitions)
        if not wanted:
            return {}
        probe = self._new_consumer(None)
        try:
            probe.assign(wanted)
            probe.seek_to_beginning(*wanted)
            deadline = time.monotonic() + _METADATA_SECONDS
            while time.monotonic() < deadline:
                probe.poll(timeout_ms=100, max_records=1)
                ends = {tp: probe.highwater(tp) for tp in wanted}
                if all(end is not None for end in ends.values()):
                    return {tp: int(end) for tp, end in ends.items()}
            raise RuntimeError(f"no fetch response from {self.bootstrap_servers} within {_METADATA_SECONDS:.0f} s")
        finally:
            probe.close()

    # ------------------------------------------------------------------------------------------------- read
    def poll(self, wait: float, full: set[str]) -> list[KafkaRecord]:
        """Fetched records in offset order per partition; partitions in `full` ("topic-N") are paused meanwhile."""
        consumer = self._consumer
        paused = [tp for tp in self._partitions if f"{tp.topic}-{tp.partition}" in full]
        consumer.pause(*paused) if paused else None
        consumer.resume(*[tp for tp in self._partitions if tp not in paused])
        fetched = consumer.poll(timeout_ms=int(wait * 1000), max_records=10_000)
        records = []
        for tp in sorted(fetched, key=lambda t: t.partition):
            for message in fetched[tp]:
                since = self._skip_before.get((tp.topic, tp.partition))
                if since is not None:
                    if message.timestamp < since:
                        continue
                    del self._skip_before[(tp.topic, tp.partition)]
                headers = tuple((str(name), value) for name, value in (message.headers or []))
                records.append(
                    KafkaRecord(tp.topic, tp.partition, message.offset, message.timestamp,
                                message.timestamp_type or 0, message.key, message.value, headers)
                )  # fmt: skip
        return records

    def at_end(self) -> bool:
        """Every partition has been fetched up to its high watermark."""
        consumer = self._consumer
        for tp in self._partitions:
            end = consumer.highwater(tp)
            if end is None or consumer.position(tp) < end:
                return False
        return True

    # ------------------------------------------------------------------------------------------------ commit
    def commit(self, offsets: dict[str, int]) -> None:
        from kafka import TopicPartition
        from kafka.structs import OffsetAndMetadata

        by_partition = {}
        for key, offset in offsets.items():
            topic, _, partition = key.rpartition("-")
            by_partition[TopicPartition(topic, int(partition))] = OffsetAndMetadata(offset, "", -1)
        self._consumer.commit(by_partition)

    def committed(self) -> dict[str, int]:
        result = {}
        for tp in self._partitions:
            offset = self._consumer.committed(tp)
            if offset is not None:
                result[f"{tp.topic}-{tp.partition}"] = int(offset)
        return result

    # ----------------------------------------------------------------------------------------------- produce
    def produce(self, topic: str, key: bytes | None, value: bytes) -> None:
        """For a kafka:// destination: acks=all and flushed, so a record is on the broker before its offset is
        committed."""
        if self._producer is None:
            from kafka import KafkaProducer

            self._producer = KafkaProducer(bootstrap_servers=self.bootstrap_servers.split(","), acks="all",
                                           max_request_size=16 * 1024 * 1024)  # fmt: skip
        self._producer.send(topic, key=key, value=value).get(timeout=10)

    def close(self) -> None:
        for client in (self._consumer, self._producer):
            if client is not None:
                client.close()
        self._consumer = self._producer = None
