"""Generated Python code of the internal gRPC contracts: what only our own services call.

Generated code: do not edit. Regenerate with `python scripts/generate_protos.py`.
"""
