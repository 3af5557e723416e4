"""Documents → for PDFs, the page count and a first-page `preview` and `thumb` (pypdfium2); for
Word, Excel, PowerPoint and OpenDocument files (and CSV), the same made from the PDF LibreOffice
writes (`office`), with a spreadsheet's sheet count and a presentation's slide count, when the
policy has LibreOffice (`policy.office`).

A document that is encrypted, broken, or makes LibreOffice hang or crash stays downloadable; the
reason its preview is missing is kept. Others have only their type and size (a text file its text,
for search). Runs inside the processing process.
"""

from __future__ import annotations

import os
import shutil

import pypdfium2

from chatmedia.media.policy import MediaPolicy
from chatmedia.media.processing import office
from chatmedia.media.processing.images import display_mode, still_renditions
from chatmedia.media.processing.renditions import Analysis, Unprocessable

# pdfium's error for a document that needs a password.
_PASSWORD_ERRORS = ("password", "security")


def analyze_pdf(path: str, policy: MediaPolicy, out_dir: str) -> Analysis:
    try:
        document = pypdfium2.PdfDocument(path)
    except pypdfium2.PdfiumError as exc:
        if any(word in str(exc).lower() for word in _PASSWORD_ERRORS):
            raise Unprocessable("the PDF is password-protected", code="protected") from exc
        raise Unprocessable("the PDF is damaged and cannot be read") from exc
    try:
        pages = len(document)
        metadata = {"pages": pages}
        if pages == 0:
            raise Unprocessable("the PDF has no pages", metadata)
        page = document[0]
        try:
            width, height = page.get_size()
            if width <= 0 or height <= 0:
                raise Unprocessable("the first page of the PDF has no size", metadata)
            # Rendered straight at the preview size, whatever the page's size in points.
            scale = policy.preview_max_px / max(width, height)
            bitmap = page.render(scale=scale, may_draw_forms=False)
            picture = display_mode(bitmap.to_pil())
        except pypdfium2.PdfiumError as exc:
            raise Unprocessable("the first page of the PDF cannot be drawn", metadata) from exc
        finally:
            page.close()
        text = _text(document, policy.document_text_max_chars)
    finally:
        document.close()
    analysis = still_renditions(picture, policy, out_dir, metadata)
    analysis.text = text
    return analysis


def analyze_office(path: str, mime_type: str, policy: MediaPolicy, out_dir: str) -> Analysis:
    """An Office document's preview, page count and text, through its PDF (LibreOffice)."""
    run_dir = os.path.join(out_dir, "office")
    os.makedirs(run_dir)
    try:
        pdf = office.to_pdf(path, mime_type, run_dir, policy.office)
        analysis = analyze_pdf(pdf, policy, out_dir)
        if mime_type in office.SPREADSHEETS:
            # LibreOffice writes one top-level bookmark per sheet it printed (an empty one is not).
            document = pypdfium2.PdfDocument(pdf)
            try:
                sheets = sum(1 for bookmark in document.get_toc() if bookmark.level == 0)
            finally:
                document.close()
            analysis.metadata["sheets"] = max(1, sheets)
        elif mime_type in office.PRESENTATIONS:
            analysis.metadata["slides"] = analysis.metadata["pages"]
        return analysis
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


def _text(document, max_chars: int) -> str:
    """The pages' text in order until `max_chars` (a page pdfium cannot read is skipped)."""
    parts, total = [], 0
    for index in range(len(document)):
        if total >= max_chars:
            break
        page = document[index]
        try:
            textpage = page.get_textpage()
            try:
                chunk = textpage.get_text_bounded()[: max_chars - total]
            finally:
                textpage.close()
        except pypdfium2.PdfiumError:
            continue
        finally:
            page.close()
        parts.append(chunk)
        total += len(chunk)
    return "\n".join(parts).replace("\x00", "")


def plain_text(path: str, max_chars: int) -> str:
    """The start of a text document (UTF-8, else Latin-1, which reads any byte), for search."""
    with open(path, "rb") as file:
        raw = file.read(max_chars * 4)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("utf-8", errors="ignore") if raw[:3] == b"\xef\xbb\xbf" else raw.decode("latin-1")
    return text[:max_chars].replace("\x00", "")
