"""The default database: built from the strategy, the shipped statistics and the illustrative history.

Owns build (a database built atomically), sample and sample_board (the illustrative history and Board
records) and scale (the same, larger, for the benchmark). May import every package below the views.
"""
