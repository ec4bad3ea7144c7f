"""Where `serve` is serving the web page from this data folder: written once it listens,
removed when it stops, so that `exec-assistant sign-in-link` puts the right address in the
link it makes. A `serve` killed outright leaves the file behind; the data folder's lock,
which the system drops with the process, says whether it still runs."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from exec_assistant.adapters.local.private_file import write_private_file

ADDRESS_FILE = "web-address.json"


def record_web_address(folder: Path, url: str) -> None:
    record = json.dumps({"url": url, "pid": os.getpid()}).encode()
    write_private_file(folder / ADDRESS_FILE, record, "the web page's address")


def forget_web_address(folder: Path) -> None:
    """Remove the address, when this process wrote it (another `serve` may have since)."""
    path = folder / ADDRESS_FILE
    recorded = _read(path)
    if recorded is not None and recorded.get("pid") == os.getpid():
        # Gone already, or the folder turned unwritable: the next start writes it anew.
        with contextlib.suppress(OSError):
            path.unlink()


def served_web_address(folder: Path) -> str | None:
    """The address the last `serve` with a web page wrote; None when none did, or it stopped
    cleanly since."""
    recorded = _read(folder / ADDRESS_FILE)
    url = recorded.get("url") if recorded is not None else None
    return url if isinstance(url, str) and url.startswith(("http://", "https://")) else None


def _read(path: Path) -> dict[str, object] | None:
    try:
        found = json.loads(path.read_text(encoding="utf-8")[:4096])
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None
