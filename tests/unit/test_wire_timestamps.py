"""Datetimes become the same ``Timestamp`` a client would compute with protobuf's own
``FromDatetime``, before and after the epoch, in any zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from google.protobuf.timestamp_pb2 import Timestamp
from hypothesis import given
from hypothesis import strategies as st

from shared.runtime.timestamps import timestamp_of

_ZONES = st.sampled_from(
    [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=8))]
)


@given(st.one_of(st.datetimes(timezones=_ZONES), st.datetimes()))
def test_a_datetime_is_the_timestamp_protobuf_makes_of_it(moment: datetime) -> None:
    expected = Timestamp()
    expected.FromDatetime(moment)
    assert timestamp_of(moment) == expected
    assert timestamp_of(moment).ToDatetime(tzinfo=UTC) == expected.ToDatetime(tzinfo=UTC)
