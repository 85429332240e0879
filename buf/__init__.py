"""Generated Python code of protos vendored from Buf (see protos/buf/README.md).

Generated code: do not edit. Regenerate with `python scripts/generate_protos.py`.
"""
