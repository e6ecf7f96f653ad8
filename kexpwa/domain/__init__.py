"""Domain logic as plain Python: rules about entries, progress, sharing, time and identifiers.
Needs a bound authority for database access; never imports Starlette."""
