"""The SQLite store: connections, the schema and its migrations, every read query, files written out.

Owns store (connections, write transactions, revision, audit), migrations, queries (one function per
question, as known at a date), exports (whole tables out) and named_files (a file the user named, written safely).
May import rules and strategy.vocabulary only.
"""
