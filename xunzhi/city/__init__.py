"""The city (市): its counties compared side by side — the /city/ page and its .xlsx export."""
