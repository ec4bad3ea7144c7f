"""The meeting page in front of a real DBOS prep on a temporary data folder: the questions
answered through the page resume the waiting workflow, the page follows the prep through
its status, and shows the pack it wrote."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from exec_assistant.adapters.local.env_secrets import EnvSecretStore
from exec_assistant.bootstrap import build_web_site
from exec_assistant.domain.models import MeetingStatus
from exec_assistant.services.preps import start_prep
from exec_assistant.web.app import WebServing, build_web_app
from exec_assistant.web.cookies import SessionCookies
from exec_assistant.web.sign_in import LinkSignIn

from local_prep_rig import LocalPrepRig, leadership_prep
from web_pages import LINK_LIFETIME, csrf_of, memory_links, text_of


@dataclass
class Served:
    rig: LocalPrepRig
    browser: TestClient
    """Signed in to the page `serve` would serve in front of the rig's prep."""


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    with leadership_prep(tmp_path) as rig:
        links = memory_links()
        app = build_web_app(
            build_web_site(rig.local, rig.runtime, EnvSecretStore({})),
            LinkSignIn(links),
            SessionCookies(b"s" * 32),
            WebServing(),
        )
        browser = TestClient(app, base_url="http://testserver")
        assert browser.get(
            f"/sign-in?token={links.issue(LINK_LIFETIME).token}", follow_redirects=False
        ).is_redirect
        yield Served(rig, browser)


def test_answers_given_on_the_page_resume_the_dbos_prep_and_the_page_shows_its_pack(
    served: Served,
) -> None:
    rig = served.rig
    workflow_id = start_prep(rig.local.meetings, rig.runtime.engine, rig.meeting()).workflow_id
    meeting = rig.wait_for(MeetingStatus.NOTIFIED)
    browser, page_path = served.browser, f"/meetings/{meeting.meeting_id}"

    page = browser.get(page_path)
    assert "The prep waits for your answers." in text_of(page.text)
    round_shown = re.search(r'name="round" value="(\d+)"', page.text)
    assert round_shown is not None
    sent = browser.post(
        f"{page_path}/answers",
        data={
            "csrf": csrf_of(page.text),
            "round": round_shown.group(1),
            "action": "answer",
            "answer-1": "Close the <capacity> plan",
            "answer-3": "Approve the hiring plan",
        },
        follow_redirects=False,
    )
    assert sent.status_code == 303 and sent.headers["location"] == f"{page_path}?done=answered"
    after = text_of(browser.get(sent.headers["location"]).text)
    assert "Your answers are in: the prep goes on with them." in after

    # What the page's script does: follow the status until the prep has moved on.
    stages = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        stage = browser.get(f"{page_path}/status").json()["stage"]
        if not stages or stages[-1] != stage:
            stages.append(stage)
        if stage == "ready":
            break
        time.sleep(0.1)
    assert stages[-1] == "ready", stages
    assert "asking" not in stages

    outcome = rig.runtime.engine.result(workflow_id)
    assert outcome.outcome == "done" and outcome.answered is True
    page = browser.get(page_path)
    text = text_of(page.text)
    assert "The pack is ready." in text
    assert "Your prep: Close the <capacity> plan" in text and "&lt;capacity&gt;" in page.text
    assert "Approve the hiring plan" in text  # a decision needed
    assert "live.js" not in page.text  # nothing moves any more
    template = browser.get(f"{page_path}/notes-template.md")
    assert template.status_code == 200 and "attachment" in template.headers["content-disposition"]
