"""The revision repository's queries pick, on each backend, what the domain rules say."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from services.drawing.domain import currency, revision_rules
from services.drawing.store import models
from services.drawing.store.revision_repository import RevisionRepository
from tests.domain.drawing.revision_fakes import LATER, Revision, copy_of, published, reviewed

FEB, MAR, JAN = date(2026, 2, 1), date(2026, 3, 1), date(2026, 1, 1)
SHA = "ab" * 32

# Each drawing: a current published revision and one sibling, as in the domain tests.
SIBLINGS = {
    "newer-copy": copy_of("s", drawing_date=MAR),
    "same-day-later-copy": copy_of("s", drawing_date=FEB, created_at=LATER),
    "same-moment-copy": copy_of("s", drawing_date=FEB),
    "older-copy": copy_of("s", drawing_date=JAN),
    "withdrawn-copy": copy_of("s", drawing_date=MAR, withdrawn=True),
    "published-copy": copy_of("s", drawing_date=MAR, status="published"),
    "own-revision": reviewed("s", drawing_date=MAR),
    "withdrawn-own": reviewed("s", drawing_date=MAR, withdrawn=True),
}


def _seed(session: Session) -> list[tuple[Revision, Revision]]:
    session.add(
        models.ProjectFacts(
            project_id="tower",
            company_id="c",
            name="Tower",
            active=True,
            outside_applications_allowed=True,
        )
    )
    session.add(models.StoredFile(sha256=SHA, size_bytes=1, content_type="application/pdf"))
    session.flush()
    session.add(models.DrawingArea(id="area", project_id="tower", name="Arch"))
    session.add(models.DrawingSet(id="set-issued", project_id="tower", name="IFC"))
    session.flush()
    pairs = []
    for case, sibling in SIBLINGS.items():
        session.add(
            models.Drawing(id=case, project_id="tower", area_id="area", number=case, discipline="A")
        )
        current = published(f"{case}-current", drawing_id=case, drawing_date=FEB, current=True)
        sibling = Revision(**{**asdict(sibling), "id": f"{case}-sibling", "drawing_id": case})
        pairs.append((current, sibling))
    session.flush()
    for current, sibling in pairs:
        for revision in (current, sibling):
            session.add(
                models.DrawingRevision(**asdict(revision), file_sha256=SHA, file_name="a.pdf")
            )
    session.flush()
    return pairs


def test_the_stored_queries_agree_with_the_rules(
    drawing_sessions: sessionmaker[Session],
) -> None:
    with drawing_sessions.begin() as session:
        pairs = _seed(session)
        stored = RevisionRepository(session)
        expected_outdated = {
            current.id for current, sibling in pairs if currency.is_outdated(current, [sibling])
        }
        assert expected_outdated == {"newer-copy-current", "same-day-later-copy-current"}
        assert stored.outdated_among([current.id for current, _ in pairs]) == expected_outdated

        every = [revision for pair in pairs for revision in pair]
        awaiting = {r.id for r in every if revision_rules.awaits_publication(r)}
        assert {r.id for r in stored.awaiting_publication("set-issued")} == awaiting
        for case in SIBLINGS:
            published_here = {
                r.id for r in every if r.drawing_id == case and r.status == "published"
            }
            assert {r.id for r in stored.published_of(case)} == published_here
