"""Checking a parsed content folder: every problem an author can fix, at FILE:LINE.

Errors stop an import (the kiosk would show something broken or unsafe); warnings are things to improve
(reading level, missing captions, a chapter never reviewed by the clinic).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from kiosk.config import LANGUAGE_NAMES, SETTINGS
from kiosk.content import checks, links, placeholders, readability
from kiosk.content.parse import ContentSet, Document, Problem, Section, asked_of, review_date
from kiosk.content.pictures import measure
from kiosk.content.render import ALLOWED_RAW_TAGS, Rendered, markdown_problem, render

WORDS_MIN, WORDS_MAX = 30, 140  # STANDARDS.md: about 40-120 words a page; warn only when clearly outside
ANSWER_WORDS_MAX = 160
_RAW_TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z][\w:-]*)([^>]*)>")
_EVENT_OR_STYLE = re.compile(r"\b(on\w+|style)\s*=", re.IGNORECASE)
_INLINE_CODE = re.compile(r"`[^`]*`")
_WEB = ("http:", "https:", "mailto:", "tel:", "www.")


def _line_of(section: Section, needle: str) -> int:
    for offset, line in enumerate(section.markdown.split("\n")):
        if needle and needle in line:
            return section.body_line + offset
    return section.body_line


def _raw_html_problems(path: str, section: Section) -> Iterable[Problem]:
    in_fence = False
    for offset, line in enumerate(section.markdown.split("\n")):
        if line.strip().startswith(("```", "~~~")):
            in_fence = not in_fence
        if in_fence:
            continue
        number = section.body_line + offset
        text = _INLINE_CODE.sub("", line)
        if "<!--" in text:
            yield Problem(path, number, "HTML comments are removed before showing", "warning")
        for match in _RAW_TAG.finditer(text):
            tag = match.group(2).lower()
            if tag not in ALLOWED_RAW_TAGS:
                yield Problem(path, number, f"HTML <{tag}> is not allowed in content (it is removed)")
            elif _EVENT_OR_STYLE.search(match.group(3)):
                yield Problem(path, number, f"HTML attributes on <{tag}> are not allowed (they are removed)")


def placeholder_problems(path: str, line: int, text: str) -> list[Problem]:
    """An error for each `{{name}}` in `text` that is not a clinic fact the kiosk can fill in."""
    known = ", ".join("{{" + name + "}}" for name in sorted(placeholders.NAMES))
    return [
        Problem(path, line, f"unknown placeholder {{{{{name}}}}}: use one of {known}")
        for name in placeholders.unknown(text)
    ]


@dataclass(frozen=True)
class Targets:
    """What links and pictures in a text may point at."""

    pages: frozenset[str]  # chapter-id/page-id
    questions: frozenset[str]
    pictures: frozenset[str]


def check_text(
    path: str,
    section: Section,
    lang: str,
    targets: Targets,
    *,
    answer: bool,
    topic: bool = True,
    readability_checks: bool = True,
) -> tuple[list[Problem], Rendered]:
    """Problems in one page or answer: raw HTML, pictures, links and reading level. Used by validation of a whole
    folder and by the staff editor, which shows the same problems while staff type."""
    problems: list[Problem] = []
    doc_path = path

    def error(line: int, message: str) -> None:
        problems.append(Problem(doc_path, line, message, "error"))

    def warn(line: int, message: str) -> None:
        problems.append(Problem(doc_path, line, message, "warning"))

    limit = markdown_problem(section.markdown)
    if limit is not None:  # over a limit: checking (rendering) it could take minutes, so stop here
        error(section.body_line + limit[0], limit[1])
        return problems, Rendered(html="", plain="")
    problems.extend(_raw_html_problems(path, section))
    problems.extend(placeholder_problems(path, section.line, section.title))
    for offset, source_line in enumerate(section.markdown.split("\n")):
        problems.extend(placeholder_problems(path, section.body_line + offset, source_line))
    rendered = render(section.markdown)
    for index, picture in enumerate(rendered.pictures):
        line = _line_of(section, picture.src) if picture.src else section.body_line
        if answer:
            error(line, "answers cannot have pictures: link to a page instead")
            continue
        if index == 1:
            error(line, "a page has at most one picture")
        if not picture.src:
            error(line, "picture has no file name")
        elif "/" in picture.src or "\\" in picture.src or ":" in picture.src:
            error(line, f"picture {picture.src!r} must be a file name in illustrations/")
        elif picture.src not in targets.pictures:
            error(line, f"picture {picture.src!r} is not in illustrations/")
        if not picture.alt.strip():
            error(line, "picture has no alt text: describe it in ![...]")
        if not picture.caption.strip():
            warn(line, "picture has no caption: add one in quotes after the file name")
    for target in rendered.links:
        line = _line_of(section, target)
        link = links.parse(target)
        if not target:
            error(line, "link has no target")
        elif link is not None and link.kind == "page":
            if link.target not in targets.pages:
                error(line, f"link to unknown page {link.target!r} (use page:chapter-id/page-id)")
        elif link is not None:
            if link.target not in targets.questions:
                error(line, f"link to unknown question {link.target!r}")
        elif target.lower().startswith(_WEB):
            warn(line, f"web link {target!r} is shown as text, never followed")
        else:
            error(line, f"unknown link target {target!r}: use page:chapter-id/page-id or faq:question-id")
    if readability_checks and topic and rendered.plain:
        score = readability.page_score(rendered.plain, lang)
        if not score.ok:
            target = "8 or below" if lang == "en" else "70 or above"
            warn(section.line, f"reads too hard: {score} (target {target})")
    return problems, rendered


class _Checker:
    def __init__(self, content: ContentSet, readability_checks: bool, today: dt.date) -> None:
        self.content = content
        self.readability = readability_checks
        self.today = today
        # The clinic's review interval (site.yaml's review_months, already checked), as the console uses it.
        months = content.site.get("review_months", SETTINGS["review_months"].default)
        self.review_months = months if isinstance(months, int) else 24
        self.problems: list[Problem] = []
        self.reference = content.languages[0]
        # Link targets, per language: chapter-id/page-id and question ids.
        self.pages: dict[str, set[str]] = {}
        self.questions: dict[str, set[str]] = {}
        for lang in content.languages:
            self.pages[lang] = {
                f"{doc.id}/{s.id}" for doc in content.docs("chapter", lang) for s in doc.sections
            }
            self.questions[lang] = {s.id for doc in content.docs("faq", lang) for s in doc.sections}
        self.used_pictures: set[str] = set()

    def error(self, doc: Document, line: int, message: str) -> None:
        self.problems.append(Problem(doc.path, line, message, "error"))

    def warn(self, doc: Document, line: int, message: str) -> None:
        self.problems.append(Problem(doc.path, line, message, "warning"))

    def run(self) -> list[Problem]:
        for lang in self.content.languages:
            for kind in ("chapter", "faq"):
                self.check_unique_ids(kind, lang)
            for doc in self.content.docs("chapter", lang):
                self.check_chapter(doc)
            for doc in self.content.docs("faq", lang):
                self.check_faq(doc)
            self.check_unique_ids("check", lang)
            for doc in self.content.docs("check", lang):
                self.check_checks(doc)
        self.check_question_ids_unique()
        self.check_languages_agree()
        for name in sorted(set(self.content.pictures) - self.used_pictures):
            self.problems.append(
                Problem(f"illustrations/{name}", 1, "picture is not used by any page", "warning")
            )
        return self.problems

    def check_unique_ids(self, kind: str, lang: str) -> None:
        seen: dict[str, Document] = {}
        for doc in self.content.docs(kind, lang):
            if doc.id and doc.id in seen:
                self.error(doc, 2, f"id {doc.id!r} is already used by {seen[doc.id].path}")
            seen.setdefault(doc.id, doc)

    def check_question_ids_unique(self) -> None:
        for lang in self.content.languages:
            seen: dict[str, str] = {}
            for doc in self.content.docs("faq", lang):
                for section in doc.sections:
                    if section.id in seen and seen[section.id] != doc.path:
                        self.error(
                            doc,
                            section.line,
                            f"question id {section.id!r} is already used in {seen[section.id]}",
                        )
                    seen.setdefault(section.id, doc.path)

    def check_unpublished(self, doc: Document) -> None:
        ids = {s.id for s in doc.sections}
        for item in doc.unpublished:
            if item not in ids:
                self.error(doc, 2, f"unpublished lists {item!r}, which is not an id in this file")

    def check_chapter(self, doc: Document) -> None:
        self.check_unpublished(doc)
        take_home = doc.meta.get("take_home")
        if isinstance(take_home, str) and take_home and take_home not in {s.id for s in doc.sections}:
            self.error(doc, 2, f"take_home names {take_home!r}, which is not a page of this chapter")
        self.problems.extend(placeholder_problems(doc.path, doc.title_line, doc.title))
        self.problems.extend(placeholder_problems(doc.path, 2, str(doc.meta.get("summary") or "")))
        topic = doc.meta.get("kind", "topic") == "topic"
        if topic and not doc.meta.get("summary"):
            self.warn(doc, 2, "no summary: add a one-line 'summary:' for the home screen tile")
        if topic and not doc.meta.get("sources"):
            self.warn(doc, 2, "no sources: list the source tags this chapter is based on")
        self.check_review(doc)
        chapter_text: list[str] = []
        for section in doc.sections:
            rendered = self.check_section(doc, section, allow_picture=True)
            chapter_text.append(rendered)
            if topic and self.readability:
                self.check_words(doc, section, rendered, WORDS_MIN, WORDS_MAX)
        if topic and doc.sections and doc.sections[-1].id != "summary":
            self.warn(
                doc, doc.sections[-1].line, "the last page of a chapter should be a summary (id 'summary')"
            )
        if topic and self.readability:
            for score in readability.chapter_scores("\n".join(chapter_text), doc.lang):
                if not score.ok:
                    self.warn(doc, doc.title_line, f"the chapter reads too hard as a whole ({score})")

    def check_review(self, doc: Document) -> None:
        reviewed_on = review_date(doc.meta)
        if not reviewed_on or not doc.meta.get("reviewed_by"):
            self.warn(doc, 2, "not yet reviewed by the clinic: fill in reviewed_on and reviewed_by")
        else:
            months = (self.today.year - reviewed_on.year) * 12 + self.today.month - reviewed_on.month
            if months > self.review_months:
                self.warn(
                    doc, 2, f"last reviewed {months} months ago: review it again (every {self.review_months})"
                )

    def check_faq(self, doc: Document) -> None:
        self.check_unpublished(doc)
        ids = {s.id for s in doc.sections}
        for item in asked_of(doc.meta) or {}:
            if item not in ids:
                self.error(doc, 2, f"asked lists {item!r}, which is not a question in this file")
        self.problems.extend(placeholder_problems(doc.path, doc.title_line, doc.title))
        for section in doc.sections:
            rendered = self.check_section(doc, section, allow_picture=False)
            if self.readability:
                self.check_words(doc, section, rendered, 10, ANSWER_WORDS_MAX)

    def check_checks(self, doc: Document) -> None:
        """A chapter's teach-back questions: for a topic chapter of this language, each in plain words, with
        its explanation linking to a page (the format itself is checked as the file is read)."""
        self.check_unpublished(doc)
        chapters = {d.id: d for d in self.content.docs("chapter", doc.lang)}
        chapter = chapters.get(doc.id)
        if chapter is None:
            self.error(doc, 2, f"id {doc.id!r} must be the id of a chapter in {doc.lang}/topics/")
        elif chapter.meta.get("kind", "topic") != "topic":
            self.error(doc, 2, f"{doc.id!r} is a reference chapter: questions belong to topic chapters")
        if len(doc.sections) > checks.MAX_PER_CHAPTER:
            self.warn(
                doc,
                doc.title_line,
                f"{len(doc.sections)} questions: keep to {checks.MAX_PER_CHAPTER} or fewer",
            )
        for section in doc.sections:
            plain = self.check_section(doc, section, allow_picture=False)
            if self.readability and plain:
                score = readability.page_score(f"{section.title}\n{plain}", doc.lang)
                if not score.ok:
                    target = "8 or below" if doc.lang == "en" else "70 or above"
                    self.warn(doc, section.line, f"reads too hard: {score} (target {target})")

    def check_answers_agree(self, ref_doc: Document, doc: Document) -> None:
        """The same question has the same number of choices, and the same one right, in every language."""
        ref = {s.id: checks.parse_body(s.markdown)[0] for s in ref_doc.sections}
        for section in doc.sections:
            body, ref_body = checks.parse_body(section.markdown)[0], ref.get(section.id)
            if body is None or ref_body is None:
                continue
            if len(body.choices) != len(ref_body.choices) or body.answer != ref_body.answer:
                self.error(
                    doc,
                    section.body_line,
                    f"the choices differ from {ref_doc.path}: the same number, in the same order, with the same "
                    "one ticked",
                )

    def check_words(self, doc: Document, section: Section, plain: str, low: int, high: int) -> None:
        words = readability.word_count(plain)
        if not low <= words <= high:
            self.warn(doc, section.line, f"{words} words: aim for about {low + 10}-{high - 20} on one screen")

    def check_section(self, doc: Document, section: Section, allow_picture: bool) -> str:
        targets = Targets(
            frozenset(self.pages[doc.lang]),
            frozenset(self.questions[doc.lang]),
            frozenset(self.content.pictures),
        )
        topic = doc.meta.get("kind", "topic") == "topic"
        problems, rendered = check_text(
            doc.path,
            section,
            doc.lang,
            targets,
            answer=not allow_picture,
            topic=topic,
            readability_checks=self.readability,
        )
        self.problems.extend(problems)
        self.used_pictures.update(p.src for p in rendered.pictures)
        return rendered.plain

    def check_languages_agree(self) -> None:
        ref = self.reference
        ref_name = LANGUAGE_NAMES.get(ref, ref)
        for kind in ("chapter", "faq", "check"):
            ref_docs = {d.id: d for d in self.content.docs(kind, ref)}
            for lang in self.content.languages[1:]:
                name = LANGUAGE_NAMES.get(lang, lang)
                docs = {d.id: d for d in self.content.docs(kind, lang)}
                for identifier, ref_doc in ref_docs.items():
                    if identifier not in docs:
                        self.error(ref_doc, 2, f"no {name} version of {identifier!r} in {lang}/")
                for identifier, doc in docs.items():
                    ref_doc_or_none = ref_docs.get(identifier)
                    if ref_doc_or_none is None:
                        self.error(doc, 2, f"id {identifier!r} has no {ref_name} version in {ref}/")
                        continue
                    self.compare_sections(ref_doc_or_none, doc)
                    if kind == "check":
                        self.check_answers_agree(ref_doc_or_none, doc)

    def compare_sections(self, ref_doc: Document, doc: Document) -> None:
        ref_ids = [s.id for s in ref_doc.sections]
        ids = [s.id for s in doc.sections]
        if ref_ids == ids:
            if ref_doc.position != doc.position:
                self.warn(
                    doc, 1, f"file number differs from {ref_doc.path}: the order follows {ref_doc.lang}/"
                )
            return
        for section in doc.sections:
            if section.id not in ref_ids:
                self.error(doc, section.line, f"id {section.id!r} is not in {ref_doc.path}")
        missing = [identifier for identifier in ref_ids if identifier not in ids]
        for identifier in missing:
            self.error(doc, doc.title_line, f"id {identifier!r} from {ref_doc.path} is missing here")
        if not missing and set(ids) == set(ref_ids):
            self.error(doc, doc.title_line, f"the order of ids differs from {ref_doc.path}")


def picture_costs(content: ContentSet) -> list[Problem]:
    """Problems of the pictures that take too long or too much memory to draw (see
    `kiosk.content.pictures.measure`). Separate from `validate` because it starts a drawing program: content and
    pack imports and `kiosk content validate` call it; the staff editor, which only checks text, does not."""
    costs = measure({name: (p.data, p.media_type) for name, p in content.pictures.items()})
    return sorted(Problem(f"illustrations/{name}", line, message) for name, (line, message) in costs.items())


def validate(
    content: ContentSet, *, readability_checks: bool = True, today: dt.date | None = None
) -> list[Problem]:
    """Every problem in `content`, parse problems included, sorted by file and line."""
    checker = _Checker(content, readability_checks, today or dt.date.today())
    return sorted({*content.problems, *checker.run()})
