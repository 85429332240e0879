"""Generated Python code of the connectability.internal.v1 gRPC contracts (protos/connectability/internal/v1).

Generated code: do not edit. Regenerate with `python scripts/generate_protos.py`.
"""
