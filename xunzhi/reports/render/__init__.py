"""Renderers: turn a :class:`~xunzhi.reports.document.ReportDocument` into files.

- :func:`xunzhi.reports.render.docx.render_docx` — GB/T 9704-2012 .docx (python-docx, no fonts needed)
- :func:`xunzhi.reports.render.html.render_html` — HTML fragment for in-browser preview
- :func:`xunzhi.reports.render.markdown.render_markdown` — Markdown for diffing two versions
- :func:`xunzhi.reports.render.pdf.render_pdf` — PDF through LibreOffice with the shipped fontconfig

All renderers share :mod:`xunzhi.reports.render.layout`, which decides where the blank lines of
the national format go, so the four renderings show the same blocks in the same order.
"""
