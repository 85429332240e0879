"""The name ConnectionRpcs checks access by; it goes with ConnectionRpcs."""

from services.connection.use_cases.directory import AccessChecks as DirectoryAccess

__all__ = ["DirectoryAccess"]
