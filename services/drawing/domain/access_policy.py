"""Who may call each DrawingService RPC (R26, R27, R33): the table the servicer checks
callers against, the contract's "Caller:" sentences are rendered from
(tests/contracts/test_callers.py) and the authorization matrix reads.

Keyed by RPC method name, so a row survives its RPC moving to another proto service. Calls
go down only: of our services, only the connection service calls this one. The platform
and the connection service act with the admin level wherever people's levels are checked.
"""

from __future__ import annotations

from shared.facts.caller_policy import DRAWINGS, Callers, ToolLevel
from shared.facts.identity import Principal, current_principal

CALLING_SERVICES = ("connection",)
SYSTEMS = Callers(platform=True, services=CALLING_SERVICES)


def _drawings(level: str) -> Callers:
    """Users at ``level`` or higher on the project's Drawings tool, and the systems above."""
    return Callers(platform=True, services=CALLING_SERVICES, levels=(ToolLevel(DRAWINGS, level),))


CALLERS: dict[str, Callers] = {
    "RegisterProject": SYSTEMS,
    "GetProject": SYSTEMS,
    "SetDrawingsPermission": _drawings("admin"),
    "GetDrawingsPermission": Callers(
        platform=True,
        services=CALLING_SERVICES,
        levels=(ToolLevel(DRAWINGS, "admin"),),
        self_="the user themself",
    ),
    "ListDrawingsPermissions": Callers(
        platform=True,
        services=CALLING_SERVICES,
        levels=(ToolLevel(DRAWINGS, "admin"),),
        self_="any user (their own grants only)",
    ),
    "CountProjectRevisions": SYSTEMS,
    "CreateDrawingArea": _drawings("admin"),
    "GetDrawingArea": _drawings("read_only"),
    "ListDrawingAreas": _drawings("read_only"),
    "UpdateDrawingArea": _drawings("admin"),
    "CreateDrawingSet": _drawings("admin"),
    "ListDrawingSets": _drawings("read_only"),
    "UpdateDrawingSet": _drawings("admin"),
    "CreateDrawing": _drawings("standard"),
    "GetDrawing": _drawings("read_only"),
    "ListDrawings": _drawings("read_only"),
    "UpdateDrawing": _drawings("admin"),
    "GetDrawingRevision": _drawings("read_only"),
    "ListDrawingRevisions": _drawings("read_only"),
    "UpdateDrawingRevision": _drawings("admin"),
    "ConfirmDrawingRevisions": _drawings("admin"),
    "PublishDrawingRevisions": _drawings("admin"),
    "SetCurrentDrawingRevision": _drawings("admin"),
    "WithdrawDrawingRevision": _drawings("admin"),
    "DeleteDrawingRevision": _drawings("admin"),
    "CreateUpload": _drawings("standard"),
    "CreateDrawingUpload": _drawings("standard"),
    "GetDrawingUpload": _drawings("standard"),
    "CreateMarkup": _drawings("standard"),
    "ListMarkups": _drawings("read_only"),
    "SetCustomField": _drawings("admin"),
    "ListCustomFields": _drawings("read_only"),
    # The change feed is public: an integrator's incremental sync reads it like our sync.
    "ListProjectChanges": _drawings("read_only"),
    "WatchProjectChanges": _drawings("read_only"),
    "WatchFeedHeads": SYSTEMS,
    "GetRevisionDownload": _drawings("read_only"),
    "DownloadRevisionFile": _drawings("read_only"),
    "CopyPublishedRevisions": SYSTEMS,
    "ApplyProjectChanges": SYSTEMS,
    "ApplyProjectChangesToConnections": SYSTEMS,
    "MarkConnectionDisconnected": SYSTEMS,
}


def admit(rpc: str) -> Principal:
    """The current caller, if the row of ``rpc`` admits its kind; else PERMISSION_DENIED."""
    caller = current_principal()
    CALLERS[rpc].admit_kind(caller)
    return caller
