"""GenerateMaterials: the Meeting Coordinator agent writes the prep pack (the offline
generator when no model is configured, or when the model overruns its time)."""

from __future__ import annotations

from exec_assistant.handlers.runtime import AppFactory, Handler, environment_handler
from exec_assistant.handlers.steps import step_handler
from exec_assistant.model_builders import CONFIGURED_AGENTS

KEY = "meeting_prep_agent"


def make_handler(app: AppFactory) -> Handler:
    """The app's `agents` write the pack (`build_aws(..., agents=CONFIGURED_AGENTS)`)."""
    return step_handler(KEY, app)


lambda_handler = environment_handler(make_handler, agents=CONFIGURED_AGENTS)
