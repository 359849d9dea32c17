"""Tables and charts as shown and downloaded: the chart rules, the builders, the downloads.

Owns style (palette, contrast, legibility), builders and people_charts (DataFrame or view in, Chart
out), tables (shaping shared by pages and documents) and downloads (files that carry their
metadata). May import everything below the views and the views.
"""
