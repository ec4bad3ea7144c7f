"""Secrets Manager's four rotation steps for the deployment's credential secrets.

Each step first checks that the secret has rotation on and that the event's version is the
pending one (a version already AWSCURRENT means the rotation is over: the step does nothing).
Then:

- createSecret: new tokens from the provider (`CredentialRenewal.renew`) put under
  AWSPENDING; a pending value already there is kept (the step came again), so the provider is
  asked once per rotation.
- setSecret: nothing. The provider made the new tokens itself when it answered the refresh:
  there is no password to set on a server, as a database rotation has.
- testSecret: `CredentialRenewal.check` on the pending value.
- finishSecret: AWSCURRENT moved to the pending version (the old one becomes AWSPREVIOUS).

A step that fails leaves AWSCURRENT where it was: readers keep the working credentials.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from exec_assistant.domain.errors import RotationRefused, SecretRotationFailed, SecretUnavailable
from exec_assistant.domain.secret_rotation import (
    AWSCURRENT,
    AWSPENDING,
    RotationEvent,
    RotationScope,
    RotationStep,
)
from exec_assistant.ports import CredentialRenewal, SecretDescription, SecretVersions

log = logging.getLogger(__name__)


class SecretRotation:
    """The steps over `versions`, for the secrets one of `renewals` holds."""

    def __init__(self, versions: SecretVersions, renewals: Sequence[CredentialRenewal]) -> None:
        self._versions = versions
        self._renewals = tuple(renewals)

    def run(self, event: RotationEvent, deadline: float) -> None:
        """Do `event.step`, answering by `deadline` (time.monotonic)."""
        try:
            self._run(event, deadline)
        except SecretUnavailable as exc:
            # Secrets Manager's own refusal, said with the step it stopped.
            raise SecretRotationFailed(
                exc.secret_id, event.step, exc.reason, hint=exc.hint
            ) from None

    def _run(self, event: RotationEvent, deadline: float) -> None:
        described = self._versions.describe(event.secret_id)
        scope = RotationScope(described.name, event.step, deadline)
        if not self._pending(described, event, scope):
            return
        if event.step is RotationStep.CREATE:
            self._create(event, scope)
        elif event.step is RotationStep.SET:
            log.info(
                "nothing to set: the provider issued the new tokens at createSecret",
                extra={"secret": scope.secret, "step": scope.step.value},
            )
        elif event.step is RotationStep.TEST:
            self._test(event, scope)
        else:
            self._finish(event, described, scope)

    def _pending(
        self, described: SecretDescription, event: RotationEvent, scope: RotationScope
    ) -> bool:
        """Whether the step has work to do: False when the version is already current; raises
        when rotation is off or the version is not the pending one."""
        if not described.rotation_enabled:
            raise RotationRefused(
                scope.secret,
                scope.step,
                "rotation is not enabled on it",
                hint="Turn rotation on for the secret (the infrastructure does, with this "
                "function) before invoking the function.",
            )
        stages = described.stages.get(event.token)
        if stages is None:
            raise RotationRefused(
                scope.secret,
                scope.step,
                f"version {event.token} is not a version of the secret",
                hint="Start a rotation with `aws secretsmanager rotate-secret`: it makes the "
                "version and invokes the function for it.",
            )
        if AWSCURRENT in stages:
            log.info(
                "version already current: nothing to do",
                extra={"secret": scope.secret, "step": scope.step.value, "version": event.token},
            )
            return False
        if AWSPENDING not in stages:
            shown = ", ".join(stages) or "none"
            raise RotationRefused(
                scope.secret,
                scope.step,
                f"version {event.token} is not {AWSPENDING} (its stages: {shown})",
                hint="Only the version a rotation is making can be rotated to; start a new "
                "rotation with `aws secretsmanager rotate-secret`.",
            )
        return True

    def _create(self, event: RotationEvent, scope: RotationScope) -> None:
        if self._versions.value(event.secret_id, AWSPENDING, event.token) is not None:
            log.info(
                "pending version already made: kept",
                extra={"secret": scope.secret, "step": scope.step.value, "version": event.token},
            )
            return
        current = self._current(event, scope)
        renewal = self._renewal_for(current, scope)
        pending = renewal.renew(current, scope)
        self._versions.put_pending(
            event.secret_id, event.token, json.dumps(pending), event.rotation_token
        )
        log.info(
            "pending version made",
            extra={"secret": scope.secret, "kind": renewal.kind, "version": event.token},
        )

    def _test(self, event: RotationEvent, scope: RotationScope) -> None:
        raw = self._versions.value(event.secret_id, AWSPENDING, event.token)
        if raw is None:
            raise RotationRefused(
                scope.secret,
                scope.step,
                f"version {event.token} has no value: its createSecret did not complete",
                hint="Start a new rotation with `aws secretsmanager rotate-secret`.",
            )
        pending = _json_object(raw, scope, "the pending version")
        current = self._current(event, scope)
        renewal = self._renewal_for(current, scope)
        renewal.check(pending, current, scope)
        log.info("pending version tested", extra={"secret": scope.secret, "kind": renewal.kind})

    def _finish(
        self, event: RotationEvent, described: SecretDescription, scope: RotationScope
    ) -> None:
        current_version = described.version_at(AWSCURRENT)
        if current_version is None:
            raise RotationRefused(
                scope.secret,
                scope.step,
                f"no version is {AWSCURRENT}",
                hint="Put a value in the secret (`aws secretsmanager put-secret-value`).",
            )
        self._versions.move_current(event.secret_id, event.token, current_version)
        log.info(
            "rotation finished",
            extra={"secret": scope.secret, "current": event.token, "previous": current_version},
        )

    def _current(self, event: RotationEvent, scope: RotationScope) -> dict[str, Any]:
        raw = self._versions.value(event.secret_id, AWSCURRENT)
        if raw is None:
            raise RotationRefused(
                scope.secret,
                scope.step,
                f"it has no {AWSCURRENT} value to rotate from",
                hint="Put the credentials in the secret (`aws secretsmanager put-secret-value`) "
                "first.",
            )
        return _json_object(raw, scope, "its current value")

    def _renewal_for(self, value: Mapping[str, Any], scope: RotationScope) -> CredentialRenewal:
        for renewal in self._renewals:
            if renewal.holds(value):
                return renewal
        kinds = " or ".join(renewal.kind for renewal in self._renewals)
        raise RotationRefused(
            scope.secret,
            scope.step,
            f"it holds none of the credentials this function rotates ({kinds})",
            hint="Turn rotation off for this secret, or store the credentials in the shape "
            "the README gives.",
        )


def _json_object(raw: str, scope: RotationScope, what: str) -> dict[str, Any]:
    try:
        parsed = json.loads(raw)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        raise RotationRefused(
            scope.secret,
            scope.step,
            f"{what} is not a JSON object",
            hint="Store the credentials as a JSON object of keys.",
        )
    return parsed
