"""The text of an attachment (PDF, DOCX, XLSX), so a notice that *is* its attachment can be searched.

pypdf, python-docx and openpyxl are pure Python and well kept; each reads only its own format, so the
format is told by the file's first bytes (a ZIP of an Office document says which kind in its member
names), not by the URL or Content-Type, which old CMSs get wrong. Old binary .doc/.xls have no
well-kept pure-Python reader: they get no text and say so. A hostile or broken file never raises:
it yields an error line instead, and the text is capped.

The crawl reads documents through `extract_text_isolated`: in a child process with its own memory
and time limits, so a hostile PDF can neither take the crawl's memory nor hang it, and the readers'
libraries (about 30 MiB once imported) never weigh on the crawl process itself.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from dataclasses import asdict, dataclass

__all__ = ["ExtractedText", "extract_text", "extract_text_isolated"]

CHILD_SECONDS = 60.0  # one document's reading, at most
CHILD_MEMORY = 1 << 30  # the reading child's address space, at most (bytes)

TEXT_MAX_CHARS = 1_000_000
MAX_PDF_PAGES = 300
MAX_SHEET_CELLS = 200_000
MAX_UNZIPPED = 200_000_000  # an Office file whose members would unpack to more is not read


@dataclass(frozen=True)
class ExtractedText:
    """What could be read: `text` (None when nothing), `error` why not (or why only part)."""

    text: str | None
    error: str | None = None
    kind: str | None = None  # pdf / docx / xlsx: the format the bytes turned out to be


def _sniff(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            members = zipfile.ZipFile(io.BytesIO(data)).infolist()
        except (zipfile.BadZipFile, ValueError, OSError):
            return None
        if sum(m.file_size for m in members) > MAX_UNZIPPED:
            return None  # a zip bomb, or a file far beyond any notice: no text, the bytes are kept
        names = {m.filename for m in members}
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
    return None


def _pdf(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    parts = []
    for n, page in enumerate(reader.pages):
        if n >= MAX_PDF_PAGES:
            break
        parts.append(page.extract_text() or "")
    return "\n".join(parts)


def _docx(data: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(data))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append("\t".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def _xlsx(data: bytes) -> str:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    lines: list[str] = []
    cells = 0
    try:
        for sheet in book.worksheets:
            lines.append(sheet.title)
            for row in sheet.iter_rows(values_only=True):
                cells += len(row)
                if cells > MAX_SHEET_CELLS:
                    return "\n".join(lines)
                values = [str(v) for v in row if v is not None]
                if values:
                    lines.append("\t".join(values))
    finally:
        book.close()
    return "\n".join(lines)


_READERS = {"pdf": _pdf, "docx": _docx, "xlsx": _xlsx}


def extract_text(data: bytes) -> ExtractedText | None:
    """The text of a PDF, DOCX or XLSX file; None for bytes of any other kind (images, HTML ...)."""
    kind = _sniff(data)
    if kind is None:
        return None
    try:
        text = _READERS[kind](data)
    except Exception as exc:  # noqa: BLE001 - a broken or hostile document: say why, keep the bytes
        return ExtractedText(None, f"{kind}: cannot read: {type(exc).__name__}: {exc}"[:300], kind)
    text = "\n".join(line.rstrip() for line in text.replace("\x00", "").splitlines()).strip()
    if len(text) > TEXT_MAX_CHARS:
        return ExtractedText(text[:TEXT_MAX_CHARS], f"text cut at {TEXT_MAX_CHARS} characters", kind)
    return ExtractedText(text or None, None if text else f"{kind}: no text in the file", kind)


def extract_text_isolated(data: bytes, timeout: float = CHILD_SECONDS) -> ExtractedText | None:
    """extract_text in a child process (`python -m scraper.attachment_text`, limits above); bytes that
    are no document are told apart here, without starting one."""
    kind = _sniff(data)
    if kind is None:
        return None
    try:
        done = subprocess.run(
            [sys.executable, "-m", "scraper.attachment_text"], input=data, capture_output=True, timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return ExtractedText(None, f"{kind}: reading took over {timeout:g} s", kind)
    except OSError as exc:
        return ExtractedText(None, f"{kind}: cannot start the reader: {exc}"[:300], kind)
    try:
        return ExtractedText(**json.loads(done.stdout))
    except (ValueError, TypeError):
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit {done.returncode}"]
        return ExtractedText(None, f"{kind}: the reader failed: {tail[0]}"[:300], kind)


def _child() -> None:
    """The reading child: document bytes on stdin, the ExtractedText as JSON on stdout."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY, CHILD_MEMORY))
    except (ImportError, ValueError, OSError):
        pass  # no such limit here: the timeout still holds
    found = extract_text(sys.stdin.buffer.read())
    sys.stdout.write(json.dumps(asdict(found) if found is not None else {"text": None}))


if __name__ == "__main__":
    _child()
