"""Teach-back questions: the body of one question, read into its choices, its answer and why.

A chapter's questions live in `<lang>/checks/NN-<chapter-file>.md`, one file per chapter whose front matter
`id` is the chapter's id (docs/CONTENT.md). Each `## Question or statement {#id}` holds:

```markdown
- [x] True
- [ ] False

Why, in a sentence or two, ending with a link to the page that explains it: [Read more](page:chapter/page)
```

two or three choices, exactly one ticked, and then the explanation the patient reads after answering, whichever
choice they took. The explanation must link to a page (`page:` link) so the kiosk can offer "Read the page".

`parse_body` never raises for bad content: each problem is a (line offset, message) the caller turns into
FILE:LINE. It is the only place that reads this format: validation, imports and the staff editor all use it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kiosk.content.links import pages_linked

MAX_QUESTION = 200  # characters in the heading: a question is one short sentence
MAX_CHOICE = 120
MIN_CHOICES, MAX_CHOICES = 2, 3
MAX_BODY = 2000  # the whole body: choices and the explanation (a few sentences)
MAX_PER_CHAPTER = 3  # a few questions, answered in a minute
#: The `# Title` of an exported questions file (the kiosk does not show it: its screen has its own heading).
TITLES = {"en": "Check what you learned", "es": "Repase lo que aprendió"}

#: Every problem a question can have, in English (files, the command line); the staff console shows each in its own
#: language from the catalogue entry with the same English (`console.check_...` in resources/i18n/strings.yaml).
PROBLEMS = {
    "too_long": "a question is too long ({length} characters; at most {limit})",
    "question_too_long": "a question is at most {limit} characters",
    "empty_choice": "a choice has no text: write it after the [ ] box",
    "long_choice": "a choice is too long ({length} characters; at most {limit})",
    "no_choices": "a question starts with its choices: '- [x] the right one' and '- [ ] another'",
    "choice_count": "a question has 2 or 3 choices, not {count}",
    "ticked": "tick exactly one choice as right with [x] (this question has {count})",
    "same_choices": "two choices say the same thing",
    "choices_apart": "all the choices come together, before the explanation",
    "no_why": "after the choices, say why the right answer is right",
    "no_link": "the explanation must link to the page that explains it: [Read more](page:...)",
}

_CHOICE = re.compile(r"^\s*[-*+]\s+\[([ xX])\]\s*(.*?)\s*$")


@dataclass(frozen=True)
class CheckBody:
    """A question's body, read: the choices in order, which one is right, why, and the page that explains."""

    choices: tuple[str, ...]
    answer: int  # index into choices
    explanation: str  # Markdown
    page: str  # chapter-id/page-id of the first page the explanation links to


def parse_body(markdown: str) -> tuple[CheckBody | None, list[tuple[int, str]]]:
    """The body of one question, or None with every problem as (line offset within `markdown`, message)."""
    problems: list[tuple[int, str]] = []
    if len(markdown) > MAX_BODY:
        return None, [(0, PROBLEMS["too_long"].format(length=len(markdown), limit=MAX_BODY))]
    lines = markdown.split("\n")
    choices: list[str] = []
    ticked: list[int] = []
    index = 0
    while index < len(lines) and not lines[index].strip():
        index += 1
    first_choice = index
    while index < len(lines):
        match = _CHOICE.match(lines[index])
        if match is None:
            break
        text = match.group(2)
        if not text:
            problems.append((index, PROBLEMS["empty_choice"]))
        elif len(text) > MAX_CHOICE:
            problems.append((index, PROBLEMS["long_choice"].format(length=len(text), limit=MAX_CHOICE)))
        if match.group(1) != " ":
            ticked.append(len(choices))
        choices.append(text)
        index += 1
    if not choices:
        problems.append((first_choice, PROBLEMS["no_choices"]))
    elif not MIN_CHOICES <= len(choices) <= MAX_CHOICES:
        problems.append((first_choice, PROBLEMS["choice_count"].format(count=len(choices))))
    if choices and len(ticked) != 1:
        problems.append((first_choice, PROBLEMS["ticked"].format(count=len(ticked))))
    if len({c.casefold() for c in choices}) != len(choices):
        problems.append((first_choice, PROBLEMS["same_choices"]))
    explanation = "\n".join(lines[index:]).strip("\n")
    explanation_line = index
    while explanation_line < len(lines) and not lines[explanation_line].strip():
        explanation_line += 1
    for offset in range(explanation_line, len(lines)):
        if _CHOICE.match(lines[offset]):
            problems.append((offset, PROBLEMS["choices_apart"]))
            break
    linked = pages_linked(explanation)
    if not explanation.strip():
        problems.append((explanation_line, PROBLEMS["no_why"]))
    elif not linked:
        problems.append(
            (
                explanation_line,
                PROBLEMS["no_link"],
            )
        )
    if problems:
        return None, problems
    return CheckBody(tuple(choices), ticked[0], explanation, linked[0]), []


def body_markdown(choices: tuple[str, ...] | list[str], answer: int, explanation: str) -> str:
    """The body as it is written in a file (the inverse of `parse_body`)."""
    lines = [f"- [{'x' if i == answer else ' '}] {choice}" for i, choice in enumerate(choices)]
    return "\n".join(lines) + "\n\n" + explanation.strip("\n")
