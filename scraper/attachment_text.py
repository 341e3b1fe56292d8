"""The text of an attachment (PDF, DOCX, XLSX), so a notice that *is* its attachment can be searched.

pypdf, python-docx and openpyxl are pure Python and well kept; each reads only its own format, so the
format is told by the file's first bytes (a ZIP of an Office document says which kind in its member
names), not by the URL or Content-Type, which old CMSs get wrong. Old binary .doc/.xls have no
well-kept pure-Python reader: they get no text and say so. A hostile or broken file never raises:
it yields an error line instead, and the text is capped.

The crawl reads documents through `extract_text_isolated`: in a child process with its own memory
and time limits, so a hostile PDF can neither take the crawl's memory nor hang it, and the readers'
libraries (about 30 MiB once imported) never weigh on the crawl process itself. The child answers
one JSON line a document on its own copy of stdout: what a library prints goes to stderr, so it
cannot pass for the next document's answer.
"""

from __future__ import annotations

import atexit
import io
import json
import subprocess
import sys
import threading
import zipfile
from dataclasses import asdict, dataclass

from scraper.child_process import enter_child

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


class _Reader:
    """One long-lived reading child, started on the first document and reused: the readers' imports are
    paid once, not per document. Documents are rare on a page crawl, so one child behind a lock is
    enough; a child that overruns its time is killed and the next document starts a new one."""

    def __init__(self, command: list[str] | None = None) -> None:
        self.command = command or [sys.executable, "-m", "scraper.attachment_text"]  # tests pass another
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None

    def _start(self) -> subprocess.Popen[bytes]:
        if self._proc is None or self._proc.poll() is not None:
            self._proc = subprocess.Popen(
                self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            )
        return self._proc

    def read(self, data: bytes, timeout: float) -> dict:
        with self._lock:
            proc = self._start()
            assert proc.stdin is not None and proc.stdout is not None
            answer: list[bytes] = []
            reader = threading.Thread(target=lambda: answer.append(proc.stdout.readline()), daemon=True)
            try:
                proc.stdin.write(len(data).to_bytes(8, "big") + data)
                proc.stdin.flush()
            except OSError as exc:
                self.kill()
                raise OSError(f"the reader died: {exc}") from exc
            reader.start()
            reader.join(timeout)
            timed_out = reader.is_alive()  # asked before the kill, which ends the thread's readline at once
            if timed_out or not answer or not answer[0]:
                self.kill()
                if timed_out:
                    raise TimeoutError
                raise OSError("the reader died")
            try:
                return json.loads(answer[0])
            except ValueError:
                self.kill()  # its answers can no longer be told apart: the next document gets a new child
                raise OSError("the reader answered nonsense") from None

    def kill(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
            self._proc = None


_READER = _Reader()
atexit.register(_READER.kill)


def extract_text_isolated(data: bytes, timeout: float = CHILD_SECONDS) -> ExtractedText | None:
    """extract_text in the reading child (`python -m scraper.attachment_text`, limits above); bytes that
    are no document are told apart here, without asking it."""
    kind = _sniff(data)
    if kind is None:
        return None
    try:
        found = _READER.read(data, timeout)
    except TimeoutError:
        return ExtractedText(None, f"{kind}: reading took over {timeout:g} s", kind)
    except (OSError, ValueError) as exc:
        return ExtractedText(None, f"{kind}: the reader failed: {exc}"[:300], kind)
    try:
        return ExtractedText(**found)
    except TypeError:
        return ExtractedText(None, f"{kind}: the reader answered nonsense", kind)


def _child() -> None:
    """The reading child: documents as (8-byte length, bytes) on stdin, one JSON line each on stdout."""
    sink = enter_child(CHILD_MEMORY)  # the answers' own stdout; what a reader library prints goes to stderr
    source = sys.stdin.buffer
    while True:
        head = source.read(8)
        if len(head) < 8:
            return
        data = source.read(int.from_bytes(head, "big"))
        try:
            found = extract_text(data)
        except MemoryError:
            found = ExtractedText(None, "the document needs more memory than a reader may take")
        sink.write(json.dumps(asdict(found) if found is not None else {"text": None}).encode("utf-8") + b"\n")
        sink.flush()


if __name__ == "__main__":
    _child()
