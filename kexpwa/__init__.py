"""kexpwa: offline-first PWA for practitioner research and critical reflection."""
