"""Browser uploads straight into a bucket (moto's S3 server): the presigned POST is real,
and since test S3 servers do not enforce POST policies, every term is checked again when
the upload is claimed (R29); what passes is kept once under its hash (R18)."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from services.drawing.store.files.file_access import file_store_from
from services.drawing.store.files.refusals import StorageRefused
from services.drawing.store.files.s3_store import S3FileStore, UploadTerms
from tests.fixtures.s3 import s3_settings
from tests.integration.test_direct_uploads import get, post_form

PDF = b"%PDF-1.7\n" + b"drawing " * 200 + b"\n%%EOF\n"


@pytest.fixture
def bucket(s3_endpoint: str, tmp_path: Path) -> S3FileStore:
    store = file_store_from(s3_settings(s3_endpoint, tmp_path))
    assert isinstance(store, S3FileStore)
    return store


def terms(max_bytes: int = 10_000, expires_in: float = 900) -> UploadTerms:
    expires_at = datetime.now(UTC) + timedelta(seconds=expires_in)
    return UploadTerms(str(uuid.uuid4()), "application/pdf", max_bytes, expires_at)


def posted(store: S3FileStore, wanted: UploadTerms, content: bytes, **fields: str) -> UploadTerms:
    """The browser's part: the presigned POST, fields first, then the file."""
    form = store.presigned_upload(wanted, expires_in=900)
    assert form.url.endswith(f"/{store.bucket}")
    assert {"key", "policy", "x-amz-signature", "Content-Type"} <= set(form.fields)
    answer = post_form(form.url, {**form.fields, **fields}, content)
    assert answer.status == 204, answer.body
    return wanted


def test_a_presigned_post_is_claimed_and_kept_under_its_hash(bucket: S3FileStore) -> None:
    first = bucket.claim_upload(posted(bucket, terms(), PDF))
    second = bucket.claim_upload(posted(bucket, terms(), PDF))
    assert first == second == (hashlib.sha256(PDF).hexdigest(), len(PDF))
    assert bucket.stored_hashes() == [first.sha256]  # two uploads, one object (R18)
    with bucket.open(first.sha256) as stored:
        assert stored.read() == PDF


def test_a_claimed_upload_can_be_forgotten_and_is_then_gone(bucket: S3FileStore) -> None:
    wanted = posted(bucket, terms(), PDF)
    bucket.claim_upload(wanted)
    bucket.forget_upload(wanted.upload_uuid)
    with pytest.raises(StorageRefused) as refused:
        bucket.claim_upload(wanted)
    assert refused.value.reason == "UPLOAD_NOT_RECEIVED"


def refusal_of(store: S3FileStore, wanted: UploadTerms) -> str:
    with pytest.raises(StorageRefused) as refused:
        store.claim_upload(wanted)
    assert store.stored_hashes() == []  # nothing is kept from a refused upload
    return refused.value.reason


def test_what_breaks_the_terms_is_refused_at_claim(bucket: S3FileStore) -> None:
    assert refusal_of(bucket, terms()) == "UPLOAD_NOT_RECEIVED"
    assert refusal_of(bucket, posted(bucket, terms(), b"GIF89a" + PDF)) == "NOT_A_PDF"
    # moto ignores the policy's content-length-range and Content-Type: we do not.
    assert refusal_of(bucket, posted(bucket, terms(max_bytes=100), PDF)) == "FILE_TOO_LARGE"
    sent_as_html = posted(bucket, terms(), PDF, **{"Content-Type": "text/html"})
    assert refusal_of(bucket, sent_as_html) == "CONTENT_TYPE_MISMATCH"


def test_a_file_that_arrived_after_the_upload_expired_is_refused(bucket: S3FileStore) -> None:
    late = posted(bucket, terms(expires_in=-5), PDF)
    assert refusal_of(bucket, late) == "POLICY_EXPIRED"


def test_downloads_are_presigned_gets_of_at_most_a_minute(bucket: S3FileStore) -> None:
    stored = bucket.put_stream([PDF], len(PDF))
    url = bucket.presigned_download(stored.sha256, "A-101.pdf", expires_in=300)
    signed = parse_qs(urlsplit(url).query)
    assert signed["X-Amz-Expires"] == ["60"]
    # S3 answers with the signed disposition (moto does not, so the URL is what we check).
    assert signed["response-content-disposition"] == ['attachment; filename="A-101.pdf"']
    answer = get(url)
    assert answer.status == 200 and answer.body == PDF


def test_presigned_urls_name_the_address_clients_reach_s3_at(
    s3_endpoint: str, tmp_path: Path
) -> None:
    public = "http://files.example.test:9000"
    settings = s3_settings(s3_endpoint, tmp_path).model_copy(
        update={"s3_public_endpoint_url": public}
    )
    store = file_store_from(settings)  # talks to the test endpoint, creates the bucket there
    assert isinstance(store, S3FileStore)
    stored = store.put_stream([PDF], len(PDF))
    assert store.presigned_upload(terms(), 900).url == f"{public}/{store.bucket}"
    assert store.presigned_download(stored.sha256, "A-1.pdf", 60).startswith(
        f"{public}/{store.bucket}/files/{stored.sha256}?"
    )
