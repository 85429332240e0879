"""Drawings tool permissions (R33): who holds which level on a project, and who may see it."""

from __future__ import annotations

from collections.abc import Callable

from services.drawing.domain.drawings_access import ADMIN
from services.drawing.store.models import DrawingsGrant
from services.drawing.store.unit_of_work import DrawingUnitOfWork
from services.drawing.use_cases import access
from shared.facts.errors import ErrorReason, InvalidArgument, PermissionDenied
from shared.facts.identity import Principal


class DrawingsPermissionsUseCases:
    def __init__(self, uow: Callable[[], DrawingUnitOfWork]) -> None:
        self._uow = uow

    def set_level(
        self, caller: Principal, project_id: str, user_id: str, level: str
    ) -> DrawingsGrant | None:
        """Grant ``level`` (``none`` revokes); the grant as stored now (None when revoked).

        A Drawings admin grants Drawings levels on their project, to anyone; never another
        tool's levels nor another project's, so a grant cannot escalate further. Access is
        managed on inactive projects too: it is not the project's content.
        """
        with self._uow() as uow:
            access.require(uow, caller, project_id, ADMIN)
            uow.grants.set_level(project_id, user_id, level)
            return uow.grants.grant_of(project_id, user_id)

    def level_of(self, caller: Principal, project_id: str, user_id: str) -> str:
        """Anyone reads their own level (NONE for a project they cannot see, as for one that
        does not exist); another user's level needs the Drawings admin level."""
        with self._uow() as uow:
            if caller.user_id and user_id != caller.user_id:  # systems read any level
                access.require(uow, caller, project_id, ADMIN)
            return uow.grants.level_of(project_id, user_id)

    def list_grants(
        self, caller: Principal, project_id: str, user_id: str, page_size: int, page_token: str
    ) -> tuple[list[DrawingsGrant], str]:
        """The grants on a project, of a user, or of a user on a project."""
        if not project_id and not user_id:
            raise InvalidArgument(ErrorReason.FILTER_REQUIRED, "project_id or user_id is required.")
        with self._uow() as uow:
            user_id = _listable_user(uow, caller, project_id, user_id)
            if project_id and user_id:
                grant = uow.grants.grant_of(project_id, user_id)
                return ([grant] if grant is not None else []), ""
            if project_id:
                return uow.grants.list_levels(project_id, page_size, page_token)
            return uow.grants.list_levels_of_user(user_id, page_size, page_token)


def _listable_user(uow: DrawingUnitOfWork, caller: Principal, project_id: str, user_id: str) -> str:
    """The user whose grants the caller may list ("" = everyone's on the project).

    Systems list anything. A person lists their own grants anywhere; on a project whose
    Drawings tool they administer, anyone's; elsewhere they see their own row only.
    """
    if not caller.user_id or user_id == caller.user_id:
        return user_id
    if not project_id:
        raise PermissionDenied(
            ErrorReason.PERMISSION_DENIED, "Only the platform lists another user's grants."
        )
    if access.level_of(uow, caller, project_id) == ADMIN:
        access.require(uow, caller, project_id, ADMIN)  # R31 for integrators
        return user_id
    if user_id:  # someone else's grant on a project the caller does not administer
        access.require(uow, caller, project_id, ADMIN)
    return caller.user_id
