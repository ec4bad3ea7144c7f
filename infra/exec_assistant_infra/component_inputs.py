"""What the edge, monitoring and recovery components read of the components built before them.

Each is the few attributes used, as read-only properties, so that any component with those
attributes (the program's, or a test's stand-in) can be passed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import pulumi
import pulumi_aws as aws


class KeysInput(Protocol):
    @property
    def key(self) -> aws.kms.Key: ...

    @property
    def replica_key(self) -> aws.kms.Key | None:
        """The key in the DR region; None unless the stack replicates to it."""
        ...

    @property
    def dr_provider(self) -> aws.Provider | None:
        """The provider for the DR region; None unless the stack replicates to it."""
        ...


class StorageInput(Protocol):
    @property
    def tables(self) -> Mapping[str, aws.dynamodb.Table]:
        """Keyed by the environment variable that names the table (MEETINGS_TABLE, ...)."""
        ...

    @property
    def documents_bucket(self) -> aws.s3.Bucket: ...

    @property
    def sessions_bucket(self) -> aws.s3.Bucket: ...

    @property
    def audit_bucket(self) -> aws.s3.Bucket: ...

    @property
    def access_logs_bucket(self) -> aws.s3.Bucket: ...


class SecretsInput(Protocol):
    @property
    def slack(self) -> aws.secretsmanager.Secret: ...

    @property
    def calendar(self) -> aws.secretsmanager.Secret: ...

    @property
    def values(self) -> Mapping[str, aws.secretsmanager.SecretVersion]: ...

    @property
    def replicas_of_primary(self) -> bool: ...


class ComputeInput(Protocol):
    @property
    def functions(self) -> Mapping[str, aws.lambda_.Function]: ...

    @property
    def aliases(self) -> Mapping[str, aws.lambda_.Alias]:
        """The `live` alias of each function, by function key."""
        ...

    @property
    def dead_letter_queue(self) -> aws.sqs.Queue: ...


class OrchestrationInput(Protocol):
    @property
    def state_machine(self) -> aws.sfn.StateMachine: ...


class EdgeInput(Protocol):
    @property
    def api(self) -> aws.apigatewayv2.Api: ...

    @property
    def distribution(self) -> aws.cloudfront.Distribution: ...


def resources_among(*parts: object) -> list[pulumi.Resource]:
    """The parts that are Pulumi resources: depending on a component waits for every child of
    it (a bucket's policy, a key's policy), which its attributes alone do not name."""
    return [part for part in parts if isinstance(part, pulumi.Resource)]
