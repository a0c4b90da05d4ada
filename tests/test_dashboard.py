"""The DPO's dashboard (/dpo), in a real browser against a real server (`alveole serve --demo`).

Debian's Chromium driven by playwright with that executable only (no browser download). The page signs in
with the shared sign-in bar, asks complianceReport once and draws it: every chart must have drawn the
numbers of that live answer, under the app's CSP, loading nothing from elsewhere. It saves a screenshot;
with ALVEOLE_UPDATE_SCREENSHOTS=1 that is the one the README shows (docs/dpo-dashboard.png), so an ordinary
run leaves the checkout as it was.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.live_server import live_server
from tests.test_console import CHROMIUM, CHROMIUM_ARGS, DEMO_PASSWORD, DPO_EMAIL, watched

pytestmark = pytest.mark.slow  # Chromium: the second stage of .ci/run

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is missing: pip install -e '.[test]' (it uses the system Chromium only)"
)

SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "dpo-dashboard.png"
REPORT = """{ complianceReport {
  subjectRequestsByStatus { count } contactsByVisibility { count } consentsByMonth { granted withdrawn }
  retentionForecast { count } personalDataViews { actor daily flagged } noteFindingsByCategory { count }
  overdueSubjectRequests auditChainOk mailByStatus { count } mailFailures
} }"""
# Non-blank: the share of the canvas's pixels that are not transparent.
INK = """(id) => {
  const canvas = document.getElementById(id);
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let inked = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) inked += 1;
  return inked / (pixels.length / 4);
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("dashboard")
    with live_server(f"sqlite://{folder / 'alveole.sqlite3'}", folder, extra_args=("--demo",), cwd=folder) as live:
        yield live.url


def live_totals(server: str) -> dict[str, object]:
    """What each chart must show, asked through the API as the DPO, independently of the page."""
    login = httpx.post(
        f"{server}/graphql",
        json={
            "query": "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
            "variables": {"e": DPO_EMAIL, "p": DEMO_PASSWORD},
        },
    ).json()["data"]["login"]["token"]
    report = httpx.post(
        f"{server}/graphql", json={"query": REPORT}, headers={"Authorization": f"Bearer {login}"}
    ).json()["data"]["complianceReport"]
    return {
        "chart-requests": sum(r["count"] for r in report["subjectRequestsByStatus"]),
        "chart-visibility": sum(r["count"] for r in report["contactsByVisibility"]),
        "chart-consents": sum(r["granted"] + r["withdrawn"] for r in report["consentsByMonth"]),
        "chart-retention": sum(r["count"] for r in report["retentionForecast"]),
        "chart-views": sum(sum(r["daily"]) for r in report["personalDataViews"]),
        "chart-findings": sum(r["count"] for r in report["noteFindingsByCategory"]),
        "chart-mail": sum(r["count"] for r in report["mailByStatus"]),
        "flagged": [r["actor"] for r in report["personalDataViews"] if r["flagged"]],
        "overdue": report["overdueSubjectRequests"],
    }


def test_the_page_is_static_and_served_under_the_strict_csp(server: str) -> None:
    page = httpx.get(f"{server}/dpo")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "<script>" not in page.text and 'src="http' not in page.text and 'href="http' not in page.text
    for path in ("dpo/vendor/chart.js/chart.umd.min.js", "signin.js", "dpo/dashboard.js", "dpo/dashboard.css"):
        assert f'"static/{path}"' in page.text
        assert httpx.get(f"{server}/static/{path}").status_code == 200, path


def test_the_dpo_signs_in_and_every_chart_draws_live_data(server: str, tmp_path: Path) -> None:
    expect = sync_api.expect
    expected = live_totals(server)
    assert all(expected[c] for c in ("chart-requests", "chart-visibility", "chart-views", "chart-findings"))
    assert expected["flagged"] == ["marc@demo.alveole.test"]  # the demo's month holds one day far above the rest
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            watch = watched(page, server)
            page.goto(f"{server}/dpo")
            expect(page.locator("#dashboard")).to_be_hidden()

            page.fill("#login-form input[name=email]", DPO_EMAIL)
            page.fill("#login-form input[name=password]", DEMO_PASSWORD)
            page.click("#login-form button[type=submit]")
            expect(page.locator("body")).to_have_attribute("data-report", "loaded")
            expect(page.locator("#session-user")).to_contain_text(DPO_EMAIL)

            charts = (
                "chart-requests",
                "chart-visibility",
                "chart-consents",
                "chart-retention",
                "chart-views",
                "chart-mail",
            )
            for chart in charts:
                canvas = page.locator(f"#{chart}")
                expect(canvas).to_have_attribute("data-drawn", "true")
                assert canvas.get_attribute("data-total") == str(expected[chart]), chart
                assert page.evaluate(INK, chart) > 0.01, f"{chart} is blank"
            findings = page.locator("#chart-findings")
            assert findings.get_attribute("data-total") == str(expected["chart-findings"])
            assert page.evaluate(INK, "chart-findings") > 0.01
            # Tables where one reads: the flagged user, and the tiles' numbers.
            expect(page.locator("#table-views tr.alert")).to_have_count(1)
            expect(page.locator("#table-views tr.alert")).to_contain_text("marc@demo.alveole.test")
            expect(page.locator("#tile-overdue")).to_have_text(str(expected["overdue"]))
            expect(page.locator("#tile-chain")).to_have_text("intact")
            expect(page.locator("#tile-mail")).to_have_text("0")

            shot = tmp_path / SCREENSHOT.name
            page.screenshot(path=str(shot), full_page=True)
            assert shot.read_bytes().startswith(b"\x89PNG")
            if os.environ.get("ALVEOLE_UPDATE_SCREENSHOTS") == "1":
                shutil.copyfile(shot, SCREENSHOT)

            # Logging out takes the charts off the screen.
            page.click("#logout")
            expect(page.locator("#console-status")).to_have_text("Logged out.")
            expect(page.locator("#dashboard")).to_be_hidden()
            assert page.locator("canvas[data-drawn]").count() == 0
            assert page.evaluate("() => window.sessionStorage.getItem('alveole:token')") is None
        finally:
            browser.close()
    assert watch.outside == [], f"the page reached outside the app: {watch.outside}"
    assert watch.problems == [], watch.problems
