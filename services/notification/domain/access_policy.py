"""Who may call each NotificationService RPC: the table the servicer checks callers against
and the contract's "Caller:" sentences are rendered from (tests/contracts/test_callers.py).

Keyed by RPC method name, so a row survives its RPC moving to another proto service. No
person calls this service: users reach their distribution lists through the connection
service, which checks their Connection Manager level first.
"""

from __future__ import annotations

from shared.facts.caller_policy import Callers
from shared.facts.identity import Principal, current_principal

CALLING_SERVICES = ("connection",)
SYSTEMS = Callers(platform=True, services=CALLING_SERVICES)

CALLERS: dict[str, Callers] = {
    "RegisterProject": SYSTEMS,
    "GetProject": SYSTEMS,
    "GetDistributionList": SYSTEMS,
    "UpdateDistributionList": SYSTEMS,
    "Notify": SYSTEMS,
    "ListDeliveries": SYSTEMS,
    "ResendDelivery": SYSTEMS,
}


def admit(rpc: str) -> Principal:
    """The current caller, if the row of ``rpc`` admits its kind; else PERMISSION_DENIED."""
    caller = current_principal()
    CALLERS[rpc].admit_kind(caller)
    return caller
