"""The demo's attachments are real PDFs: a strict reader opens them and finds the text."""

from __future__ import annotations

import io

import pypdf

from jixiao.demo.keyeval import PDF as KEYEVAL_PDF
from jixiao.demo.pdf import demo_pdf
from jixiao.demo.rectification import PDF as RECTIFICATION_PDF


def test_demo_pdf_opens_in_a_strict_reader_with_its_text() -> None:
    for content, text in (
        (demo_pdf("Jixiao demo: (a) \\ b"), "Jixiao demo: (a) \\ b"),
        (KEYEVAL_PDF, "key evaluation document"),
        (RECTIFICATION_PDF, "rectification report"),
    ):
        reader = pypdf.PdfReader(io.BytesIO(content), strict=True)
        assert len(reader.pages) == 1 and text in reader.pages[0].extract_text()
        assert content.rstrip().endswith(b"%%EOF")
