"""Calls to other services: none, the drawing service only answers (facts flow down to it)."""
