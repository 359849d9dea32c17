"""The store's one error: a problem with the database a user can act on."""

from __future__ import annotations


class StoreError(Exception):
    """A problem with the database a user can act on (missing file, wrong schema)."""
