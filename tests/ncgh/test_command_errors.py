"""ncgh.commands._errors: an OS error names the file that failed, the archive or the command's output."""

from __future__ import annotations

import errno
from pathlib import Path

from ncgh.commands._errors import EXIT_STORAGE, archive_failure

DB = Path("/srv/ncgh/ncgh.db")


def test_an_output_that_cannot_be_written_is_named_not_the_archive() -> None:
    failure = archive_failure(FileNotFoundError(errno.ENOENT, "No such file or directory", "/proc/foo"), DB)
    assert failure.exit_code == EXIT_STORAGE
    assert failure.message == "cannot write or read /proc/foo: No such file or directory"


def test_a_full_disk_without_a_file_name_says_it_may_be_either() -> None:
    failure = archive_failure(OSError(errno.ENOSPC, "No space left on device"), DB)
    assert "while reading the archive /srv/ncgh/ncgh.db or writing the output" in failure.message


def test_the_archives_own_files_are_the_archive() -> None:
    failure = archive_failure(PermissionError(errno.EACCES, "Permission denied", "/srv/ncgh/ncgh.db-wal"), DB)
    assert failure.message.startswith("cannot use the archive /srv/ncgh/ncgh.db: ")
