"""The Lambda functions of the AWS deployment: one per handler module, as the specification
lists them, plus the six it needs that it does not name (marked `in_spec=False`).

The one list that the state machine's renderer (which function answers which state), the
packaging (one archive per function) and the infrastructure program (memory, timeouts,
triggers) read.
"""

from __future__ import annotations

from dataclasses import dataclass

from exec_assistant.workflows.spec import (
    CLASSIFY,
    CONTEXT_BRANCHES,
    GENERATE_MATERIALS,
    HANDLE_TIMEOUT,
    RECORD_FAILURE,
    SCHEDULE_REMINDER,
    SEND_MATERIALS,
    SEND_NOTIFICATION,
    SEND_REMINDER,
    WAIT_FOR_ANSWERS,
)

NAME_PREFIX = "exec-assistant-"


@dataclass(frozen=True)
class LambdaFunction:
    key: str
    """Its handler module under `exec_assistant.handlers`, and its short name."""
    purpose: str
    memory_mb: int = 256
    timeout_seconds: int = 30
    states: tuple[str, ...] = ()
    """The workflow states it answers."""
    trigger: str = "Step Functions"
    reserved_concurrency: int | None = None
    ephemeral_storage_mb: int = 512
    in_spec: bool = True

    @property
    def name(self) -> str:
        """The function's name, as the specification gives it."""
        return NAME_PREFIX + self.key.replace("_", "-")

    @property
    def archive(self) -> str:
        """Its archive's file name under `build/lambda/functions/` (`make package`)."""
        return f"{self.name}.zip"

    @property
    def module(self) -> str:
        return f"exec_assistant.handlers.{self.key}"

    @property
    def handler(self) -> str:
        """The Lambda runtime's handler setting."""
        return f"{self.module}.lambda_handler"


def _context(provider: str) -> LambdaFunction:
    return LambdaFunction(
        f"{provider}_context",
        f"The {provider.replace('_', ' ')} facts for one meeting (a GatherContext branch).",
        states=(CONTEXT_BRANCHES[provider],),
        in_spec=provider != "history",
    )


FUNCTIONS: tuple[LambdaFunction, ...] = (
    LambdaFunction(
        "calendar_monitor",
        "The periodic tick: sync the calendars 14 days ahead, start due preps, retry failed.",
        memory_mb=512,
        timeout_seconds=300,
        trigger="EventBridge schedule cron(0 */2 * * ? *)",
        reserved_concurrency=1,
    ),
    LambdaFunction(
        "prep_trigger",
        "Starts the state machine for a MeetingPrepRequired event, under the execution name "
        "of the prep's attempt, so that a repeated event starts nothing.",
        trigger="EventBridge rule meeting-prep-trigger",
        in_spec=False,
    ),
    LambdaFunction(
        "meeting_classifier",
        "Confirms the meeting's type and its prep template.",
        states=(CLASSIFY,),
    ),
    LambdaFunction(
        "slack_webhook",
        "Every Slack request: events, buttons, forms, the /prep command.",
        memory_mb=512,
        trigger="API Gateway",
        reserved_concurrency=10,
    ),
    LambdaFunction(
        "slack_send_notification",
        "Opens the chat session and asks the prep questions.",
        timeout_seconds=60,
        states=(SEND_NOTIFICATION,),
    ),
    LambdaFunction(
        "chat_session_manager",
        "Attaches the wait's task token to the chat session; completes it at once when the "
        "answers are in already.",
        states=(WAIT_FOR_ANSWERS,),
    ),
    LambdaFunction(
        "handle_timeout",
        "No answers in time: tells the executive the pack is written without them.",
        timeout_seconds=60,
        states=(HANDLE_TIMEOUT,),
    ),
    *(_context(provider) for provider in CONTEXT_BRANCHES),
    LambdaFunction(
        "meeting_prep_agent",
        "The Meeting Coordinator agent writes the prep pack.",
        memory_mb=3008,
        timeout_seconds=600,
        states=(GENERATE_MATERIALS,),
        ephemeral_storage_mb=1024,
    ),
    LambdaFunction(
        "slack_send_materials",
        "Delivers the prep pack.",
        timeout_seconds=60,
        states=(SEND_MATERIALS,),
    ),
    LambdaFunction(
        "schedule_reminder",
        "Schedules the final reminder 2 hours before the meeting (EventBridge Scheduler).",
        states=(SCHEDULE_REMINDER,),
    ),
    LambdaFunction(
        "reminder",
        "Sends the final reminder (the one-time schedule's target).",
        timeout_seconds=60,
        states=(SEND_REMINDER,),
        trigger="EventBridge Scheduler one-time schedule",
    ),
    LambdaFunction(
        "record_prep_failure",
        "Shows a prep that failed after its retries as failed, with the reason and when it "
        "is tried again.",
        states=(RECORD_FAILURE,),
        in_spec=False,
    ),
    LambdaFunction(
        "post_meeting",
        "Turns a meeting's notes into a summary, decisions and action items.",
        memory_mb=1024,
        timeout_seconds=300,
        trigger="S3 meetings/{id}/notes.md upload, or Slack",
    ),
    LambdaFunction(
        "calendar_oauth",
        "Connects the executive's calendar account: the connect link an operator asks for "
        "(a direct invocation), the consent's start and its callback, which stores the "
        "authorization in the calendar secret.",
        trigger="API Gateway GET /oauth/calendar/start and /oauth/calendar/callback",
        # Its routes are public: a flood of requests is held to a few instances.
        reserved_concurrency=2,
        in_spec=False,
    ),
    LambdaFunction(
        "web",
        "The web page: the fortnight, each meeting's pack, the notes, the commitments and "
        "the decisions, for the executive and the delegates signed in with Slack (the "
        "stylesheet and scripts come from the assets bucket, through CloudFront).",
        memory_mb=512,
        trigger="API Gateway GET /, GET, POST and HEAD /{proxy+}",
        # Its routes are public (each request proves its session itself): a flood of
        # requests is held to a few instances, plenty for an executive and their delegates.
        reserved_concurrency=5,
        in_spec=False,
    ),
    LambdaFunction(
        "secret_rotation",
        "Rotates the calendar secret's OAuth tokens, and the Slack secret's bot token when the "
        "app has token rotation on (Secrets Manager's four rotation steps).",
        timeout_seconds=60,
        trigger="Secrets Manager rotation",
        in_spec=False,
    ),
)

BY_KEY = {function.key: function for function in FUNCTIONS}


def function_for_state(state: str) -> LambdaFunction:
    """The function that answers a workflow state."""
    for function in FUNCTIONS:
        if state in function.states:
            return function
    raise KeyError(f"no Lambda function answers the state {state}")
