"""Every column of every exported file, described once. The CSV, JSON Lines and XLSX writers
take their headers from here and the codebook is generated from the same definitions, so a
column cannot be exported without its meaning, type and allowed values (a test checks)."""

from __future__ import annotations

from dataclasses import dataclass

from kexpwa.domain import journal_templates


@dataclass(frozen=True)
class Column:
    name: str
    meaning: str
    type: str  # text, integer, boolean, date, pseudonym, list
    allowed: str = ""  # the allowed values, in words (empty: any value of the type)
    text: bool = False  # free text written by a practitioner: passes through the text hook
    research: bool = True  # in the research dataset
    own: bool = True  # in "download my data"


@dataclass(frozen=True)
class FileSpec:
    kind: str  # the record kind's wire name: "note"
    stem: str  # the file name without extension: "notes"
    title: str
    columns: tuple[Column, ...]

    def for_profile(self, research: bool) -> tuple[Column, ...]:
        """The columns of this file in the research dataset or in a person's own download."""
        return tuple(c for c in self.columns if (c.research if research else c.own))


DATE = (
    "an ISO date (YYYY-MM-DD), or with week generalisation the ISO week (YYYY-Www, weeks "
    "start on Monday)"
)

_AUTHORITY = Column(
    "authority", "The council whose practitioner wrote the row, by name.", "text", "see Authorities"
)
_ID = Column(
    "entry_id",
    "The row's own id. Research: a keyed pseudonym (R- and 10 characters), stable across "
    "exports until the council's key is rotated. Own data: the entry's UUID.",
    "pseudonym",
)
_PERSON = Column(
    "practitioner",
    "The practitioner who wrote it, as a pseudonym (P- and 5 characters).",
    "pseudonym",
    "P-XXXXX (Crockford base32)",
    own=False,
)
_TEAM = Column(
    "team",
    "The practitioner's team now, as a pseudonym (T- and 5 characters); empty when none.",
    "pseudonym",
    "T-XXXXX (Crockford base32) or empty",
    own=False,
)
_PROJECT = Column(
    "project_id",
    "The research project the row belongs to (its project_id in projects.csv); empty when none.",
    "pseudonym",
)
_TAGS = Column(
    "tags",
    "SSSC CPL core elements the practitioner tagged, separated by '; '.",
    "list",
    "see CPL tags",
)


def _journal_sections() -> tuple[Column, ...]:
    columns = []
    for template in journal_templates.TEMPLATES.values():
        for section in template.sections:
            prompt = section.label + (f" ({section.hint})" if section.hint else "")
            columns.append(
                Column(
                    section_column(template.key, section.key),
                    f"{template.name}, section: {prompt}. Empty for other templates.",
                    "text",
                    text=True,
                )
            )
    return tuple(columns)


def section_column(template: str, section: str) -> str:
    """The journal column of one template section: ``gibbs__feelings``."""
    return f"{template}__{section}"


FILES: tuple[FileSpec, ...] = (
    FileSpec(
        "note",
        "notes",
        "Fieldwork notes",
        (
            _AUTHORITY,
            _ID,
            _PERSON,
            _TEAM,
            Column("date", "The day of the fieldwork.", "date", DATE),
            Column(
                "time",
                "The time of day (HH:MM) the practitioner gave; empty when none, and always "
                "empty with week generalisation.",
                "text",
                "HH:MM or empty",
            ),
            _PROJECT,
            Column("title", "The note's title.", "text", text=True),
            Column("body", "The note's text; line breaks kept.", "text", text=True),
            _TAGS,
        ),
    ),
    FileSpec(
        "journal",
        "journal",
        "Journal entries (reflections)",
        (
            _AUTHORITY,
            _ID,
            _PERSON,
            _TEAM,
            Column("date", "The day of the reflection.", "date", DATE),
            Column("template", "The reflection model the entry follows.", "text", "see Templates"),
            Column("title", "The entry's title.", "text", text=True),
            Column(
                "session_date",
                "The reflection-group session it belongs to; empty when none.",
                "date",
                DATE,
            ),
            Column(
                "session_title",
                "That session's title; empty when none.",
                "text",
                text=True,
            ),
            _TAGS,
            *_journal_sections(),
        ),
    ),
    FileSpec(
        "time",
        "time",
        "Time log",
        (
            _AUTHORITY,
            _ID,
            _PERSON,
            _TEAM,
            Column("date", "The day the time was spent.", "date", DATE),
            Column(
                "minutes",
                "How long, in minutes; with 15-minute generalisation rounded to the nearest "
                "15 (never below 15).",
                "integer",
                "1 to 1440",
            ),
            Column("activity", "What the time was spent on.", "text", "see Activities"),
            Column(
                "own_time",
                "true: in the practitioner's own time; false: in work time.",
                "boolean",
                "true, false",
            ),
            _PROJECT,
            Column(
                "note",
                "The practitioner's note on the entry (own data only: never in the research "
                "dataset).",
                "text",
                text=True,
                research=False,
            ),
        ),
    ),
    FileSpec(
        "project",
        "projects",
        "Research projects and their stages",
        (
            _AUTHORITY,
            Column(
                "project_id",
                "The project's id (as entry_id: a keyed pseudonym in research, the UUID in "
                "own data).",
                "pseudonym",
            ),
            _PERSON,
            _TEAM,
            Column("start_date", "When the project started; empty when not given.", "date", DATE),
            Column("stage", "The stage the project is at now.", "text", "see Research stages"),
            Column(
                "substep",
                "The sub-step within that stage; may be empty.",
                "text",
                "see Research stages",
            ),
            Column(
                "stage_history",
                "Every stage the project entered, oldest first, as 'date stage/substep' "
                "separated by '; ' (dates generalised like the other dates).",
                "text",
            ),
            Column(
                "title", "The project's title (own data only).", "text", text=True, research=False
            ),
            Column(
                "question",
                "The research question (own data only: never in the research dataset).",
                "text",
                text=True,
                research=False,
            ),
        ),
    ),
)
BY_KIND = {spec.kind: spec for spec in FILES}
TYPES = tuple(BY_KIND)
