"""The agents of the configured model, built for the composition root.

Importing this module imports Strands (about a second): the composition root imports it
only when a model is configured, so `offline` never does.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

from exec_assistant.agents.answer_review import AGENT_NAME, AgentAnswerReviewer
from exec_assistant.agents.context_digest import ContextDigester
from exec_assistant.agents.coordinator import AgentPackGenerator
from exec_assistant.agents.models import (
    ModelChoice,
    build_model,
    supports_prompt_cache,
)
from exec_assistant.agents.notes_reader import AgentNotesReader
from exec_assistant.agents.runner import AgentRunner, ModelSlot
from exec_assistant.agents.sessions import file_sessions
from exec_assistant.agents.throttling import ThrottleRetry
from exec_assistant.domain.usage import PriceTable
from exec_assistant.ports import (
    ActionItemRepository,
    Clock,
    DocumentStore,
    MeetingRepository,
    SecretStore,
)


def agent_runner(
    choice: ModelChoice, secrets: SecretStore, prices: PriceTable, clock: Clock
) -> AgentRunner:
    """A runner on `choice`: a fresh client per agent, throttling retried within each
    call's deadline, and each call limited to the choice's time-out."""

    def retry(deadline: float) -> Sequence[ThrottleRetry]:
        return [ThrottleRetry(deadline=deadline)]

    slot = ModelSlot(
        choice.provider,
        choice.model_id,
        lambda: build_model(choice, secrets),
        prompt_cache=supports_prompt_cache(choice),
    )
    return AgentRunner(slot, prices, clock, retry_hooks=retry, call_timeout=choice.timeout_seconds)


def pack_generator(
    pack_model: ModelChoice,
    summary_model: ModelChoice,
    secrets: SecretStore,
    prices: PriceTable,
    clock: Clock,
    *,
    meetings: MeetingRepository,
    action_items: ActionItemRepository,
    documents: DocumentStore,
    time_limit: float,
) -> AgentPackGenerator:
    return AgentPackGenerator(
        agent_runner(pack_model, secrets, prices, clock),
        pack_model.destination,
        meetings=meetings,
        action_items=action_items,
        documents=documents,
        digester=ContextDigester(agent_runner(summary_model, secrets, prices, clock)),
        time_limit=time_limit,
    )


def notes_reader(
    model: ModelChoice, secrets: SecretStore, prices: PriceTable, clock: Clock, zone: ZoneInfo
) -> AgentNotesReader:
    return AgentNotesReader(
        agent_runner(model, secrets, prices, clock), model.destination, zone=zone
    )


def answer_reviewer(
    model: ModelChoice, secrets: SecretStore, prices: PriceTable, clock: Clock, data_dir: Path
) -> AgentAnswerReviewer:
    """The review of the prep answers; its conversations under the data folder's
    agents/meeting_coordinator/sessions/."""
    return AgentAnswerReviewer(
        agent_runner(model, secrets, prices, clock),
        file_sessions(data_dir, AGENT_NAME),
        model.destination,
    )
