"""Screenshot pages of a running app in headless Debian Chromium: look at what a person sees.

    python scripts/screenshot.py http://127.0.0.1:8501 playground out.png [--click "Play" --wait 3]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright

from tests.e2e.conftest import CHROMIUM, FLAGS
from tests.e2e.helpers import click_button, open_page


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("path")
    ap.add_argument("out")
    ap.add_argument("--query", default="")
    ap.add_argument("--click", action="append", default=[])
    ap.add_argument("--wait", type=float, default=1.0)
    ap.add_argument("--width", type=int, default=1500)
    ap.add_argument("--height", type=int, default=1100)
    ap.add_argument("--full", action="store_true")
    a = ap.parse_args()
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = b.new_page(viewport={"width": a.width, "height": a.height})
        open_page(page, a.url, a.path, a.query)
        for label in a.click:
            click_button(page, label)
            page.wait_for_timeout(a.wait * 1000)
        page.wait_for_timeout(a.wait * 1000)
        page.screenshot(path=a.out, full_page=a.full)
        b.close()


if __name__ == "__main__":
    main()
