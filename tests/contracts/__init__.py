"""Tests of the gRPC contracts in protos/ and of the Python code generated from them."""
