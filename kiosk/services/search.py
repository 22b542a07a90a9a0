"""Search over questions and pages, for patients who type the way they speak.

Text is analysed the same way for the index and the query: accents folded ("adicción" = "adiccion"), stop words
dropped, Snowball stems ("driving" = "drive", "adictiva" = "adictivo"). The analysed text goes into an SQLite FTS5
table, which finds candidates quickly; candidates are then ranked by how much of the patient's question they
cover, with matches in a question's own words counting most.

A query word is also looked for as:
- a correction, when the word is not in the kiosk's vocabulary ("adictive" -> "addictive"), by edit distance;
- words a patient uses for the same idea (`kiosk.services.lexicon`): "hooked" finds "addictive";
- a prefix of its stem, so "pregnant" finds "pregnancy";
- a prefix, for the last word while the patient is still typing.

`reindex` rebuilds the index inside the caller's transaction; every write path (imports, edits) calls it.
"""

from __future__ import annotations

import heapq
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import OSA

from kiosk.db.lite import Db, decode, dialect, execute, get_setting, put_setting, query
from kiosk.services.lexicon import CONTRACTIONS, CUE_WORDS, STOP_WORDS, SYNONYMS

GENERATION_KEY = "_search_generation"
_WORD = re.compile(r"[a-z0-9]+")
_STEMMER_NAMES = {"en": "english", "es": "spanish"}
FIELD_WEIGHT = {"title": 1.0, "extra": 0.6, "body": 0.45}
#: Separates a question's own words from the other ways it is asked in the index's title column; each is scored
#: as the question's title, and the best counts. FTS5's tokenizer reads it as a space.
ALTERNATIVE = " | "
MIN_SCORE = 0.3  # below this a result answers a different question; better to say "ask the front desk"
CANDIDATES = 80
QUICK_BUDGET = 0.3  # the share of a query's importance the quick first lookup may leave out (see `search`)
CUE_IMPORTANCE = 0.3  # question words ("how", "not") steer between similar questions but never decide alone
UNKNOWN_IMPORTANCE = (
    0.3  # a word the content never uses ("husband") still counts, but less than a rare known one
)


# --- analysis ----------------------------------------------------------------------------------------------------


def fold(value: str) -> str:
    """Lower case without accents: 'Adicción' -> 'adiccion'."""
    decomposed = unicodedata.normalize("NFKD", value.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(value: str) -> list[str]:
    found = _WORD.findall(fold(value).replace("'", "").replace("’", ""))
    return [part for word in found for part in CONTRACTIONS.get(word, word).split()]


@lru_cache(maxsize=4)
def _stemmer(lang: str) -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer(_STEMMER_NAMES.get(lang, "english"))


@lru_cache(maxsize=65536)
def stem(word: str, lang: str) -> str:
    return str(_stemmer(lang).stemWord(word))


@lru_cache(maxsize=4)
def stop_words(lang: str) -> frozenset[str]:
    return frozenset(words(STOP_WORDS.get(lang, ""))) - cue_words(lang)


@lru_cache(maxsize=4)
def cue_words(lang: str) -> frozenset[str]:
    return frozenset(words(CUE_WORDS.get(lang, "")))


@lru_cache(maxsize=4)
def synonyms(lang: str) -> dict[str, frozenset[str]]:
    """stem -> stems of the other words in its groups."""
    table: dict[str, set[str]] = {}
    for group in SYNONYMS.get(lang, []):
        stems = {stem(word, lang) for word in words(group)}
        for item in stems:
            table.setdefault(item, set()).update(stems - {item})
    return {key: frozenset(value) for key, value in table.items()}


def cue_term(word: str, lang: str) -> str:
    """How a cue word is indexed: its stem marked apart, so "como" (how) never matches "comer" (to eat), which
    stems the same."""
    return "0" + stem(word, lang)


def terms(value: str, lang: str) -> list[str]:
    """The analysed form of a text: stems of its meaningful words (cue words marked apart)."""
    stops = stop_words(lang)
    cues = cue_words(lang)
    return [
        cue_term(word, lang) if word in cues else stem(word, lang)
        for word in words(value)
        if word not in stops
    ]


# --- the index ---------------------------------------------------------------------------------------------------


def reindex(db: Db) -> int:
    """Rebuild the search index from the published content; returns the number of indexed items."""
    flush = getattr(db, "flush", None)
    if callable(flush):  # a Session may hold writes the SQL below must see
        flush()
    execute(db, "DELETE FROM search_fts")
    execute(db, "DELETE FROM search_words")
    rows: list[dict[str, str]] = []
    vocabulary: set[tuple[str, str]] = set()

    def add(kind: str, ref: str, lang: str, titles: list[str], body: str, extra: str) -> None:
        rows.append(
            {
                "kind": kind,
                "ref": ref,
                "lang": lang,
                "title": ALTERNATIVE.join(" ".join(terms(title, lang)) for title in titles),
                "body": " ".join(terms(body, lang)),
                "extra": " ".join(terms(extra, lang)),
            }
        )
        text = " ".join([*titles, body, extra])
        vocabulary.update((lang, word) for word in words(text) if len(word) > 2)

    for entry_id, lang, question, asked, plain, category in query(
        db,
        "SELECT t.entry_id, t.lang, t.question, t.asked, t.plain, coalesce(ct.title, '') FROM faq_entry_texts t "
        "JOIN faq_entries e ON e.id = t.entry_id JOIN faq_categories c ON c.id = e.category_id "
        "LEFT JOIN faq_category_texts ct ON ct.category_id = c.id AND ct.lang = t.lang "
        "WHERE e.published AND e.deleted_at IS NULL AND c.published AND c.deleted_at IS NULL",
    ):
        add("faq", entry_id, lang, [question, *(decode(asked) or [])], plain, category)
    for chapter_id, slug, lang, title, plain, chapter_title in query(
        db,
        "SELECT p.chapter_id, p.slug, t.lang, t.title, t.plain, coalesce(ct.title, '') FROM page_texts t "
        "JOIN pages p ON p.id = t.page_id JOIN chapters c ON c.id = p.chapter_id "
        "LEFT JOIN chapter_texts ct ON ct.chapter_id = c.id AND ct.lang = t.lang "
        "WHERE p.published AND p.deleted_at IS NULL AND c.published AND c.deleted_at IS NULL "
        "AND c.kind = 'topic'",
    ):
        add("page", f"{chapter_id}/{slug}", lang, [title], plain, chapter_title)
    for lang in {lang for lang, _ in vocabulary}:
        for group in SYNONYMS.get(lang, []):
            vocabulary.update((lang, word) for word in words(group) if len(word) > 2)
    execute(
        db,
        "INSERT INTO search_fts (kind, ref, lang, title, body, extra) "
        "VALUES (:kind, :ref, :lang, :title, :body, :extra)",
        rows,
    )
    execute(
        db,
        "INSERT INTO search_words (lang, word) VALUES (:lang, :word)",
        [{"lang": lang, "word": word} for lang, word in sorted(vocabulary)],
    )
    put_setting(db, GENERATION_KEY, int(get_setting(db, GENERATION_KEY) or 0) + 1)
    return len(rows)


@dataclass
class _Model:
    """What a query needs besides the FTS table: the vocabulary and how rare each stem is."""

    vocabulary: list[str]
    vocabulary_set: frozenset[str]
    document_frequency: Counter[str]
    documents: int
    kinds: Counter[str]  # documents of each kind

    def idf(self, term: str) -> float:
        return math.log(1 + (self.documents + 1) / (self.document_frequency.get(term, 0) + 1))


_models: dict[tuple[str, str], tuple[int, _Model]] = {}


def _database(db: Db) -> str:
    """Which database file this is, to keep one search model per file (or per hub)."""
    if dialect(db) != "sqlite":
        return db.get_bind().engine.url.render_as_string(hide_password=True)  # type: ignore[union-attr]
    return str(query(db, "PRAGMA database_list")[0][2])


def _model(db: Db, lang: str) -> _Model:
    generation = int(get_setting(db, GENERATION_KEY) or 0)
    cache_key = (_database(db), lang)
    cached = _models.get(cache_key)
    if cached and cached[0] == generation:
        return cached[1]
    vocabulary = sorted(
        word for (word,) in query(db, "SELECT word FROM search_words WHERE lang = :lang", {"lang": lang})
    )
    frequency: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    for kind, title, body, extra in query(
        db, "SELECT kind, title, body, extra FROM search_fts WHERE lang = :lang", {"lang": lang}
    ):
        kinds[kind] += 1
        frequency.update(set(f"{title} {body} {extra}".split()) - {ALTERNATIVE.strip()})
    model = _Model(vocabulary, frozenset(vocabulary), frequency, kinds.total(), kinds)
    _models[cache_key] = (generation, model)
    return model


# --- queries -----------------------------------------------------------------------------------------------------


@dataclass
class _Concept:
    """One meaningful word of the query and everything it may match, each with a weight."""

    word: str
    exact: dict[str, float] = field(default_factory=dict)  # stem -> weight
    prefixes: dict[str, float] = field(default_factory=dict)  # stem prefix -> weight
    importance: float = 1.0  # how much answering this word matters: rare words matter more
    cue: bool = False  # a question word: it steers between answers, never finds one alone

    def add_exact(self, term: str, weight: float) -> None:
        self.exact[term] = max(weight, self.exact.get(term, 0.0))

    def add_prefix(self, prefix: str, weight: float) -> None:
        self.prefixes[prefix] = max(weight, self.prefixes.get(prefix, 0.0))


def _correct(word: str, lang: str, model: _Model) -> str | None:
    """The vocabulary word a typo was meant to be; None for a known word, a number or a short word."""
    if word in model.vocabulary_set or len(word) < 5 or word.isdigit():
        return None
    root = stem(word, lang)
    if root in model.document_frequency or root in synonyms(lang):  # a real word in another form ("paga")
        return None
    allowed = 1 if len(word) < 7 else 2
    choices = [w for w in model.vocabulary if w[0] == word[0]]  # people rarely mistype the first letter
    matches = process.extract(word, choices, scorer=OSA.distance, score_cutoff=allowed, limit=None)
    if not matches:
        return None
    # The nearest word; between equally near ones, the one the content uses most ("pian" is "pain", not "plan").
    best = min(matches, key=lambda m: (m[1], -model.document_frequency.get(stem(str(m[0]), lang), 0), m[0]))
    return str(best[0])


def _concepts(query: str, lang: str, model: _Model, typing: bool) -> list[_Concept]:
    raw = [word for word in words(query) if len(word) > 1 or word.isdigit()]
    stops = stop_words(lang)
    cues = cue_words(lang)
    concepts: list[_Concept] = []
    for index, word in enumerate(raw):
        last = typing and index == len(raw) - 1
        if word in stops and not last:
            continue
        if word in cues and not last:
            cue = _Concept(word, cue=True)
            cue.add_exact(cue_term(word, lang), 1.0)
            cue.importance = CUE_IMPORTANCE * model.idf(cue_term(word, lang))
            concepts.append(cue)
            continue
        concept = _Concept(word)
        candidates = [(word, 1.0)]
        corrected = _correct(word, lang, model)
        if corrected and not last:
            candidates = [(corrected, 0.9)]
        elif corrected:
            candidates.append((corrected, 0.8))
        for surface, weight in candidates:
            root = stem(surface, lang)
            concept.add_exact(root, weight)
            for other in synonyms(lang).get(root, ()):
                concept.add_exact(other, weight * 0.7)
            if len(root) >= 6:
                concept.add_prefix(root[:5], weight * 0.75)
        if last and len(word) >= 2:
            concept.add_prefix(word, 0.85)
        if word in stops and not concept.prefixes:
            continue
        concept.importance = _importance(concept, [stem(surface, lang) for surface, _ in candidates], model)
        concepts.append(concept)
    return concepts


def _importance(concept: _Concept, own: list[str], model: _Model) -> float:
    """The rarity of the word the patient used; of its synonyms if the content never uses the word itself;
    and as rare as can be if nothing in the content knows it (an unknown word the answer must still cover)."""
    present = [term for term in own if model.document_frequency.get(term)]
    if not present:
        present = [term for term in concept.exact if model.document_frequency.get(term)]
        if present:
            return sum(model.idf(term) for term in present) / len(present)
        return UNKNOWN_IMPORTANCE * model.idf("")
    return max(model.idf(term) for term in present)


def _finders(concepts: list[_Concept], model: _Model, budget: float) -> tuple[list[_Concept], float]:
    """The concepts worth looking candidates up by, and the share of the query's importance left out.

    The most common words of a query ("people", "not", "what") match nearly every question of a large FAQ, and
    ranking them all is most of a search's cost. The commonest concepts are left out of the lookup (they still
    count when the candidates are scored) as long as together they carry less than `budget` of the importance.
    A document found by none of the others can then score no more than that share."""

    def commonness(concept: _Concept) -> int:
        return min((model.document_frequency.get(term, 0) for term in concept.exact), default=0)

    total = sum(concept.importance for concept in concepts)
    dropped = 0.0
    finders = list(concepts)
    for concept in sorted(concepts, key=commonness, reverse=True):
        if len(finders) == 1 or (dropped + concept.importance) >= budget * total:
            break
        dropped += concept.importance
        finders.remove(concept)
    return finders, (dropped / total if total else 0.0)


def _fts_query(lang: str, concepts: list[_Concept], columns: str) -> str:
    alternatives: list[str] = []
    for concept in concepts:
        alternatives += [f'"{term}"' for term in concept.exact]
        alternatives += [f'"{prefix}"*' for prefix in concept.prefixes]
    return f'lang : "{lang}" AND {{{columns}}} : ({" OR ".join(alternatives)})'


class _Query:
    """The concepts of a query, with what scoring a document needs looked up once: which concepts each term and
    prefix stands for, and how much each concept matters."""

    def __init__(self, concepts: list[_Concept]) -> None:
        self.concepts = concepts
        self.weight = sum(concept.importance for concept in concepts)
        self.only_cues = all(concept.cue for concept in concepts)
        self.terms = {term for concept in concepts for term in concept.exact}
        # Each term and prefix as it stands inside a field padded with spaces (" term " and " prefix"): one
        # substring search, done in C, says whether any word of a field matches, without splitting the field.
        self.needles = [
            (f" {term} ", index, weight, True)
            for index, concept in enumerate(concepts)
            for term, weight in concept.exact.items()
        ]
        self.needles += [
            (f" {prefix}", index, weight, False)
            for index, concept in enumerate(concepts)
            for prefix, weight in concept.prefixes.items()
        ]

    def field_matches(self, text: str) -> tuple[dict[int, float], dict[int, int]]:
        """For each concept a field's words answer, how well (before the field's weight); and how many of the
        concept's exact terms the field uses."""
        padded = f" {text} "
        best: dict[int, float] = {}
        exact: dict[int, int] = {}
        for needle, index, weight, is_exact in self.needles:
            if needle in padded:
                if weight > best.get(index, 0.0):
                    best[index] = weight
                if is_exact:
                    exact[index] = exact.get(index, 0) + 1
        return best, exact


class _Scored:
    """One document measured against a query: what its body and category give, and at most what a title can.

    Scoring every other wording of a question is what costs on a large FAQ, so `upper` (what the best title
    could give) is known first, and `score` is worked out only for documents that could still be among the best.
    """

    def __init__(self, query: _Query, fields: dict[str, str]) -> None:
        self.query = query
        concepts = query.concepts
        body, in_body = query.field_matches(fields["body"])
        extra, _ = query.field_matches(fields["extra"])
        self.depth = (
            sum(concept.importance * in_body.get(index, 0) for index, concept in enumerate(concepts))
            / query.weight
            if query.weight
            else 0.0
        )
        self.rest = [
            max(FIELD_WEIGHT["body"] * body.get(index, 0.0), FIELD_WEIGHT["extra"] * extra.get(index, 0.0))
            for index in range(len(concepts))
        ]
        importance = [concept.importance for concept in concepts]
        self.rest_total = sum(i * r for i, r in zip(importance, self.rest, strict=True))
        self.rest_answers = query.only_cues or any(
            r for c, r in zip(concepts, self.rest, strict=True) if not c.cue
        )
        # What the best title could give, from the words of all titles at once: every title's words are in the
        # field, and a title made only of the query's words gives the most. Each title is looked at only for
        # documents that could still be among the best (`score`).
        self.title_field = fields["title"]
        every, _ = query.field_matches(self.title_field)
        self.upper = self._coverage(every, 1.0)

    def _coverage(self, title: dict[int, float], focus: float) -> float:
        """With the concepts a title answers (`title`), and the share of its words that are the query's."""
        query = self.query
        if not query.weight:
            return 0.0
        total = self.rest_total
        answers = self.rest_answers
        weight = FIELD_WEIGHT["title"]
        for index, found in title.items():
            gain = weight * found - self.rest[index]
            if gain > 0:
                total += query.concepts[index].importance * gain
                answers = answers or not query.concepts[index].cue
        if not answers:
            return 0.0
        # A question that says little besides what was asked is a better answer than one that mentions it in
        # passing.
        return total / query.weight * (0.85 + 0.15 * focus)

    @property
    def score(self) -> float:
        """How well the document answers the query, from 0 to 1. A question's title is its own wording or any
        other way it is asked, whichever answers best. A document that shares only question words with the
        query does not answer it, unless the query has nothing but question words ("who should not have it")."""
        query = self.query
        best = self._coverage({}, 0.0)  # what a title sharing no word with the query gives
        for title in self.title_field.split(ALTERNATIVE):
            found, _ = query.field_matches(title)
            if found:
                words = set(title.split())
                focus = len(query.terms.intersection(words)) / len(words)
                best = max(best, self._coverage(found, focus))
        return best


def _score(concepts: list[_Concept], fields: dict[str, str], model: _Model) -> tuple[float, float]:
    """How well a document answers the query, from 0 to 1; and, to order documents that answer it equally well,
    how many of the query's words (and words for the same ideas) its body, the answer, uses."""
    scored = _Scored(_Query(concepts), fields)
    return scored.score, scored.depth


@dataclass(frozen=True)
class Hit:
    kind: str  # "faq" or "page"
    ref: str  # question id, or "chapter-id/page-id"
    score: float


def search(
    db: Db,
    text: str,
    lang: str,
    *,
    kinds: tuple[str, ...] = ("faq", "page"),
    limit: int = 10,
    typing: bool = False,
) -> list[Hit]:
    """The best matches for `text`, best first; empty when nothing answers it.

    `typing`: the text is still being typed, so its last word may be unfinished.
    """
    model = _model(db, lang)
    concepts = _concepts(text, lang, model, typing)
    if not concepts or not model.documents:
        return []
    wanted = tuple(kind for kind in ("faq", "page") if kind in kinds)
    # First the documents whose own words (question or title, and category) match the query's rarer concepts.
    # A document not found this way matches those only in its body, so it scores at most `bound`; when the
    # first `limit` found score more than that, they are the answer. Otherwise everything is searched, leaving
    # out only concepts too common to lift a document over MIN_SCORE alone (the same results, found faster).
    finders, dropped = _finders(concepts, model, QUICK_BUDGET)
    bound = dropped + FIELD_WEIGHT["body"] * (1 - dropped)
    hits = _ranked(db, lang, _fts_query(lang, finders, "title extra"), concepts, model, wanted, limit)
    if len(hits) < limit or hits[limit - 1].score < bound:
        finders, _ = _finders(concepts, model, MIN_SCORE)
        hits = _ranked(
            db, lang, _fts_query(lang, finders, "title body extra"), concepts, model, wanted, limit
        )
    return hits[:limit]


def _ranked(
    db: Db,
    lang: str,
    fts_query: str,
    concepts: list[_Concept],
    model: _Model,
    kinds: tuple[str, ...],
    limit: int,
) -> list[Hit]:
    """The best `limit` of the candidates FTS5 finds, scored, best first."""
    # FTS5 ranks the candidates by rowid alone, and only the best are then read whole: sorting whole rows of long
    # answers would be most of the cost on a large FAQ. Filtering by kind afterwards (the kind is not indexed)
    # is exact as long as the ranking looks at as many more rows as there are documents of the other kinds.
    others = sum(count for kind, count in model.kinds.items() if kind not in kinds)
    if dialect(db) != "sqlite":  # a hub has no FTS5: every document of the language is a candidate
        rows = query(
            db,
            "SELECT kind, ref, title, body, extra FROM search_fts WHERE lang = :lang AND kind IN "
            f"({', '.join(repr(kind) for kind in kinds)})",
            {"lang": lang},
        )
    else:
        rows = query(
            db,
            "SELECT s.kind, s.ref, s.title, s.body, s.extra FROM ("
            "  SELECT rowid AS id, bm25(search_fts, 0, 0, 0, 4.0, 1.0, 2.0) AS rank FROM search_fts"
            "  WHERE search_fts MATCH :query ORDER BY rank LIMIT :limit"
            ") AS best JOIN search_fts AS s ON s.rowid = best.id "
            f"WHERE s.kind IN ({', '.join(repr(kind) for kind in kinds)}) ORDER BY best.rank LIMIT :candidates",
            {"query": fts_query, "limit": CANDIDATES + others, "candidates": CANDIDATES},
        )
    prepared = _Query(concepts)
    measured = [
        (_Scored(prepared, {"title": title, "body": body, "extra": extra}), kind, ref)
        for kind, ref, title, body, extra in rows
    ]
    measured.sort(key=lambda item: -item[0].upper)
    scored: list[tuple[float, float, Hit]] = []
    best: list[float] = []  # the best `limit` scores so far, lowest first
    for candidate, kind, ref in measured:
        if len(best) == limit and candidate.upper < best[0] - 1e-4:
            break  # neither this nor any after it can be among the best `limit`
        score = round(candidate.score, 4)
        if score >= MIN_SCORE:
            scored.append((-score, -candidate.depth, Hit(kind, ref, score)))
            (heapq.heappush if len(best) < limit else heapq.heappushpop)(best, score)
    scored.sort(key=lambda item: item[:2])
    return [hit for *_, hit in scored][:limit]


def clear_cache() -> None:
    _models.clear()


@dataclass(frozen=True)
class FaqResult:
    id: str
    question: str
    category: str
    category_title: str
    score: float


def search_faq(db: Db, text: str, lang: str, *, limit: int = 5, typing: bool = False) -> list[FaqResult]:
    """Questions that answer `text`, with their wording and category, best first."""
    hits = search(db, text, lang, kinds=("faq",), limit=limit, typing=typing)
    if not hits:
        return []
    refs = {f"ref{index}": hit.ref for index, hit in enumerate(hits)}
    found = {
        entry_id: (question, category_id, category_title)
        for entry_id, question, category_id, category_title in query(
            db,
            "SELECT t.entry_id, t.question, e.category_id, coalesce(ct.title, '') FROM faq_entry_texts t "
            "JOIN faq_entries e ON e.id = t.entry_id "
            "LEFT JOIN faq_category_texts ct ON ct.category_id = e.category_id AND ct.lang = t.lang "
            f"WHERE t.lang = :lang AND t.entry_id IN ({', '.join(':' + name for name in refs)})",
            {"lang": lang, **refs},
        )
    }
    results = []
    for hit in hits:
        question, category, category_title = found.get(hit.ref, (hit.ref, "", ""))
        results.append(FaqResult(hit.ref, question, category, category_title, hit.score))
    return results
