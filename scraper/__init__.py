"""Fetching, discovery and parsing of ncgh.org.cn pages.

This package knows HTTP and HTML and nothing of SQLite: it turns URLs into bytes (`fetch`), bytes into
text (`encoding`), and text into records (`parse`, `footer`, `discover`).
"""
