"""The Connection Manager page against the real services: seed 001's journey through the
pages (request with the rules preview, approval by the upstream admin, the copy complete,
the audit trail, a disconnection that needs a reason), what an outsider sees (nothing), the
CSRF check and the development sign-in.

The page runs in-process (Starlette's TestClient) on the session stack's connection
service; people come in as a reverse proxy would send them, with `Authorization: Bearer`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from connectability.v1 import connection_service_pb2 as pb
from services.web.app import build_app
from services.web.demo import make_demo_directory
from shared.facts.identity import Principal, PrincipalKind
from shared.runtime.config import Settings
from tests.fixtures.stack import Stack
from tests.integration.calls import bearer, eventually
from tests.web.world import Seed, csrf_of, hidden_fields, make_seed

# The page is a client of the API: one backend proves it (the API itself runs on both).
pytestmark = pytest.mark.parametrize("stack", ["sqlite"], indirect=True)


@pytest.fixture
def seed(stack: Stack) -> Seed:
    return make_seed(stack)


def client_for(stack: Stack, tmp_path: Path, token: str | None) -> TestClient:
    settings = Settings(data_dir=tmp_path, web_sign_in="proxy")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return TestClient(build_app(settings, stack.channel("connection")), headers=headers)


@pytest.fixture
def people(stack: Stack, seed: Seed, tmp_path: Path) -> Iterator[dict[str, TestClient]]:
    clients = {
        name: client_for(stack, tmp_path, seed.token(user))
        for name, user in (
            ("up", seed.up_admin),
            ("down", seed.down_admin),
            ("outsider", seed.outsider),
        )
    }
    yield clients
    for client in clients.values():
        client.close()


def post(client: TestClient, page: str, action: str, **fields: str) -> Any:
    """Submits a form of ``page`` as a browser would: with its hidden fields (CSRF value,
    request id, etag) and ``fields``."""
    data = {**hidden_fields(client.get(page).text, action), **fields}
    return client.post(action, data=data, follow_redirects=True)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_seed_001_journey_through_the_pages(seed: Seed, people: dict[str, TestClient]) -> None:
    up, down = people["up"], people["down"]
    down_home = f"/projects/{seed.downstream.id}"
    assert seed.downstream.name in down.get("/").text

    # Request: the connectable projects, then every rule's verdict before anything is sent.
    picking = down.get(f"{down_home}/request")
    assert seed.upstream.name in picking.text
    preview = post(
        down,
        f"{down_home}/request",
        f"{down_home}/request",
        step="preview",
        upstream_project_id=seed.upstream.id,
    )
    words = text_of(preview.text)
    assert f"to {seed.upstream.name} (" in words  # named as the connectable list names it
    for rule in ("R6", "R7", "R8", "R9", "R10", "R11", "R12"):
        assert f"{rule} Passes" in words
    assert down.get(down_home).text.count("Pending") == 0  # a preview creates nothing
    send = {**hidden_fields(preview.text), "step": "send"}
    assert send["upstream_project_id"] == seed.upstream.id and send["request_id"]
    sent = down.post(f"{down_home}/request", data=send, follow_redirects=True)
    assert sent.status_code == 200 and "Pending" in sent.text
    connection_id = str(sent.url).rsplit("/", 1)[-1].split("?")[0]
    # The downstream admin may withdraw but not approve their own request.
    assert "Withdraw…" in sent.text and "Approve…" not in sent.text

    # The upstream admin sees it waiting, confirms the approval.
    up_home = f"/projects/{seed.upstream.id}"
    assert "Pending" in up.get(up_home).text
    page = f"{up_home}/connections/{connection_id}"
    confirm = up.get(f"{page}/approve")
    assert "Confirm: approve the request" in confirm.text
    approved = post(up, f"{page}/approve", f"{page}/approve")
    assert "Active" in approved.text

    # The copy runs to complete (nothing was published upstream: it completes at once).
    def complete() -> None:
        assert "Initial copy: Complete" in up.get(f"{page}/progress").text

    eventually(complete, timeout_seconds=20)
    # The audit trail: who did what, on both sides.
    trail = text_of(down.get(f"/projects/{seed.downstream.id}/connections/{connection_id}").text)
    # A colleague by name; another company's person by id only (R27).
    assert f"Requested: Pending {seed.down_admin.display_name} (company" in trail
    assert f"Pending → Active {seed.up_admin.id} (company" in trail

    # Disconnecting needs a reason: the API's sentence, shown on the confirmation page.
    refused = post(up, f"{page}/disconnect", f"{page}/disconnect", reason="")
    assert refused.status_code == 400
    assert "reason" in text_of(refused.text).lower()
    done = post(up, f"{page}/disconnect", f"{page}/disconnect", reason="Contract ended")
    assert "Disconnected" in done.text and "Contract ended" in done.text


def test_an_outsider_sees_nothing(seed: Seed, people: dict[str, TestClient]) -> None:
    outsider = people["outsider"]
    home = outsider.get("/")
    assert home.status_code == 200
    assert seed.upstream.name not in home.text and seed.downstream.name not in home.text
    for path in (
        f"/projects/{seed.upstream.id}",
        f"/projects/{seed.upstream.id}/settings",
        f"/projects/{seed.downstream.id}/request",
    ):
        answer = outsider.get(path)
        assert answer.status_code == 404, path
        assert seed.upstream.name not in answer.text
        assert "Traceback" not in answer.text


def test_settings_keep_the_distribution_list(seed: Seed, people: dict[str, TestClient]) -> None:
    up = people["up"]
    settings = f"/projects/{seed.upstream.id}/settings"
    saved = post(up, settings, f"{settings}/distribution-list", emails="ops@example.com\nbad")
    assert saved.status_code == 400 and "bad" in saved.text
    saved = post(up, settings, f"{settings}/distribution-list", emails="ops@example.com")
    assert "Saved." in saved.text and "ops@example.com" in saved.text, text_of(saved.text)


def test_reject_with_a_reason_withdraw_and_the_approval_preference(
    seed: Seed, people: dict[str, TestClient]
) -> None:
    up, down = people["up"], people["down"]

    def request() -> str:
        answer = seed.directory.connection.RequestConnection(
            pb.RequestConnectionRequest(
                downstream_project_id=seed.downstream.id, upstream_project_id=seed.upstream.id
            ),
            metadata=bearer(seed.token(seed.down_admin)),
            timeout=15,
        )
        return str(answer.connection.id)

    rejected = f"/projects/{seed.upstream.id}/connections/{request()}"
    done = post(up, f"{rejected}/reject", f"{rejected}/reject", reason="Wrong tower")
    assert "Rejected" in done.text and "Wrong tower" in done.text
    again = post(up, f"{rejected}/reject", f"{rejected}/reject", reason="Twice")
    assert again.status_code == 409 and "pending" in text_of(again.text).lower()

    withdrawn = f"/projects/{seed.downstream.id}/connections/{request()}"
    assert "Withdrawn" in post(down, f"{withdrawn}/withdraw", f"{withdrawn}/withdraw").text

    # The upstream company's admin switches to automatic approval; it is that company's
    # alone (the downstream's company still reviews).
    settings = f"/projects/{seed.upstream.id}/settings"
    auto = str(pb.APPROVAL_PREFERENCE_AUTO_APPROVE)
    saved = post(up, settings, f"{settings}/approval-preference", approval_preference=auto)
    assert "Saved." in saved.text and f'value="{auto}" checked' in saved.text
    review = str(pb.APPROVAL_PREFERENCE_REVIEW_REQUIRED)
    theirs = down.get(f"/projects/{seed.downstream.id}/settings").text
    assert f'value="{review}" checked' in theirs


def test_a_post_without_the_csrf_value_is_refused(
    seed: Seed, people: dict[str, TestClient]
) -> None:
    up = people["up"]
    settings = f"/projects/{seed.upstream.id}/settings"
    up.get(settings)
    answer = up.post(f"{settings}/distribution-list", data={"emails": "x@example.com"})
    assert answer.status_code == 403
    assert "x@example.com" not in up.get(settings).text


def test_without_a_token_behind_the_proxy_nothing_is_shown(stack: Stack, tmp_path: Path) -> None:
    with client_for(stack, tmp_path, None) as anonymous:
        answer = anonymous.get("/")
    assert answer.status_code == 401 and "sign-in" in answer.text


def test_lists_page(stack: Stack, seed: Seed, tmp_path: Path) -> None:
    annex = seed.directory.project(seed.upstream.company_id, name="Annex")
    settings = Settings(data_dir=tmp_path, web_sign_in="proxy", web_page_size=1)
    headers = {"Authorization": f"Bearer {seed.token(seed.up_admin)}"}
    with TestClient(build_app(settings, stack.channel("connection")), headers=headers) as up:
        first = up.get("/").text
        link = re.search(r'href="([^"]+)" rel="next"', first)
        assert link, "the first page links to the next"
        second = up.get("/" + html.unescape(link.group(1))).text
    assert "Annex" in first and seed.upstream.name not in first  # ordered by name
    assert seed.upstream.name in second and "Annex" not in second
    assert 'rel="next"' not in second
    assert annex.id


def test_a_token_the_services_refuse_shows_their_sentence(stack: Stack, tmp_path: Path) -> None:
    forged = stack.keys.forger.issue(Principal(PrincipalKind.USER, "someone", "acme"), 600)
    with client_for(stack, tmp_path, forged) as someone:
        answer = someone.get("/")
    assert answer.status_code == 401
    assert "signature" in text_of(answer.text).lower() and "Traceback" not in answer.text


def test_the_development_sign_in_picks_a_directory_user(
    stack: Stack, seed: Seed, tmp_path: Path
) -> None:
    settings = Settings(
        data_dir=tmp_path,
        web_sign_in="development",
        jwt_signing_key=str(stack.keys.signing_key_path),
    )
    with TestClient(build_app(settings, stack.channel("connection"))) as browser:
        assert browser.get("/", follow_redirects=False).headers["location"] == "/sign-in"
        form = browser.get("/sign-in")
        assert form.status_code == 200, text_of(form.text)
        unknown = browser.post("/sign-in", data={"csrf": csrf_of(form.text), "user_id": "nobody"})
        assert unknown.status_code == 404 and "nobody" in unknown.text
        signed_in = browser.post(
            "/sign-in", data={"csrf": csrf_of(form.text), "user_id": seed.down_admin.id}
        )
        assert signed_in.status_code == 200 and seed.downstream.name in signed_in.text
        cookie = signed_in.history[0].headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_the_demo_directory_lets_ben_request_from_the_design_project(
    stack: Stack, tmp_path: Path
) -> None:
    settings = Settings(
        data_dir=tmp_path,
        web_sign_in="development",
        jwt_signing_key=str(stack.keys.signing_key_path),
        connection_port=int(stack.env["CONNECTABILITY_CONNECTION_PORT"]),
        drawing_port=int(stack.env["CONNECTABILITY_DRAWING_PORT"]),
    )
    make_demo_directory(settings)
    make_demo_directory(settings)  # again: nothing changes, nothing fails
    with TestClient(build_app(settings, stack.channel("connection"))) as ben:
        form = ben.get("/sign-in").text
        home = ben.post("/sign-in", data={"csrf": csrf_of(form), "user_id": "ben"})
        assert "Riverside Tower: construction" in home.text and "Ben Builder" in home.text
        picking = ben.get("/projects/riverside-build/request").text
    assert "Riverside Tower: design — Northwind Architects" in picking
