"""The SQLite archive: captures, raw bodies, versions, events, search and export.

This package knows SQLite and nothing of HTTP: it stores what it is given as `archive.model` records.
"""
