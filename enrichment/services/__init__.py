"""The enrichment's writes and steps, one module per concern: `archive` (the uploaded file
read safely), `connections_csv` (LinkedIn's CSV as it writes it, and the portability API's
rows), `join` (who is who), `joining` (the join queued for the worker, under a lease),
`storing` (the join written to the book), `carrying` (the next book, and expiry).
"""
