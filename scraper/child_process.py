"""What a helper child process (the documents' reader, the crawl's parser child) sets up before it
answers: a cap on its own address space, and a private copy of its stdout for the answers.

A library that prints (to `sys.stdout` or straight to fd 1) would otherwise write into the answer
stream, and its line would stand in for an answer; so fd 1 and `sys.stdout` are pointed at stderr,
and only the returned stream reaches the parent.
"""

from __future__ import annotations

import os
import sys
from typing import BinaryIO

__all__ = ["enter_child"]


def enter_child(memory_bytes: int) -> BinaryIO:
    """Cap this process's address space at `memory_bytes` (where the platform allows; the parent's
    timeout still holds where not) and return the answers' stream: the old stdout, binary."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    except (ImportError, ValueError, OSError):
        pass
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return answers
