"""WaitForUserResponses: the wait's task token attached to the chat session, so that the
answers, when they come through Slack, complete it; when they are in already (given before
the token was attached), the wait is completed at once.

Invoked with `lambda:invoke.waitForTaskToken`: what it returns is not the state's result
(the answers delivered to the token are).
"""

from __future__ import annotations

from typing import Any

from exec_assistant.domain.prep_steps import WaitForAnswers
from exec_assistant.handlers.runtime import (
    AppFactory,
    Handler,
    LambdaEvent,
    environment_handler,
    function_handler,
    logger,
    parse_event,
)
from exec_assistant.lambda_functions import BY_KEY

KEY = "chat_session_manager"


def make_handler(app: AppFactory) -> Handler:
    name = BY_KEY[KEY].name

    def body(the_app: Any, event: LambdaEvent, context: Any) -> dict[str, Any]:
        wait = parse_event(WaitForAnswers, event, name)
        logger.append_keys(session_id=wait.session_id)
        answers = the_app.steps.attach_wait_token(wait)
        if answers is not None:
            the_app.prep_engine().deliver_answers(wait.task_token, answers)
        return {"session_id": wait.session_id, "answered": answers is not None}

    return function_handler(KEY, app, body)


lambda_handler = environment_handler(make_handler)
