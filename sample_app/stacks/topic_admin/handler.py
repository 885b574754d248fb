"""Custom resource `Custom::MskServerlessTopic`: create (and on removal delete) a topic on MSK Serverless.

Why: AWS::MSK::Topic (the MSK topic APIs) serves MSK Provisioned clusters only, and MSK Serverless does not
auto-create topics, so the sample creates its topics with the Kafka admin protocol (kafka-python, IAM auth by a
locally signed SASL/OAUTHBEARER token) from inside the cluster's VPC.

Properties: ClusterArn, TopicName, Partitions (string or number), ReplicationFactor (MSK Serverless: 3).
Returns the attribute BootstrapServers (the cluster's IAM broker string), which the stack hands to the
producing functions so that they need neither the kafka:GetBootstrapBrokers call nor its permission.

- Create/Update: create the topic if missing; on Update raise the partition count if asked (Kafka cannot lower
  it: that fails the update, and CloudFormation rolls back). A topic that already exists is adopted.
- Delete: best effort (the cluster may be going away too); a delete never fails the stack.
- A watchdog answers FAILED shortly before the Lambda timeout, so CloudFormation never waits an hour.
"""

import json
import logging
import os
import threading
import urllib.request
from typing import Any

import boto3

logger = logging.getLogger()
logger.setLevel(logging.INFO)

ADMIN_TIMEOUT_MS = 30_000
WATCHDOG_MARGIN_S = 15.0
NOT_CREATED = "/not-created"


class _Responder:
    """Sends exactly one response to CloudFormation's pre-signed URL."""

    def __init__(self, event: dict[str, Any], context: Any) -> None:
        self.event = event
        self.context = context
        self._sent = False
        self._lock = threading.Lock()

    def send(self, status: str, reason: str, physical_id: str, data: dict[str, str] | None = None) -> None:
        with self._lock:
            if self._sent:
                return
            self._sent = True
        body = json.dumps(
            {
                "Status": status,
                "Reason": f"{reason} (log stream {self.context.log_stream_name})"[:3500],
                "PhysicalResourceId": physical_id,
                "StackId": self.event["StackId"],
                "RequestId": self.event["RequestId"],
                "LogicalResourceId": self.event["LogicalResourceId"],
                "NoEcho": False,
                "Data": data or {},
            }
        ).encode()
        request = urllib.request.Request(
            self.event["ResponseURL"],
            data=body,
            method="PUT",
            headers={"Content-Type": "", "Content-Length": str(len(body))},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            logger.info("response %s sent: HTTP %s", status, response.status)


def bootstrap_servers(cluster_arn: str) -> str:
    brokers = boto3.client("kafka").get_bootstrap_brokers(ClusterArn=cluster_arn)
    servers = str(brokers.get("BootstrapBrokerStringSaslIam") or "")
    if not servers:
        raise RuntimeError(f"cluster {cluster_arn} has no IAM (SASL/IAM) bootstrap brokers")
    return servers


def _admin(servers: str) -> Any:
    from aws_msk_iam_sasl_signer import MSKAuthTokenProvider
    from kafka.admin import KafkaAdminClient
    from kafka.net.sasl.oauth import AbstractTokenProvider

    region = os.environ["AWS_REGION"]

    class _IamToken(AbstractTokenProvider):  # type: ignore[misc]
        def token(self) -> str:
            token, _expiry_ms = MSKAuthTokenProvider.generate_auth_token(region)
            return str(token)

    return KafkaAdminClient(
        bootstrap_servers=[s.strip() for s in servers.split(",") if s.strip()],
        security_protocol="SASL_SSL",
        sasl_mechanism="OAUTHBEARER",
        sasl_oauth_token_provider=_IamToken(),
        request_timeout_ms=ADMIN_TIMEOUT_MS,
        client_id=os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "msk-topic-admin"),
    )


def _partition_count(admin: Any, topic: str) -> int | None:
    """The topic's partition count, or None when it does not exist."""
    for described in admin.describe_topics([topic]):
        if described.get("name") == topic and not described.get("error_code"):
            return len(described.get("partitions") or [])
    return None


def ensure_topic(admin: Any, topic: str, partitions: int, replication_factor: int) -> str:
    existing = _partition_count(admin, topic)
    if existing is None:
        admin.create_topics(
            {topic: {"num_partitions": partitions, "replication_factor": replication_factor}},
            timeout_ms=ADMIN_TIMEOUT_MS,
        )
        return f"created {topic} with {partitions} partitions"
    if partitions > existing:
        admin.create_partitions({topic: partitions}, timeout_ms=ADMIN_TIMEOUT_MS)
        return f"raised {topic} from {existing} to {partitions} partitions"
    if partitions < existing:
        raise ValueError(f"{topic} has {existing} partitions; Kafka cannot lower that to {partitions}")
    return f"{topic} exists with {existing} partitions"


def handler(event: dict[str, Any], context: Any) -> None:
    responder = _Responder(event, context)
    props = event.get("ResourceProperties", {})
    cluster_arn, topic = str(props.get("ClusterArn", "")), str(props.get("TopicName", ""))
    created_id = f"{cluster_arn}/{topic}"
    # A Create that fails reports a marker id, so that the rollback's Delete leaves any same-named topic alone.
    physical_id = event.get("PhysicalResourceId") or f"{created_id}{NOT_CREATED}"
    deleting = event["RequestType"] == "Delete"
    remaining_s = context.get_remaining_time_in_millis() / 1000 - WATCHDOG_MARGIN_S
    watchdog = threading.Timer(
        max(remaining_s, 1.0),
        responder.send,
        # A delete never blocks the stack: the topic goes with the cluster anyway.
        args=("SUCCESS" if deleting else "FAILED", "timed out talking to the cluster", physical_id),
    )
    watchdog.daemon = True
    watchdog.start()
    try:
        if deleting:
            outcome = "nothing to delete"
            if physical_id == created_id:
                outcome = _delete_best_effort(cluster_arn, topic)
            responder.send("SUCCESS", outcome, physical_id)
            return
        servers = bootstrap_servers(cluster_arn)
        admin = _admin(servers)
        try:
            outcome = ensure_topic(
                admin, topic, int(props.get("Partitions", 1)), int(props.get("ReplicationFactor", 3))
            )
        finally:
            admin.close()
        logger.info(outcome)
        responder.send("SUCCESS", outcome, created_id, {"BootstrapServers": servers, "TopicName": topic})
    except Exception as error:
        logger.exception("topic %s on %s", topic, cluster_arn)
        responder.send("SUCCESS" if deleting else "FAILED", f"{type(error).__name__}: {error}", physical_id)
    finally:
        watchdog.cancel()


def _delete_best_effort(cluster_arn: str, topic: str) -> str:
    try:
        admin = _admin(bootstrap_servers(cluster_arn))
        try:
            admin.delete_topics([topic], timeout_ms=ADMIN_TIMEOUT_MS)
        finally:
            admin.close()
        return f"deleted {topic}"
    except Exception as error:
        logger.warning("could not delete %s (left to the cluster's deletion): %s", topic, error)
        return f"not deleted: {type(error).__name__}"
