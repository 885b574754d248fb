"""`SampleFunction`: one Lambda function of the sample, built the same way everywhere.

What every function here gets, and why:
- Python 3.14 on the architecture the bundler builds wheels for (`bundling.LAMBDA_PLATFORM`).
- its own execution role with no AWS managed policy: an inline policy that writes to its own log group only
  (the group is created here, with retention and the stack's KMS key) and creates/deletes the ENIs of its VPC;
  everything else is granted by the stack, scoped to the resource the handler touches.
- a VPC attachment (private subnets) with its own security group, X-Ray active tracing, reserved concurrency,
  explicit memory and timeout, an SQS dead-letter queue for asynchronous invocations, Powertools settings.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Stack, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from sample_app import bundling

POWERTOOLS_NAMESPACE = "KafkaLambdaSample"
LOG_RETENTION = logs.RetentionDays.ONE_YEAR
DLQ_RETENTION = Duration.days(14)

# Lambda creates, describes and deletes the function's ENIs with the execution role (what the managed policy
# AWSLambdaVPCAccessExecutionRole grants). These EC2 actions take no resource-level scoping that Lambda honours.
VPC_ENI_ACTIONS = (
    "ec2:AssignPrivateIpAddresses",
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:UnassignPrivateIpAddresses",
)
XRAY_ACTIONS = ("xray:PutTelemetryRecords", "xray:PutTraceSegments")
_ENI_REASON = (
    "Lambda creates, describes and deletes the function's VPC ENIs with its role; these EC2 actions are the "
    "inline equivalent of AWSLambdaVPCAccessExecutionRole and support no resource scoping for this use"
)
_XRAY_REASON = (
    "xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing) have no resource-level permissions, "
    "so CDK grants them on *"
)


def lambda_architecture() -> lambda_.Architecture:
    """The architecture matching the wheels the bundler installs (manylinux x86_64 or aarch64)."""
    return lambda_.Architecture.ARM_64 if "aarch64" in bundling.LAMBDA_PLATFORM else lambda_.Architecture.X86_64


class SampleFunction(Construct):
    """A function of `sample_app/functions/<name>` (or of any `code`) with the sample's standards applied."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        description: str,
        vpc: ec2.IVpc,
        key: kms.IKey,
        memory_size: int,
        timeout: Duration,
        reserved_concurrency: int,
        environment: Mapping[str, str] | None = None,
        code: lambda_.Code | None = None,
    ) -> None:
        """
        :param name: the directory under sample_app/functions (handler `handler.handler`); the Powertools service.
        :param key: the stack's customer-managed key: encrypts the log group and the dead-letter queue's messages
            are SSE-SQS (EventBridge and Lambda deliver to it without key grants).
        :param timeout: at most 14 minutes for Kafka consumers (Lambda's limit for Kafka event sources).
        """
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            retention=LOG_RETENTION,
            encryption_key=key,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description=f"{name} function: outbound only (AWS APIs over the NAT gateway, Kafka brokers)",
            allow_all_outbound=True,
        )
        self.dead_letter_queue = sqs.Queue(
            self,
            "DeadLetterQueue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=DLQ_RETENTION,
        )
        dlq_reason = "This queue is itself a dead-letter queue (of the function's asynchronous invocations)."
        Validations.of(self.dead_letter_queue).acknowledge(
            Acknowledgment(id="AwsSolutions-SQS3", reason=dlq_reason),
            Acknowledgment(id="Serverless-SQSRedrivePolicy", reason=dlq_reason),
        )
        # Customer-managed policies only (the compliance packs reject inline ones); the role lists them, so the
        # function, which depends on the role, is created only once they exist.
        execution = iam.ManagedPolicy(
            self,
            "ExecutionPolicy",
            description=f"{name}: own log group, VPC ENIs, X-Ray, dead-letter queue",
            statements=[
                iam.PolicyStatement(
                    sid="OwnLogGroupOnly",
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    # The log group's Arn attribute ends in ":*", i.e. its log streams.
                    resources=[self.log_group.log_group_arn],
                ),
                iam.PolicyStatement(sid="VpcEnis", actions=list(VPC_ENI_ACTIONS), resources=["*"]),
                iam.PolicyStatement(sid="XRay", actions=list(XRAY_ACTIONS), resources=["*"]),
                iam.PolicyStatement(
                    sid="DeadLetters", actions=["sqs:SendMessage"], resources=[self.dead_letter_queue.queue_arn]
                ),
            ],
        )
        Validations.of(execution).acknowledge(
            Acknowledgment(id="AwsSolutions-IAM5[Resource::*]", reason=f"{_ENI_REASON}; {_XRAY_REASON}")
        )
        self._role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Execution role of the {name} function (no AWS managed policies, no inline policies)",
            managed_policies=[execution],
        )
        self._access: iam.ManagedPolicy | None = None
        # CDK's own grants (X-Ray, DLQ) would land in an inline default policy: the statements above replace them.
        self.role = self._role.without_policy_updates()
        self.function = lambda_.Function(
            self,
            "Function",
            description=description,
            runtime=lambda_.Runtime.PYTHON_3_14,
            architecture=lambda_architecture(),
            handler="handler.handler",
            code=code if code is not None else bundling.function_code(name),
            memory_size=memory_size,
            timeout=timeout,
            reserved_concurrent_executions=reserved_concurrency,
            role=self.role,
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            tracing=lambda_.Tracing.ACTIVE,
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            security_groups=[self.security_group],
            dead_letter_queue=self.dead_letter_queue,
            environment={
                "POWERTOOLS_SERVICE_NAME": name.replace("_", "-"),
                "POWERTOOLS_METRICS_NAMESPACE": POWERTOOLS_NAMESPACE,
                "POWERTOOLS_LOG_LEVEL": "INFO",
                **(environment or {}),
            },
        )

    def grant(self, *statements: iam.PolicyStatement, wildcard_reason: str | None = None) -> None:
        """Add statements to the function's access policy (a customer-managed policy the role lists).

        :param wildcard_reason: why a wildcard in these statements' resources cannot be narrowed; each such
            resource is acknowledged (AwsSolutions-IAM5, by its exact finding id) with this reason.
        """
        if self._access is None:
            self._access = iam.ManagedPolicy(
                self, "AccessPolicy", description=f"{self.node.id}: what the handler reads and writes"
            )
            self._role.add_managed_policy(self._access)
        self._access.add_statements(*statements)
        if wildcard_reason is None:
            return
        for statement in statements:
            for resource in statement.resources:
                flat = flatten_resource(self, resource)
                if "*" in flat or "?" in flat:
                    Validations.of(self._access).acknowledge(
                        Acknowledgment(id=f"AwsSolutions-IAM5[Resource::{flat}]", reason=wildcard_reason)
                    )

    def wait_for(self, policy: iam.ManagedPolicy | None) -> None:
        """Create the function only once `policy` exists: for a policy granted from outside (e.g. the library's
        `cluster.grant_produce`, which names the role instead of the role listing it), so that the first
        invocation cannot run before its permissions."""
        # The CfnFunction alone: the library puts its grant policies under the Function construct, so a dependency
        # of the whole construct would make each such policy wait for the others (a cycle).
        resource = self.function.node.default_child
        if policy is not None and resource is not None:
            resource.node.add_dependency(policy)

    @property
    def stack(self) -> Stack:
        return Stack.of(self)


def flatten_resource(scope: Construct, value: str) -> str:
    """The string cdk-nag makes of a policy resource (Fn::Join joined, Ref as <Name>), to acknowledge it exactly."""

    def flat(node: object) -> str:
        if isinstance(node, str):
            return node
        if isinstance(node, dict) and "Fn::Join" in node:
            delimiter, items = node["Fn::Join"]
            return str(delimiter).join(flat(i) for i in items)
        if isinstance(node, dict) and "Ref" in node:
            return f"<{node['Ref']}>"
        if isinstance(node, dict) and "Fn::GetAtt" in node:
            resource, attribute = node["Fn::GetAtt"]
            return f"<{resource}.{attribute}>"
        raise ValueError(f"cannot name a cdk-nag finding for {node!r}")

    return flat(Stack.of(scope).resolve(value))
