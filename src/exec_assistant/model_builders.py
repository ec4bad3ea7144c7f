"""The configured model's agents, built for either app: the Meeting Coordinator that writes
the pack, the Notes agent, the reviewer of the prep answers.

The agents import Strands when built, never before: a module that imports this one takes
Strands into its closure (the packaging sees the function-level imports), so the Slack
webhook's composition does not.
"""

from __future__ import annotations

from pathlib import Path

from exec_assistant.agents.models import check_model_usable, choose_models
from exec_assistant.agents.offline import OfflinePackGenerator
from exec_assistant.composition import AppStores
from exec_assistant.ports import AnswerReviewer, Clock, NotesReader, PackGenerator, SecretStore


def build_pack_generator(
    app: AppStores, clock: Clock, secrets: SecretStore, *, time_limit: float
) -> PackGenerator:
    """The configured model's Meeting Coordinator, or the offline generator. A provider
    whose package or key is missing stops here, at start-up, with the fix."""
    choices = choose_models(app.settings)
    if choices is None:
        return OfflinePackGenerator()
    for choice in choices:
        check_model_usable(choice, secrets)
    from exec_assistant.agents.factory import pack_generator  # imports Strands

    pack_model, summary_model = choices
    return pack_generator(
        pack_model,
        summary_model,
        secrets,
        app.config.prices,
        clock,
        meetings=app.meetings,
        action_items=app.action_items,
        documents=app.documents,
        time_limit=time_limit,
    )


def build_notes_reader(app: AppStores, clock: Clock, secrets: SecretStore) -> NotesReader | None:
    """The configured model's Notes agent, on the summary model; None for `offline` (the
    parser alone)."""
    choices = choose_models(app.settings)
    if choices is None:
        return None
    _, summary_model = choices
    check_model_usable(summary_model, secrets)
    from exec_assistant.agents.factory import notes_reader  # imports Strands

    return notes_reader(summary_model, secrets, app.config.prices, clock, app.settings.zone)


def build_answer_reviewer(
    app: AppStores, clock: Clock, secrets: SecretStore, sessions_folder: Path
) -> AnswerReviewer | None:
    """The Meeting Coordinator's review of the prep answers (one follow-up on a vague one),
    on the summary model, its conversation kept per chat session under `sessions_folder`;
    None for `offline` or when follow-ups are turned off."""
    choices = choose_models(app.settings)
    if choices is None or app.settings.follow_up_turns == 0:
        return None
    _, summary_model = choices
    check_model_usable(summary_model, secrets)
    from exec_assistant.agents.factory import answer_reviewer  # imports Strands

    return answer_reviewer(summary_model, secrets, app.config.prices, clock, sessions_folder)


class ConfiguredAgents:
    """The builders above, as the AWS composition takes them (`aws_bootstrap.AgentBuilders`)."""

    def pack_generator(
        self, app: AppStores, clock: Clock, secrets: SecretStore, *, time_limit: float
    ) -> PackGenerator:
        return build_pack_generator(app, clock, secrets, time_limit=time_limit)

    def notes_reader(
        self, app: AppStores, clock: Clock, secrets: SecretStore
    ) -> NotesReader | None:
        return build_notes_reader(app, clock, secrets)


CONFIGURED_AGENTS = ConfiguredAgents()
