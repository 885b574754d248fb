"""Which produce errors a retry can cure (transient) and which name the record itself (permanent).

Why this module exists: a handler that reports every failed produce for retry stalls its partition behind a record
Kafka will never accept (Lambda retries it, and everything after it, until the record expires); a handler that
drops every failed produce loses data to a broker restart. The split:

- **permanent**: the broker or the client refused *this record*, and would refuse it again: too large
  (``MessageSizeTooLargeError``, raised by ``send`` above ``max_request_size`` or by the broker above
  ``max.message.bytes``; ``RecordListTooLargeError``), invalid for the topic (``InvalidRecordError``, e.g. a
  record without a key on a compacted topic), or not serializable at all (``send`` raising ``TypeError``,
  ``ValueError`` or ``UnicodeError`` for the record's key, value or headers).
- **transient**: everything else. That is every error kafka-python marks ``retriable`` (timeouts,
  ``NotLeaderForPartitionError``, ``KafkaConnectionError``, ``NotEnoughReplicasError``, records still pending when
  the flush gave up) and also the non-retriable errors that are about the deployment rather than the record:
  authentication and authorization failures, ``InvalidTopicError`` / unknown topic (a wrong ``OUTPUT_TOPIC``), a
  fenced or closed producer. Those fail every record alike; routing them all to a dead-letter topic (or dropping
  them) would empty the stream into the wrong place, while retrying keeps every record until the deployment is
  fixed, with the function's errors and the mapping's offset lag showing it.
"""

from enum import Enum

from kafka import errors as kafka_errors

#: Errors that reject the record itself.
RECORD_REJECTED: tuple[type[BaseException], ...] = (
    kafka_errors.MessageSizeTooLargeError,
    kafka_errors.RecordListTooLargeError,
    kafka_errors.InvalidRecordError,
)
#: What ``KafkaProducer.send`` raises for a key, value or headers it cannot serialize (not KafkaErrors).
UNSERIALIZABLE: tuple[type[BaseException], ...] = (TypeError, ValueError, UnicodeError)


class ErrorKind(Enum):
    PERMANENT = "permanent"
    TRANSIENT = "transient"


def classify(error: BaseException) -> ErrorKind:
    if isinstance(error, RECORD_REJECTED):
        return ErrorKind.PERMANENT
    if isinstance(error, UNSERIALIZABLE) and not isinstance(error, kafka_errors.KafkaError):
        return ErrorKind.PERMANENT
    return ErrorKind.TRANSIENT


def describe(error: BaseException) -> str:
    """``ErrorClass: message`` in ASCII (a UnicodeEncodeError's message quotes the lone surrogate it met, which a
    log line or a header could not carry), at most 300 characters, with kafka-python's ``retriable`` flag."""
    retriable = getattr(error, "retriable", None)
    flag = f" (retriable={retriable})" if isinstance(retriable, bool) else ""
    text = f"{type(error).__name__}: {error}".encode("ascii", "backslashreplace").decode("ascii")
    return text[:300] + flag
