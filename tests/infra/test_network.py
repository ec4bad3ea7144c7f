"""The VPC as an auditor reads it: address ranges, zones, NAT gateways per stack, every route,
the endpoints each stack asks for, the security groups' rules and the flow log."""

from __future__ import annotations

import json

import pytest

from exec_assistant.stack_settings import INTERFACE_ENDPOINTS
from exec_assistant_infra.keys import Keys, KeysArgs
from exec_assistant_infra.network import Network, NetworkArgs
from exec_assistant_infra.stack import StackContext

from pulumi_program import ACCOUNT_ID, DeclaredResource, Deployment, run_components

SUBNET = "aws:ec2/subnet:Subnet"
NAT = "aws:ec2/natGateway:NatGateway"
ROUTE = "aws:ec2/route:Route"
ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"


def _network(stack: StackContext) -> None:
    Network("network", NetworkArgs(stack, Keys("keys", KeysArgs(stack))))


@pytest.fixture(scope="module")
def prod() -> Deployment:
    return run_components("prod", _network)


@pytest.fixture(scope="module")
def dev() -> Deployment:
    return run_components("dev", _network)


def _id(resource: DeclaredResource) -> str:
    return str(resource.outputs["id"])


def _routes_of(deployment: Deployment, table: str) -> dict[str, DeclaredResource]:
    table_id = _id(deployment.one("aws:ec2/routeTable:RouteTable", table))
    return {
        r["destinationCidrBlock"]: r
        for r in deployment.of_type(ROUTE)
        if r["routeTableId"] == table_id
    }


def _table_of(deployment: Deployment, subnet: str) -> str:
    subnet_id = _id(deployment.one(SUBNET, subnet))
    (association,) = [a for a in deployment.of_type(ASSOCIATION) if a["subnetId"] == subnet_id]
    tables = deployment.of_type("aws:ec2/routeTable:RouteTable")
    return next(t.name for t in tables if _id(t) == association["routeTableId"])


def test_the_vpc_is_10_0_slash_16_with_dns(prod: Deployment) -> None:
    vpc = prod.one("aws:ec2/vpc:Vpc")
    assert vpc["cidrBlock"] == "10.0.0.0/16"
    assert vpc["enableDnsSupport"] is True
    assert vpc["enableDnsHostnames"] is True


def test_two_zones_each_with_a_public_and_a_private_subnet(prod: Deployment) -> None:
    subnets = {s.name: (s["cidrBlock"], s["availabilityZone"]) for s in prod.of_type(SUBNET)}
    assert subnets == {
        "public-1": ("10.0.1.0/24", "us-east-1a"),
        "public-2": ("10.0.2.0/24", "us-east-1b"),
        "private-1": ("10.0.11.0/24", "us-east-1a"),
        "private-2": ("10.0.12.0/24", "us-east-1b"),
    }
    assert all(s["mapPublicIpOnLaunch"] is False for s in prod.of_type(SUBNET))


def test_the_public_subnets_route_to_the_internet_gateway(prod: Deployment) -> None:
    gateway = prod.one("aws:ec2/internetGateway:InternetGateway")
    assert gateway["vpcId"] == _id(prod.one("aws:ec2/vpc:Vpc"))
    for subnet in ("public-1", "public-2"):
        assert _table_of(prod, subnet) == "public-route-table"
    routes = _routes_of(prod, "public-route-table")
    assert set(routes) == {"0.0.0.0/0"}
    assert routes["0.0.0.0/0"]["gatewayId"] == _id(gateway)


def test_production_has_a_nat_gateway_per_zone_and_each_private_subnet_uses_its_own(
    prod: Deployment,
) -> None:
    nats = {n.name: n for n in prod.of_type(NAT)}
    assert sorted(nats) == ["nat-1", "nat-2"]
    assert len(prod.of_type("aws:ec2/eip:Eip")) == 2
    for number in (1, 2):
        nat = nats[f"nat-{number}"]
        assert nat["subnetId"] == _id(prod.one(SUBNET, f"public-{number}"))
        assert nat["allocationId"] == _id(prod.one("aws:ec2/eip:Eip", f"nat-{number}-address"))
        table = _table_of(prod, f"private-{number}")
        assert table == f"private-{number}-route-table"
        routes = _routes_of(prod, table)
        assert set(routes) == {"0.0.0.0/0"}
        assert routes["0.0.0.0/0"]["natGatewayId"] == _id(nat)


def test_development_shares_one_nat_gateway_between_both_zones(dev: Deployment) -> None:
    (nat,) = dev.of_type(NAT)
    assert nat["subnetId"] == _id(dev.one(SUBNET, "public-1"))
    assert len(dev.of_type("aws:ec2/eip:Eip")) == 1
    for number in (1, 2):
        routes = _routes_of(dev, _table_of(dev, f"private-{number}"))
        assert routes["0.0.0.0/0"]["natGatewayId"] == _id(nat)


def test_s3_and_dynamodb_are_gateway_endpoints_on_both_private_route_tables(
    prod: Deployment,
) -> None:
    private_tables = sorted(
        _id(prod.one("aws:ec2/routeTable:RouteTable", f"private-{n}-route-table")) for n in (1, 2)
    )
    gateways = {
        e["serviceName"]: e for e in prod.of_type(ENDPOINT) if e["vpcEndpointType"] == "Gateway"
    }
    assert sorted(gateways) == ["com.amazonaws.us-east-1.dynamodb", "com.amazonaws.us-east-1.s3"]
    for endpoint in gateways.values():
        assert sorted(endpoint["routeTableIds"]) == private_tables


def test_every_interface_endpoint_of_the_specification_in_both_private_subnets(
    prod: Deployment,
) -> None:
    private_subnets = sorted(_id(prod.one(SUBNET, f"private-{n}")) for n in (1, 2))
    endpoint_group = _id(prod.one(SECURITY_GROUP, "vpc-endpoint-sg"))
    interfaces = {
        e["serviceName"]: e for e in prod.of_type(ENDPOINT) if e["vpcEndpointType"] == "Interface"
    }
    assert sorted(interfaces) == sorted(f"com.amazonaws.us-east-1.{s}" for s in INTERFACE_ENDPOINTS)
    for endpoint in interfaces.values():
        assert endpoint["privateDnsEnabled"] is True
        assert sorted(endpoint["subnetIds"]) == private_subnets
        assert endpoint["securityGroupIds"] == [endpoint_group]


def test_a_stack_makes_only_the_interface_endpoints_it_lists() -> None:
    deployment = run_components(
        "dev", _network, {"exec-assistant:interfaceEndpoints": '["bedrock-runtime", "states"]'}
    )
    interfaces = sorted(
        e["serviceName"]
        for e in deployment.of_type(ENDPOINT)
        if e["vpcEndpointType"] == "Interface"
    )
    assert interfaces == [
        "com.amazonaws.us-east-1.bedrock-runtime",
        "com.amazonaws.us-east-1.states",
    ]


def test_the_dr_stack_names_its_own_regions_zones_and_endpoints() -> None:
    deployment = run_components("dr", _network)
    zones = sorted(s["availabilityZone"] for s in deployment.of_type(SUBNET))
    assert zones == ["us-west-2a", "us-west-2a", "us-west-2b", "us-west-2b"]
    assert all(
        e["serviceName"].startswith("com.amazonaws.us-west-2.")
        for e in deployment.of_type(ENDPOINT)
    )


def test_the_lambda_group_lets_everything_out_and_nothing_in(prod: Deployment) -> None:
    group = prod.one(SECURITY_GROUP, "lambda-sg")
    assert group["egress"] == [
        {"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}
    ]
    assert not group.get("ingress")


def test_the_endpoints_accept_only_https_from_the_lambda_group(prod: Deployment) -> None:
    group = prod.one(SECURITY_GROUP, "vpc-endpoint-sg")
    assert group["ingress"] == [
        {
            "protocol": "tcp",
            "fromPort": 443,
            "toPort": 443,
            "securityGroups": [_id(prod.one(SECURITY_GROUP, "lambda-sg"))],
        }
    ]
    assert group["vpcId"] == _id(prod.one("aws:ec2/vpc:Vpc"))


def test_the_flow_log_records_all_traffic_into_an_encrypted_log_group_with_retention(
    prod: Deployment, dev: Deployment
) -> None:
    group = prod.one("aws:cloudwatch/logGroup:LogGroup", "flow-log-group")
    assert group["retentionInDays"] == 90
    assert group["kmsKeyId"] == prod.one("aws:kms/key:Key", "key").outputs["arn"]
    assert dev.one("aws:cloudwatch/logGroup:LogGroup", "flow-log-group")["retentionInDays"] == 14
    flow_log = prod.one("aws:ec2/flowLog:FlowLog")
    assert flow_log["trafficType"] == "ALL"
    assert flow_log["vpcId"] == _id(prod.one("aws:ec2/vpc:Vpc"))
    assert flow_log["logDestination"] == group.outputs["arn"]
    role = prod.one("aws:iam/role:Role", "flow-log-role")
    assert flow_log["iamRoleArn"] == role.outputs["arn"]
    (trust,) = json.loads(role["assumeRolePolicy"])["Statement"]
    assert trust["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT_ID}
    (delivery,) = json.loads(prod.one("aws:iam/rolePolicy:RolePolicy")["policy"])["Statement"]
    assert delivery["Resource"] == [group.outputs["arn"], f"{group.outputs['arn']}:log-stream:*"]
    assert all(not action.endswith("*") for action in delivery["Action"])
