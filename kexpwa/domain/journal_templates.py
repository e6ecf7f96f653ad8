"""Journal templates as data. Each is a list of sections with a prompt; entries store
{section key: text}, so adding a template here needs no migration.

Sources: shared/DOMAIN.md (Fook & Gardner 2007; Gibbs 1988; Borton/Driscoll/Rolfe; Schön).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    hint: str = ""


@dataclass(frozen=True)
class Template:
    key: str
    name: str
    summary: str
    sections: tuple[Section, ...]
    quick: bool = False  # a quick note in the moment; can later become a full entry

    def keys(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.sections)


TEMPLATES: dict[str, Template] = {
    t.key: t
    for t in (
        Template(
            "fook_gardner",
            "Critical reflection (Fook & Gardner)",
            "Deconstruct a critical incident, then reconstruct your practice.",
            (
                Section(
                    "incident",
                    "The incident",
                    "Describe it concretely: its context, why it matters to you, what happened. "
                    "No analysis yet; about a page at most.",
                ),
                Section("assumptions", "What assumptions did I make?"),
                Section("values", "How do they relate to my values and beliefs?"),
                Section("power", "What power relations and preconceptions were at work?"),
                Section("now", "How do I see it now?"),
                Section("differently", "What would I do differently, and what will I change?"),
                Section("learned", "What have I learned?"),
                Section("use", "How will I use this learning?"),
            ),
        ),
        Template(
            "gibbs",
            "Gibbs' reflective cycle",
            "Six stages, from what happened to an action plan.",
            (
                Section("description", "Description", "What happened?"),
                Section("feelings", "Feelings", "What were you thinking and feeling?"),
                Section("evaluation", "Evaluation", "What was good and bad about it?"),
                Section("analysis", "Analysis", "What sense can you make of it?"),
                Section("conclusion", "Conclusion", "What else could you have done?"),
                Section("action_plan", "Action plan", "If it arose again, what would you do?"),
            ),
        ),
        Template(
            "what_so_what",
            "What? So what? Now what?",
            "Borton, Driscoll and Rolfe's three questions.",
            (
                Section("what", "What?", "What happened?"),
                Section("so_what", "So what?", "Why does it matter, and what does it mean?"),
                Section("now_what", "Now what?", "What will you do next?"),
            ),
        ),
        Template(
            "free",
            "Free reflection",
            "Write freely.",
            (Section("reflection", "Reflection"),),
        ),
        Template(
            "quick",
            "Quick note in the moment",
            "Capture a thought now (reflection-in-action); turn it into a full entry later.",
            (Section("note", "Quick note", "A few words while it is fresh."),),
            quick=True,
        ),
    )
}
FULL_TEMPLATES = tuple(t for t in TEMPLATES.values() if not t.quick)


def get(key: str) -> Template | None:
    return TEMPLATES.get(key)
