"""One Chromium per test process, one `serve` on the demo's data per module, and a page per
test signed in with the cookie the module's one-time link gave (see `browser_harness`)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from browser_harness import (
    ARTEFACTS,
    DESKTOP,
    WAITING,
    ServedSite,
    SignedIn,
    chromium_executable,
    demo_data,
    demo_user,
)

TIMEOUT_MS = 10_000
"""How long a page action waits before failing (Playwright's own is 30 s)."""
expect.set_options(timeout=5_000)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium per module, stopped when the module's tests are done: while Playwright's
    sync API runs, its event loop is the thread's running loop, and every later test of the
    same process that calls asyncio.run (DBOS, the model runner) would fail."""
    chromium = chromium_executable()
    if chromium is None:
        reason = (
            "Debian's chromium is not installed (`apt-get install chromium`; .ci/run installs "
            "it): the browser tests need it"
        )
        if os.environ.get("CI"):
            pytest.fail(reason + ", and CI must run them", pytrace=False)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def site(
    browser: Browser, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[ServedSite]:
    """`serve` on a fresh copy of the demo's data, stopped (Ctrl-C) after the module's tests;
    what it printed is kept in the artefacts' serve/ folder."""
    folder = tmp_path_factory.mktemp("web")
    user = demo_user(folder)
    calendars = demo_data(user)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    log = ARTEFACTS / "serve" / f"{Path(str(request.path)).stem}-{worker}.log"
    served = ServedSite(user, calendars, log)
    try:
        for meeting in WAITING:  # the first tick has synced and asked their questions
            served.wait_for(re.compile(re.escape(f"Prep for {meeting.title}")), meeting.title)
        yield served
    finally:
        code = served.stop()
    assert code == 0, f"serve ended with {code}; its output: {log}"
    assert "Traceback" not in served.errors, f"serve printed a traceback; its output: {log}"


@pytest.fixture(scope="module")
def signed_in(browser: Browser, site: ServedSite) -> SignedIn:
    context = browser.new_context(viewport=DESKTOP)
    try:
        page = context.new_page()
        response = page.goto(site.sign_in_url)
        return SignedIn(
            landed_at=page.url,
            status=response.status if response else None,
            cookies=[dict(c) for c in context.cookies()],
            state=dict(context.storage_state()),
        )
    finally:
        context.close()


@pytest.fixture
def page(browser: Browser, signed_in: SignedIn) -> Iterator[Page]:
    """A desktop-sized page of a browser signed in with the module's link."""
    yield from _page(browser, signed_in.state)


@pytest.fixture
def stranger(browser: Browser, site: ServedSite) -> Iterator[Page]:
    """A page of a browser that never signed in."""
    yield from _page(browser, None)


def _page(browser: Browser, state: dict[str, Any] | None) -> Iterator[Page]:
    """A page whose console must stay clean: a script error, or anything the Content
    Security Policy blocked (an inline script or style), fails the test that showed it."""
    context = browser.new_context(viewport=DESKTOP, storage_state=state)  # type: ignore[arg-type]
    context.set_default_timeout(TIMEOUT_MS)
    problems: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(f"console: {message.text} ({message.location.get('url') or page.url})")
            if message.type == "error" and not _refused_on_purpose(message.text)
            else None
        ),
    )
    try:
        yield page
    finally:
        context.close()
    assert problems == [], "the browser reported:\n" + "\n".join(problems)


def _refused_on_purpose(text: str) -> bool:
    """The refusals the tests ask for (a used sign-in link answers 403)."""
    return "status of 403" in text
