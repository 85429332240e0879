"""Generated Python code of the Drawing Connectability gRPC contracts.

Generated code: do not edit. Regenerate with `python scripts/generate_protos.py`.
"""
