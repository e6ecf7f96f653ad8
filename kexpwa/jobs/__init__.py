"""Background work: a job table in each authority's database, a registry of handlers and a
worker loop (``kexpwa worker``, or inside the web process for the embedded default)."""
