"""Reports: evaluation settings and the evaluation report (docx, html, md, pdf) with its check sheet."""
