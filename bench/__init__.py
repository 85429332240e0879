"""Benchmarks (figures in docs/benchmarks.md); not part of ``make test``.

Run each from the repository root as a module, e.g. ``.venv/bin/python -m bench.initial_copy
--backend sqlite``; ``docs/benchmarks.md`` keeps the figures and the commands.
"""
