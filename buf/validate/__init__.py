"""Generated Python code of buf/validate/validate.proto (protovalidate's rules), for protovalidate 1.x.

Generated code: do not edit. Regenerate with `python scripts/generate_protos.py`.
"""
