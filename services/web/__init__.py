"""The Connection Manager web page: a client of the public gRPC API, never of a database."""
