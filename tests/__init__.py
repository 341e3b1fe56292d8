"""The test suite (a package, so `tests.support` is this one even where another distribution installs a top-level `tests`, as pywb does)."""
