"""Upload policies and download links (no database, no network)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from services.drawing.store.files.download_links import (
    DownloadRefused,
    download_url,
    verify_download,
)
from services.drawing.store.files.policy import (
    PolicyRefused,
    issue_upload_fields,
    new_upload_policy,
    verify_upload_fields,
)
from services.drawing.store.files.signing import sign_bytes

SECRET = b"k" * 32
NOW = datetime(2030, 5, 1, 12, 0, 0, 500_000, tzinfo=UTC)
SHA = "ab" * 32


def fields_for() -> dict[str, str]:
    policy = new_upload_policy("u-1", "p-1", "application/pdf", 1000, NOW, ttl_seconds=900)
    return issue_upload_fields(policy, SECRET)


def refusal(fields: dict[str, str], now: datetime = NOW) -> str:
    with pytest.raises(PolicyRefused) as refused:
        verify_upload_fields(fields, SECRET, now)
    return refused.value.reason


def test_issued_fields_verify_into_the_policy() -> None:
    fields = fields_for()
    assert set(fields) == {"key", "policy", "signature", "Content-Type"}
    policy = verify_upload_fields(fields, SECRET, NOW)
    assert policy.upload_uuid == fields["key"] == "u-1"
    assert (policy.project_id, policy.content_type, policy.max_bytes) == (
        "p-1",
        "application/pdf",
        1000,
    )
    assert policy.expires_at == datetime(2030, 5, 1, 12, 15, tzinfo=UTC)


def test_field_names_match_case_insensitively() -> None:
    fields = {name.upper(): value for name, value in fields_for().items()}
    assert verify_upload_fields(fields, SECRET, NOW).upload_uuid == "u-1"


def test_a_tampered_policy_is_refused() -> None:
    fields = fields_for()
    document = json.loads(base64.b64decode(fields["policy"]))
    document["max_bytes"] = 10**9
    forged = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    assert refusal({**fields, "policy": base64.b64encode(forged).decode()}) == (
        "POLICY_SIGNATURE_INVALID"
    )


def test_a_policy_signed_with_another_secret_is_refused() -> None:
    fields = fields_for()
    document = base64.b64decode(fields["policy"])
    assert refusal({**fields, "signature": sign_bytes(document, b"x" * 32)}) == (
        "POLICY_SIGNATURE_INVALID"
    )


@pytest.mark.parametrize("missing", ["policy", "signature", "Content-Type"])
def test_missing_fields_are_refused(missing: str) -> None:
    fields = fields_for()
    del fields[missing]
    assert refusal(fields) == "POLICY_SIGNATURE_INVALID"


def test_a_key_other_than_the_signed_one_is_refused() -> None:
    assert refusal({**fields_for(), "key": "u-2"}) == "POLICY_SIGNATURE_INVALID"


def test_not_base64_is_refused() -> None:
    assert refusal({**fields_for(), "policy": "%%%"}) == "POLICY_SIGNATURE_INVALID"


def test_an_expired_policy_is_refused() -> None:
    assert refusal(fields_for(), now=NOW + timedelta(seconds=900)) == "POLICY_EXPIRED"


def test_a_different_content_type_field_is_refused() -> None:
    assert refusal({**fields_for(), "Content-Type": "image/png"}) == "CONTENT_TYPE_MISMATCH"
    relaxed = {**fields_for(), "Content-Type": "Application/PDF"}
    assert verify_upload_fields(relaxed, SECRET, NOW).content_type == "application/pdf"


def link_query(url: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(url)
    return parts.path, {name: values[0] for name, values in parse_qs(parts.query).items()}


def test_a_download_link_names_the_file_and_verifies() -> None:
    url = download_url(
        "http://files.test/", "rev-1", SHA, "A-101 plan.pdf", NOW + timedelta(60), SECRET
    )
    path, query = link_query(url)
    assert url.startswith("http://files.test/files/")
    assert path == f"/files/{SHA}"
    grant = verify_download(SHA, query, SECRET, NOW)
    assert (grant.revision_id, grant.sha256, grant.file_name) == ("rev-1", SHA, "A-101 plan.pdf")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"name": "other.pdf"}, "DOWNLOAD_LINK_INVALID"),
        ({"revision": "rev-2"}, "DOWNLOAD_LINK_INVALID"),
        ({"revision": None}, "DOWNLOAD_LINK_INVALID"),
        ({"expires": "99999999999"}, "DOWNLOAD_LINK_INVALID"),
        ({"expires": "-1"}, "DOWNLOAD_LINK_INVALID"),
        ({"signature": "0" * 64}, "DOWNLOAD_LINK_INVALID"),
        ({"signature": None}, "DOWNLOAD_LINK_INVALID"),
    ],
)
def test_a_changed_download_link_is_refused(change: dict[str, str | None], reason: str) -> None:
    _, query = link_query(download_url("", "rev-1", SHA, "a.pdf", NOW + timedelta(60), SECRET))
    for name, value in change.items():
        if value is None:
            del query[name]
        else:
            query[name] = value
    with pytest.raises(DownloadRefused) as refused:
        verify_download(SHA, query, SECRET, NOW)
    assert refused.value.reason == reason


def test_a_download_link_for_other_bytes_is_refused() -> None:
    _, query = link_query(download_url("", "rev-1", SHA, "a.pdf", NOW + timedelta(60), SECRET))
    with pytest.raises(DownloadRefused, match="signature"):
        verify_download("cd" * 32, query, SECRET, NOW)


def test_an_expired_download_link_is_refused() -> None:
    _, query = link_query(download_url("", "rev-1", SHA, "a.pdf", NOW, SECRET))
    with pytest.raises(DownloadRefused) as refused:
        verify_download(SHA, query, SECRET, NOW + timedelta(seconds=1))
    assert refused.value.reason == "DOWNLOAD_LINK_EXPIRED"


def test_an_upload_signature_never_passes_as_a_download_link() -> None:
    fields = fields_for()
    query = {"name": "a.pdf", "expires": "1999999999", "signature": fields["signature"]}
    with pytest.raises(DownloadRefused):
        verify_download(SHA, query, SECRET, NOW)
