"""The ReminderScheduler port on EventBridge Scheduler: one one-time schedule per prep,
`reminder-{prep_id}`, that invokes the reminder function with the prep's request and then
deletes itself."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from botocore.exceptions import ClientError

from exec_assistant.domain.prep_steps import PrepRequest

log = logging.getLogger(__name__)

_SCHEDULE_NAME = re.compile(r"[0-9A-Za-z_.-]{1,64}")
"""EventBridge Scheduler's rule for schedule names."""

RETRY_POLICY = {"MaximumEventAgeInSeconds": 7200, "MaximumRetryAttempts": 20}
"""A reminder that cannot be delivered within two hours of its time (its lead before the
meeting) is dropped: the Scheduler's default would keep trying for a day."""


def reminder_schedule_name(prep_id: str) -> str:
    """`reminder-prep-mtg_0123456789abcdef-20261201T1400Z`: 49 characters of Scheduler's 64.
    Raises ValueError for a prep id that would make an invalid name."""
    name = f"reminder-{prep_id}"
    if not prep_id or not _SCHEDULE_NAME.fullmatch(name):
        raise ValueError(
            f"cannot name a reminder schedule after prep id {prep_id!r}: schedule names are "
            "at most 64 letters, digits, '-', '_' and '.'"
        )
    return name


def at_expression(remind_at: datetime, zone: ZoneInfo) -> tuple[str, str]:
    """The schedule's `at(...)` expression and its time zone: the executive's wall-clock time,
    to the second, as a person reading the schedule expects.

    The instant decides, not the wall time it was given in: 02:30 on the night New York skips
    that hour is 03:30 EDT. In the hour a fall-back repeats, 01:30 names two instants and
    nothing tells Scheduler which: there the expression is written in UTC.
    """
    if remind_at.tzinfo is None or remind_at.utcoffset() is None:
        raise ValueError(f"a reminder time needs its time zone: {remind_at.isoformat()}")
    # Through UTC: astimezone() to the zone a time is already in keeps a wall time that does
    # not exist.
    local = remind_at.astimezone(UTC).astimezone(zone)
    other_fold = local.replace(fold=1 - local.fold)
    if other_fold.utcoffset() != local.utcoffset():
        return f"at({remind_at.astimezone(UTC):%Y-%m-%dT%H:%M:%S})", "UTC"
    return f"at({local:%Y-%m-%dT%H:%M:%S})", zone.key


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class SchedulerReminders:
    """Schedules in `group_name` whose target is the reminder function (`target_arn`),
    invoked with `role_arn`; times in the executive's `zone`."""

    def __init__(
        self, client: Any, target_arn: str, role_arn: str, group_name: str, zone: ZoneInfo
    ) -> None:
        self._client = client
        self._target_arn = target_arn
        self._role_arn = role_arn
        self._group_name = group_name
        self._zone = zone

    def schedule(self, request: PrepRequest, remind_at: datetime) -> None:
        """Create the prep's schedule, or replace it (a repeated state, a changed time)."""
        name = reminder_schedule_name(request.prep_id)
        expression, timezone = at_expression(remind_at, self._zone)
        args = {
            "Name": name,
            "GroupName": self._group_name,
            "ScheduleExpression": expression,
            "ScheduleExpressionTimezone": timezone,
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "ActionAfterCompletion": "DELETE",
            "State": "ENABLED",
            "Target": {
                "Arn": self._target_arn,
                "RoleArn": self._role_arn,
                "Input": request.model_dump_json(),
                "RetryPolicy": RETRY_POLICY,
            },
        }
        try:
            self._client.create_schedule(**args)
            action = "created"
        except ClientError as exc:
            if _code(exc) != "ConflictException":
                raise
            # UpdateSchedule replaces every field: the same full set of arguments.
            self._client.update_schedule(**args)
            action = "updated"
        log.info(
            "reminder schedule %s",
            action,
            extra={"prep_id": request.prep_id, "schedule": name, "at": expression},
        )

    def cancel(self, prep_id: str) -> None:
        name = reminder_schedule_name(prep_id)
        try:
            self._client.delete_schedule(Name=name, GroupName=self._group_name)
        except ClientError as exc:
            if _code(exc) != "ResourceNotFoundException":
                raise
            return
        log.info("reminder schedule deleted", extra={"prep_id": prep_id, "schedule": name})
