"""The old import path of the project registry (now ``store/project_registry.py``), for the
modules that still import it here."""

from services.drawing.store.project_registry import ProjectFacts, ProjectRegistry

__all__ = ["ProjectFacts", "ProjectRegistry"]
