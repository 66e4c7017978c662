"""Validation against published moves: each case gives the model's figure beside the observed one
with its tolerance and source key (full citations: ``mobility/data/sources.csv``).

Run ``python -m validation`` to print the table; ``tests/test_validation.py`` fails a case
outside its tolerance (known disagreements are marked there, with the figures).
"""
