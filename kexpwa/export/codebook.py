"""The codebook, generated from the definitions the app itself uses (the export's columns, the
journal templates, the activity and CPL lists, the research stages, the generalisation options),
never written by hand: ``codebook.md`` for people and ``codebook.csv`` for tools."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from kexpwa.domain import journal_templates, stages
from kexpwa.export import plan as plans
from kexpwa.export.columns import BY_KIND, FileSpec
from kexpwa.export.plan import Plan

PSEUDONYMS = (
    "Practitioners appear as P- and 5 characters, teams as T- and 5, rows and projects as R- and "
    "10 (Crockford base32). Each is an HMAC-SHA256, keyed with the council's own pseudonym key, "
    "of the council and the id, so the same person has the same pseudonym in every export and "
    "in no other council. The key stays with the council's deployment and is never exported. "
    "When a council rotates its key, every pseudonym of that council changes. Usernames, names "
    "and team names are never exported; the council appears by name."
)
CONSENT = (
    "Notes and journal entries are included only when the practitioner ticked 'share with the "
    "research team' on the entry; time entries and projects only for practitioners whose "
    "research participation is on. Consent is read when the export is made: an entry withdrawn "
    "or deleted since an earlier export is not in this one (compare entry_id with earlier "
    "exports and remove rows that are gone). Time notes and project titles and questions are "
    "never in the research dataset."
)
FORMATS = (
    "Each type comes as CSV (UTF-8 with a byte-order mark so that Excel keeps accents; "
    "comma-separated, quoted where needed, line breaks inside a field kept; booleans true/false),"
    " as JSON Lines (one object per line) and as a sheet of dataset.xlsx (text longer than "
    "Excel's 32,767-character cell limit is cut there, never in CSV or JSON). Dates are ISO "
    "8601. Free text passes through one text filter that replaces likely identifiers (CHI and "
    "National Insurance numbers, postcodes, phone numbers, email addresses, dates of birth) "
    "with a token such as [POSTCODE]. Text is exported as written: a cell starting with = is "
    "text, but a spreadsheet opening the CSV may read it as a formula. The From and To filters "
    "apply to the date of notes, journal entries and time entries; projects are not filtered "
    "by date (their stage history is complete)."
)


def _generalisation(p: Plan) -> str:
    return (
        f"Dates: {plans.DATES[p.dates]} in this export (the default is "
        f"{plans.DATES[plans.DEFAULT_DATES]}; exact dates can be chosen). Minutes: "
        f"{plans.MINUTES[p.minutes]} in this export (the default is "
        f"{plans.MINUTES[plans.DEFAULT_MINUTES]}; rounding to 15 can be chosen)."
    )


def specs(p: Plan) -> list[FileSpec]:
    return [BY_KIND[kind] for kind in p.types]


def markdown(
    p: Plan, activities: Sequence[str], cpl_tags: Sequence[str], names: Sequence[str]
) -> str:
    """``codebook.md``: files and their columns, then every list of allowed values."""
    out = ["# Codebook", ""]
    if p.research:
        out += ["## Consent", "", CONSENT, "", "## Pseudonyms", "", PSEUDONYMS, ""]
    out += ["## Generalisation", "", _generalisation(p), "", "## Formats", "", FORMATS, ""]
    out += ["## Authorities", ""] + [f"- {name}" for name in names] + [""]
    for spec in specs(p):
        out += [f"## {spec.stem}.csv, {spec.stem}.jsonl, sheet {spec.stem}: {spec.title}", ""]
        out += ["| column | meaning | type | allowed values |", "| --- | --- | --- | --- |"]
        for c in spec.for_profile(p.research):
            cells = (c.name, c.meaning, c.type, c.allowed or "any")
            out.append("| " + " | ".join(x.replace("|", "\\|") for x in cells) + " |")
        out.append("")
    out += ["## Templates", ""]
    for template in journal_templates.TEMPLATES.values():
        out.append(f"- `{template.key}`: {template.name}. {template.summary}")
        for section in template.sections:
            hint = f" ({section.hint})" if section.hint else ""
            out.append(f"  - `{template.key}__{section.key}`: {section.label}{hint}")
    out += ["", "## Activities", ""] + [f"- {a}" for a in activities]
    out += ["", "## CPL tags", "", "SSSC continuous professional learning core elements:", ""]
    out += [f"- {tag}" for tag in cpl_tags]
    out += ["", "## Research stages", ""]
    for key, (name, steps) in stages.STAGES.items():
        out.append(f"- `{key}`: {name}")
        out += [f"  - `{step}`: {label}" for step, label in steps]
    return "\n".join(out) + "\n"


def table(p: Plan, activities: Sequence[str], cpl_tags: Sequence[str], names: Sequence[str]) -> str:
    """``codebook.csv``: one line per column (file, column, meaning, type, allowed values), then
    one per allowed value of each list (file ``list:<name>``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["file", "column", "meaning", "type", "allowed_values"])
    for spec in specs(p):
        for c in spec.for_profile(p.research):
            writer.writerow([f"{spec.stem}.csv", c.name, c.meaning, c.type, c.allowed])
    for name in names:
        writer.writerow(["list:authorities", "authority", name, "text", ""])
    for template in journal_templates.TEMPLATES.values():
        writer.writerow(["list:templates", "template", template.key, "text", template.name])
    for activity in activities:
        writer.writerow(["list:activities", "activity", activity, "text", ""])
    for tag in cpl_tags:
        writer.writerow(["list:cpl_tags", "tags", tag, "text", ""])
    for key, (name, steps) in stages.STAGES.items():
        writer.writerow(["list:stages", "stage", key, "text", name])
        for step, label in steps:
            writer.writerow(["list:stages", "substep", step, "text", f"{name}: {label}"])
    return "\ufeff" + buffer.getvalue()
