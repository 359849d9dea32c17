"""The strategy itself: its vocabulary and dates, its source files, the measures of delivery.

Owns vocabulary and timescales (the lowest layer), reading (data/*.csv and data/strategy.md), edits
(single changes to commitments), metrics (pure measures) and commitments_over_time. May import rules
and storage.
"""
