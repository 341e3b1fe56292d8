"""Orchestration layer and command-line program of ncgh-archive.

`scraper` (HTTP, HTML) and `archive` (SQLite) never import each other; this package joins them.
"""

__version__ = "0.1.0"
