"""A stack's settings, read from its Pulumi config file the way `exec-assistant cost` reads
them and the infrastructure program receives them."""

from __future__ import annotations

from pathlib import Path

import pytest

from exec_assistant.domain.errors import ConfigError
from exec_assistant.stack_settings import (
    INTERFACE_ENDPOINTS,
    STACKS,
    StackSettings,
    settings_of_stack_file,
    stack_settings,
)

INFRA = Path(__file__).resolve().parents[2] / "infra"


@pytest.mark.parametrize("stack", STACKS)
def test_every_shipped_stack_file_is_valid(stack: str) -> None:
    settings = settings_of_stack_file(INFRA / f"Pulumi.{stack}.yaml")
    assert settings.environment == stack


def test_the_dr_stack_is_in_us_west_2_and_the_others_in_us_east_1() -> None:
    regions = {
        stack: settings_of_stack_file(INFRA / f"Pulumi.{stack}.yaml").region for stack in STACKS
    }
    assert regions == {
        "dev": "us-east-1",
        "stage": "us-east-1",
        "prod": "us-east-1",
        "dr": "us-west-2",
    }


def test_dev_runs_one_nat_gateway_and_prod_one_per_zone() -> None:
    assert settings_of_stack_file(INFRA / "Pulumi.dev.yaml").nat_gateways == 1
    assert settings_of_stack_file(INFRA / "Pulumi.prod.yaml").nat_gateways == 2


def test_stacks_sharing_an_account_have_different_name_prefixes() -> None:
    prefixes = {
        settings_of_stack_file(INFRA / f"Pulumi.{stack}.yaml").name_prefix
        for stack in ("dev", "stage", "prod")
    }
    assert len(prefixes) == 3


def test_config_values_arrive_as_strings_and_are_parsed() -> None:
    settings = stack_settings(
        {"natGateways": "1", "vpc": "false", "interfaceEndpoints": '["kms", "logs"]'}, "stack dev"
    )
    assert (settings.nat_gateways, settings.vpc, settings.interface_endpoints) == (
        1,
        False,
        ("kms", "logs"),
    )


def test_a_bad_value_names_the_key_and_the_stack() -> None:
    with pytest.raises(
        ConfigError, match=r"stack dev: exec-assistant:natGateways: .*less than or equal to 2"
    ):
        stack_settings({"natGateways": "3"}, "stack dev")


def test_an_unknown_key_is_refused_rather_than_ignored() -> None:
    with pytest.raises(ConfigError, match="exec-assistant:natGateway:"):
        stack_settings({"natGateway": "1"}, "stack dev")


def test_an_unknown_endpoint_lists_the_known_ones() -> None:
    with pytest.raises(
        ConfigError, match="unknown endpoint ec2; choose from " + ", ".join(INTERFACE_ENDPOINTS)
    ):
        stack_settings({"interfaceEndpoints": "ec2"}, "stack dev")


def test_secret_keys_of_the_stack_file_are_not_settings(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text(
        "config:\n"
        "  aws:region: eu-west-1\n"
        "  exec-assistant:environment: dev\n"
        "  exec-assistant:slackCredentials:\n"
        "    secure: AAABAGNpcGhlcnRleHQ=\n"
        "  aws-native:region: eu-west-1\n",
        encoding="utf-8",
    )
    settings = settings_of_stack_file(path)
    assert (settings.region, settings.environment) == ("eu-west-1", "dev")


def test_a_missing_stack_file_names_the_stacks(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="the stacks are dev, stage, prod, dr"):
        settings_of_stack_file(tmp_path / "Pulumi.qa.yaml")


def test_a_stack_file_without_config_deploys_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text("encryptionsalt: abc\n", encoding="utf-8")
    assert settings_of_stack_file(path) == StackSettings()
    path.write_text("- config\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="is not a Pulumi stack file"):
        settings_of_stack_file(path)


def test_a_value_from_a_yaml_block_loses_its_trailing_newline() -> None:
    # `$` in a pattern admits a trailing newline: the names must not carry one.
    settings = stack_settings({"namePrefix": "exec-assistant\n", "region": "us-east-1\n"}, "s")
    assert (settings.name_prefix, settings.region) == ("exec-assistant", "us-east-1")


def test_a_stack_file_that_is_not_utf8_says_so(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_bytes(b"config:\n  exec-assistant:namePrefix: caf\xe9\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        settings_of_stack_file(path)


def test_an_alias_bomb_is_refused_quickly_and_briefly(tmp_path: Path) -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for level, name in enumerate("bcdefg"):
        previous = "abcdefg"[level]
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 10) + "]")
    lines.append("config:\n  exec-assistant:interfaceEndpoints: *g")
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="a list of endpoint names") as raised:
        settings_of_stack_file(path)
    assert len(str(raised.value)) < 1000


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"namePrefix": "exec-assistant\nx"}, "namePrefix"),
        ({"region": "us-east-1\nx"}, "region"),
        ({"logRetentionDays": "13"}, "logRetentionDays: .*keeps logs for one of 1, 3"),
        ({"executiveTimezone": "Mars/Olympus"}, "executiveTimezone: .*not a time zone"),
        ({"interfaceEndpoints": '["kms", "kms"]'}, "named twice"),
        ({"apiThrottleRate": "inf"}, "apiThrottleRate"),
        ({"modelId": ""}, "modelId"),
        ({"meetingsPerMonth": str(10**305)}, "meetingsPerMonth"),
        ({"replicateToDr": "true", "drRegion": "us-east-1"}, "drRegion is the stack's own"),
    ],
)
def test_values_the_deployment_cannot_use_are_refused(values: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        stack_settings(values, "stack dev")


def test_an_empty_endpoint_list_means_none() -> None:
    assert stack_settings({"interfaceEndpoints": ""}, "stack dev").interface_endpoints == ()


def test_the_region_is_aws_region_not_a_setting(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text("config:\n  exec-assistant:region: eu-west-1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="the stack's region is aws:region"):
        settings_of_stack_file(path)


def test_resource_names_carry_the_prefix() -> None:
    assert StackSettings(name_prefix="exec-assistant-dev").resource_name("meetings") == (
        "exec-assistant-dev-meetings"
    )
