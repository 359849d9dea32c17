"""The Board: its records (ratings, actions, risks) and its papers (the pack and the GCSA brief).

Owns records and edits (the Board's own records, low in the house), paper (what a paper says),
pack_words, pack_paper, pack_sections, brief and pack (the documents as files, at the top, below
cli and ui). May import every package but ui.
"""
