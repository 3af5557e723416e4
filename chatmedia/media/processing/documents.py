"""Documents → for PDFs, the page count and a first-page `preview` and `thumb` (pypdfium2).

A PDF that is encrypted or broken stays downloadable; the reason its preview is missing is kept.
Other documents have only their type and size. Runs inside the processing process.
"""

from __future__ import annotations

import pypdfium2

from chatmedia.media.policy import MediaPolicy
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
