"""The sync engine (R14–R22): copy published upstream revisions downstream, then follow
the upstream's change feed and apply it, exactly once, with leases shared by replicas."""
