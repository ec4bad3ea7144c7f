"""The VPC the functions run in: two zones, each with a public subnet (its NAT gateway) and a
private one (the functions and the interface endpoints); S3 and DynamoDB through gateway
endpoints, the other AWS services through interface endpoints, the rest of the internet
(Slack, the calendar APIs) through NAT.

With `natGateways: 1` both private subnets route through the first zone's NAT gateway: cheaper,
and the functions lose the internet if that zone fails (the endpoints keep working).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from exec_assistant.stack_settings import GATEWAY_ENDPOINTS
from exec_assistant_infra.keys import Keys
from exec_assistant_infra.policy_documents import allow, assume_role, document
from exec_assistant_infra.stack import StackContext

VPC_CIDR = "10.0.0.0/16"
PUBLIC_SUBNET_CIDRS = ("10.0.1.0/24", "10.0.2.0/24")
PRIVATE_SUBNET_CIDRS = ("10.0.11.0/24", "10.0.12.0/24")
ZONE_COUNT = len(PRIVATE_SUBNET_CIDRS)
ANYWHERE = "0.0.0.0/0"
HTTPS = 443
FLOW_LOG_AGGREGATION_SECONDS = 600
"""The longest interval: fewest records, the cheapest flow log."""


@dataclass(frozen=True)
class NetworkArgs:
    stack: StackContext
    keys: Keys


class Network(pulumi.ComponentResource):
    vpc: aws.ec2.Vpc
    public_subnets: list[aws.ec2.Subnet]
    private_subnets: list[aws.ec2.Subnet]
    nat_gateways: list[aws.ec2.NatGateway]
    private_route_tables: list[aws.ec2.RouteTable]
    lambda_security_group: aws.ec2.SecurityGroup
    endpoint_security_group: aws.ec2.SecurityGroup
    gateway_endpoints: dict[str, aws.ec2.VpcEndpoint]
    interface_endpoints: dict[str, aws.ec2.VpcEndpoint]
    flow_log_group: aws.cloudwatch.LogGroup
    private_subnet_ids: list[pulumi.Output[str]]

    def __init__(
        self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("exec-assistant:network:Network", name, None, opts)
        stack = args.stack
        settings = stack.settings
        child = pulumi.ResourceOptions(parent=self)

        def tags(suffix: str) -> dict[str, str]:
            return stack.tags(Name=stack.name(suffix))

        zones = aws.get_availability_zones(state="available").names[:ZONE_COUNT]
        if len(zones) < ZONE_COUNT:
            raise ValueError(
                f"{stack.region} has {len(zones)} available zone(s); the network needs {ZONE_COUNT}"
            )

        self.vpc = aws.ec2.Vpc(
            "vpc",
            cidr_block=VPC_CIDR,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags=tags("vpc"),
            opts=child,
        )
        internet_gateway = aws.ec2.InternetGateway(
            "internet-gateway", vpc_id=self.vpc.id, tags=tags("igw"), opts=child
        )

        public_route_table = aws.ec2.RouteTable(
            "public-route-table", vpc_id=self.vpc.id, tags=tags("public"), opts=child
        )
        aws.ec2.Route(
            "public-default-route",
            route_table_id=public_route_table.id,
            destination_cidr_block=ANYWHERE,
            gateway_id=internet_gateway.id,
            opts=child,
        )

        self.public_subnets = []
        self.private_subnets = []
        self.private_route_tables = []
        for index, zone in enumerate(zones):
            number = index + 1
            self.public_subnets.append(
                self._subnet(
                    f"public-{number}", PUBLIC_SUBNET_CIDRS[index], zone, public_route_table, stack
                )
            )
            private_route_table = aws.ec2.RouteTable(
                f"private-{number}-route-table",
                vpc_id=self.vpc.id,
                tags=tags(f"private-{number}"),
                opts=child,
            )
            self.private_route_tables.append(private_route_table)
            self.private_subnets.append(
                self._subnet(
                    f"private-{number}",
                    PRIVATE_SUBNET_CIDRS[index],
                    zone,
                    private_route_table,
                    stack,
                )
            )

        self.nat_gateways = []
        for index in range(settings.nat_gateways):
            number = index + 1
            address = aws.ec2.Eip(
                f"nat-{number}-address", domain="vpc", tags=tags(f"nat-{number}"), opts=child
            )
            self.nat_gateways.append(
                aws.ec2.NatGateway(
                    f"nat-{number}",
                    allocation_id=address.id,
                    subnet_id=self.public_subnets[index].id,
                    tags=tags(f"nat-{number}"),
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[internet_gateway]),
                )
            )
        for index, private_route_table in enumerate(self.private_route_tables):
            # One NAT gateway: both zones share the first zone's.
            nat = self.nat_gateways[min(index, len(self.nat_gateways) - 1)]
            aws.ec2.Route(
                f"private-{index + 1}-default-route",
                route_table_id=private_route_table.id,
                destination_cidr_block=ANYWHERE,
                nat_gateway_id=nat.id,
                opts=child,
            )

        self.lambda_security_group = aws.ec2.SecurityGroup(
            "lambda-sg",
            vpc_id=self.vpc.id,
            description="Security group for Lambda functions",
            egress=[
                aws.ec2.SecurityGroupEgressArgs(
                    protocol="-1", from_port=0, to_port=0, cidr_blocks=[ANYWHERE]
                )
            ],
            tags=tags("lambda"),
            opts=child,
        )
        self.endpoint_security_group = aws.ec2.SecurityGroup(
            "vpc-endpoint-sg",
            vpc_id=self.vpc.id,
            description="Security group for VPC endpoints",
            ingress=[
                aws.ec2.SecurityGroupIngressArgs(
                    protocol="tcp",
                    from_port=HTTPS,
                    to_port=HTTPS,
                    security_groups=[self.lambda_security_group.id],
                )
            ],
            tags=tags("vpc-endpoints"),
            opts=child,
        )

        self.gateway_endpoints = {
            service: aws.ec2.VpcEndpoint(
                f"{service}-endpoint",
                vpc_id=self.vpc.id,
                service_name=endpoint_service(stack, service),
                vpc_endpoint_type="Gateway",
                route_table_ids=[table.id for table in self.private_route_tables],
                tags=tags(service),
                opts=child,
            )
            for service in GATEWAY_ENDPOINTS
        }
        self.interface_endpoints = {
            service: aws.ec2.VpcEndpoint(
                f"{service}-endpoint",
                vpc_id=self.vpc.id,
                service_name=endpoint_service(stack, service),
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=[subnet.id for subnet in self.private_subnets],
                security_group_ids=[self.endpoint_security_group.id],
                tags=tags(service),
                opts=child,
            )
            for service in settings.interface_endpoints
        }

        self.flow_log_group = self._flow_log(stack, args.keys, child)
        self.private_subnet_ids = [subnet.id for subnet in self.private_subnets]
        self.register_outputs(
            {
                "vpc_id": self.vpc.id,
                "private_subnet_ids": self.private_subnet_ids,
                "lambda_security_group_id": self.lambda_security_group.id,
            }
        )

    def _subnet(
        self,
        name: str,
        cidr: str,
        zone: str,
        route_table: aws.ec2.RouteTable,
        stack: StackContext,
    ) -> aws.ec2.Subnet:
        """A subnet of the VPC in `zone`, routed by `route_table`; nothing in it gets a public
        address on launch (the NAT gateways have their Elastic IPs)."""
        subnet = aws.ec2.Subnet(
            name,
            vpc_id=self.vpc.id,
            cidr_block=cidr,
            availability_zone=zone,
            map_public_ip_on_launch=False,
            tags=stack.tags(Name=stack.name(f"{name.rsplit('-', 1)[0]}-{zone}")),
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.ec2.RouteTableAssociation(
            f"{name}-route-table-association",
            subnet_id=subnet.id,
            route_table_id=route_table.id,
            opts=pulumi.ResourceOptions(parent=self),
        )
        return subnet

    def _flow_log(
        self, stack: StackContext, keys: Keys, child: pulumi.ResourceOptions
    ) -> aws.cloudwatch.LogGroup:
        """Every connection in and out of the VPC, kept as long as the functions' logs."""
        group = aws.cloudwatch.LogGroup(
            "flow-log-group",
            name=f"/aws/vpc/{stack.name('flow-logs')}",
            retention_in_days=stack.settings.log_retention_days,
            kms_key_id=keys.key.arn,
            tags=stack.tags(),
            opts=child,
        )
        role = aws.iam.Role(
            "flow-log-role",
            assume_role_policy=assume_role(
                "vpc-flow-logs.amazonaws.com",
                condition={
                    "StringEquals": {"aws:SourceAccount": stack.account_id},
                    "ArnLike": {"aws:SourceArn": stack.arn("ec2", "vpc-flow-log/*")},
                },
            ),
            tags=stack.tags(),
            opts=child,
        )
        aws.iam.RolePolicy(
            "flow-log-delivery",
            role=role.id,
            policy=document(
                allow(
                    ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                    [group.arn, pulumi.Output.concat(group.arn, ":log-stream:*")],
                )
            ),
            opts=child,
        )
        aws.ec2.FlowLog(
            "flow-log",
            vpc_id=self.vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=FLOW_LOG_AGGREGATION_SECONDS,
            tags=stack.tags(Name=stack.name("flow-log")),
            opts=child,
        )
        return group


def endpoint_service(stack: StackContext, service: str) -> str:
    """`com.amazonaws.us-east-1.s3`: the endpoint service of `service` in the stack's region."""
    return f"com.amazonaws.{stack.region}.{service}"
