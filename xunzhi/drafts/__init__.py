"""Report drafts: edit, review and sign off a report in the browser, every figure locked to its data."""
