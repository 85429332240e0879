"""Reliability tested by breaking it: services killed mid-sync, a drawing service
that refuses every Nth call, and a longer soak of random kills (``python -m tests.faults.soak``)."""
