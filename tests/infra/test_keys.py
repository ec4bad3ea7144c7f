"""The KMS key as an auditor reads it: rotation, deletion window, alias, the replica in the DR
region, and every statement of the key's policy."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi_aws as aws
import pytest

from exec_assistant_infra.keys import Keys, KeysArgs
from exec_assistant_infra.stack import StackContext

from pulumi_program import ACCOUNT_ID, Deployment, run_components

KEY = "aws:kms/key:Key"
ALIAS = "aws:kms/alias:Alias"
KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"
FUNCTION_ROLES = ("exec-assistant-calendar-monitor", "exec-assistant-slack-webhook")


@dataclass
class RoleHolder:
    roles: dict[str, aws.iam.Role]


def _roles(names: tuple[str, ...]) -> RoleHolder:
    return RoleHolder(
        {name: aws.iam.Role(name, name=name, assume_role_policy="{}") for name in names}
    )


def _keys_with_policy(stack: StackContext) -> None:
    keys = Keys("keys", KeysArgs(stack))
    keys.attach_policy(_roles(FUNCTION_ROLES))


@pytest.fixture(scope="module")
def prod() -> Deployment:
    return run_components("prod", _keys_with_policy)


@pytest.fixture(scope="module")
def dev() -> Deployment:
    return run_components("dev", _keys_with_policy)


def _statements(policy: str) -> dict[str, dict[str, Any]]:
    return {statement["Sid"]: statement for statement in json.loads(policy)["Statement"]}


def _policy(deployment: Deployment) -> dict[str, dict[str, Any]]:
    return _statements(deployment.one(KEY_POLICY)["policy"])


def test_the_key_rotates_and_waits_30_days_before_deletion(prod: Deployment) -> None:
    key = prod.one(KEY, "key")
    assert key["enableKeyRotation"] is True
    assert key["deletionWindowInDays"] == 30
    assert key["description"] == "Encryption key for Executive Assistant data"


def test_the_alias_is_the_stacks_prefix(prod: Deployment, dev: Deployment) -> None:
    assert prod.one(ALIAS, "alias")["name"] == "alias/exec-assistant"
    assert prod.one(ALIAS, "alias")["targetKeyId"] == "key-key"
    assert dev.one(ALIAS, "alias")["name"] == "alias/exec-assistant-dev"


def test_a_replicating_stack_has_a_rotating_key_of_its_own_in_the_dr_region(
    prod: Deployment,
) -> None:
    provider = prod.one("pulumi:providers:aws", "dr-region")
    assert provider["region"] == "us-west-2"
    replica = prod.one(KEY, "replica-key")
    assert replica["enableKeyRotation"] is True
    assert replica["deletionWindowInDays"] == 30
    assert replica.provider is not None and "dr-region" in replica.provider
    alias = prod.one(ALIAS, "replica-alias")
    assert alias["name"] == "alias/exec-assistant-replica"
    assert alias.provider == replica.provider


def test_a_stack_that_does_not_replicate_has_one_key_and_no_dr_provider(dev: Deployment) -> None:
    assert [key.name for key in dev.of_type(KEY)] == ["key"]
    assert dev.of_type("pulumi:providers:aws") == []


def test_the_policy_has_the_specifications_two_statements(prod: Deployment) -> None:
    statements = _policy(prod)
    root = statements["Enable IAM User Permissions"]
    assert root["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}
    assert root["Action"] == ["kms:*"]
    functions = statements["Allow Lambda to decrypt"]
    assert sorted(functions["Principal"]["AWS"]) == [
        f"arn:aws:iam::{ACCOUNT_ID}:role/{name}" for name in FUNCTION_ROLES
    ]
    assert functions["Action"] == ["kms:Decrypt", "kms:DescribeKey"]
    # Only through the services that decrypt for them, never the key directly.
    assert functions["Condition"] == {
        "StringEquals": {
            "kms:ViaService": [
                f"{service}.us-east-1.amazonaws.com" for service in ("s3", "secretsmanager", "sqs")
            ]
        }
    }
    assert prod.one(KEY_POLICY)["keyId"] == "key-key"


def test_services_use_the_key_only_for_this_accounts_logs_trail_and_alarms(
    prod: Deployment,
) -> None:
    statements = _policy(prod)
    logs = statements["Allow CloudWatch Logs to encrypt the log groups"]
    assert logs["Principal"] == {"Service": "logs.us-east-1.amazonaws.com"}
    assert logs["Condition"]["ArnLike"] == {
        "kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:us-east-1:{ACCOUNT_ID}:log-group:*"
    }
    trail_arn = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT_ID}:trail/exec-assistant-audit"
    trail = statements["Allow CloudTrail to encrypt the trail"]
    assert trail["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert trail["Action"] == ["kms:GenerateDataKey"]
    assert trail["Condition"]["StringEquals"] == {"aws:SourceArn": trail_arn}
    assert statements["Allow CloudTrail to describe the key"]["Action"] == ["kms:DescribeKey"]
    alarms = statements["Allow CloudWatch alarms to publish to the encrypted topic"]
    assert alarms["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert "Condition" not in alarms  # as AWS documents it; the topic's policy names the account
    assert not [sid for sid in statements if "EventBridge" in sid]


def test_only_the_account_root_statement_has_a_wildcard_action(prod: Deployment) -> None:
    wildcards = [
        sid
        for sid, statement in _policy(prod).items()
        if any("*" in action for action in statement["Action"])
    ]
    assert wildcards == ["Enable IAM User Permissions"]
    assert all(statement["Effect"] == "Allow" for statement in _policy(prod).values())


def test_the_key_is_created_with_every_statement_that_names_no_role(prod: Deployment) -> None:
    # Log groups, the trail and the topic are checked against the key's policy when they are
    # made, which may be before the roles exist.
    at_creation = _statements(prod.one(KEY, "key")["policy"])
    attached = _policy(prod)
    role_statements = {"Allow Lambda to decrypt"}
    assert set(at_creation) == set(attached) - role_statements
    for sid, statement in at_creation.items():
        assert attached[sid] == statement


def test_the_policy_is_attached_once() -> None:
    def attach_twice(stack: StackContext) -> None:
        keys = Keys("keys", KeysArgs(stack))
        keys.attach_policy(_roles(("a-role",)))
        with pytest.raises(RuntimeError, match="once"):
            keys.attach_policy(RoleHolder({}))

    deployment = run_components("dev", attach_twice)
    assert len(deployment.of_type(KEY_POLICY)) == 1
