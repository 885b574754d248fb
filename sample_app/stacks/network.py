"""The sample's VPC and its customer-managed key: two AZs, one NAT gateway, flow logs, the default SG closed.

Cost: one NAT gateway (not one per AZ) is the sample's main fixed cost after MSK Serverless; the private subnets
of both AZs route through it, so the on-demand mapping reaches Lambda and STS through it too
(NetworkAccess.existing_egress: no interface endpoints to pay for). The DynamoDB and S3 gateway endpoints are free:
idempotency records and failed batches stay off the NAT gateway.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, ArnFormat, RemovalPolicy, Stack, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct, IConstruct

from .sample_function import LOG_RETENTION

_COMPLIANCE_PACKS = ("NIST.800.53.R5", "HIPAA.Security", "PCI.DSS.321")


def sample_key(scope: Construct, construct_id: str, description: str) -> kms.Key:
    """A rotated customer-managed key that CloudWatch Logs may use for this account's log groups."""
    key = kms.Key(
        scope,
        construct_id,
        description=description,
        enable_key_rotation=True,
        removal_policy=RemovalPolicy.DESTROY,
    )
    stack = Stack.of(scope)
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="CloudWatchLogsEncryptsThisAccountsLogGroups",
            principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
            actions=["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            resources=["*"],
            conditions={
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": stack.format_arn(
                        service="logs",
                        resource="log-group",
                        resource_name="*",
                        arn_format=ArnFormat.COLON_RESOURCE_NAME,
                    )
                }
            },
        )
    )
    return key


class SampleVpc(Construct):
    """Two AZs; public subnets only for the NAT gateway; functions and the cluster in the private subnets."""

    def __init__(self, scope: Construct, construct_id: str, *, key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        self.flow_log_group = logs.LogGroup(
            self, "FlowLogs", retention=LOG_RETENTION, encryption_key=key, removal_policy=RemovalPolicy.DESTROY
        )
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr("10.42.0.0/16"),
            max_azs=2,
            nat_gateways=1,
            restrict_default_security_group=True,
            subnet_configuration=[
                ec2.SubnetConfiguration(
                    name="Public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24, map_public_ip_on_launch=False
                ),
                ec2.SubnetConfiguration(name="Private", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, cidr_mask=22),
            ],
        )
        # The delivery role gets a customer-managed policy (compliance packs reject inline ones) and no CDK grants.
        delivery = iam.ManagedPolicy(
            self,
            "FlowLogDelivery",
            description="VPC flow logs: write to the flow-log group only",
            statements=[
                iam.PolicyStatement(
                    actions=["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                    resources=[self.flow_log_group.log_group_arn],
                )
            ],
        )
        flow_log_role = iam.Role(
            self,
            "FlowLogRole",
            assumed_by=iam.ServicePrincipal("vpc-flow-logs.amazonaws.com"),
            managed_policies=[delivery],
        )
        self.flow_log = ec2.FlowLog(
            self,
            "FlowLog",
            resource_type=ec2.FlowLogResourceType.from_vpc(self.vpc),
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(
                self.flow_log_group, flow_log_role.without_policy_updates()
            ),
            traffic_type=ec2.FlowLogTrafficType.ALL,
        )
        self.vpc.add_gateway_endpoint("DynamoDb", service=ec2.GatewayVpcEndpointAwsService.DYNAMODB)
        # Free too: the mappings deliver failed batches to S3 through it (AWS requires the destination's endpoint in
        # the cluster VPC), and the library reuses it instead of creating its own.
        self.vpc.add_gateway_endpoint("S3", service=ec2.GatewayVpcEndpointAwsService.S3)
        reason = (
            "The public subnets hold only the NAT gateway, whose egress needs the default route to the internet "
            "gateway; nothing in them has a public IP (auto-assign is off) and no security group admits inbound "
            "traffic from the internet."
        )
        for subnet in self.vpc.public_subnets:
            acknowledge_compliance(subnet, "VPCNoUnrestrictedRouteToIGW", reason)


def acknowledge_compliance(construct: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge one rule of the compliance packs (NIST 800-53 R5, HIPAA, PCI DSS share names) on one construct."""
    Validations.of(construct).acknowledge(
        *[Acknowledgment(id=f"{pack}-{rule}", reason=reason) for pack in _COMPLIANCE_PACKS]
    )
