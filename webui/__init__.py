"""The web UI: a Datasette application over the archive (`ncgh serve`).

It reads the archive through archive/ and knows nothing of the crawler (tests/test_layers.py):
app.py builds and runs the Datasette instance, plugin.py is the Datasette plugin, pages.py the
article, search and feed pages; metadata.json and templates/ are Datasette's.
"""
