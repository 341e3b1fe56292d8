"""Real bytes for the simulated site's images and attachments, derived from their path.

Each is small but valid for its type (a PNG and a baseline JPEG that image tools decode, a PDF with a
correct xref table, an RTF document served as .doc the way old CMSs did, an Excel 2003 XML sheet served
as .xls, Word/Excel 2007+ files that python-docx and openpyxl read), so a crawler that stores or sniffs
attachments meets the real thing. Attachments carry generated text with a code word found nowhere
else on the site (`attachment_text`), and the site stylesheet names images through url(...).
"""

from __future__ import annotations

import hashlib
import struct
import zlib

CONTENT_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "pdf": "application/pdf",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "css": "text/css",
    "js": "application/javascript",
}


def _digest(path: str) -> bytes:
    return hashlib.sha256(path.encode("utf-8")).digest()


def png_bytes(path: str, size: int = 16) -> bytes:
    """A solid-colour RGB PNG whose colour depends on the path (a replaced image has new bytes)."""
    r, g, b = _digest(path)[:3]
    row = b"\x00" + bytes((r, g, b)) * size
    raw = row * size

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def jpeg_bytes(path: str) -> bytes:
    """A baseline grayscale 8x8 JPEG of one grey level derived from the path.

    One block, quantisation 1, one-code Huffman tables: DC = 8 * (level - 128), no AC terms.
    """
    level = 64 + _digest(path)[0] // 2  # 64..191
    dc = 8 * (level - 128)
    size = abs(dc).bit_length()  # the DC "category"
    bits = "0"  # the single DC code for symbol `size`
    if size:
        value = dc if dc > 0 else dc + (1 << size) - 1
        bits += format(value, f"0{size}b")
    bits += "0"  # the single AC code: EOB
    bits += "1" * (-len(bits) % 8)
    scan = bytearray()
    for i in range(0, len(bits), 8):
        byte = int(bits[i : i + 8], 2)
        scan.append(byte)
        if byte == 0xFF:
            scan.append(0x00)

    def seg(marker: int, data: bytes) -> bytes:
        return struct.pack(">HH", 0xFF00 | marker, len(data) + 2) + data

    app0 = seg(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    dqt = seg(0xDB, b"\x00" + b"\x01" * 64)
    sof = seg(0xC0, b"\x08\x00\x08\x00\x08\x01\x01\x11\x00")
    counts = b"\x01" + b"\x00" * 15  # one code of length 1
    dht_dc = seg(0xC4, b"\x00" + counts + bytes((size,)))
    dht_ac = seg(0xC4, b"\x10" + counts + b"\x00")
    sos = seg(0xDA, b"\x01\x01\x00\x00\x3f\x00")
    return b"\xff\xd8" + app0 + dqt + sof + dht_dc + dht_ac + sos + bytes(scan) + b"\xff\xd9"


def _size_by_path(path: str, mean: int) -> int:
    """Between half and one and a half times `mean`, by the path."""
    return mean // 2 + int.from_bytes(_digest(path)[:4], "big") % (mean + 1)


def page_script(key: str, size: int) -> str:
    """An inline script of about `size` characters (ASCII) derived from `key`: the statistics and
    configuration data real CMS pages carry in their head, which a parser must skip."""
    # 96 hex digits a line, quoted and indented (102 characters); the rest is the script's 80 or so.
    data = hashlib.shake_256(key.encode("utf-8")).hexdigest(max(0, size - 80) * 96 // 102 // 2)
    lines = "\n".join(f'  "{data[i:i + 96]}",' for i in range(0, len(data), 96))
    return f'<script type="text/javascript">\nvar _ncgh_stat = [\n{lines}\n];\n</script>\n'


def page_size(key: str, mean: int) -> int:
    """Between half and one and a half times `mean`, by `key`."""
    return _size_by_path(key, mean)


def photo_size(path: str, mean: int) -> int:
    """The size `photo_bytes(path, ext, mean)` has: between half and one and a half times `mean`, by
    the path (for every mean the simulator accepts, 1,000 and up, more than the placeholder it grows)."""
    return _size_by_path(path, mean)


def photo_bytes(path: str, ext: str, mean: int = 0) -> bytes:
    """An article's image: the placeholder PNG or JPEG, or with `mean` > 0 the same image grown to a
    photo's size (exactly `photo_size(path, mean)` bytes) by metadata a decoder skips (a private
    ancillary PNG chunk, JPEG APP15 segments) holding bytes derived from the path, incompressible like
    a real photo's coded data, so a crawler's memory and storage meet photo-sized bodies."""
    small = png_bytes(path) if ext == "png" else jpeg_bytes(path)
    if not mean:
        return small
    room = photo_size(path, mean) - len(small)  # for the padding and its framing
    if ext == "png":
        if room < 12:  # a chunk's length, type and CRC
            return small
        pad = _pad(path, room - 12)
        head = 8 + 25  # the signature and the IHDR chunk
        chunk = struct.pack(">I", len(pad)) + b"prVt" + pad + struct.pack(">I", zlib.crc32(b"prVt" + pad) & 0xFFFFFFFF)
        return small[:head] + chunk + small[head:]
    if room < 4:  # a segment's marker and length
        return small
    count = -(-room // (4 + 65_533))  # segments of at most 65,533 bytes (the length field counts itself)
    pad = _pad(path, room - 4 * count)
    share, extra = divmod(len(pad), count)
    segments, at = [], 0
    for i in range(count):
        part = pad[at:at + share + (i < extra)]
        at += len(part)
        segments.append(struct.pack(">HH", 0xFFEF, len(part) + 2) + part)
    head = 2 + 18  # SOI and the JFIF APP0 segment, which stays first
    return small[:head] + b"".join(segments) + small[head:]


def _pad(path: str, size: int) -> bytes:
    return hashlib.shake_256(path.encode("utf-8")).digest(size)


def pdf_bytes(path: str, title: str) -> bytes:
    """A one-page PDF 1.4 with a correct xref table; the text is ASCII (the path) to stay font-free."""
    text = f"ncgh attachment {path}".replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    info_title = title.encode("utf-16-be").hex().upper()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Title <FEFF" + info_title.encode() + b"> /Producer (ncgh sim) >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 6 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _rtf_escape(text: str) -> str:
    return "".join(c if ord(c) < 128 else f"\\u{ord(c) if ord(c) < 32768 else ord(c) - 65536}?" for c in text)


def doc_bytes(path: str, title: str) -> bytes:
    """An RTF document (Word opens it under a .doc name, as many old CMS uploads were)."""
    body = _rtf_escape(title)
    return ("{\\rtf1\\ansi\\ansicpg936\\deff0{\\fonttbl{\\f0\\fnil SimSun;}}\n"
            f"\\f0\\fs24 {body}\\par\n{path}\\par\n}}\n").encode("ascii")


def xls_bytes(path: str, title: str) -> bytes:
    """An Excel 2003 XML workbook (opens in Excel and LibreOffice under a .xls name)."""
    from html import escape

    rows = "".join(
        f'<Row><Cell><Data ss:Type="Number">{i}</Data></Cell><Cell><Data ss:Type="String">'
        f"{escape(title)}</Data></Cell></Row>"
        for i in range(1, 4)
    )
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">\n'
        f'<Worksheet ss:Name="Sheet1"><Table>{rows}</Table></Worksheet>\n</Workbook>\n<!-- {escape(path)} -->\n'
    )
    return xml.encode("utf-8")


STATIC_JS = b"/* jQuery stand-in for the simulator */\nwindow.jQuery=window.$=function(){return {ready:function(f){f();}}};\n"


CONTENT_TYPES["docx"] = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CONTENT_TYPES["xlsx"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES["gif"] = "image/gif"

# Images the site stylesheet names (url(...)): served under /static/images/ like the logo.
CSS_IMAGES = ("/static/images/nav-bg.png", "/static/images/arrow.jpg")
STATIC_CSS = (
    b"body{font-family:'Microsoft YaHei',SimSun;margin:0}a{color:#333;text-decoration:none}\n"
    b".nav{background:url(/static/images/nav-bg.png) repeat-x}\n"
    b".news-list li{background:url('../images/arrow.jpg') no-repeat left center}\n"
)


def attachment_text(path: str, title: str, rev: int) -> str:
    """The generated text inside an attachment: its title, a code word found nowhere else on the site
    (`ncghatt` + article id + `x` + number), and the revision, so a replaced file has new text."""
    stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]  # e.g. 7187_1
    code = "ncghatt" + stem.replace("_", "x")
    return f"{title}\n附件编号 {code} rev{rev} 第{rev}版\n请各基层工会认真组织, 按时报送。"


def _zip(members: dict[str, str]) -> bytes:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in members.items():
            info = zipfile.ZipInfo(name, date_time=(2018, 1, 1, 0, 0, 0))  # fixed: same bytes every time
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text.encode("utf-8"))
    return out.getvalue()


_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"'
    ' Target="{target}"/></Relationships>'
)


def docx_bytes(text: str) -> bytes:
    """A minimal Word 2007+ document (python-docx and Word read it), one paragraph per line."""
    from html import escape

    paras = "".join(f"<w:p><w:r><w:t xml:space=\"preserve\">{escape(line)}</w:t></w:r></w:p>" for line in text.split("\n"))
    return _zip({
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'wordprocessingml.document.main+xml"/></Types>',
        "_rels/.rels": _RELS.format(target="word/document.xml"),
        "word/document.xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{paras}</w:body></w:document>",
    })


def xlsx_bytes(text: str) -> bytes:
    """A minimal Excel 2007+ workbook (openpyxl and Excel read it): one row per line, inline strings."""
    from html import escape

    rows = "".join(
        f'<row r="{i}"><c r="A{i}"><v>{i}</v></c><c r="B{i}" t="inlineStr"><is><t>{escape(line)}</t></is></c></row>'
        for i, line in enumerate(text.split("\n"), start=1)
    )
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel_ns = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    return _zip({
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": _RELS.format(target="xl/workbook.xml"),
        "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{ns}"'
        f' xmlns:r="{rel_ns}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"'
        ' Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{ns}"><sheetData>{rows}</sheetData></worksheet>',
    })


def pdf_text_bytes(path: str, title: str, text: str) -> bytes:
    """A one-page PDF whose text layer holds the ASCII words of `text` (Helvetica has no CJK glyphs;
    the Chinese title stays in the document info), readable by pypdf and pdfminer."""
    words = " ".join(w for w in text.replace("\n", " ").split() if w.isascii())
    return pdf_bytes(f"{path} {words}", title)


CONTENT_TYPES["mp4"] = "video/mp4"
_FTYP = b"ftyp" + b"isom" + (512).to_bytes(4, "big") + b"isomiso2avc1mp41"  # type, major, minor, brands
MIN_VIDEO_BYTES = 4 + len(_FTYP) + 8  # the ftyp box (its size field and the above) and an mdat header


def video_size(path: str, mean: int) -> int:
    """The size of the video at `path`: between half and one and a half times `mean`, by the path,
    so one cap can fall between the site's videos."""
    return max(MIN_VIDEO_BYTES, _size_by_path(path, mean))


def mp4_bytes(path: str, size: int) -> bytes:
    """`size` bytes of an MP4 as a sniffer sees one: an `ftyp` box (isom), then an `mdat` box whose
    payload is derived from the path (deterministic, incompressible like real video)."""
    size = max(size, MIN_VIDEO_BYTES)
    ftyp = (4 + len(_FTYP)).to_bytes(4, "big") + _FTYP
    mdat_len = size - len(ftyp)
    payload = hashlib.shake_256(path.encode("utf-8")).digest(mdat_len - 8)
    return ftyp + mdat_len.to_bytes(4, "big") + b"mdat" + payload
