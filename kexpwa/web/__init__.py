"""HTTP plumbing shared by every view: middleware, access rules, errors, templates, htmx."""
