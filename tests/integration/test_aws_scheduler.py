"""Final reminders as one-time EventBridge Scheduler schedules (moto on 127.0.0.1, which
stores schedules and never fires them): the name, the executive's wall time, the target."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from exec_assistant.adapters.aws.scheduler import SchedulerReminders
from exec_assistant.domain.identity import prep_id_for, workflow_id_for
from exec_assistant.domain.prep_steps import PrepRequest

from moto_server import ACCOUNT_ID, REGION, AwsEndpoint

NEW_YORK = ZoneInfo("America/New_York")
REMINDER_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:exec-assistant-send-final-reminder"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/exec-assistant-scheduler"
MEETING = "mtg_0123456789abcdef"


def _request(start: datetime, attempt: int = 1) -> PrepRequest:
    return PrepRequest(
        meeting_id=MEETING,
        prep_id=prep_id_for(MEETING, start),
        workflow_id=workflow_id_for(MEETING, start, attempt),
        attempt=attempt,
    )


class Reminders:
    def __init__(self, aws: AwsEndpoint) -> None:
        self.client = aws.client("scheduler")
        self.group = aws.unique("reminders")
        self.client.create_schedule_group(Name=self.group)
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.client.meta.events.register(
            "provide-client-params.scheduler.*",
            lambda params, event_name, **kwargs: self.calls.append(
                (event_name.rsplit(".", 1)[1], params)
            ),
        )
        self.reminders = SchedulerReminders(
            self.client, REMINDER_ARN, ROLE_ARN, self.group, NEW_YORK
        )

    def stored(self) -> dict[str, dict[str, Any]]:
        names = [s["Name"] for s in self.client.list_schedules(GroupName=self.group)["Schedules"]]
        return {n: self.client.get_schedule(Name=n, GroupName=self.group) for n in names}


@pytest.fixture
def scheduler(aws: AwsEndpoint) -> Reminders:
    return Reminders(aws)


def test_a_reminder_is_a_one_time_schedule_at_the_executives_wall_time(
    scheduler: Reminders,
) -> None:
    start = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
    request = _request(start)

    scheduler.reminders.schedule(request, datetime(2026, 12, 1, 12, 0, 30, 999, tzinfo=UTC))

    [(name, schedule)] = scheduler.stored().items()
    assert name == "reminder-prep-mtg_0123456789abcdef-20261201T1400Z"
    assert schedule["ScheduleExpression"] == "at(2026-12-01T07:00:30)"
    assert schedule["ScheduleExpressionTimezone"] == "America/New_York"
    assert schedule["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert schedule["ActionAfterCompletion"] == "DELETE"
    assert schedule["Target"]["Arn"] == REMINDER_ARN
    assert schedule["Target"]["RoleArn"] == ROLE_ARN
    assert PrepRequest.model_validate_json(schedule["Target"]["Input"]) == request
    assert json.loads(schedule["Target"]["Input"]) == request.model_dump(mode="json")


def test_scheduling_a_prep_again_replaces_its_reminder(scheduler: Reminders) -> None:
    start = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
    scheduler.reminders.schedule(_request(start), datetime(2026, 12, 1, 12, 0, tzinfo=UTC))

    # The retry of a failed attempt reaches the state again, with a later time.
    retry = _request(start, attempt=2)
    scheduler.reminders.schedule(retry, datetime(2026, 12, 1, 12, 30, tzinfo=UTC))
    scheduler.reminders.schedule(retry, datetime(2026, 12, 1, 12, 30, tzinfo=UTC))

    [schedule] = scheduler.stored().values()
    assert schedule["ScheduleExpression"] == "at(2026-12-01T07:30:00)"
    assert PrepRequest.model_validate_json(schedule["Target"]["Input"]) == retry
    updates = [params for operation, params in scheduler.calls if operation == "UpdateSchedule"]
    assert len(updates) == 2
    # An update replaces every field: one that left a field out would reset it.
    assert all(u["ActionAfterCompletion"] == "DELETE" for u in updates)
    assert all(u["FlexibleTimeWindow"] == {"Mode": "OFF"} for u in updates)


def test_two_preps_have_two_reminders(scheduler: Reminders) -> None:
    first, moved = (
        datetime(2026, 12, 1, 14, 0, tzinfo=UTC),
        datetime(2026, 12, 2, 15, 0, tzinfo=UTC),
    )
    scheduler.reminders.schedule(_request(first), datetime(2026, 12, 1, 12, 0, tzinfo=UTC))
    scheduler.reminders.schedule(_request(moved), datetime(2026, 12, 2, 13, 0, tzinfo=UTC))

    assert sorted(scheduler.stored()) == [
        "reminder-prep-mtg_0123456789abcdef-20261201T1400Z",
        "reminder-prep-mtg_0123456789abcdef-20261202T1500Z",
    ]


def test_cancel_drops_the_reminder_and_a_cancel_of_none_is_harmless(
    scheduler: Reminders,
) -> None:
    start = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
    scheduler.reminders.schedule(_request(start), datetime(2026, 12, 1, 12, 0, tzinfo=UTC))

    scheduler.reminders.cancel(prep_id_for(MEETING, start))
    scheduler.reminders.cancel(prep_id_for(MEETING, start))
    scheduler.reminders.cancel(prep_id_for(MEETING, datetime(2027, 1, 1, tzinfo=UTC)))

    assert scheduler.stored() == {}


def test_a_reminder_in_the_hour_new_york_skips_is_set_at_the_instant_it_means(
    scheduler: Reminders,
) -> None:
    # 2026-03-08: New York's clocks go from 01:59:59 EST to 03:00 EDT; 02:30 does not exist.
    # Python reads 02:30 there as 07:30 UTC, which is 03:30 EDT.
    start = datetime(2026, 3, 8, 9, 30, tzinfo=UTC)
    gap = datetime(2026, 3, 8, 2, 30, tzinfo=NEW_YORK)

    scheduler.reminders.schedule(_request(start), gap)

    [schedule] = scheduler.stored().values()
    assert schedule["ScheduleExpression"] == "at(2026-03-08T03:30:00)"
    assert schedule["ScheduleExpressionTimezone"] == "America/New_York"


def test_a_reminder_just_before_the_spring_gap_keeps_its_wall_time(
    scheduler: Reminders,
) -> None:
    # A 03:30 EDT meeting (07:30 UTC): two hours earlier is 05:30 UTC, 00:30 EST.
    start = datetime(2026, 3, 8, 7, 30, tzinfo=UTC)

    scheduler.reminders.schedule(_request(start), datetime(2026, 3, 8, 5, 30, tzinfo=UTC))

    [schedule] = scheduler.stored().values()
    assert schedule["ScheduleExpression"] == "at(2026-03-08T00:30:00)"


@pytest.mark.parametrize(
    ("remind_at", "expression"),
    [
        # 01:30 EDT, then an hour later 01:30 EST: one wall time, two instants.
        (datetime(2026, 11, 1, 5, 30, tzinfo=UTC), "at(2026-11-01T05:30:00)"),
        (datetime(2026, 11, 1, 6, 30, tzinfo=UTC), "at(2026-11-01T06:30:00)"),
    ],
)
def test_a_reminder_in_the_hour_new_york_repeats_is_written_in_utc(
    scheduler: Reminders, remind_at: datetime, expression: str
) -> None:
    scheduler.reminders.schedule(_request(datetime(2026, 11, 1, 9, 0, tzinfo=UTC)), remind_at)

    [schedule] = scheduler.stored().values()
    assert schedule["ScheduleExpression"] == expression
    assert schedule["ScheduleExpressionTimezone"] == "UTC"


def test_a_reminder_time_without_a_zone_is_refused(scheduler: Reminders) -> None:
    with pytest.raises(ValueError, match="needs its time zone"):
        scheduler.reminders.schedule(
            _request(datetime(2026, 12, 1, 14, 0, tzinfo=UTC)), datetime(2026, 12, 1, 12, 0)
        )
    assert scheduler.calls == []


@pytest.mark.parametrize(
    "prep_id",
    ["prep-" + "x" * 60, "prep-mtg_1/../../other", "prep mtg 1", "prep-mtg_1+2", ""],
)
def test_a_prep_id_that_cannot_name_a_schedule_is_refused_before_any_call(
    scheduler: Reminders, prep_id: str
) -> None:
    request = PrepRequest(meeting_id=MEETING, prep_id=prep_id or "p", workflow_id="w")
    request = request.model_copy(update={"prep_id": prep_id})

    with pytest.raises(ValueError, match="cannot name a reminder schedule"):
        scheduler.reminders.schedule(request, datetime(2026, 12, 1, 12, 0, tzinfo=UTC))
    with pytest.raises(ValueError, match="cannot name a reminder schedule"):
        scheduler.reminders.cancel(prep_id)
    assert scheduler.calls == []
