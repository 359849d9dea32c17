"""One typed view per screen and Board-pack section: a connection and a date in, a frozen dataclass out.

Owns screens (the pages and the pack read the same views) and attention (what needs the Board's
attention). May import rules, strategy, storage and people.
"""
