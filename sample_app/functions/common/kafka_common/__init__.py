"""Code shared by the sample's Kafka functions; the bundler copies this package into every function's asset.

- ``records``: the batch (coordinates, offset order) and the partial-batch response;
- ``decoding``: strict, total decoding of keys, values (JSON objects) and headers;
- ``fields``: the field rules the handlers' docstrings state (text, numbers, timestamps, dates);
- ``producers`` / ``produce_errors`` / ``delivery``: producing onward (these import kafka-python, so only functions
  that produce import them; ``kafka_common`` itself needs only the standard library).
"""

from .bootstrap import msk_iam_bootstrap_servers
from .decoding import MAX_VALUE_BYTES, JsonRecord, decode_json_object, encode_json
from .records import (
    Batch,
    BatchItemFailuresError,
    BatchResponse,
    MalformedRecordError,
    RecordRef,
    SourceRecord,
    batch_response,
    read_batch,
    report_batch_item_failures_enabled,
    respond,
)

__all__ = [
    "MAX_VALUE_BYTES",
    "Batch",
    "BatchItemFailuresError",
    "BatchResponse",
    "JsonRecord",
    "MalformedRecordError",
    "RecordRef",
    "SourceRecord",
    "batch_response",
    "decode_json_object",
    "encode_json",
    "msk_iam_bootstrap_servers",
    "read_batch",
    "report_batch_item_failures_enabled",
    "respond",
]
