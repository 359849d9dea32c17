"""Rules every layer follows: what text is accepted and how it is shown safely, who may do what, WCAG.

Owns safe_text, text_rules, auth (viewer and editor roles, local mode) and accessibility. The lowest
layer with strategy.vocabulary: imports nothing of the dashboard but config.
"""
