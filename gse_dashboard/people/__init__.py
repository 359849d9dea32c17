"""Counts of people, as published: disclosure control, protected tables, the official statistics.

Owns disclosure, protection, protection_store, published, protected_diversity, period_returns (when a
period is complete), official_figures and the official_statistics importer. May import rules,
strategy and storage.
"""
