"""Datasette plugin entry for plain `datasette ncgh.db --plugins-dir archive/datasette
--template-dir archive/templates -m archive/datasette/metadata.json`; `ncgh serve` does all of this itself.
"""

# pluggy finds the hook implementations among this module's attributes.
from archive.serve import (  # noqa: F401
    menu_links,
    prepare_connection,
    prepare_jinja2_environment,
    register_routes,
    render_cell,
)

__all__ = ["menu_links", "prepare_connection", "prepare_jinja2_environment", "register_routes", "render_cell"]
