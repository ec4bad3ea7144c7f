"""The meeting coordinator's conversation kept in S3 (a moto server on 127.0.0.1) under the
sessions bucket's `agents/meeting_coordinator/sessions/`, as the spec lays it out."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import boto3
import pytest
from moto.moto_server.threaded_moto_server import ThreadedMotoServer

from exec_assistant.agents.answer_review import AgentAnswerReviewer, AnswerVerdict
from exec_assistant.agents.runner import AgentRunner, ModelSlot
from exec_assistant.agents.sessions import s3_sessions
from exec_assistant.clocks import FixedClock
from exec_assistant.domain.discovery import Executive, assess_event
from exec_assistant.domain.meeting_types import MeetingTypeCatalog, NotificationRules
from exec_assistant.domain.models import ChatSession
from exec_assistant.domain.privacy import ModelDestination
from exec_assistant.domain.usage import PriceTable

from factories import event
from scripted_model import ScriptedModel, answer

BUCKET = "exec-assistant-sessions-test"


@pytest.fixture
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def test_a_second_review_reads_the_first_from_the_sessions_bucket(
    s3_endpoint: str,
    catalog: MeetingTypeCatalog,
    rules: NotificationRules,
    executive: Executive,
) -> None:
    boto_session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    s3 = boto_session.client("s3", endpoint_url=s3_endpoint)
    s3.create_bucket(Bucket=BUCKET)
    store = s3_sessions(
        BUCKET, "meeting_coordinator", boto_session=boto_session, endpoint_url=s3_endpoint
    )
    model = ScriptedModel(
        [
            answer(AnswerVerdict(vague_question_number="1", follow_up="Which one?", why="vague")),
            answer(AnswerVerdict(why="concrete")),
        ]
    )
    runner = AgentRunner(
        ModelSlot("bedrock", "m", lambda: model), PriceTable({}), FixedClock(datetime.now(UTC))
    )
    now = datetime(2026, 11, 30, tzinfo=UTC)
    meeting = assess_event(event("Jordan / Priya 1:1"), None, catalog, rules, executive, None, now)
    meeting_type = catalog.get("one_on_one")
    session = ChatSession(
        session_id="ses_0123456789abcdef",
        user_id="u",
        meeting_id=meeting.meeting_id,
        channel="c",
        questions=meeting_type.prep_questions,
        answers={"1": "that thing"},
        answers_given=True,
        created_at=0,
        expires_at=1,
    )

    for _ in range(2):
        AgentAnswerReviewer(runner, store, ModelDestination("bedrock")).review(
            meeting, meeting_type, session
        )

    assert model.requests[1].messages[0] == model.requests[0].messages[0]
    assert "Which one?" in model.requests[1].text()
    listed = s3.list_objects_v2(Bucket=BUCKET)
    keys = [item["Key"] for item in listed.get("Contents", [])]
    prefix = "agents/meeting_coordinator/sessions/session_ses_0123456789abcdef/"
    assert f"{prefix}session.json" in keys
    assert sum(1 for k in keys if k.startswith(f"{prefix}agents/") and "/messages/" in k) == 6
    assert all(k.startswith(prefix) for k in keys)
