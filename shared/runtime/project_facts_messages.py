"""``ProjectFacts`` between the wire (``connectability.v1.ProjectFacts``) and the registry."""

from __future__ import annotations

from datetime import UTC

from connectability.v1 import common_pb2
from shared.facts.errors import ErrorReason, InvalidArgument
from shared.facts.project_facts import ProjectFacts


def facts_from_message(message: common_pb2.ProjectFacts) -> ProjectFacts:
    missing = [name for name in ("project_id", "company_id") if not getattr(message, name)]
    if missing:
        raise InvalidArgument(
            ErrorReason.MISSING_FIELD,
            f"Project facts need {' and '.join(missing)}; nothing was recorded.",
        )
    try:
        update_time = (
            message.update_time.ToDatetime(tzinfo=UTC) if message.HasField("update_time") else None
        )
    except (ValueError, OverflowError) as error:  # out of range seconds or nanos
        raise InvalidArgument(
            ErrorReason.INVALID_FIELD_VALUE, f"project.update_time: {error}"
        ) from error
    return ProjectFacts(
        project_id=message.project_id,
        company_id=message.company_id,
        name=message.name,
        active=message.active,
        outside_applications_allowed=message.outside_applications_allowed,
        update_time=update_time,
    )


def facts_to_message(facts: ProjectFacts) -> common_pb2.ProjectFacts:
    message = common_pb2.ProjectFacts(
        project_id=facts.project_id,
        company_id=facts.company_id,
        name=facts.name,
        active=facts.active,
        outside_applications_allowed=facts.outside_applications_allowed,
    )
    if facts.update_time is not None:
        message.update_time.FromDatetime(facts.update_time)
    return message
