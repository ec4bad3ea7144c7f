"""The configured model end to end: `prep` as a real process, the model a local server that
speaks the Anthropic or OpenAI API, and what reached that server."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cli_user import CliUser
from factories import EXEC, stamp, vevent
from model_servers import (
    AnthropicServer,
    Drip,
    Hang,
    HttpError,
    OpenAIServer,
    Raw,
    ToolCall,
    Usage,
)

PEOPLE = [
    f"CN=Jordan Lee;PARTSTAT=ACCEPTED:mailto:{EXEC}",
    "CN=Priya Raman;PARTSTAT=ACCEPTED:mailto:priya.raman@northwind.example",
    "CN=Marcus Webb;PARTSTAT=ACCEPTED:mailto:marcus.webb@northwind.example",
    "CN=Elena Park;PARTSTAT=ACCEPTED:mailto:elena.park@northwind.example",
]
DRAFT: dict[str, Any] = {
    "agenda": [
        {"title": "Wins and priorities", "minutes": 10, "notes": ["Ship the capacity plan"]},
        {"title": "Metrics review: budget, reliability, hiring", "minutes": 15},
        {"title": "Risks and escalations", "minutes": 15},
        {"title": "Decisions", "minutes": 15},
        {"title": "Action item review", "minutes": 5},
    ],
    "questions": ["Priya, is the capacity plan on track?"],
    "decisions_needed": ["Approve the SRE hiring plan"],
}


@pytest.fixture
def user(tmp_path: Path) -> CliUser:
    return CliUser(tmp_path)


def _meeting(user: CliUser, title: str, people: list[str]) -> str:
    start = datetime.now(UTC) + timedelta(hours=30)
    cal = user.calendar(
        vevent(
            "m@test",
            title,
            stamp(start),
            stamp(start + timedelta(hours=1)),
            tz=None,
            attendees=people,
        )
    )
    user.ok("sync", "-c", str(cal))
    return str(user.json("meetings")[0]["meeting_id"])  # type: ignore[index]


def _answers(user: CliUser) -> str:
    answers = user.tmp / "answers.yaml"
    answers.write_text("1: Ship the capacity plan\n3: Approve the SRE hiring plan\n")
    return str(answers)


def _pack(user: CliUser, meeting_id: str) -> dict[str, Any]:
    """The pack's three JSON documents as one."""
    folder = user.data / "meetings" / meeting_id
    pack: dict[str, Any] = {}
    for name in ("agenda.json", "questions.json", "context.json"):
        pack.update(json.loads((folder / name).read_text()))
    return pack


def _prep_on_anthropic(user: CliUser, meeting_id: str, server: AnthropicServer, **env: str) -> str:
    """`prep` with the example answers, the model the Anthropic API at `server`."""
    return user.ok(
        "prep",
        meeting_id,
        "--answers",
        _answers(user),
        EXEC_ASSISTANT_MODEL_PROVIDER="anthropic",
        EXEC_ASSISTANT_MODEL_BASE_URL=server.base_url,
        ANTHROPIC_API_KEY="sk-test-key",
        **env,
    )


def test_prep_writes_the_pack_with_the_configured_model(user: CliUser) -> None:
    meeting_id = _meeting(user, "Leadership team", PEOPLE)
    satisfied = {"vague_question_number": None, "follow_up": None, "why": "all concrete"}
    replies = [
        ToolCall("AnswerVerdict", satisfied, Usage(300, 40)),
        ToolCall("DraftPack", DRAFT, Usage(2100, 640, 1500)),
    ]
    with AnthropicServer(replies) as server:
        _prep_on_anthropic(user, meeting_id, server)
    pack = _pack(user, meeting_id)
    assert pack["generated_by"] == "anthropic:claude-sonnet-4-6"
    assert pack["questions"] == ["Priya, is the capacity plan on track?"]
    _review, request = server.requests
    assert request.headers.get("x-api-key") == "sk-test-key"
    assert "Ship the capacity plan" in json.dumps(request.body)
    meeting = user.json("meetings")[0]  # type: ignore[index]
    assert [c["purpose"] for c in meeting["model_calls"]] == ["follow_up", "pack"]
    call = meeting["model_calls"][1]
    assert (call["input_tokens"], call["output_tokens"], call["cache_read_tokens"]) == (
        2100,
        640,
        1500,
    )
    # 2,100 × $3 + 640 × $15 + 1,500 × $0.30 per million, at the shipped prices
    assert call["cost_usd"] == pytest.approx(0.01635)


def test_a_private_meeting_never_reaches_a_provider_it_may_not(user: CliUser) -> None:
    meeting_id = _meeting(user, "Jordan / Priya 1:1", PEOPLE[:2])
    with AnthropicServer([ToolCall("DraftPack", DRAFT)]) as server:
        _prep_on_anthropic(user, meeting_id, server)
    assert server.requests == []
    pack = _pack(user, meeting_id)
    assert pack["generated_by"] == "offline"
    assert pack["fallback_reason"].startswith("a private meeting: private meetings may not go")
    agenda = (user.data / "meetings" / meeting_id / "agenda.md").read_text()
    assert "The model's pack was not used: a private meeting" in agenda


def test_a_private_meeting_may_go_to_a_server_on_this_machine(user: CliUser) -> None:
    meeting_id = _meeting(user, "Jordan / Priya 1:1", PEOPLE[:2])
    draft = {
        "agenda": [{"title": "Their agenda", "minutes": 60}],
        "omitted_sections": [],
        "questions": [],
    }
    with OpenAIServer([ToolCall("DraftPack", draft)] * 2) as server:
        user.ok(
            "prep",
            meeting_id,
            "--answers",
            _answers(user),
            EXEC_ASSISTANT_MODEL_PROVIDER="openai",
            EXEC_ASSISTANT_MODEL_ID="local-model",
            EXEC_ASSISTANT_MODEL_BASE_URL=server.base_url,
            EXEC_ASSISTANT_FOLLOW_UP_TURNS="0",
        )
    assert len(server.requests) == 2  # the draft, and its correction: it left sections out
    assert "Priya Raman" in json.dumps(server.requests[0].body)
    pack = _pack(user, meeting_id)
    assert pack["generated_by"] == "offline"
    assert "template sections missing without a reason" in pack["fallback_reason"]


def test_a_provider_without_its_key_stops_at_start_up_with_the_fix(user: CliUser) -> None:
    meeting_id = _meeting(user, "Leadership team", PEOPLE)
    result = user.run(
        "prep",
        meeting_id,
        "--answers",
        _answers(user),
        EXEC_ASSISTANT_MODEL_PROVIDER="anthropic",
        ANTHROPIC_API_KEY="",
    )
    assert result.returncode == 2
    assert "set ANTHROPIC_API_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_with_the_offline_provider_nothing_imports_strands(user: CliUser) -> None:
    meeting_id = _meeting(user, "Leadership team", PEOPLE)
    # -X importtime lists every module the process imports, on standard error.
    result = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            *user.command("prep", meeting_id)[1:],
            "--answers",
            _answers(user),
        ],
        env=user.env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Pack ready:" in result.stdout
    imported = [
        line.rsplit("|", 1)[-1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:")
    ]
    assert "exec_assistant.workflows.dbos_engine" in imported  # the prep ran here
    assert not [name for name in imported if name.split(".")[0] == "strands"]


def test_a_vague_answer_gets_one_follow_up_whose_answer_reaches_the_pack(
    user: CliUser,
) -> None:
    meeting_id = _meeting(user, "Leadership team", PEOPLE)
    answers = user.tmp / "answers.yaml"
    answers.write_text("1: Ship the capacity plan\n2: the incident\n3: none\n")
    verdict = {
        "vague_question_number": "2",
        "follow_up": "Which incident: its number or service?",
        "why": "'the incident' names none",
    }
    env = {
        "EXEC_ASSISTANT_MODEL_PROVIDER": "anthropic",
        "ANTHROPIC_API_KEY": "sk-test-key",
    }
    with AnthropicServer([ToolCall("AnswerVerdict", verdict)]) as server:
        out = user.ok(
            "prep",
            meeting_id,
            "--answers",
            str(answers),
            EXEC_ASSISTANT_MODEL_BASE_URL=server.base_url,
            **env,
        )
    assert "One more question" in out and "Which incident: its number or service?" in out
    assert not (user.data / "meetings" / meeting_id / "agenda.json").exists()

    later = user.tmp / "later.yaml"
    later.write_text("2: INC-2291, the checkout outage\n")
    with AnthropicServer([ToolCall("DraftPack", DRAFT)]) as server:
        out = user.ok(
            "answer",
            meeting_id,
            "--answers",
            str(later),
            EXEC_ASSISTANT_MODEL_BASE_URL=server.base_url,
            **env,
        )
    assert "Pack ready:" in out
    offered = [[t["name"] for t in r.body["tools"]] for r in server.requests]
    # One follow-up at most (follow_up_turns 1): the pack next, no second review.
    assert [names[-1] for names in offered] == ["DraftPack"]
    sent = json.dumps(server.requests[-1].body, ensure_ascii=False)
    assert "the incident — INC-2291, the checkout outage" in sent
    pack = _pack(user, meeting_id)
    assert pack["generated_by"] == "anthropic:claude-sonnet-4-6"
    sessions = user.data / "agents" / "meeting_coordinator" / "sessions"
    assert any(sessions.iterdir())  # the coordinator's conversation is kept per session


def test_a_throttled_model_is_retried_and_its_pack_used(user: CliUser) -> None:
    meeting_id = _meeting(user, "Leadership team", PEOPLE)
    replies = [HttpError(429, retry_after="1"), ToolCall("DraftPack", DRAFT)]
    with AnthropicServer(replies) as server:
        started = time.monotonic()
        _prep_on_anthropic(
            user,
            meeting_id,
            server,
            EXEC_ASSISTANT_FOLLOW_UP_TURNS="0",
        )
        elapsed = time.monotonic() - started
    assert len(server.requests) == 2
    assert elapsed >= 1  # it waited the retry-after the server asked for
    assert _pack(user, meeting_id)["generated_by"] == "anthropic:claude-sonnet-4-6"


def test_a_model_that_stops_answering_costs_only_its_time_limit(user: CliUser) -> None:
    meeting_id = _meeting(user, "Leadership team", PEOPLE)
    with OpenAIServer([Hang()]) as server:
        started = time.monotonic()
        user.ok(
            "prep",
            meeting_id,
            "--answers",
            _answers(user),
            EXEC_ASSISTANT_MODEL_PROVIDER="openai",
            EXEC_ASSISTANT_MODEL_ID="local-model",
            EXEC_ASSISTANT_MODEL_BASE_URL=server.base_url,
            EXEC_ASSISTANT_MODEL_TIMEOUT_SECONDS="2",
            EXEC_ASSISTANT_FOLLOW_UP_TURNS="0",
        )
        elapsed = time.monotonic() - started
    pack = _pack(user, meeting_id)
    assert pack["generated_by"] == "offline"
    assert "openai:local-model" in pack["fallback_reason"]
    assert elapsed < 20  # two seconds of silence, and the rest of the prep
    meeting = user.json("meetings")[0]  # type: ignore[index]
    assert [c["outcome"] for c in meeting["model_calls"]] == ["failed"]


def test_a_private_meeting_sends_nothing_to_a_server_address_that_is_not_loopback(
    user: CliUser,
) -> None:
    # 0.0.0.0 is not a loopback address, yet on this machine it reaches the local server: if
    # the prep, its review or the notes let the content go, the server records it.
    meeting_id = _meeting(user, "Jordan / Priya 1:1", PEOPLE[:2])
    notes = user.tmp / "notes.md"
    notes.write_text("- Priya Raman to ship the capacity plan by Friday\n")
    with OpenAIServer([ToolCall("DraftPack", DRAFT)] * 4) as server:
        env = {
            "EXEC_ASSISTANT_MODEL_PROVIDER": "openai",
            "EXEC_ASSISTANT_MODEL_ID": "served-model",
            "EXEC_ASSISTANT_MODEL_BASE_URL": server.base_url.replace("127.0.0.1", "0.0.0.0"),
            "OPENAI_API_KEY": "sk-test-key",
            "EXEC_ASSISTANT_MODEL_TIMEOUT_SECONDS": "3",
        }
        user.ok("prep", meeting_id, "--answers", _answers(user), **env)
        read = json.loads(user.ok("notes", meeting_id, str(notes), "--force", "--json", **env))
        assert server.requests == []
        # the same address with a meeting that is not private does reach the server
        (user.tmp / "other").mkdir()
        other = CliUser(user.tmp / "other")
        other_id = _meeting(other, "Leadership team", PEOPLE)
        other.ok("prep", other_id, "--answers", _answers(other), **env)
        assert server.requests
    assert read["fallback_reason"].startswith("a private meeting: private meetings go to openai")
    pack = _pack(user, meeting_id)
    assert pack["generated_by"] == "offline"
    assert "openai+remote" in pack["fallback_reason"]


@pytest.mark.parametrize(
    "reply",
    [
        Drip(0.2),  # a byte every 0.2 s, forever: never silent long enough for a read time-out
        Raw(b"<html>502 Bad Gateway</html>", content_type="text/html"),  # a proxy's page, 200
        Raw(b"data: {not json\n\n", content_type="text/event-stream"),
    ],
    ids=["dripping", "html", "malformed-stream"],
)
def test_a_server_that_never_answers_properly_costs_the_pack_nothing(
    user: CliUser, reply: Drip | Raw
) -> None:
    meeting_id = _meeting(user, "Leadership team", PEOPLE)
    with AnthropicServer([reply] * 3) as server:
        started = time.monotonic()
        out = _prep_on_anthropic(
            user,
            meeting_id,
            server,
            EXEC_ASSISTANT_FOLLOW_UP_TURNS="0",
            EXEC_ASSISTANT_MODEL_TIMEOUT_SECONDS="2",
        )
        took = time.monotonic() - started
    assert "Pack ready:" in out
    assert took < 30
    meeting = user.json("meetings")[0]  # type: ignore[index]
    assert meeting["generated_by"] == "offline"
    assert meeting["fallback_reason"].startswith("anthropic:claude-sonnet-4-6 ")
    assert [(c["purpose"], c["outcome"]) for c in meeting["model_calls"]] == [("pack", "failed")]
