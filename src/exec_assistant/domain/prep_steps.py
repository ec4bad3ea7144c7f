"""What the states of the prep workflow take and return: the only data between them.

Each state's service takes one of these models and returns one; the engines keep the returned
models in the execution's data under the state's result path, and build the next state's input
from it. Everything here is small: the gathered context and the pack travel by reference (a
document key), never inline, because Step Functions caps a state's data at 256 KB.
"""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from exec_assistant.domain.models import UtcDatetime

MAX_WAIT_SECONDS = 86400
"""Step Functions' ceiling for the wait for answers, and the spec's: 24 hours."""


class StepModel(BaseModel):
    # extra="ignore": a state's input is read from the whole execution data, as a Lambda
    # handler receives it; each model takes what it needs.
    model_config = ConfigDict(frozen=True, extra="ignore")


class PrepRequest(StepModel):
    """The execution's input: which meeting, which prep, which attempt."""

    meeting_id: str
    prep_id: str
    """The prep of this meeting instance at this start time (the same for every attempt)."""
    workflow_id: str
    """This attempt's workflow id, also the Step Functions execution name."""
    attempt: int = Field(default=1, ge=1)


class StepOutcome(StepModel):
    proceed: bool = True
    """False: the prep stops here (the meeting was cancelled, skipped or moved meanwhile)."""
    reason: str | None = None
    """Why it stops."""


class Classified(StepOutcome):
    """ClassifyMeeting."""

    meeting_type: str | None = None


class NotificationSent(StepOutcome):
    """SendPrepNotification: the questions are out (or were, by an earlier attempt)."""

    session_id: str | None = None
    answered: bool = False
    """The answers are in already (given at once, or before a retry): no wait."""
    answers_due: UtcDatetime | None = None
    wait_seconds: int = Field(default=1, ge=1, le=MAX_WAIT_SECONDS)
    """Until `answers_due`, for the wait's TimeoutSecondsPath (at least 1: Step Functions
    takes no zero)."""


class WaitForAnswers(StepModel):
    """WaitForUserResponses's input: what the chat-session manager receives."""

    session_id: str
    task_token: str


class AnswersRecorded(StepModel):
    """WaitForUserResponses's result: the answers are stored with the session."""

    session_id: str
    answers: int = 0
    """How many questions were answered."""


class TimeoutRequest(PrepRequest):
    """HandleTimeout's input."""

    session_id: str


class TimeoutHandled(StepModel):
    """HandleTimeout: the wait ran out; the pack is written without answers."""

    session_id: str
    timed_out: bool = True
    """False when answers arrived in the last moment, before the timeout was recorded."""


class ContextSourceRequest(PrepRequest):
    """One branch of GatherContext: one source of context for this meeting."""

    provider: str


class ContextSourceRef(StepModel):
    """One branch's result: where the source's facts are, or why there are none."""

    provider: str
    needed: bool = True
    """False: the meeting's type does not use this source."""
    available: bool = False
    key: str | None = None
    """The document holding the source's ContextResult."""
    reason: str | None = None


class MaterialsRequest(PrepRequest):
    """GenerateMaterials's input: the request and the branches' results."""

    context: list[ContextSourceRef] = Field(default_factory=list)


class MaterialsWritten(StepOutcome):
    location: str | None = None
    """Where the readable pack (agenda.md) is."""
    generated_by: str | None = None
    fallback_reason: str | None = None
    """Why the offline generator wrote it instead of the configured model."""


class MaterialsSent(StepOutcome):
    sent: bool = False
    """False when an earlier run of the state delivered it already."""


class ReminderScheduled(StepOutcome):
    remind_at: UtcDatetime | None = None
    """None: no final reminder (the meeting is less than 2 h away, or has started)."""
    scheduled: bool = False
    """True: a scheduler outside the workflow sends it at `remind_at` (EventBridge Scheduler
    on AWS), and the workflow ends here; False: the workflow waits for the time itself."""


class ReminderSent(StepOutcome):
    sent: bool = False
    late: bool = False
    """Sent after its time (the engine was not running when it was due)."""


class StepError(StepModel):
    """A state's failure as Step Functions' Catch hands it on (`$.error`)."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    error: str = Field(alias="Error")
    """The error's name: the exception's class, or `States.Timeout`."""
    cause: str = Field(default="", alias="Cause")
    state: str | None = Field(default=None, alias="State")
    """The state that failed, where the engine knows it."""

    @field_validator("cause", mode="before")
    @classmethod
    def _lambda_message(cls, value: object) -> object:
        """Step Functions hands on a Lambda function's error as the JSON the runtime wrote
        (`errorMessage`, `errorType`, `stackTrace`): only the message is kept. A failure sent
        through a task token may have no cause at all (null)."""
        if value is None:
            return ""
        if isinstance(value, str) and value.startswith("{"):
            try:
                parsed = json.loads(value)
            except ValueError:
                return value
            if isinstance(parsed, dict) and isinstance(parsed.get("errorMessage"), str):
                return parsed["errorMessage"]
        return value


class PrepFailure(PrepRequest):
    """RecordPrepFailure's input."""

    error: StepError


class FailureRecorded(StepModel):
    retry_at: UtcDatetime | None = None
    """When the next attempt is due; None when there will be none (the meeting has begun)."""


class PrepOutcome(StepModel):
    """How a prep workflow ended, as the engines report it."""

    outcome: Literal["done", "stopped", "failed"]
    state: str | None = None
    """Where it stopped or failed."""
    reason: str | None = None
    answered: bool | None = None
    pack_location: str | None = None
    generated_by: str | None = None
