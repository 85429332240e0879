"""The Connection Manager page in a real browser (Playwright driving Debian's Chromium)
against the real services: seed 001's journey and an outsider.

The downstream admin signs in (development sign-in), requests the connection after the
rules preview; the upstream admin, in a second browser context, approves it; the copy's
progress bar runs to complete; the distribution list's mail, refused once by the mail
server, is sent again from the page and arrives in the SMTP sink. An
outsider signed in beside them sees nothing of either project.

Playwright cannot download browsers here: it launches /usr/bin/chromium (.ci/run installs
it). Without it the tests skip, except in CI (CI=true), where they fail. With
CONNECTABILITY_WEB_SCREENSHOTS=<dir> each page is also saved there (docs/screenshots).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from connectability.v1 import connection_service_pb2 as pb
from services.supervisor import start_services, stop_services, wait_until_serving
from services.web.app import build_app
from shared.runtime.config import Settings
from tests.fixtures.stack import Stack, free_port
from tests.integration.calls import eventually
from tests.integration.sync_setup import SyncPair, Upstream
from tests.integration.test_drawings_catalog import Project, make_area_set_drawing
from tests.notification.conftest import ScriptedHandler, SmtpServer
from tests.web.world import Seed, make_seed

CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("stack", ["sqlite"], indirect=True),
]

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError(f"the browser tests need {CHROMIUM}: .ci/run installs it")
    pytest.skip(f"no {CHROMIUM} (apt-get install chromium)", allow_module_level=True)

playwright_api = pytest.importorskip("playwright.sync_api")
Axe = pytest.importorskip("axe_playwright_python.sync_playwright").Axe


@dataclass
class Site:
    url: str
    stack: Stack
    smtp: SmtpServer


@pytest.fixture(scope="module")
def site(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """Connection and notification processes mailing through an SMTP sink (the drawing one
    shared with the session), and the page served by uvicorn in this process."""
    import uvicorn

    data_dir = tmp_path_factory.mktemp("web-browser")
    # The mail server refuses the first message for good (it fails; the page sends it again).
    smtp = SmtpServer(free_port(), ScriptedHandler(replies=["550 5.1.1 Mailbox unavailable"]))
    smtp.start()
    ports = {"connection": free_port(), "notification": free_port()}
    env = {key: value for key, value in stack.env.items() if not key.endswith("_DATABASE_URL")} | {
        "CONNECTABILITY_DATA_DIR": str(data_dir),
        "CONNECTABILITY_SMTP_HOST": "127.0.0.1",
        "CONNECTABILITY_SMTP_PORT": str(smtp.port),
        "CONNECTABILITY_NOTIFICATION_DIGEST_WINDOW_SECONDS": "0.2",
        **{f"CONNECTABILITY_{name.upper()}_PORT": str(port) for name, port in ports.items()},
    }
    own = Settings(data_dir=data_dir, **{f"{name}_port": port for name, port in ports.items()})
    processes = start_services(own, list(ports), env=env)
    drawing = [process for process in stack.processes if process.name == "drawing"]
    mailing = Stack(stack.backend, stack.keys, data_dir, env, processes + drawing)
    web_settings = Settings(
        data_dir=data_dir,
        connection_port=ports["connection"],
        web_sign_in="development",
        jwt_signing_key=str(stack.keys.signing_key_path),
    )
    server = uvicorn.Server(
        uvicorn.Config(build_app(web_settings), port=free_port(), log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    try:
        wait_until_serving(processes, timeout_seconds=60)
        thread.start()
        while not server.started:
            assert thread.is_alive(), "the page did not start"
            time.sleep(0.05)
        yield Site(f"http://127.0.0.1:{server.config.port}", mailing, smtp)
    finally:
        server.should_exit = True
        thread.join(10)
        mailing.close()
        stop_services(processes, grace_seconds=2)
        smtp.stop()


@pytest.fixture(scope="module")
def browser(site: Site) -> Iterator[object]:
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


class Person:
    """One person's browser context, signed in through the development sign-in."""

    def __init__(self, browser: object, site: Site, user: pb.User):
        self.context = browser.new_context(timezone_id="Europe/Berlin")  # type: ignore[attr-defined]
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.site = site
        self.page.goto(f"{site.url}/sign-in")
        self.page.get_by_label("User id").fill(user.id)
        self.page.get_by_role("button", name="Sign in", exact=True).click()
        self.page.wait_for_url(f"{site.url}/")

    def goto(self, path: str) -> object:
        return self.page.goto(f"{self.site.url}{path}")

    def shot(self, name: str) -> None:
        """Checks the page with axe-core (no serious or critical violation), and saves a
        screenshot when asked to."""
        violations = Axe().run(self.page).response["violations"]
        serious = [
            f"{found['id']}: {found['help']} ({len(found['nodes'])} elements)"
            for found in violations
            if found["impact"] in ("serious", "critical")
        ]
        assert not serious, f"{name}: {serious}"
        folder = os.environ.get("CONNECTABILITY_WEB_SCREENSHOTS")
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(Path(folder) / f"web-{name}.png"), full_page=True)


def publish_one_revision(site: Site, seed: Seed) -> None:
    """One published revision upstream, so the initial copy has something to copy."""
    token = seed.token(seed.up_admin)
    project = Project(
        seed.upstream.id, seed.upstream.company_id, {"admin": token, "standard": token}
    )
    area, drawing_set, sheet = make_area_set_drawing(seed.directory.drawing, project)
    upstream = Upstream(project, area.id, drawing_set.id, sheet.id)
    SyncPair(seed.directory, None, upstream).publish("A")  # type: ignore[arg-type]


def test_seed_001_in_the_browser(browser: object, site: Site) -> None:
    seed = make_seed(site.stack)
    publish_one_revision(site, seed)
    up = Person(browser, site, seed.up_admin)
    down = Person(browser, site, seed.down_admin)
    expect = playwright_api.expect

    # The upstream admin sets the distribution list (advanced settings).
    up.goto(f"/projects/{seed.upstream.id}/settings")
    up.page.get_by_label("Email addresses, one a line").fill("architects@example.com")
    up.page.get_by_role("button", name="Save the list").click()
    expect(up.page.get_by_role("status")).to_have_text("Saved.")

    # The downstream admin picks the upstream project and sees each rule's verdict.
    down.shot("projects")
    down.goto(f"/projects/{seed.downstream.id}/request")
    down.page.get_by_label(seed.upstream.name, exact=False).check()
    down.shot("request")
    down.page.get_by_role("button", name="Check the rules").click()
    verdicts = down.page.locator("table.verdicts tbody tr")
    expect(verdicts).to_have_count(9)
    expect(down.page.locator("table.verdicts tr.fail")).to_have_count(0)
    down.shot("preview")
    # By keyboard: the first Tab reaches "Skip to content"; the button takes Enter.
    down.page.keyboard.press("Tab")
    expect(down.page.locator(":focus")).to_have_text("Skip to content")
    down.page.get_by_role("button", name="Send the request").focus()
    down.page.keyboard.press("Enter")
    expect(down.page.locator(".facts .state")).to_have_text("Pending")
    connection_path = down.page.url.split(site.url, 1)[1].split("?")[0]
    connection_id = connection_path.rsplit("/", 1)[1]

    # The upstream admin, in a second context, finds it pending and approves it.
    up.goto(f"/projects/{seed.upstream.id}")
    expect(up.page.get_by_text("Pending", exact=True)).to_be_visible()
    up.shot("connections-pending")
    # The downstream project is another company's: it shows by id only (R27).
    up.page.locator("tr", has_text="Pending").get_by_role("link").click()
    up.page.get_by_role("link", name="Approve…").click()
    up.shot("confirm-approve")
    up.page.get_by_role("button", name="Confirm: approve the request").click()
    expect(up.page.locator(".facts .state")).to_have_text("Active")
    # The progress bar (live, htmx) runs to complete: the one revision copied.
    expect(up.page.locator(".progress label")).to_have_text("Initial copy: Complete")
    expect(up.page.locator(".progress .copied")).to_have_text("1 of 1 revisions")
    up.shot("connection")

    # The downstream's view: the connection active, the audit trail with both steps.
    down.goto(f"/projects/{seed.downstream.id}/connections/{connection_id}")
    trail = down.page.get_by_role("table").last
    expect(trail).to_contain_text(seed.down_admin.display_name)
    expect(trail).to_contain_text(seed.up_admin.id)
    down.goto(f"/projects/{seed.downstream.id}")
    expect(down.page.get_by_text("Active", exact=True)).to_be_visible()
    down.shot("connections")

    # The distribution list heard of the request (R23), but the mail server refused that
    # message: the delivery shows failed, and the upstream admin sends it again (R25).
    resend = up.page.get_by_role("button", name="Send again to architects@example.com")

    def failed_delivery_listed() -> None:
        up.goto(f"/projects/{seed.upstream.id}/settings")
        assert resend.count() == 1

    eventually(failed_delivery_listed, timeout_seconds=20)
    expect(up.page.locator("main")).to_contain_text("550 5.1.1 Mailbox unavailable")
    up.shot("settings")
    message_id = up.page.locator("input[name=message_id]").get_attribute("value")
    resend.click()
    expect(up.page.get_by_role("status")).to_have_text("Queued to be sent again.")

    def mailed() -> None:
        received = [str(mail["Message-ID"]).strip("<>") for mail in site.smtp.handler.received]
        assert str(message_id).strip("<>") in received

    eventually(mailed, timeout_seconds=20)
    for person in (up, down):
        person.context.close()


def test_an_outsider_sees_nothing_in_the_browser(browser: object, site: Site) -> None:
    seed = make_seed(site.stack)
    outsider = Person(browser, site, seed.outsider)
    expect = playwright_api.expect
    expect(outsider.page.locator("main")).not_to_contain_text(seed.upstream.name)
    for path in (f"/projects/{seed.upstream.id}", f"/projects/{seed.downstream.id}/settings"):
        answer = outsider.goto(path)
        assert answer.status == 404  # type: ignore[attr-defined]
        expect(outsider.page.get_by_role("alert")).to_be_visible()
        expect(outsider.page.locator("main")).not_to_contain_text(seed.upstream.name)
    outsider.shot("outsider")
    outsider.context.close()
