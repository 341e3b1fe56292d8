"""The scraper's records as the archive's: an article's versioned content, its footer, the assets a
page references, and capture times in UTC. Field-for-field mappings, kept apart from the
classification in ncgh.pipeline, so each side's record can change without the other's logic moving.
"""

from __future__ import annotations

from datetime import UTC, datetime

from archive.model import ArticleContent, AssetRef, FooterContent
from archive.vocab import AssetRole
from scraper.records import ArticleRecord, Requisite

__all__ = ["asset_refs", "footer_content", "iso_utc", "to_content"]


def to_content(record: ArticleRecord) -> ArticleContent:
    """ArticleRecord -> the archive's versioned content (views and footer are not part of it)."""
    return ArticleContent(
        title=record.title,
        column=record.column,
        published_at=record.published_at,
        source=record.source,
        author=record.author,
        body_text=record.body_text,
        body_html=record.body_html,
        images=tuple((img.src, img.caption) for img in record.images),
        attachments=tuple((att.url, att.name) for att in record.attachments),
        signature=record.signature,
    )


def footer_content(record: ArticleRecord | None) -> FooterContent | None:
    if record is None or record.footer is None or record.footer.is_empty():
        return None
    f = record.footer
    return FooterContent(
        org=f.org,
        icp=f.icp,
        police_record=f.police_record,
        phone=f.phone,
        email=f.email,
        address=f.address,
        postcode=f.postcode,
    )


def asset_refs(found: list[Requisite]) -> tuple[AssetRef, ...]:
    return tuple(AssetRef(r.url, AssetRole(r.role.value)) for r in found)


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()
