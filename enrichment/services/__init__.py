"""The enrichment's writes and steps, one module per concern: `archive` (the uploaded file
read safely), `connections_csv` (LinkedIn's CSV as it writes it), `join` (who is who),
`storing` (the join written to the book), `ranks` (the company and position sorts).
"""
