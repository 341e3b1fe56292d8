"""Each web UI test module gets its own built archive and Datasette app (module scope)."""

from __future__ import annotations

import pytest

from tests.support.query import BuiltArchive, build_archive
from webui.app import build_datasette


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuiltArchive:
    return build_archive(tmp_path_factory.mktemp("webui") / "ncgh.db")


@pytest.fixture(scope="module")
def ds(built: BuiltArchive):
    return build_datasette(built.path)
