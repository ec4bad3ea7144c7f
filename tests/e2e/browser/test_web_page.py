"""The executive's journey through the web page in Debian's headless Chromium, against a real
`exec-assistant serve --http-port 0` on the demo's data: sign in with the printed link, see
the fortnight, open a pack, answer the prep questions and watch the prep continue, give the
notes of a meeting that ended and accept them, find the items on Commitments, mark one done,
search the decisions. Every page is screenshotted at 375 px and 1280 px and checked by
axe-core (see `browser_harness`)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from browser_harness import (
    LEFT_WAITING,
    TO_RECLASSIFY,
    TO_SKIP,
    WAITING_FOR_ANSWERS,
    WAITING_FOR_KEYBOARD,
    ServedSite,
    SignedIn,
    look_at,
    reload_until,
)

pytestmark = pytest.mark.slow


PIR = "Post-Incident Review: INC-2291 payments API latency"
ELENA = "1:1 Jordan / Elena"
QUESTIONS = (
    "What are your top priorities for the team this week?",
    "Which risks or escalations should the leadership team discuss?",
    "Any decisions you want the team to make in this meeting?",
)
DECIDED_WITH_ELENA = "the storage tiering cutover moves to the week of 11 January"
EDITED_ITEM = "Send the revised cutover runbook to the SRE and storage leads"
ELENA_NOTES = """# 1:1 Jordan / Elena — Wed 2026-12-02

## Storage tiering cutover

Elena walked through the cutover plan; the cold tier is ready, the warm tier is not.
Decision: the storage tiering cutover moves to the week of 11 January, after the change freeze.

## Hiring

- [ ] Send the revised cutover runbook to the SRE leads - Owner: Elena Park - Due: 2026-12-09
- [ ] Reopen the Senior Storage Engineer req at the new level - Owner: Jordan Lee - Due: 2026-12-07
"""


def heading(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def meeting_on_fortnight(scope: Page | Locator, title: str) -> Locator:
    """The fortnight's entry (in `scope`: the page or a day) of the meeting titled `title`."""
    page = scope if isinstance(scope, Page) else scope.page
    title_link = page.get_by_role("link", name=title, exact=True)
    return scope.get_by_role("listitem").filter(has=title_link)


def found(page: Page) -> None:
    """The page loaded is not the error page (a page missing fails here at once)."""
    page.wait_for_load_state()
    shown = heading(page).inner_text()
    assert shown != "That did not work", f"{page.url}: {page.locator('main').inner_text()}"


def by_navigation(page: Page, site: ServedSite, name: str) -> None:
    """From the fortnight, the page of that name in every page's navigation."""
    page.goto(site.url("/"))
    page.get_by_role("navigation", name="Pages").get_by_role("link", name=name).click()
    found(page)
    expect(heading(page)).to_have_text(name)


def open_meeting(page: Page, site: ServedSite, title: str) -> None:
    """From the fortnight, the meeting's page, as a person gets there."""
    page.goto(site.url("/"))
    page.get_by_role("link", name=title, exact=True).click()
    found(page)
    expect(heading(page)).to_contain_text(title)


# Signing in and what a stranger gets


def test_the_sign_in_link_opens_the_fortnight_and_sets_a_strict_session_cookie(
    site: ServedSite, signed_in: SignedIn
) -> None:
    assert signed_in.status == 200
    assert signed_in.landed_at == site.url("/")
    [cookie] = signed_in.cookies
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert cookie["domain"] == "127.0.0.1"


def test_the_fortnight_shows_each_day_its_meetings_and_what_waits_on_the_executive(
    page: Page, site: ServedSite
) -> None:
    page.goto(site.url("/"))
    expect(heading(page)).to_have_text("Fortnight")
    expect(page.get_by_text("waiting on you")).to_be_visible()
    thursday = page.get_by_role("region", name="Thursday 03 December 2026")
    waiting = meeting_on_fortnight(thursday, LEFT_WAITING.title)
    expect(waiting).to_contain_text("10:00–10:45")
    expect(waiting).to_contain_text("Leadership team")
    expect(waiting).to_contain_text("Questions asked")
    expect(waiting.get_by_role("link", name="Answer 3 prep questions")).to_be_visible()
    wednesday = page.get_by_role("region", name="Wednesday 02 December 2026")
    expect(meeting_on_fortnight(wednesday, PIR)).to_contain_text("Reminded")
    # The skipped meeting is folded away until asked for.
    declined = thursday.get_by_role(
        "link", name="Architecture Guild", exact=True, include_hidden=True
    )
    expect(declined).to_have_count(1)
    expect(declined).to_be_hidden()
    thursday.get_by_text("1 skipped or cancelled").click()
    expect(declined).to_be_visible()
    expect(page.get_by_role("contentinfo")).to_contain_text("Times are in America/New_York.")
    look_at(page, "fortnight")


def test_a_used_or_made_up_sign_in_link_is_refused_and_signs_nobody_in(
    stranger: Page, site: ServedSite, signed_in: SignedIn
) -> None:
    response = stranger.goto(site.sign_in_url)  # `signed_in` used it
    assert response is not None and response.status == 403
    expect(stranger.get_by_role("alert")).to_contain_text("was used already")
    assert stranger.context.cookies() == []
    look_at(stranger, "sign-in-refused")
    made_up = re.sub(r"token=[^&]+", "token=not-a-token-serve-printed", site.sign_in_url)
    response = stranger.goto(made_up)
    assert response is not None and response.status == 403
    stranger.goto(site.url("/"))
    expect(heading(stranger)).to_have_text("Sign in")


@pytest.mark.parametrize(
    "path", ["/", "/meetings/mtg_0000000000000000", "/commitments", "/decisions?q=retry"]
)
def test_without_a_session_cookie_a_page_sends_to_the_sign_in(
    stranger: Page, site: ServedSite, path: str
) -> None:
    stranger.goto(site.url(path))
    expect(stranger).to_have_url(re.compile(r"/sign-in(\?next=.*)?$"))
    expect(heading(stranger)).to_have_text("Sign in")
    expect(stranger.get_by_text("Open the sign-in link")).to_be_visible()
    expect(stranger.get_by_role("navigation", name="Pages")).to_have_count(0)
    if path == "/":
        look_at(stranger, "sign-in")


def test_signing_out_ends_the_session_in_this_browser(page: Page, site: ServedSite) -> None:
    page.goto(site.url("/"))
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(site.url("/sign-in"))
    expect(heading(page)).to_have_text("Sign in")
    page.goto(site.url("/"))
    expect(page).to_have_url(site.url("/sign-in"))


# The Meeting page: the pack, the questions, reclassify, skip, the notes template


def test_a_prepared_meeting_shows_its_pack(page: Page, site: ServedSite) -> None:
    open_meeting(page, site, PIR)
    agenda = page.get_by_role("region", name="Agenda")
    expect(
        agenda.get_by_role("heading", name="Incident summary and customer impact")
    ).to_be_visible()
    expect(agenda.get_by_text("10 min").first).to_be_visible()
    expect(page.get_by_role("heading", name="Questions to ask")).to_be_visible()
    expect(page.get_by_role("heading", name="Background")).to_be_visible()
    expect(page.get_by_role("heading", name="Incidents")).to_be_visible()
    look_at(page, "meeting-pack")


def test_answering_the_prep_questions_continues_the_prep_until_the_pack_shows(
    page: Page, site: ServedSite
) -> None:
    page.goto(site.url("/"))
    waiting = meeting_on_fortnight(page, WAITING_FOR_ANSWERS.title)
    waiting.get_by_role("link", name="Answer 3 prep questions").click()
    found(page)
    expect(heading(page)).to_contain_text(WAITING_FOR_ANSWERS.title)
    expect(page.get_by_role("heading", name="No pack yet")).to_be_visible()
    answers = (
        "Land the storage tiering cutover",
        "On-call load in SRE after INC-2291",
        "Approve the follow-the-sun rota",
    )
    for question, answer in zip(QUESTIONS, answers, strict=True):
        page.get_by_label(question).fill(answer)
    look_at(page, "meeting-questions")
    page.get_by_role("button", name="Send answers", exact=True).click()
    # The answers resume the prep waiting in DBOS; the pack is written a moment later.
    reload_until(page, lambda: page.get_by_role("heading", name="Agenda", exact=True))
    your_prep = page.get_by_role("region", name="Agenda")
    for answer in answers:
        expect(your_prep.get_by_text(answer).first).to_be_visible()
    expect(page.get_by_label(QUESTIONS[0])).to_have_count(0)
    look_at(page, "meeting-answered")
    page.goto(site.url("/"))
    done = meeting_on_fortnight(page, WAITING_FOR_ANSWERS.title)
    expect(done).to_contain_text("Pack ready")
    expect(done.get_by_role("link", name="Answer 3 prep questions")).to_have_count(0)


def test_the_answers_form_is_reached_and_sent_with_the_keyboard_alone_with_a_visible_focus(
    page: Page, site: ServedSite
) -> None:
    open_meeting(page, site, WAITING_FOR_KEYBOARD.title)
    first = page.get_by_label(QUESTIONS[0])
    expect(first).to_be_visible()
    target = first.get_attribute("id")
    page.goto(page.url)  # from the top of the page, as it is opened
    unfocused: list[str] = []
    for _ in range(60):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused["tag"] in ("a", "button") and not focused["outlined"]:
            unfocused.append(focused["text"])
        if focused["id"] == target:
            break
    else:
        raise AssertionError("Tab never reached the first prep question")
    assert unfocused == [], f"links or buttons with no visible focus outline: {unfocused}"
    for answer in ("Keyboard priorities", "Keyboard risks", "Keyboard decisions"):
        page.keyboard.type(answer)
        page.keyboard.press("Tab")
    focused = page.evaluate(FOCUSED)
    assert focused["text"] == "Send answers", f"after the last answer, Tab reached {focused}"
    assert focused["outlined"], f"the submit button shows no focus outline: {focused}"
    page.keyboard.press("Enter")
    reload_until(page, lambda: page.get_by_role("heading", name="Agenda", exact=True))
    expect(page.get_by_text("Keyboard priorities").first).to_be_visible()


FOCUSED = """() => {
  const e = document.activeElement;
  const style = getComputedStyle(e);
  const width = parseFloat(style.outlineWidth) || 0;
  return {
    tag: e.tagName.toLowerCase(),
    id: e.id,
    text: (e.innerText || e.value || '').trim().slice(0, 60),
    outlined: style.outlineStyle !== 'none' && width >= 2,
  };
}"""
"""The focused element, and whether it shows an outline of 2 px or more."""


def test_a_meeting_reclassified_for_its_series_shows_its_new_type(
    page: Page, site: ServedSite
) -> None:
    open_meeting(page, site, TO_RECLASSIFY.title)
    page.get_by_label("Meeting type").select_option(label="Vendor")
    page.get_by_role("button", name="Change the type").click()
    found(page)
    expect(heading(page)).to_contain_text(TO_RECLASSIFY.title)
    expect(page.get_by_label("Meeting type")).to_have_value("vendor_meeting")
    look_at(page, "meeting-reclassified")
    page.goto(site.url("/"))
    row = meeting_on_fortnight(page, TO_RECLASSIFY.title)
    expect(row).to_contain_text("Vendor")
    expect(row).not_to_contain_text("General")


def test_a_skipped_meeting_is_folded_away_on_the_fortnight(page: Page, site: ServedSite) -> None:
    open_meeting(page, site, TO_SKIP.title)
    page.get_by_label("Skip this meeting").fill("Moved to the offsite")
    page.get_by_role("button", name="Skip this meeting").click()
    found(page)
    expect(page.get_by_text("Skipped").first).to_be_visible()
    page.goto(site.url("/"))
    thursday = page.get_by_role("region", name="Thursday 10 December 2026")
    skipped = thursday.get_by_role("link", name=TO_SKIP.title, include_hidden=True)
    expect(skipped).to_be_hidden()
    thursday.get_by_text("1 skipped or cancelled").click()
    expect(skipped).to_be_visible()
    expect(thursday).to_contain_text("Moved to the offsite")


def test_the_notes_template_downloads_with_the_meetings_title(page: Page, site: ServedSite) -> None:
    open_meeting(page, site, PIR)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the notes template").click()
    saved = download.value
    assert saved.suggested_filename.endswith(".md")
    text = saved.path().read_text(encoding="utf-8")
    assert text.startswith(f"# {PIR}")
    assert "## Decisions" in text


# The notes, then the lists: Commitments, a person, Decisions, Usage


def test_the_notes_of_a_meeting_that_ended_are_reviewed_edited_accepted_and_owed(
    page: Page, site: ServedSite
) -> None:
    page.goto(site.url("/"))
    meeting_on_fortnight(page, ELENA).get_by_role("link", name="Give the notes").click()
    found(page)
    page.get_by_role("link", name="Notes", exact=True).click()
    found(page)
    expect(heading(page)).to_have_text(f"Notes: {ELENA}")
    page.get_by_label("Paste the notes").fill(ELENA_NOTES)
    look_at(page, "notes-give")
    page.get_by_role("button", name="Read the notes").click()
    found(page)
    # The review: what the notes say, beside the notes, each item's line highlighted.
    expect(page.get_by_text("Not accepted yet")).to_be_visible()
    expect(page.get_by_text(DECIDED_WITH_ELENA).first).to_be_visible()
    first = page.get_by_role("group", name=re.compile(r"^Action item 1\b"))
    text = first.get_by_label("What is to be done")
    expect(text).to_have_value(re.compile("^Send the revised cutover runbook"))
    source = first.get_by_role("link", name=re.compile(r"^line \d+$"))
    line = page.locator(str(source.get_attribute("href")))
    expect(line).to_contain_text("Send the revised cutover runbook")
    notes = page.get_by_role("region", name="The notes, line by line")
    uncited = notes.get_by_role("listitem").filter(has_text="Elena walked through the cutover")
    assert highlighted(line, uncited), "the action item's line of the notes is not highlighted"
    text.fill(EDITED_ITEM)
    first.get_by_label("Due").fill("2026-12-10")
    look_at(page, "notes-review")
    page.get_by_role("button", name="Accept these items and decisions").click()
    found(page)
    expect(page.get_by_text("The items and decisions are accepted")).to_be_visible()
    look_at(page, "notes-accepted")
    # What was accepted is owed on Commitments, by owner, as edited.
    page.get_by_role("link", name="Commitments", exact=True).first.click()
    found(page)
    elena = page.get_by_role("region", name=re.compile("^Elena Park"))
    owed = elena.get_by_role("listitem").filter(has_text=EDITED_ITEM)
    expect(owed).to_contain_text("Due Thursday 10 December 2026")
    expect(
        page.get_by_role("listitem").filter(has_text="Reopen the Senior Storage")
    ).to_be_visible()
    elena.get_by_role("link", name="Elena Park").click()
    found(page)
    expect(heading(page)).to_have_text("Elena Park")
    owes = page.get_by_role("region", name="What Elena Park owes")
    expect(owes.get_by_role("listitem").filter(has_text=EDITED_ITEM)).to_have_count(1)
    # The decision is found on Decisions, and leads back to its line of the notes.
    page.goto(site.url("/decisions?q=tiering"))
    hit = page.get_by_role("main").get_by_role("listitem").filter(has_text=DECIDED_WITH_ELENA)
    hit.get_by_role("link", name=re.compile(r"^line \d+ of the notes$")).click()
    found(page)
    expect(page).to_have_url(re.compile(r"/notes#line-\d+$"))
    target = page.locator(":target")
    expect(target).to_contain_text(DECIDED_WITH_ELENA)


def highlighted(line: Locator, other: Locator) -> bool:
    """Whether `line` is set apart from `other` by its background (the highlight)."""
    background = "e => getComputedStyle(e).backgroundColor"
    return bool(line.evaluate(background) != other.evaluate(background))


def test_an_item_marked_done_on_commitments_leaves_the_open_ones(
    page: Page, site: ServedSite
) -> None:
    item = "cardinality report for the top 20 custom metrics"
    by_navigation(page, site, "Commitments")
    priya = page.get_by_role("region", name=re.compile("^Priya Raman"))
    owed = priya.get_by_role("listitem").filter(has_text=item)
    expect(owed).to_have_count(1)
    expect(owed).to_contain_text("Due Monday 07 December 2026")
    look_at(page, "commitments")
    owed.get_by_role("button", name=re.compile("^Mark done")).click()
    expect(page.get_by_role("status")).to_contain_text("Marked done")
    expect(heading(page)).to_have_text("Commitments")
    expect(page.get_by_role("listitem").filter(has_text=item)).to_have_count(0)


def test_a_persons_page_shows_what_they_owe(page: Page, site: ServedSite) -> None:
    page.goto(site.url("/commitments"))
    found(page)
    page.get_by_role("link", name="Priya Raman", exact=True).first.click()
    found(page)
    expect(heading(page)).to_have_text("Priya Raman")
    owes = page.get_by_role("region", name="What Priya Raman owes")
    expect(owes.get_by_role("listitem").first).to_be_visible()
    look_at(page, "person")


def test_the_decisions_are_searched_and_link_to_their_line_of_the_notes(
    page: Page, site: ServedSite
) -> None:
    decided = "need a load-test sign-off from SRE"
    by_navigation(page, site, "Decisions")
    search = page.get_by_role("searchbox", name="Search the decisions")
    search.fill("load-test")
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"/decisions\?(.*&)?q=load-test"))
    hit = page.get_by_role("main").get_by_role("listitem")
    expect(hit).to_have_count(1)
    expect(hit).to_contain_text(decided)
    expect(hit).to_contain_text("Jordan / Priya 1:1")
    source = hit.get_by_role("link", name=re.compile(r"^line \d+ of the notes$"))
    expect(source).to_have_attribute("href", re.compile(r"^/meetings/mtg_\w+/notes#line-\d+$"))
    look_at(page, "decisions")


def test_the_usage_page_shows_what_the_models_cost(page: Page, site: ServedSite) -> None:
    by_navigation(page, site, "Usage")
    # The demo's packs and notes come from the offline generator: nothing to pay.
    expect(page.get_by_role("heading", name=re.compile("^No model calls yet"))).to_be_visible()
    look_at(page, "usage")
