"""Who may call each ConnectionService RPC (R33, the permissions table, R27): the table the
servicer checks callers against, the contract's "Caller:" sentences are rendered from
(tests/contracts/test_callers.py) and the authorization matrix reads.

Keyed by RPC method name. "services" are our own services by name; the drawing and
notification services may read the directory (facts flow down), and nothing else here.
"""

from __future__ import annotations

from shared.facts.caller_policy import CONNECTION_MANAGER, DRAWINGS, Callers, ToolLevel
from shared.facts.identity import Principal, current_principal

READERS = ("drawing", "notification")
PLATFORM_ONLY = Callers(platform=True)
# A connection: both sides read it, and so do the company admins of both (R33).
CONNECTION_READERS = Callers(
    platform=True,
    services=READERS,
    levels=(ToolLevel(CONNECTION_MANAGER, "read_only", "either project"),),
    company_admin="either project's company",
)
COMPANY_CLIENT_MANAGERS = Callers(platform=True, company_admin="the client's company")


def _cm_admin(on: str) -> Callers:
    return Callers(levels=(ToolLevel(CONNECTION_MANAGER, "admin", on),))


CALLERS: dict[str, Callers] = {
    "CreateCompany": PLATFORM_ONLY,
    "GetCompany": Callers(platform=True, services=READERS, company_users="the company"),
    "ListCompanies": Callers(platform=True, services=READERS, company_users="the company"),
    "UpdateCompany": Callers(platform=True, company_admin="the company"),
    "CreateProject": PLATFORM_ONLY,
    "GetProject": Callers(
        platform=True,
        services=READERS,
        levels=(ToolLevel(CONNECTION_MANAGER, "read_only"),),
        company_users="the owning company",
    ),
    "ListProjects": Callers(platform=True, services=READERS, company_users="the company"),
    "UpdateProject": Callers(platform=True, company_admin="the owning company"),
    "CreateUser": PLATFORM_ONLY,
    "GetUser": Callers(
        platform=True,
        services=READERS,
        company_users="the user's company",
        self_="the user themself",
    ),
    "ListUsers": Callers(platform=True, services=READERS, company_users="the company"),
    "UpdateUser": Callers(
        platform=True,
        company_admin="the user's company (display_name only)",
        self_="the user themself (display_name only)",
    ),
    "SetConnectionManagerPermission": Callers(
        platform=True, levels=(ToolLevel(CONNECTION_MANAGER, "admin"),)
    ),
    "ListConnectionManagerPermissions": Callers(
        platform=True,
        services=READERS,
        levels=(ToolLevel(CONNECTION_MANAGER, "admin"),),
        self_="any user who may see the project (their own grant only)",
    ),
    "ListConnectableProjects": _cm_admin("the downstream project"),
    "RequestConnection": Callers(
        levels=(
            ToolLevel(
                CONNECTION_MANAGER,
                "admin",
                "the downstream project",
                also=ToolLevel(DRAWINGS, "read_only", "both projects"),
            ),
        )
    ),
    "GetConnection": CONNECTION_READERS,
    "ListConnections": Callers(
        platform=True,
        services=READERS,
        levels=(ToolLevel(CONNECTION_MANAGER, "read_only"),),
        company_admin="the owning company",
    ),
    "ApproveConnection": _cm_admin("the upstream project"),
    "RejectConnection": _cm_admin("the upstream project"),
    "WithdrawConnection": _cm_admin("the downstream project"),
    "DisconnectConnection": _cm_admin("either project"),
    "ListConnectionEvents": CONNECTION_READERS,
    "GetSyncState": CONNECTION_READERS,
    "WatchInitialCopyProgress": CONNECTION_READERS,
    "GetDistributionList": Callers(
        platform=True, services=READERS, levels=(ToolLevel(CONNECTION_MANAGER, "read_only"),)
    ),
    "UpdateDistributionList": Callers(
        platform=True, levels=(ToolLevel(CONNECTION_MANAGER, "admin"),)
    ),
    "ListNotificationDeliveries": Callers(
        platform=True, levels=(ToolLevel(CONNECTION_MANAGER, "read_only"),)
    ),
    "ResendNotificationDelivery": Callers(
        platform=True, levels=(ToolLevel(CONNECTION_MANAGER, "admin"),)
    ),
    "CreateIntegratorClient": COMPANY_CLIENT_MANAGERS,
    "GetIntegratorClient": COMPANY_CLIENT_MANAGERS,
    "DeleteIntegratorClient": COMPANY_CLIENT_MANAGERS,
    "CreateIntegratorToken": Callers(anyone=True),
}


def admit(rpc: str) -> Principal:
    """The current caller, if the row of ``rpc`` admits its kind; else PERMISSION_DENIED."""
    caller = current_principal()
    CALLERS[rpc].admit_kind(caller)
    return caller
