"""Numbers: stencils as data, compiled and high-precision evaluation, the one estimator.

Imports nothing from :mod:`verifier.symbolic`: the numeric side is an independent check.
"""
