"""The agreement as a document to sign: PDF (WeasyPrint) and DOCX (python-docx), A4, in the
agreement's own language (Bulgarian or English), whatever the reader's interface language is.

The document's words are kept here in both languages, like the deck's part titles in
practice.AGREEMENT_PARTS, so a Bulgarian agreement reads Bulgarian even where the interface
translations are incomplete."""

import io
from dataclasses import dataclass, field

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.text import slugify

from svrazka.partnerships import agreements, practice
from svrazka.partnerships.models import Agreement, AgreementVersion

# A4, page numbers and the document title in the footer; DejaVu Sans (or Noto Sans) for Cyrillic.
DOCUMENT_CSS = """
@page {
    size: A4;
    margin: 22mm 20mm 22mm 22mm;
    @bottom-left { content: string(doctitle); font-size: 8pt; color: #666; }
    @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; color: #666; }
}
html {
    font-family: "DejaVu Sans", "Noto Sans", "Liberation Sans", sans-serif;
    font-size: 10pt;
    line-height: 1.4;
    color: #111;
}
.caption {
    text-align: center;
    letter-spacing: .08em;
    text-transform: uppercase;
    font-size: 9pt;
    color: #444;
    margin: 0;
}
h1 { text-align: center; font-size: 16pt; margin: 4pt 0 2pt; string-set: doctitle content(); }
.meta { text-align: center; color: #555; font-size: 9pt; margin: 0 0 14pt; }
.draft { color: #a00; font-weight: bold; }
h2 {
    font-size: 12pt;
    margin: 14pt 0 4pt;
    border-bottom: .5pt solid #999;
    padding-bottom: 2pt;
    page-break-after: avoid;
}
h3 { font-size: 10.5pt; margin: 8pt 0 2pt; page-break-after: avoid; }
p { margin: 0 0 5pt; }
.text { white-space: pre-wrap; }
.open { color: #777; font-style: italic; }
ol.parties { padding-left: 14pt; margin: 0 0 8pt; }
ol.parties li { margin-bottom: 3pt; }
.details { color: #444; font-size: 9pt; }
dl.contrib { margin: 0 0 4pt; }
dl.contrib dt { font-weight: bold; margin-top: 2pt; }
dl.contrib dd { margin: 0 0 2pt 12pt; white-space: pre-wrap; }
.signatures { margin-top: 6pt; }
.signature {
    page-break-inside: avoid;
    border: .5pt solid #999;
    padding: 6pt 8pt;
    margin-bottom: 8pt;
}
.signature table { width: 100%; border-collapse: collapse; }
.signature th {
    text-align: left;
    font-weight: normal;
    color: #444;
    width: 30%;
    padding: 2pt 0;
    vertical-align: bottom;
}
.signature td {
    padding: 2pt 0;
    border-bottom: .5pt dotted #999;
    height: 14pt;
    vertical-align: bottom;
}
.signature tr.sign td { height: 34pt; border-bottom: .75pt solid #111; }
"""

LABELS = {
    "en": {
        "agreement": "Partnership agreement",
        "version": "Version",
        "of": "of",
        "parties": "Parties",
        "role": "role",
        "eik": "EIK/BULSTAT",
        "pic": "PIC",
        "address": "Address",
        "intro": "The parties named below agree to cooperate in the partnership “{partnership}” "
        "on the following terms.",
        "cash": "Cash",
        "in_kind": "In kind",
        "staff_time": "Staff time",
        "not_agreed": "To be agreed.",
        "signatures": "Signatures",
        "name": "Name",
        "organisation": "Organisation",
        "position": "Position",
        "date": "Date",
        "signature": "Signature",
        "for": "For",
        "signed_on": "Signed on",
        "draft": "Draft",
    },
    "bg": {
        "agreement": "Споразумение за партньорство",
        "version": "Версия",
        "of": "от",
        "parties": "Страни",
        "role": "роля",
        "eik": "ЕИК/БУЛСТАТ",
        "pic": "PIC",
        "address": "Адрес",
        "intro": "Долуизброените страни се споразумяват да си сътрудничат в партньорството "
        "„{partnership}“ при следните условия.",
        "cash": "Финансов принос",
        "in_kind": "Принос в натура",
        "staff_time": "Време на персонала",
        "not_agreed": "Предстои да бъде договорено.",
        "signatures": "Подписи",
        "name": "Име",
        "organisation": "Организация",
        "position": "Длъжност",
        "date": "Дата",
        "signature": "Подпис",
        "for": "За",
        "signed_on": "Подписано на",
        "draft": "Проект",
    },
}


@dataclass
class Block:
    """One partner's share of a per-partner part."""

    organisation: str
    text: str = ""
    items: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Part:
    number: int
    title: str
    text: str = ""
    blocks: list[Block] = field(default_factory=list)


def _role_name(key: str, lang: str) -> str:
    for role in practice.PARTNER_ROLES:
        if role.key == key:
            return role.name(lang).lower()
    return key


def _date(value) -> str:
    return agreements.document_date(value, translation.get_language() or "en")


def document_context(agreement: Agreement, version: AgreementVersion | None = None) -> dict:
    """Everything the document says, in the agreement's language."""
    version = version or agreements.latest_version(agreement)
    lang = agreement.language if agreement.language in LABELS else "en"
    labels = LABELS[lang]
    party_list = agreements.parties(agreement)
    with translation.override(lang):
        parties = [
            {
                "name": p.organisation.name,
                "role": _role_name(p.role, lang),
                "eik": p.organisation.eik,
                "pic": p.organisation.pic,
                "address": ", ".join(
                    filter(
                        None,
                        [
                            p.organisation.address,
                            p.organisation.city,
                            p.organisation.get_country_display() if p.organisation.country else "",
                        ],
                    )
                ),
            }
            for p in party_list
        ]
        parts = []
        for number, spec in enumerate(agreements.parts(), 1):
            part = Part(number=number, title=agreements.part_title(spec, lang))
            if spec.key in agreements.PLAIN_PARTS:
                part.text = getattr(version, spec.key) or ""
            for p in party_list if spec.key in agreements.PER_PARTNER_PARTS else ():
                key = str(p.organisation_id)
                block = Block(organisation=p.organisation.name)
                if spec.key == "responsibilities":
                    block.text = version.responsibilities.get(key, "") or ""
                else:
                    given = version.contributions.get(key) or {}
                    block.items = [
                        (labels[kind], given.get(kind, "") or "")
                        for kind in agreements.CONTRIBUTION_KINDS
                        if given.get(kind)
                    ]
                part.blocks.append(block)
            parts.append(part)
        signing = {}
        for s in agreement.signatories.select_related("person", "organisation").order_by("id"):
            signing.setdefault(s.organisation_id, []).append(
                {
                    "name": s.person.full_name,
                    "organisation": s.organisation.name,
                    "position": s.position,
                    "date": _date(s.signed_on),
                }
            )
        signatures = []
        for p in party_list:  # parties without a signatory get an empty block to fill by hand
            signatures += signing.pop(
                p.organisation_id,
                [{"name": "", "organisation": p.organisation.name, "position": "", "date": ""}],
            )
        for rest in signing.values():  # a signatory of an organisation no longer a partner
            signatures += rest
        return {
            "lang": lang,
            "labels": labels,
            "agreement": agreement,
            "title": agreement.title,
            "heading": labels["agreement"],
            "intro": labels["intro"].format(partnership=agreement.partnership.title),
            "version_line": f"{labels['version']} {version.number} {labels['of']} "
            f"{_date(version.created_at.date())}",
            "is_draft": agreement.status in agreements.EDITABLE_STATUSES,
            "signed_on": _date(agreement.signed_on),
            "parties": parties,
            "parts": parts,
            "signatures": signatures,
            "version": version,
        }


def filename(agreement: Agreement, version: AgreementVersion, ext: str) -> str:
    base = slugify(agreement.title, allow_unicode=False) or "agreement"
    return f"{base[:60]}-v{version.number}.{ext}"


# --- PDF ------------------------------------------------------------------------------------


def agreement_pdf(agreement: Agreement, version: AgreementVersion | None = None) -> bytes:
    from weasyprint import CSS, HTML

    context = document_context(agreement, version)
    html = render_to_string("partnerships/agreement_document.html", context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        stylesheets=[CSS(string=DOCUMENT_CSS)]
    )


# --- DOCX -----------------------------------------------------------------------------------


def _set_language(document, lang: str) -> None:
    """Mark the text's language (for spelling and hyphenation in Word) and a Cyrillic font."""
    from docx.oxml.ns import qn
    from docx.oxml.shared import OxmlElement

    style = document.styles["Normal"]
    style.font.name = "DejaVu Sans" if lang == "bg" else "Calibri"
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), style.font.name)
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), "bg-BG" if lang == "bg" else "en-GB")
    rpr.append(language)


def _paragraphs(document, text: str, fallback: str) -> None:
    lines = (text or "").splitlines() or [fallback]
    for line in lines:
        document.add_paragraph(line)


def agreement_docx(agreement: Agreement, version: AgreementVersion | None = None) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    c = document_context(agreement, version)
    labels = c["labels"]
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(22)
    section.top_margin = section.bottom_margin = Mm(20)
    _set_language(document, c["lang"])
    document.styles["Normal"].font.size = Pt(10.5)
    document.core_properties.title = c["title"]
    document.core_properties.language = "bg-BG" if c["lang"] == "bg" else "en-GB"

    caption = document.add_paragraph(c["heading"].upper())
    caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_heading(c["title"], level=0).alignment = WD_ALIGN_PARAGRAPH.CENTER
    meta = document.add_paragraph(
        c["version_line"] + (f" · {labels['draft']}" if c["is_draft"] else "")
    )
    meta.alignment = WD_ALIGN_PARAGRAPH.CENTER

    document.add_heading(labels["parties"], level=1)
    for i, party in enumerate(c["parties"], 1):
        p = document.add_paragraph()
        p.add_run(f"{i}. {party['name']}").bold = True
        p.add_run(f" ({labels['role']}: {party['role']})")
        details = [
            f"{labels['eik']} {party['eik']}" if party["eik"] else "",
            f"{labels['pic']} {party['pic']}" if party["pic"] else "",
            f"{labels['address']}: {party['address']}" if party["address"] else "",
        ]
        if any(details):
            document.add_paragraph(", ".join(filter(None, details)))
    document.add_paragraph(c["intro"])

    for part in c["parts"]:
        document.add_heading(f"{part.number}. {part.title}", level=1)
        if not part.blocks:
            _paragraphs(document, part.text, labels["not_agreed"])
        for block in part.blocks:
            document.add_heading(block.organisation, level=2)
            if not block.items:
                _paragraphs(document, block.text, labels["not_agreed"])
            for label, text in block.items:
                p = document.add_paragraph(style="List Bullet")
                p.add_run(f"{label}: ").bold = True
                p.add_run(text)

    document.add_heading(labels["signatures"], level=1)
    for s in c["signatures"]:
        table = document.add_table(rows=5, cols=2)
        table.style = "Table Grid"
        rows = [
            (labels["for"], s["organisation"]),
            (labels["name"], s["name"]),
            (labels["position"], s["position"]),
            (labels["date"], s["date"]),
            (labels["signature"], ""),
        ]
        for row, (label, value) in zip(table.rows, rows, strict=True):
            row.cells[0].text = label
            row.cells[1].text = value
            row.cells[0].width, row.cells[1].width = Mm(40), Mm(126)
        table.rows[4].height = Mm(16)
        document.add_paragraph()

    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
