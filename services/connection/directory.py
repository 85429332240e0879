"""The name ConnectionRpcs reads the directory by; it goes with ConnectionRpcs."""

from services.connection.use_cases.directory import AccessChecks as Directory

__all__ = ["Directory"]
