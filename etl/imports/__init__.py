"""Analyst imports (CSV/XLSX, see data/import/README.md): `files` reads a file within the limits, `formats`
declares the import formats, `columns` recognises a file's format, `parse` and `facts` turn its rows into
table rows and reject notes, `merge` writes them into the new database, `inbox` keeps the analyst inbox,
`templates` writes the format templates and `step` is the build step 'Importe'."""
