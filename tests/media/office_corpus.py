"""Office documents as people send them, written by LibreOffice itself (Debian's, installed by
`make test`) from flat OpenDocument sources made here: a 20-page report (DOCX, DOC, ODT, RTF), a
5-sheet budget (XLSX, XLS, ODS), 3 slides (PPTX, PPT, ODP), a Brazilian CSV (';', Windows-1252),
and a hostile one written by hand (ODF is a zip of XML): an ODT whose pictures link a URL and a
local file. Made once per test session (`make`).

The conversions here use their own LibreOffice profile, never the code under test's.
"""

from __future__ import annotations

import io
import subprocess
import zipfile
from pathlib import Path

REPORT_PAGES = 20
BUDGET_SHEETS = 5
SLIDES = 3
# Words that are in the documents' text (search finds them).
REPORT_WORD = "cronograma"
BUDGET_WORD = "Planilha"
SLIDES_WORD = "Proposta"

_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" '
    'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
    'xmlns:xlink="http://www.w3.org/1999/xlink"'
)


def _document(mimetype: str, body: str, styles: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document {_NS} office:version="1.3" '
        f'office:mimetype="{mimetype}"><office:automatic-styles>{styles}</office:automatic-styles>'
        f"<office:body>{body}</office:body></office:document>"
    )


def report_fodt(pages: int = REPORT_PAGES) -> str:
    """One heading and three paragraphs a page, a page break after each."""
    sentence = f"Orçamento de serviços: {REPORT_WORD}, prazos e condições de pagamento. "
    sections = "".join(
        f'<text:h text:outline-level="1">Seção {number}</text:h>'
        + "".join(f"<text:p>{sentence * 5}</text:p>" for _ in range(3))
        + ('<text:p text:style-name="Break"/>' if number < pages else "")
        for number in range(1, pages + 1)
    )
    style = (
        '<style:style style:name="Break" style:family="paragraph">'
        '<style:paragraph-properties fo:break-after="page"/></style:style>'
    )
    return _document(
        "application/vnd.oasis.opendocument.text", f"<office:text>{sections}</office:text>", style
    )


def budget_fods(sheets: int = BUDGET_SHEETS) -> str:
    def sheet(number: int) -> str:
        title = f"<table:table-cell><text:p>{BUDGET_WORD} {number}</text:p></table:table-cell>"
        header = f"<table:table-row>{title}</table:table-row>"
        rows = "".join(
            "<table:table-row>"
            + "".join(
                f'<table:table-cell office:value-type="float" office:value="{row * column}">'
                f"<text:p>{row * column}</text:p></table:table-cell>"
                for column in range(1, 7)
            )
            + "</table:table-row>"
            for row in range(1, 30)
        )
        return f'<table:table table:name="{BUDGET_WORD} {number}">{header}{rows}</table:table>'

    body = f"<office:spreadsheet>{''.join(sheet(n) for n in range(1, sheets + 1))}</office:spreadsheet>"
    return _document("application/vnd.oasis.opendocument.spreadsheet", body)


def slides_fodp(count: int = SLIDES) -> str:
    pages = "".join(
        f'<draw:page draw:name="Slide {n}"><draw:frame svg:x="2cm" svg:y="2cm" svg:width="20cm" '
        f'svg:height="4cm"><draw:text-box><text:p>{SLIDES_WORD} comercial, parte {n}</text:p>'
        "</draw:text-box></draw:frame></draw:page>"
        for n in range(1, count + 1)
    )
    return _document(
        "application/vnd.oasis.opendocument.presentation",
        f"<office:presentation>{pages}</office:presentation>",
    )


def brazilian_csv() -> bytes:
    rows = ["Item;Quantidade;Preço", *(f"Serviço de instalação {n};{n};{n * 10},50" for n in range(1, 40))]
    return ("Orçamento;;\n" + "\n".join(rows) + "\n").encode("cp1252")


def _odt(content: str, extra: dict[str, str] | None = None) -> bytes:
    """A real ODT package (mimetype first and stored, manifest, content.xml and `extra` members)."""
    files = {"content.xml": content, **(extra or {})}
    manifest_entries = "".join(
        f'<manifest:file-entry manifest:full-path="{name}" manifest:media-type="text/xml"/>' for name in files
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.text"/>'
        f"{manifest_entries}</manifest:manifest>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text", zipfile.ZIP_STORED
        )
        package.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        for name, text in files.items():
            package.writestr(name, text, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _content(body: str, scripts: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {_NS} office:version="1.3">'
        f"{scripts}<office:body><office:text>{body}</office:text></office:body></office:document-content>"
    )


def linked_odt(url: str, local_picture: Path) -> bytes:
    """Two pictures that are links, not embedded: a URL (a server-side request when followed) and a
    file on the converting machine (its pixels would end up in the preview)."""

    def frame(name: str, href: str) -> str:
        return (
            f'<draw:frame draw:name="{name}" text:anchor-type="as-char" svg:width="4cm" svg:height="4cm">'
            f'<draw:image xlink:href="{href}" xlink:type="simple" xlink:show="embed" xlink:actuate="onLoad"/>'
            "</draw:frame>"
        )

    body = f"<text:p>Fotos: {frame('remote', url)} {frame('local', local_picture.as_uri())}</text:p>"
    return _odt(_content(body))


# name → (source file, the format LibreOffice writes it as)
CONVERTED = {
    "report.docx": ("report.fodt", "docx"),
    "report.doc": ("report.fodt", "doc"),
    "report.odt": ("report.fodt", "odt"),
    "report.rtf": ("report.fodt", "rtf"),
    "budget.xlsx": ("budget.fods", "xlsx"),
    "budget.xls": ("budget.fods", "xls"),
    "budget.ods": ("budget.fods", "ods"),
    "slides.pptx": ("slides.fodp", "pptx"),
    "slides.ppt": ("slides.fodp", "ppt"),
    "slides.odp": ("slides.fodp", "odp"),
}


def soffice(directory: Path, *arguments: str, profile: Path | None = None, timeout: float = 180) -> None:
    """The `soffice` command line, with a profile of its own (two instances sharing one would hand
    their work to each other)."""
    profile = profile or directory / "corpus-profile"
    subprocess.run(
        ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", *arguments],
        cwd=directory,
        check=True,
        capture_output=True,
        timeout=timeout,
    )


def make(directory: Path, names: tuple[str, ...] | None = None) -> dict[str, Path]:
    """The files of CONVERTED (only `names`, when given) and the CSV, written into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    wanted = {name: CONVERTED[name] for name in names or CONVERTED}
    (directory / "report.fodt").write_text(report_fodt())
    (directory / "budget.fods").write_text(budget_fods())
    (directory / "slides.fodp").write_text(slides_fodp())
    by_format: dict[str, list[str]] = {}
    for source, fmt in wanted.values():
        by_format.setdefault(fmt, []).append(source)
    for fmt, sources in by_format.items():
        soffice(directory, "--convert-to", fmt, "--outdir", str(directory), *sources)
    paths = {name: directory / name for name in wanted}
    paths["orcamento.csv"] = directory / "orcamento.csv"
    paths["orcamento.csv"].write_bytes(brazilian_csv())
    missing = [name for name, path in paths.items() if not path.exists()]
    assert not missing, f"LibreOffice did not write {missing}"
    return paths
