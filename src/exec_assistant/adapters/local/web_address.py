"""Where `serve` is serving the web page from this data folder, and which `serve` it is:
written once it listens, removed when it stops, so that `exec-assistant sign-in-link` puts
the right address in the link it makes. A `serve` killed outright leaves the file behind:
the next `serve` removes it at its start, and the data folder's lock, which the system
drops with the process, says which `serve` runs now."""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from exec_assistant.adapters.local.private_file import is_partial, write_private_file

ADDRESS_FILE = "web-address.json"


@dataclass(frozen=True)
class WebAddress:
    url: str
    pid: int
    """The `serve` process serving it."""


def record_web_address(folder: Path, url: str) -> None:
    record = json.dumps({"url": url, "pid": os.getpid()}).encode()
    write_private_file(folder / ADDRESS_FILE, record, "the web page's address")


def forget_web_address(folder: Path) -> None:
    """Remove the address, when this process wrote it."""
    found = served_web_address(folder)
    if found is not None and found.pid == os.getpid():
        # Gone already, or the folder turned unwritable: the next start removes it.
        with contextlib.suppress(OSError):
            (folder / ADDRESS_FILE).unlink()


def remove_web_address(folder: Path) -> None:
    """Remove whatever an earlier `serve` left: its address, a half-written one."""
    with contextlib.suppress(OSError):
        for path in folder.glob(f".{ADDRESS_FILE}.*"):
            if is_partial(path):
                path.unlink(missing_ok=True)
        (folder / ADDRESS_FILE).unlink(missing_ok=True)


def served_web_address(folder: Path) -> WebAddress | None:
    """The address the last `serve` with a web page wrote; None when there is none (or it is
    not one this module wrote)."""
    try:
        found = json.loads((folder / ADDRESS_FILE).read_text(encoding="utf-8")[:4096])
    except (OSError, ValueError):
        return None
    if not isinstance(found, dict):
        return None
    url, pid = found.get("url"), found.get("pid")
    if not (isinstance(url, str) and url.startswith(("http://", "https://"))):
        return None
    if not isinstance(pid, int) or isinstance(pid, bool):
        return None
    return WebAddress(url, pid)
