"""Where a producing function finds its MSK brokers.

Why: CloudFormation exposes no bootstrap-broker string for MSK Serverless (and none for provisioned MSK without
a custom resource), so a stack may give the function either ``BOOTSTRAP_SERVERS`` (preferred: no API call, no
extra permission) or ``CLUSTER_ARN``, in which case the IAM broker string is looked up once with
``kafka:GetBootstrapBrokers`` (grant it on ``*``: the action has no resource-level permissions; from inside a
VPC it needs a NAT gateway or a ``kafka`` interface endpoint).
"""

from collections.abc import Callable, Mapping
from typing import Any


def msk_iam_bootstrap_servers(env: Mapping[str, str], kafka_client: Callable[[], Any]) -> str:
    servers = env.get("BOOTSTRAP_SERVERS", "").strip()
    if servers:
        return servers
    cluster_arn = env.get("CLUSTER_ARN", "").strip()
    if not cluster_arn:
        raise RuntimeError("set BOOTSTRAP_SERVERS (host:port,...) or CLUSTER_ARN")
    response = kafka_client().get_bootstrap_brokers(ClusterArn=cluster_arn)
    servers = str(response.get("BootstrapBrokerStringSaslIam") or "")
    if not servers:
        raise RuntimeError(f"cluster {cluster_arn} has no IAM (SASL/IAM) brokers: is IAM auth enabled?")
    return servers
