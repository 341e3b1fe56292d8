"""The web UI: a Datasette application over the archive (`ncgh serve`).

It reads the archive through archive/ and knows nothing of the crawler (tests/test_layers.py):
app.py builds and runs the Datasette instance, plugin/ is the Datasette plugin (a package, with its
templates/), pages.py the article, search and feed pages; metadata.json is Datasette's.
"""
