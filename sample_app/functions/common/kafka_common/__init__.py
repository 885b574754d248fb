"""Code shared by the sample's Kafka functions; the bundler copies this package into every function's asset.

``kafka_common`` itself needs only Powertools and the standard library. Producers live in
``kafka_common.producers``, which imports kafka-python: only functions that produce import it.
"""

from .bootstrap import msk_iam_bootstrap_servers
from .records import (
    MAX_VALUE_BYTES,
    BatchItemFailuresError,
    BatchResponse,
    JsonRecord,
    MalformedRecordError,
    RecordRef,
    batch_response,
    decode_json_object,
    iter_records,
    optional_number,
    record_ref,
    report_batch_item_failures_enabled,
    require_number,
    require_str,
)

__all__ = [
    "MAX_VALUE_BYTES",
    "BatchItemFailuresError",
    "BatchResponse",
    "JsonRecord",
    "MalformedRecordError",
    "RecordRef",
    "batch_response",
    "decode_json_object",
    "iter_records",
    "msk_iam_bootstrap_servers",
    "optional_number",
    "record_ref",
    "report_batch_item_failures_enabled",
    "require_number",
    "require_str",
]
