"""The research export and "download my data": one streamed ZIP of CSV, JSON Lines and XLSX
files with a generated codebook and a manifest (see ARCHITECTURE.md, "Exports")."""
