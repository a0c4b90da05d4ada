"""The DPO's console (GET /graphql in a browser), in a real browser against a real server.

Debian's Chromium (/usr/bin/chromium) driven by playwright, which is used with that executable only:
no `playwright install`, no browser download. The server is `alveole serve --demo` in a subprocess on
a temporary SQLite file; the page must load nothing from anywhere else and run under the app's CSP.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.live_server import live_server

pytestmark = pytest.mark.slow  # Chromium: the second stage of .ci/run

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does it)", allow_module_level=True)
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is missing: pip install -e '.[test]' (it uses the system Chromium only)"
)

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DPO_EMAIL = "dpo@demo.alveole.test"
DEMO_PASSWORD = "demo-alveole-2026"
DEMO_AGENCY = "Voyages Demo"
EXAMPLE_TABS = ["FindAndExport", "SubjectAccessExport", "RestrictVisibility", "RetentionPreview", "VerifiedRequests"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("console")
    with live_server(f"sqlite://{folder / 'alveole.sqlite3'}", folder, extra_args=("--demo",), cwd=folder) as live:
        yield live.url


def test_the_page_and_its_files_are_served_by_the_app(server: str) -> None:
    page = httpx.get(f"{server}/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<script>" not in page.text  # no inline script: the page's own JS is a static file
    assert 'src="http' not in page.text and 'href="http' not in page.text  # nothing from a CDN
    for path in (
        "vendor/graphiql/graphiql.min.js",
        "vendor/graphiql/graphiql.min.css",
        "vendor/react/react.production.min.js",
        "vendor/react-dom/react-dom.production.min.js",
        "console.js",
        "examples.js",
        "console.css",
    ):
        assert f'"static/graphiql/{path}"' in page.text
        assert httpx.get(f"{server}/static/graphiql/{path}").status_code == 200, path
    for path in ("signin.js", "documents.js"):  # the sign-in bar, shared with the dashboard, and its documents
        assert f'"static/{path}"' in page.text
        assert httpx.get(f"{server}/static/{path}").status_code == 200, path
    # The API is unchanged: POST with JSON.
    answer = httpx.post(f"{server}/graphql", json={"query": "{ me { email } }"})
    assert answer.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@dataclass
class Watch:
    """What a page asked from outside the app, and its console errors and CSP reports."""

    outside: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def watched(page, server: str) -> Watch:
    watch = Watch()

    def on_request(request) -> None:
        if not request.url.startswith(server + "/") and not request.url.startswith("data:"):
            watch.outside.append(request.url)

    def on_console(message) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            watch.problems.append(f"console {message.type}: {message.text}")

    page.set_default_timeout(15_000)
    page.on("request", on_request)
    page.on("console", on_console)
    page.on("pageerror", lambda error: watch.problems.append(f"page error: {error}"))
    return watch


def test_the_dpo_logs_in_and_finds_a_person_by_name(server: str) -> None:
    expect = sync_api.expect
    find_requests: list[dict[str, str]] = []

    def on_request(request) -> None:
        if request.method == "POST" and "FindAndExport" in (request.post_data or ""):
            find_requests.append(request.headers)

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page()
            watch = watched(page, server)
            page.on("request", on_request)
            page.goto(f"{server}/graphql")

            # GraphiQL is up, with the seed's cases as ready tabs.
            tabs = page.locator(".graphiql-tab")
            expect(tabs).to_have_count(len(EXAMPLE_TABS))
            assert [text.strip() for text in tabs.all_inner_texts()] == EXAMPLE_TABS

            # Log in through the form, not by pasting a token.
            page.fill("#login-form input[name=email]", DPO_EMAIL)
            page.fill("#login-form input[name=password]", DEMO_PASSWORD)
            page.fill("#login-form input[name=agency]", DEMO_AGENCY)  # optional: needed only for a shared address
            page.click("#login-form button[type=submit]")
            expect(page.locator("#session")).to_be_visible()
            expect(page.locator("#session-user")).to_contain_text(DPO_EMAIL)
            expect(page.locator("#login-form")).to_be_hidden()

            # Cas 1: the find operation, from its ready tab, with its variables shown.
            page.locator(".graphiql-tab", has_text="FindAndExport").click()
            expect(page.locator(".graphiql-query-editor")).to_contain_text("contacts(search: $search, first: 10)")
            expect(page.locator(".graphiql-editor-tool")).to_contain_text("Pierre Martin")
            page.click(".graphiql-execute-button")
            response = page.locator(".graphiql-response")
            expect(response).to_contain_text("Martin")
            expect(response).to_contain_text('"totalCount": 1')
            assert find_requests and find_requests[-1].get("authorization", "").startswith("Bearer alv_ses_")

            # The Docs panel reads the schema by introspection (graphql-js's full query): Contact is there.
            page.click('.graphiql-sidebar button[aria-label="Show Documentation Explorer"]')
            explorer = page.locator(".graphiql-doc-explorer")
            expect(explorer).to_be_visible()
            explorer.locator("a.graphiql-doc-explorer-type-name", has_text="Contact").first.wait_for()
            assert page.locator(".graphiql-doc-explorer-error").count() == 0
            explorer.get_by_text("Contact", exact=True).first.click()
            expect(page.locator(".graphiql-doc-explorer-title")).to_have_text("Contact")
            expect(explorer).to_contain_text("firstName")

            # The menu opens an example in a new tab.
            page.select_option("#examples", "retention")
            expect(tabs).to_have_count(len(EXAMPLE_TABS) + 1)
            expect(page.locator(".graphiql-tab-active")).to_contain_text("RetentionPreview")
            expect(page.locator(".graphiql-query-editor")).to_contain_text("applyRetention(dryRun: true)")

            # Nothing in localStorage; the token only in this tab's sessionStorage, until logout.
            assert page.evaluate("() => Object.keys(window.localStorage)") == []
            assert page.evaluate("() => window.sessionStorage.getItem('alveole:token')")

            # Logout revokes the session and wipes the screen.
            page.click("#logout")
            expect(page.locator("#login-form")).to_be_visible()
            expect(page.locator("#console-status")).to_have_text("Logged out.")
            expect(tabs).to_have_count(len(EXAMPLE_TABS))
            expect(response).not_to_contain_text("Martin")
            assert page.evaluate("() => window.sessionStorage.getItem('alveole:token')") is None
        finally:
            browser.close()

    token = find_requests[-1]["authorization"]
    revoked = httpx.post(f"{server}/graphql", json={"query": "{ me { email } }"}, headers={"Authorization": token})
    assert revoked.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert watch.outside == [], f"the page reached outside the app: {watch.outside}"
    assert watch.problems == [], watch.problems
