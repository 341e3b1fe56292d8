"""Datasette plugin entry for plain `datasette ncgh.db --plugins-dir archive/datasette
--template-dir archive/templates -m archive/datasette/metadata.json`; `ncgh serve` does all of this itself.
"""

from archive.serve import menu_links, prepare_connection, register_routes, render_cell  # noqa: F401  (pluggy finds the hookimpls)
