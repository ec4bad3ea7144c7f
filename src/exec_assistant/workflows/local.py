"""The prep workflow on DBOS: durable on the data folder's SQLite, one workflow per meeting.

Every step calls the service function of the same name, with the retries and timeouts of the
workflow spec. A crash at any point resumes at the step that did not finish; finished steps
(a sent notification, a delivered pack) are never repeated.
"""

from __future__ import annotations

import logging
import sys
import threading
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from dbos import DBOS, DBOSClient, DBOSConfiguredInstance, SetWorkflowID

from exec_assistant.clocks import SimulatedClock
from exec_assistant.domain.identity import workflow_id_for
from exec_assistant.domain.models import Meeting
from exec_assistant.ports import Clock
from exec_assistant.services import prep
from exec_assistant.services.dependencies import PrepDependencies
from exec_assistant.workflows.spec import (
    CLASSIFY,
    GATHER_CONTEXT,
    GENERATE_MATERIALS,
    HANDLE_TIMEOUT,
    MEETING_PREP,
    SCHEDULE_REMINDER,
    SEND_MATERIALS,
    SEND_NOTIFICATION,
    WAIT_FOR_ANSWERS,
)

log = logging.getLogger(__name__)

APP_NAME = "exec-assistant"
# Pinned: a PENDING workflow is only recovered by the same version. Change on purpose when the
# workflow's steps change in a way old runs cannot resume through.
APPLICATION_VERSION = "prep-workflow-1"
ANSWERS_TOPIC = "answers"
SYSTEM_DATABASE = "workflows.sqlite3"
INSTANCE_NAME = "meeting-prep"
_RETRY = MEETING_PREP.retry_of(CLASSIFY)


class Timer(Protocol):
    """How a workflow waits: durably in real time, or at once on a simulated clock."""

    def sleep_until(self, instant: datetime) -> None: ...

    def receive(self, topic: str, deadline: datetime) -> Any: ...


class DurableTimer:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def _seconds_until(self, instant: datetime) -> float:
        return max(0.0, (instant - self._clock.now()).total_seconds())

    def sleep_until(self, instant: datetime) -> None:
        DBOS.sleep(self._seconds_until(instant))

    def receive(self, topic: str, deadline: datetime) -> Any:
        return DBOS.recv(topic, timeout_seconds=self._seconds_until(deadline))


class SimulatedTimer:
    """Waits on a simulated clock: a workflow blocks until the driver moves time past its wake
    time (the demo plays a fortnight in seconds this way)."""

    def __init__(self, clock: SimulatedClock) -> None:
        self._clock = clock
        self._changed = threading.Condition()
        self._sleeping: dict[str, datetime] = {}

    def now(self) -> datetime:
        return self._clock.now()

    def sleep_until(self, instant: datetime) -> None:
        key = DBOS.workflow_id or threading.current_thread().name
        with self._changed:
            self._sleeping[key] = instant
            self._changed.notify_all()
            while self._clock.now() < instant:
                self._changed.wait(0.5)
            del self._sleeping[key]
            self._changed.notify_all()

    def receive(self, topic: str, deadline: datetime) -> Any:
        message = DBOS.recv(topic, timeout_seconds=0)
        if message is None:
            self.sleep_until(deadline)
            message = DBOS.recv(topic, timeout_seconds=0)
        return message

    def advance_to(self, instant: datetime) -> None:
        with self._changed:
            self._clock.advance_to(instant)
            self._changed.notify_all()

    def sleeping(self) -> dict[str, datetime]:
        """Workflows waiting, by id, with the time they wake."""
        with self._changed:
            return dict(self._sleeping)


@DBOS.dbos_class()
class PrepWorkflow(DBOSConfiguredInstance):
    """The states of MEETING_PREP, in order, each a durable step."""

    def __init__(self) -> None:
        super().__init__(INSTANCE_NAME)
        self._bound: tuple[PrepDependencies, Timer] | None = None

    def bind(self, deps: PrepDependencies, timer: Timer) -> None:
        self._bound = (deps, timer)

    @property
    def _deps(self) -> PrepDependencies:
        if self._bound is None:
            raise RuntimeError("the prep workflow runs only inside a launched engine")
        return self._bound[0]

    @property
    def _timer(self) -> Timer:
        if self._bound is None:
            raise RuntimeError("the prep workflow runs only inside a launched engine")
        return self._bound[1]

    @DBOS.workflow(name=MEETING_PREP.name)
    def run(self, meeting_id: str, workflow_id: str) -> dict[str, Any]:
        outcome = self.classify(meeting_id, workflow_id)
        if not outcome["proceed"]:
            return {"outcome": "stopped", "at": CLASSIFY, "reason": outcome["reason"]}
        note = self.notify(meeting_id, workflow_id)
        if not note["proceed"]:
            return {"outcome": "stopped", "at": SEND_NOTIFICATION, "reason": note["reason"]}
        answers = note["answers"]
        if answers is None:
            answers = self._timer.receive(
                ANSWERS_TOPIC, datetime.fromisoformat(note["answers_due"])
            )
        if answers is None:
            self.timeout(note["session_id"])
        else:
            self.record(note["session_id"], answers)
        gathered = self.gather(meeting_id, workflow_id)
        if not gathered["proceed"]:
            return {"outcome": "stopped", "at": GATHER_CONTEXT, "reason": gathered["reason"]}
        materials = self.generate(meeting_id, workflow_id, gathered["context"])
        if not materials["proceed"]:
            return {"outcome": "stopped", "at": GENERATE_MATERIALS, "reason": materials["reason"]}
        sent = self.send(meeting_id, workflow_id)
        if not sent["proceed"]:
            return {"outcome": "stopped", "at": SEND_MATERIALS, "reason": sent["reason"]}
        reminder = self.schedule_reminder(meeting_id, workflow_id)
        if reminder.get("reminder_at"):
            self._timer.sleep_until(datetime.fromisoformat(reminder["reminder_at"]))
            self.remind(meeting_id, workflow_id)
        return {
            "outcome": "done",
            "answered": answers is not None,
            "pack_location": materials["pack_location"],
            "generated_by": materials["generated_by"],
        }

    @DBOS.step(
        name=CLASSIFY,
        retries_allowed=True,
        max_attempts=_RETRY.max_attempts,
        interval_seconds=_RETRY.interval_seconds,
        backoff_rate=_RETRY.backoff_rate,
    )
    def classify(self, meeting_id: str, workflow_id: str) -> dict[str, Any]:
        return prep.classify_meeting(self._deps, meeting_id, workflow_id)

    @DBOS.step(name=SEND_NOTIFICATION)
    def notify(self, meeting_id: str, workflow_id: str) -> dict[str, Any]:
        return prep.send_prep_notification(self._deps, meeting_id, workflow_id)

    @DBOS.step(name=WAIT_FOR_ANSWERS)
    def record(self, session_id: str, answers: dict[str, str]) -> dict[str, Any]:
        return prep.record_answers(self._deps, session_id, answers)

    @DBOS.step(name=HANDLE_TIMEOUT)
    def timeout(self, session_id: str) -> dict[str, Any]:
        return prep.handle_timeout(self._deps, session_id)

    @DBOS.step(name=GATHER_CONTEXT)
    def gather(self, meeting_id: str, workflow_id: str) -> dict[str, Any]:
        return prep.gather_context(self._deps, meeting_id, workflow_id)

    @DBOS.step(name=GENERATE_MATERIALS)
    def generate(
        self, meeting_id: str, workflow_id: str, context: list[dict[str, Any]]
    ) -> dict[str, Any]:
        return prep.generate_materials(self._deps, meeting_id, workflow_id, context)

    @DBOS.step(name=SEND_MATERIALS)
    def send(self, meeting_id: str, workflow_id: str) -> dict[str, Any]:
        return prep.send_materials(self._deps, meeting_id, workflow_id)

    @DBOS.step(name=SCHEDULE_REMINDER)
    def schedule_reminder(self, meeting_id: str, workflow_id: str) -> dict[str, Any]:
        return prep.schedule_final_reminder(self._deps, meeting_id, workflow_id)

    @DBOS.step(name="SendFinalReminder")
    def remind(self, meeting_id: str, workflow_id: str) -> dict[str, Any]:
        return prep.send_final_reminder(self._deps, meeting_id, workflow_id)


_INSTANCE: list[PrepWorkflow] = []


def _prep_workflow(deps: PrepDependencies, timer: Timer) -> PrepWorkflow:
    """The one registered instance: DBOS finds it by name when it recovers a workflow, and a
    name can be registered once per process, so later engines rebind it."""
    if not _INSTANCE:
        _INSTANCE.append(PrepWorkflow())
    _INSTANCE[0].bind(deps, timer)
    return _INSTANCE[0]


class LocalWorkflowEngine:
    """Starts, feeds and stops prep workflows; owns the DBOS runtime of this process."""

    def __init__(self, data_dir: Path, deps: PrepDependencies, timer: Timer) -> None:
        self._url = f"sqlite:///{data_dir / SYSTEM_DATABASE}"
        self._deps = deps
        self._timer = timer
        self._workflow: PrepWorkflow | None = None

    def launch(self) -> None:
        """Start DBOS; workflows left PENDING by an earlier process resume now."""
        # DBOS binds its log handler to the stderr of its first launch in this process.
        for handler in logging.getLogger("dbos").handlers:
            if handler.name == "__dbos_console_log_handler__" and isinstance(
                handler, logging.StreamHandler
            ):
                handler.stream = sys.stderr  # setStream would flush the closed one
        DBOS(
            config={
                "name": APP_NAME,
                "system_database_url": self._url,
                "application_version": APPLICATION_VERSION,
                "log_level": "WARNING",
                "notification_listener_polling_interval_sec": 0.1,
                "scheduler_polling_interval_sec": 1.0,
            }
        )
        self._workflow = _prep_workflow(self._deps, self._timer)
        DBOS.launch()

    def shutdown(self) -> None:
        DBOS.destroy(workflow_completion_timeout_sec=0)
        self._workflow = None

    def start(self, meeting: Meeting) -> str:
        """Start the meeting's prep; starting it again (same meeting, same time) starts nothing."""
        assert self._workflow is not None, "launch() first"
        workflow_id = workflow_id_for(meeting.meeting_id, meeting.start)
        with SetWorkflowID(workflow_id):
            DBOS.start_workflow(self._workflow.run, meeting.meeting_id, workflow_id)
        return workflow_id

    def deliver_answers(self, workflow_id: str, answers: dict[str, str]) -> None:
        DBOS.send(workflow_id, answers, ANSWERS_TOPIC)

    def cancel(self, workflow_id: str) -> None:
        DBOS.cancel_workflow(workflow_id)

    def status(self, workflow_id: str) -> str | None:
        status = DBOS.get_workflow_status(workflow_id)
        return status.status if status else None

    def result(self, workflow_id: str) -> dict[str, Any]:
        """Wait for the workflow to finish; its outcome."""
        handle: Any = DBOS.retrieve_workflow(workflow_id)
        outcome: dict[str, Any] = handle.get_result()
        return outcome


def send_answers(data_dir: Path, workflow_id: str, answers: dict[str, str]) -> None:
    """Deliver answers to a prep waiting in another process (a running `serve`)."""
    client = DBOSClient(system_database_url=f"sqlite:///{data_dir / SYSTEM_DATABASE}")
    try:
        client.send(workflow_id, answers, ANSWERS_TOPIC)
    finally:
        client.destroy()


def cancel_workflows(data_dir: Path, workflow_ids: list[str]) -> None:
    """Stop preps from outside the process running them (after a sync moved their meeting)."""
    if not workflow_ids or not (data_dir / SYSTEM_DATABASE).exists():
        return
    client = DBOSClient(system_database_url=f"sqlite:///{data_dir / SYSTEM_DATABASE}")
    try:
        for workflow_id in workflow_ids:
            client.cancel_workflow(workflow_id)
    finally:
        client.destroy()
