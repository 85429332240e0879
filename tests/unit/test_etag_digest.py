"""Etags (AIP-154) computed the cheap way are the etags clients already hold: the same
digest of the same stored values, whether from a row's values in column order or from an
ORM entity, as the sorted-JSON digest of a mapping gave them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from services.drawing.domain.revision_states import RevisionStatus
from services.drawing.store.models import DrawingArea
from shared.persistence.etags import StoredFields, etag_of, etag_of_values

_STORED_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.text(),
    st.dates(),
    st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5)), UTC])),
    st.sampled_from(list(RevisionStatus)),  # an entity may hold the enum before a flush
    st.floats(allow_nan=False),
    st.lists(st.text(), max_size=3),
)


@given(st.dictionaries(st.text(min_size=1), _STORED_VALUES, min_size=1, max_size=25))
def test_an_etag_from_values_in_column_order_is_the_etag_of_the_mapping(
    record: dict[str, object],
) -> None:
    names = list(record)
    assert StoredFields(names).etag([record[name] for name in names]) == etag_of_values(record)


def test_an_etag_handed_out_before_stays_the_same() -> None:
    """Pinned: computed by the sorted-JSON digest before the cheaper one existed, so an
    update sent with an etag read before an upgrade is still accepted."""
    names = ["id", "name", "count", "current", "withdrawn", "connection_id"]
    names += ["drawing_date", "created_at"]
    values = ["r1", 'Zürich – A-101 "50%"', 3, True, False, None, date(2026, 1, 2)]
    values.append(datetime(2026, 12, 2, 17, 0, 0, 123456, tzinfo=timezone(timedelta(hours=1))))
    assert StoredFields(names).etag(values) == '"2768067836b5b0037d504042b7118bdd"'


def test_an_entity_and_its_row_values_have_one_etag() -> None:
    moment = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)
    area = DrawingArea(
        id="a1",
        project_id="p1",
        name="Level 1",
        description="",
        connection_id=None,
        created_at=moment,
        updated_at=moment,
    )
    columns = [column.key for column in DrawingArea.__mapper__.column_attrs]
    before = etag_of(area)
    assert before == etag_of_values({key: getattr(area, key) for key in columns})
    area.name = "Level 2"
    assert etag_of(area) == etag_of_values({key: getattr(area, key) for key in columns})
    assert etag_of(area) != before
