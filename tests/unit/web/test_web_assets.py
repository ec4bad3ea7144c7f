"""The stylesheet every page loads is whole: a block left open would apply the rest of it
to narrow screens only."""

from __future__ import annotations

import re

from exec_assistant.web.app import assets_folder


def test_every_block_of_the_stylesheet_is_closed() -> None:
    css = re.sub(r"/\*.*?\*/", "", (assets_folder() / "app.css").read_text(), flags=re.S)
    depth = 0
    for char in css:
        depth += {"{": 1, "}": -1}.get(char, 0)
        assert depth >= 0, "a } closes nothing"
        assert depth <= 2, "a block opened inside a rule (a @media left open?)"
    assert depth == 0
    for block in re.findall(r"@media[^{]*\{((?:[^{}]*\{[^{}]*\})*)[^{}]*\}", css):
        assert "@media" not in block
