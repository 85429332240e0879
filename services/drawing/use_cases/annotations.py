"""What a project adds to a revision: markups and custom fields.

Both stay in the project that made them: they are never copied downstream (R16).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from services.drawing.domain.drawings_access import ADMIN, STANDARD
from services.drawing.store.models import CustomField, Markup
from services.drawing.store.unit_of_work import DrawingUnitOfWork
from services.drawing.use_cases import access
from shared.facts.identity import Principal
from shared.persistence.db import new_id, utcnow


@dataclass(frozen=True)
class MarkupFields:
    kind: str
    data: str


class AnnotationUseCases:
    def __init__(self, uow: Callable[[], DrawingUnitOfWork]) -> None:
        self._uow = uow

    def add_markup(
        self, caller: Principal, revision_id: str, checked: Callable[[], MarkupFields]
    ) -> Markup:
        with self._uow() as uow:
            revision = access.visible_revision(uow, caller, revision_id)
            access.require_to_change(
                uow, caller, revision.project_id, STANDARD, ("revision", revision.id)
            )
            fields = checked()
            return uow.annotations.add_markup(
                Markup(
                    id=new_id(),
                    revision_id=revision.id,
                    author_user_id=caller.user_id or caller.describe(),
                    kind=fields.kind,
                    data=fields.data,
                    created_at=utcnow(),
                )
            )

    def markups(
        self, caller: Principal, revision_id: str, page_size: int, page_token: str
    ) -> tuple[list[Markup], str]:
        with self._uow() as uow:
            revision = access.visible_revision(uow, caller, revision_id)
            return uow.annotations.markups(revision.id, page_size, page_token)

    def set_custom_field(
        self, caller: Principal, revision_id: str, checked_name: Callable[[], str], value: str
    ) -> str:
        """The field's (checked) name; an empty ``value`` removes the field."""
        with self._uow() as uow:
            revision = access.visible_revision(uow, caller, revision_id, ADMIN)
            name = checked_name()
            uow.annotations.set_custom_field(revision.id, name, value)
            return name

    def custom_fields(
        self, caller: Principal, revision_id: str, page_size: int, page_token: str
    ) -> tuple[list[CustomField], str]:
        with self._uow() as uow:
            revision = access.visible_revision(uow, caller, revision_id)
            return uow.annotations.custom_fields(revision.id, page_size, page_token)
