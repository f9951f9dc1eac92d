"""Web: the browser application (dashboard, ledgers, uploads, approval, reports) for every role."""
