"""Secrets Manager's rotation protocol, as the rotation function sees it: the event of each
step, the version stages, and where a step stands (which secret, which step, until when).

Secrets Manager rotates a secret in four invocations of one function, each for the same new
version (its `ClientRequestToken`): `createSecret` puts the new value under AWSPENDING,
`setSecret` makes the service accept it, `testSecret` checks it, `finishSecret` moves
AWSCURRENT to it (the version it leaves becomes AWSPREVIOUS). Any step may come again: each
one does nothing when its work is already done.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

AWSCURRENT = "AWSCURRENT"
"""The version every reader gets."""
AWSPENDING = "AWSPENDING"
"""The version a rotation is making."""
AWSPREVIOUS = "AWSPREVIOUS"
"""The version AWSCURRENT was on before the last rotation finished."""


class RotationStep(StrEnum):
    CREATE = "createSecret"
    SET = "setSecret"
    TEST = "testSecret"
    FINISH = "finishSecret"


class RotationEvent(BaseModel):
    """What Secrets Manager invokes the rotation function with."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    secret_id: str = Field(alias="SecretId", min_length=1)
    """The secret's ARN."""
    token: str = Field(alias="ClientRequestToken", min_length=1)
    """The id of the version this rotation makes."""
    step: RotationStep = Field(alias="Step")
    rotation_token: str | None = Field(default=None, alias="RotationToken", repr=False)
    """Proof that Secrets Manager started this rotation, passed back when the new value is
    put (a sensitive value: never logged)."""


@dataclass(frozen=True)
class RotationScope:
    """Where a step stands: what its errors name, and the moment (time.monotonic) by which
    it must have answered."""

    secret: str
    """The secret's name."""
    step: RotationStep
    deadline: float
