"""What an operator types: ``connectability connections | sync | deliveries`` and
``connectability demo``. Clients of the public API only, like any other caller: they hold
a token and call the connection and drawing services over gRPC; no service imports them.
"""
