"""The old import path of the change feed (now ``store/change_feed.py``), for the modules
that still import it here."""

from services.drawing.store.change_feed import ChangeFeed

__all__ = ["ChangeFeed"]
