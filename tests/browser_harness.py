"""The web page in a real browser: the demo's data folder, a real `exec-assistant serve
--http-port 0` on 127.0.0.1, and what every page is looked at for (a screenshot at a phone's
and a desktop's width, axe-core's accessibility rules, no sideways scrolling on a phone).

The browser is Debian's `chromium`, driven by Playwright through `executable_path`: nothing is
downloaded when the tests run. `.ci/run` installs it with apt-get when it is missing."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Locator, Page

from cli_user import ROOT, CliUser
from factories import LEADERS, calendar_text, vevent

NOW = "2026-12-02T12:00:00-05:00"
"""The instant `serve` starts at: Wednesday of the demo's fortnight, in New York."""

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 800}
WIDTHS = (PHONE, DESKTOP)

ARTEFACTS = Path(os.environ.get("TEST_ARTEFACTS_DIR") or ROOT / "build" / "test-artefacts")
"""Where a test run leaves what a person looks at afterwards (TEST_ARTEFACTS_DIR to move it)."""
SCREENSHOTS = ARTEFACTS / "screenshots"

SIGN_IN_LINE = re.compile(r"Web page: open (?P<url>(?P<base>http://127\.0\.0\.1:\d+)/sign-in\?\S+)")
BLOCKING_IMPACTS = frozenset({"serious", "critical"})


@dataclass(frozen=True)
class ExtraMeeting:
    """A meeting added beside the demo's calendar, in a calendar file of its own."""

    uid: str
    title: str
    start: str
    end: str
    attendees: tuple[str, ...] = tuple(LEADERS)


WAITING_FOR_ANSWERS = ExtraMeeting(
    "platform-lt@e2e.test", "Platform leadership team", "20261203T090000", "20261203T100000"
)
"""A leadership meeting on Thursday morning: its prep (24 h ahead) is due when `serve` starts,
so its three questions wait for answers."""
WAITING_FOR_KEYBOARD = ExtraMeeting(
    "storage-lt@e2e.test", "Storage leadership team", "20261203T110000", "20261203T120000"
)
"""Another one, answered with the keyboard only."""
LEFT_WAITING = ExtraMeeting(
    "security-lt@e2e.test", "Security leadership team", "20261203T100000", "20261203T104500"
)
"""One no test answers: the fortnight shows it waiting whatever ran before."""
TWO = (LEADERS[0], LEADERS[1])
TO_RECLASSIFY = ExtraMeeting(
    "offsite@e2e.test", "Offsite planning", "20261208T100000", "20261208T110000", TWO
)
"""A general meeting next week, its prep not due yet."""
TO_SKIP = ExtraMeeting(
    "logistics@e2e.test", "Offsite logistics", "20261210T110000", "20261210T113000", TWO
)
"""Another, on a day with nothing skipped yet."""
WAITING = (WAITING_FOR_ANSWERS, WAITING_FOR_KEYBOARD, LEFT_WAITING)
EXTRA_MEETINGS = (*WAITING, TO_RECLASSIFY, TO_SKIP)


@dataclass(frozen=True)
class SignedIn:
    """What opening the sign-in link did: where it landed, the cookies it set, and the
    browser state that carries them into the module's other pages."""

    landed_at: str
    status: int | None
    cookies: list[dict[str, Any]]
    state: dict[str, Any]


def chromium_executable() -> Path | None:
    """Debian's chromium (CHROMIUM names another build of it)."""
    named = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    path = Path(named)
    return path if path.is_file() and os.access(path, os.X_OK) else None


def demo_user(folder: Path) -> CliUser:
    """A person at the command line on `folder`, with none of this machine's own
    exec-assistant or Slack settings: the demo's executive, the web page only."""
    own = {k: v for k, v in os.environ.items() if not k.startswith(("EXEC_ASSISTANT_", "SLACK_"))}
    return CliUser(folder, environment={**own, "HOME": str(folder / "home"), "TZ": "UTC"})


def demo_data(user: CliUser) -> str:
    """The demo's data folder, made by the real CLI, and a calendar file of the meetings
    added beside it. Returns EXEC_ASSISTANT_CALENDARS for `serve`: the calendar the demo
    synced and that file. Both: a sync cancels the stored meetings of a configured calendar
    that are no longer in it, and a calendar is known by its file's path, so the demo's
    meetings stand only with the very file it read configured, and the added ones live in a
    calendar of their own."""
    demo = user.json("demo")
    [synced] = demo["sync"]["calendars"]
    extra = user.tmp / "added.ics"
    extra.write_text(
        calendar_text(
            *(
                vevent(m.uid, m.title, m.start, m.end, attendees=list(m.attendees))
                for m in EXTRA_MEETINGS
            ),
            name="Added for the browser tests",
        )
    )
    return ",".join([synced["location"], str(extra)])


class ServedSite:
    """A running `exec-assistant serve --http-port 0 --now NOW` on the demo's data folder:
    its output read as it comes (and kept in the artefacts), its one-time sign-in link."""

    def __init__(self, user: CliUser, calendars: str, log: Path) -> None:
        self.user = user
        self.log = log
        self._lines: list[str] = []
        self._errors: list[str] = []
        self._changed = threading.Condition()
        log.parent.mkdir(parents=True, exist_ok=True)
        self.process = user.serve(
            "--http-port",
            "0",
            "--now",
            NOW,
            EXEC_ASSISTANT_CALENDARS=calendars,
            EXEC_ASSISTANT_TIMEZONE="America/New_York",
        )
        self._readers = [
            threading.Thread(target=self._read, args=(self.process.stdout, self._lines)),
            threading.Thread(target=self._read, args=(self.process.stderr, self._errors)),
        ]
        for reader in self._readers:
            reader.start()
        found = self.wait_for(SIGN_IN_LINE, "the sign-in link")
        self.sign_in_url = found.group("url")
        self.base_url = found.group("base")

    def _read(self, stream: Any, into: list[str]) -> None:
        for line in stream:
            with self._changed:
                into.append(line)
                self._changed.notify_all()

    @property
    def output(self) -> str:
        with self._changed:
            return "".join(self._lines)

    @property
    def errors(self) -> str:
        with self._changed:
            return "".join(self._errors)

    def wait_for(self, pattern: re.Pattern[str], what: str, seconds: float = 60) -> re.Match[str]:
        """The first match of `pattern` in what serve printed, waiting for it as it runs."""
        deadline = time.monotonic() + seconds
        with self._changed:
            while True:
                found = pattern.search("".join(self._lines))
                if found:
                    return found
                left = deadline - time.monotonic()
                if left <= 0 or self.process.poll() is not None:
                    raise AssertionError(
                        f"serve did not print {what} within {seconds:g} s "
                        f"(exit code {self.process.poll()}):\n{''.join(self._lines)}"
                        f"{''.join(self._errors)}"
                    )
                self._changed.wait(min(left, 0.5))

    def url(self, path: str) -> str:
        return self.base_url + path

    def stop(self) -> int:
        """Ctrl-C, as a person stops it; its output goes to the artefacts. Returns the exit
        code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        for reader in self._readers:
            reader.join(10)
        self.log.write_text(self.output + "\n--- stderr ---\n" + self.errors)
        return self.process.returncode


def snap(page: Page, name: str) -> list[Path]:
    """A full-page screenshot of what `page` shows, at a phone's and a desktop's width, into
    the artefacts' screenshots (`name-375.png`, `name-1280.png`)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    saved = []
    for width in _at_each_width(page):
        path = SCREENSHOTS / f"{name}-{width}.png"
        page.screenshot(path=path, full_page=True)
        saved.append(path)
    return saved


AXE = Axe()
"""axe-core as axe-playwright-python ships it."""


def axe_check(page: Page) -> None:
    """axe-core's rules on what `page` shows; fails on any serious or critical violation,
    naming its rule, impact and the elements."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.axe_script)  # once per page load
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    blocking = [v for v in results["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    if blocking:
        lines = [f"axe-core: {len(blocking)} serious or critical violation(s) on {page.url}"]
        for violation in blocking:
            targets = ", ".join(
                " ".join(str(t) for t in node.get("target", [])) for node in violation["nodes"]
            )
            lines.append(
                f"- {violation['id']} ({violation['impact']}): {violation['help']}; {targets}"
            )
        raise AssertionError("\n".join(lines))


def no_sideways_scroll(page: Page) -> None:
    """The page fits its width (wide tables scroll inside their own box)."""
    overflow = page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          const wide = [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > width + 1
                      && !e.closest('.table-wrap'))
            .slice(0, 5)
            .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''));
          return {scroll: document.documentElement.scrollWidth, width, wide};
        }"""
    )
    assert overflow["scroll"] <= overflow["width"], (
        f"{page.url} scrolls sideways at {overflow['width']} px "
        f"({overflow['scroll']} px wide): {overflow['wide']}"
    )


def look_at(page: Page, name: str) -> None:
    """What every page gets: screenshots at both widths, axe-core at both widths, and no
    sideways scrolling on a phone."""
    snap(page, name)
    for width in _at_each_width(page):
        if width == PHONE["width"]:
            no_sideways_scroll(page)
        axe_check(page)


def _at_each_width(page: Page) -> Iterator[int]:
    """Resizes `page` to each width in turn (yielding it), and back to its own size after."""
    size = page.viewport_size
    try:
        for each in WIDTHS:
            page.set_viewport_size(each)
            yield each["width"]
    finally:
        if size is not None:
            page.set_viewport_size(size)


def reload_until(page: Page, shown: Callable[[], Locator], seconds: float = 30) -> None:
    """Reloads `page` until `shown()` is visible: a server-rendered page learns that a
    background step finished when it is loaded again, as a person would reload it."""
    deadline = time.monotonic() + seconds
    while True:
        if shown().first.is_visible():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{page.url} did not show what was awaited in {seconds:g} s")
        page.wait_for_timeout(300)
        page.reload()
