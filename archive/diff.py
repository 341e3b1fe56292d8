"""Diffs between two versions of an article: which fields changed, the body paragraph by paragraph,
and character by character within a paragraph (Chinese has no spaces to diff words by).

Which fields changed is decided by the store's own rule (archive.versions.changed_fields), so a diff
never shows a change the archive did not count as an edit.
"""

from __future__ import annotations

import difflib
import re
import sqlite3
from dataclasses import dataclass, fields

from archive.model import ArticleContent
from archive.query import ArticleInfo, VersionInfo, article_info, get_version
from archive.resolve import ArticleRef, QueryError


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class DiffOp:
    """One block of a paragraph-level body diff (difflib opcodes over paragraphs)."""

    tag: str  # equal | insert | delete | replace
    old: tuple[str, ...]
    new: tuple[str, ...]


@dataclass(frozen=True)
class VersionDiff:
    article: ArticleInfo
    old: VersionInfo
    new: VersionInfo
    changes: tuple[FieldChange, ...]  # every field that differs, body_text included
    body_ops: tuple[DiffOp, ...]  # the body diff, paragraph by paragraph
    unified: tuple[str, ...]  # difflib unified diff lines of all changed fields (no trailing newlines)


def paragraphs(text: str) -> list[str]:
    """Body text -> paragraphs (the archive separates them by one blank line)."""
    return [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()] if text.strip() else []


def _content(v: VersionInfo) -> ArticleContent:
    """A version holds every content field under the content's own name: the store's rules apply to it."""
    return ArticleContent(**{f.name: getattr(v, f.name) for f in fields(ArticleContent)})


def diff_versions(old: VersionInfo, new: VersionInfo) -> tuple[tuple[FieldChange, ...], tuple[DiffOp, ...], tuple[str, ...]]:
    """Field changes, paragraph opcodes of the body and a unified diff between two versions.

    Which fields changed is decided exactly as the store decides a new version
    (archive.versions.changed_fields: normalised values, image URLs without their host), so a diff
    never reports a difference the archive did not count as an edit.
    """
    from archive.versions import changed_fields

    changes: list[FieldChange] = []
    unified: list[str] = []
    for name in changed_fields(_content(old), _content(new)):
        a, b = old.field_value(name), new.field_value(name)
        changes.append(FieldChange(name, a, b))
        a_lines = paragraphs(a) if name == "body_text" else a.splitlines()
        b_lines = paragraphs(b) if name == "body_text" else b.splitlines()
        unified.extend(
            difflib.unified_diff(
                a_lines,
                b_lines,
                fromfile=f"v{old.version} {name}",
                tofile=f"v{new.version} {name}",
                lineterm="",
                n=1,
            )
        )
    a_par, b_par = paragraphs(old.body_text), paragraphs(new.body_text)
    matcher = difflib.SequenceMatcher(None, a_par, b_par, autojunk=False)
    ops = tuple(
        DiffOp(tag, tuple(a_par[i1:i2]), tuple(b_par[j1:j2])) for tag, i1, i2, j1, j2 in matcher.get_opcodes()
    )
    return tuple(changes), ops, tuple(unified)


def diff(conn: sqlite3.Connection, ref: ArticleRef, a: int | None = None, b: int | None = None) -> VersionDiff:
    """Diff versions a -> b of an article; by default the last two (the only one against itself)."""
    info = article_info(conn, ref)
    if info.version is None:
        raise QueryError(f"article {ref.article_id} has no parsed version to diff")
    if (a is None) != (b is None):
        raise QueryError("give two version numbers, or none for the last two")
    if a is None or b is None:
        b = info.version
        a = max(1, b - 1)
    old, new = get_version(conn, ref, a), get_version(conn, ref, b)
    changes, ops, unified = diff_versions(old, new)
    return VersionDiff(info, old, new, changes, ops, unified)


def char_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Character-level opcodes for one changed paragraph: [(tag, text)], tag in equal|delete|insert.

    Chinese has no spaces, so word diffs are useless; characters are the unit a reader compares.
    """
    out: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.append(("equal", old[i1:i2]))
        else:
            if i2 > i1:
                out.append(("delete", old[i1:i2]))
            if j2 > j1:
                out.append(("insert", new[j1:j2]))
    return out
