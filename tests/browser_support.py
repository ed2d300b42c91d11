"""What the browser tests share besides the fixtures (``browser`` and ``page`` live in conftest)."""

from __future__ import annotations

import socket
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1280, "height": 800}
#: How many markers of a layer the map shows: single markers plus the members of clusters.
COUNT_MARKERS = """layer => {
  let n = document.querySelectorAll(`.marker.layer-${layer}`).length;
  for (const c of document.querySelectorAll(`.cluster.layer-${layer}`)) n += Number(c.textContent);
  return n;
}"""


def unused_port() -> int:
    """A local port nothing listens on (for tiles that must fail, or a server to start)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def csp_violation(text: str) -> bool:
    """A Content-Security-Policy violation reported in the console."""
    return "Content Security Policy" in text


def wait_for_markers(page, layer: str, count: int) -> None:
    """Wait until the map shows ``count`` markers (clustered or not) of a layer."""
    page.wait_for_function(f"([layer, n]) => ({COUNT_MARKERS})(layer) === n", arg=[layer, count])
