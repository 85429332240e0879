"""Generated Python code of the connectability.v1 gRPC contracts (protos/connectability/v1).

Generated code: do not edit. Regenerate with `python scripts/generate_protos.py`.
"""
