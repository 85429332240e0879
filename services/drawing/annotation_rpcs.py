"""DrawingService RPCs about what a project adds to a revision: markups and custom fields.

Both stay in the project that made them: they are never copied downstream (R16).
"""

from __future__ import annotations

import grpc
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from connectability.v1 import drawing_service_pb2 as pb
from services.drawing.api import drawing_messages as messages
from services.drawing.drawings_access import ADMIN, STANDARD
from services.drawing.revision_rpcs import RevisionRpcs
from services.drawing.store.models import CustomField, Markup
from shared.facts.identity import current_principal
from shared.persistence.db import new_id, utcnow
from shared.persistence.paging import ascending, fetch_page
from shared.runtime.request_checks import required_id

MAX_MARKUP_BYTES = 64 * 1024


def _markup_message(markup: Markup) -> pb.Markup:
    message = pb.Markup(
        id=markup.id,
        revision_id=markup.revision_id,
        author_user_id=markup.author_user_id,
        kind=markup.kind,
        data=markup.data,
    )
    message.create_time.FromDatetime(markup.created_at)
    return message


class AnnotationRpcs(RevisionRpcs):
    def CreateMarkup(
        self, request: pb.CreateMarkupRequest, context: grpc.ServicerContext
    ) -> pb.CreateMarkupResponse:
        wanted = request.markup
        revision = self._revision_for(required_id(wanted.revision_id, "markup.revision_id"))
        self._access.require_to_change(
            current_principal(), revision.project_id, STANDARD, ("revision", revision.id)
        )
        kind = messages.required_text(wanted.kind, "markup.kind")
        data = messages.bounded_text(wanted.data, "markup.data", MAX_MARKUP_BYTES)
        author = current_principal().user_id or current_principal().describe()

        def create(session: Session) -> pb.CreateMarkupResponse:
            markup = Markup(
                id=new_id(),
                revision_id=revision.id,
                author_user_id=author,
                kind=kind,
                data=data,
                created_at=utcnow(),
            )
            session.add(markup)
            session.flush()
            return pb.CreateMarkupResponse(markup=_markup_message(markup))

        return self._idempotent.run("CreateMarkup", request, pb.CreateMarkupResponse, create)

    def ListMarkups(
        self, request: pb.ListMarkupsRequest, context: grpc.ServicerContext
    ) -> pb.ListMarkupsResponse:
        revision = self._revision_for(request.revision_id)
        with self._sessions() as session:
            markups, token = fetch_page(
                session,
                select(Markup).where(Markup.revision_id == revision.id),
                (ascending(Markup.created_at), ascending(Markup.id)),
                page_size=request.page_size,
                page_token=request.page_token,
                filters={"revision_id": revision.id},
            )
            return pb.ListMarkupsResponse(
                markups=[_markup_message(markup) for markup in markups], next_page_token=token
            )

    def SetCustomField(
        self, request: pb.SetCustomFieldRequest, context: grpc.ServicerContext
    ) -> pb.SetCustomFieldResponse:
        revision = self._revision_for(required_id(request.revision_id, "revision_id"), ADMIN)
        name = messages.required_text(request.custom_field.name, "custom_field.name")
        value = request.custom_field.value  # at most 1,000 characters: the contract's rule

        def set_field(session: Session) -> pb.SetCustomFieldResponse:
            session.execute(
                delete(CustomField).where(
                    CustomField.revision_id == revision.id, CustomField.name == name
                )
            )
            if value:  # an empty value removes the field
                session.add(CustomField(revision_id=revision.id, name=name, value=value))
            session.flush()
            return pb.SetCustomFieldResponse(custom_field=pb.CustomField(name=name, value=value))

        return self._idempotent.run("SetCustomField", request, pb.SetCustomFieldResponse, set_field)

    def ListCustomFields(
        self, request: pb.ListCustomFieldsRequest, context: grpc.ServicerContext
    ) -> pb.ListCustomFieldsResponse:
        revision = self._revision_for(request.revision_id)
        with self._sessions() as session:
            fields, token = fetch_page(
                session,
                select(CustomField).where(CustomField.revision_id == revision.id),
                (ascending(CustomField.name),),
                page_size=request.page_size,
                page_token=request.page_token,
                filters={"revision_id": revision.id},
            )
            return pb.ListCustomFieldsResponse(
                custom_fields=[pb.CustomField(name=f.name, value=f.value) for f in fields],
                next_page_token=token,
            )
