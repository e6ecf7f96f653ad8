"""A council admin's work on their own authority: people, teams, devices, the CSV import, the
audit log and sync health. Plain functions on the bound authority, shared by the admin pages
and the CLI; every change is audited. No function here returns entry content."""
