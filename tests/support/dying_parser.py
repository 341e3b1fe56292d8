"""A parser child for tests (ncgh.parse_pool.serve with another work function), so the crawl's handling
of a child that misbehaves on a hostile page can be shown without one. By the page's URL: "die" kills
it, "slow" stalls it, "print" has it write to its stdout as a chatty library would, "damage" spoils
one byte of its answer's page after the answer is framed (as a damaged pipe would), and "alien"
answers with an object only the child can unpickle."""

from __future__ import annotations

import os
import sys
import time

import ncgh.parse_pool as pool
from ncgh.parse_pool import interpret_and_prepare, serve

_damage_next = []  # the page bytes to spoil in the next answer


class _Alien:
    """Pickled by a name the crawl's process does not have."""


def work(site, url, *rest):  # noqa: ANN001, ANN201 - interpret_and_prepare's arguments
    if "die" in url:
        os._exit(3)  # as a segfault would: no answer, no cleanup
    if "slow" in url:
        time.sleep(30)
    if "print" in url:
        print("a chatty library's progress line")
        sys.stdout.flush()
        os.write(1, b"and a C library's, straight to fd 1\n")
    if "alien" in url:
        _Alien.__module__, _Alien.__qualname__ = "ncgh.parse_pool", "OnlyInTheChild"
        pool.OnlyInTheChild = _Alien
        return _Alien()
    answer = interpret_and_prepare(site, url, *rest)
    if "damage" in url:
        _damage_next.append(answer[0].body[:64])
    return answer


def _damaging_frame(data: bytes) -> bytes:
    framed = _frame(data)
    if _damage_next:
        piece = _damage_next.pop()
        at = framed.index(piece)
        framed = framed[:at] + bytes([piece[0] ^ 1]) + framed[at + 1:]
    return framed


_frame = pool.frame


COMMAND = [sys.executable, "-c", f"import sys; sys.path[:0] = {sys.path!r}; import tests.support.dying_parser as d; d.main()"]


def main() -> None:
    pool.frame = _damaging_frame
    serve(work)


if __name__ == "__main__":
    main()
