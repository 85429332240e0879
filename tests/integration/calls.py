"""Small helpers for talking to the running services as a client would."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from shared.facts.errors import error_info_of

T = TypeVar("T")


def bearer(token: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {token}")]


def refusal(call: Callable[..., Any], request: Any, token: str | None) -> tuple[str, str]:
    """(status code name, ErrorInfo reason) of a call that must fail."""
    metadata = bearer(token) if token is not None else []
    with pytest.raises(grpc.RpcError) as caught:
        call(request, metadata=metadata, timeout=10)
    info = error_info_of(caught.value)
    return caught.value.code().name, info.reason if info else ""


def eventually(probe: Callable[[], T], timeout_seconds: float = 10.0) -> T:
    """``probe()`` once it stops raising (or its last error when time runs out)."""
    deadline = time.monotonic() + timeout_seconds
    while True:
        try:
            return probe()
        except (AssertionError, grpc.RpcError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def retry_delay_of(error: grpc.RpcError) -> float | None:
    """Seconds the google.rpc.RetryInfo of a failed call asks to wait, if it has one."""
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    for detail in status.details if status else ():
        if detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            retry = error_details_pb2.RetryInfo()
            detail.Unpack(retry)
            return float(retry.retry_delay.ToTimedelta().total_seconds())
    return None
