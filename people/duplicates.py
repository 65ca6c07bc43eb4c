"""Finding people who are probably one person whose name is spelled several ways.

Names are never compared all with all: each spelling (a name, an alias, or the
nickname form of a name with a bracketed nickname) is put into blocks of
spellings that share a key (the same letters, the same words in any order, the
same first and last words, the same words but the given name's nickname, the
same words but one), and only spellings within a block are compared. Spelling
differences are found between the distinct words of all names, not the names.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.db.models.functions import Coalesce
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_POST
from nicknames import NickNamer
from rapidfuzz import process
from rapidfuzz.distance import OSA

from people.models import Alias, DistinctPair, Mention, Person, Role
from people.sorting import BRACKETED, fold


def nickname_tables():
    """Return ({name: its shorter nicknames}, {nickname: its names}, every given name listed)."""
    lookup = NickNamer().nickname_lookup
    # The dataset also lists translations and alternatives ("miguel" has
    # "michael", "andrea" has "andrew"); only a shorter form is a nickname here.
    nicknames = {name: {n for n in forms if len(n) < len(name)} for name, forms in lookup.items()}
    names_of = defaultdict(set)
    for name, forms in nicknames.items():
        for nickname in forms:
            names_of[nickname].add(name)
    known = set(lookup).union(*lookup.values())
    return nicknames, dict(names_of), known


NICKNAMES, NAMES_OF_NICKNAME, GIVEN_NAMES = nickname_tables()
GROUPS_PER_PAGE = 50
# Matches at or above this score join people into one group; weaker ones are
# shown as a pair on their own, so that a chain of weak likenesses never
# gathers many different people into one group.
GROUPING_SCORE = 70
# A word in the names of this many people is a name of its own, not a misspelling.
COMMON_WORD_PEOPLE = 3


@dataclass(frozen=True)
class Rule:
    score: int
    description: str

    @property
    def confidence(self):
        return confidence(self.score)


SAME_NAME = Rule(100, "Same name up to case, accents, spaces and punctuation")
ALIAS = Rule(95, "An alias of one is a name of the other")
BRACKETED_NICKNAME = Rule(90, "Same name with or without the nickname in brackets")
ONE_LETTER = Rule(90, "One letter apart")
NICKNAME = Rule(85, "Nickname form of the given name")
REORDERED = Rule(80, "Same words in another order")
CONTAINED = Rule(75, "Same first and last words, extra words in between")
ONE_LETTER_GIVEN_NAMES = Rule(70, "One letter apart, but each is a usual given name")
ONE_LETTER_COMMON = Rule(60, "One letter apart, but several people use each spelling")
ONE_LETTER_SHORT_WORD = Rule(60, "One letter apart in a short word")
TWO_LETTERS = Rule(55, "Two letters apart")


def confidence(score):
    if score >= 90:
        return "high"
    if score >= 70:
        return "medium"
    return "low"


@dataclass(frozen=True)
class Spelling:
    """One way a person's name is written, folded into lower-case ASCII words."""

    person_id: int
    text: str
    is_alias: bool
    is_bracketed: bool
    words: tuple


@dataclass
class Match:
    """Why two people are probably one: the rule and the two spellings it compared."""

    first_id: int
    second_id: int
    rule: Rule
    first_spelling: Spelling
    second_spelling: Spelling

    @property
    def score(self):
        return self.rule.score

    @property
    def confidence(self):
        return self.rule.confidence


@dataclass
class Group:
    person_ids: list
    matches: list = field(default_factory=list)

    @property
    def score(self):
        return max(match.score for match in self.matches)

    @property
    def confidence(self):
        return confidence(self.score)


def words_of(text):
    """Return the folded words of `text`: "O'Brien-Smith, J." -> ("obrien", "smith", "j")."""
    return tuple(re.findall(r"[a-z0-9]+", re.sub(r"['.]", "", text)))


def spellings_of(person_id, text, is_alias=False):
    """Return the ways a name is spelled: "Michael (Rai) Pokorny" is also "Rai Pokorny"."""
    # Folding ASCII is only lower-casing: skipping anyascii keeps large lists fast.
    folded = text.casefold() if text.isascii() else fold(text)
    bracket = BRACKETED.search(folded)
    if bracket is None:
        words = words_of(folded)
        return [Spelling(person_id, text, is_alias, False, words)] if words else []
    words = words_of(BRACKETED.sub(" ", folded))
    spellings = [Spelling(person_id, text, is_alias, True, words)] if words else []
    nickname = words_of(bracket.group()[1:-1])
    # The nickname stands for the given names: what follows the bracket is the family name.
    family = words_of(BRACKETED.sub(" ", folded[bracket.end() :])) or words[1:]
    if nickname and family:
        spellings.append(Spelling(person_id, text, is_alias, True, nickname + family))
    return spellings


def spelling_rule(word, other, common_words=frozenset()):
    """Return the rule for two names that are the same but for `word` and `other`."""
    # Misspellings keep the first letter; names that differ there are usually
    # different names ("Wang" / "Yang").
    if word[0] != other[0]:
        return None
    distance = OSA.distance(word, other)
    longest, shortest = max(len(word), len(other)), min(len(word), len(other))
    if distance == 1 and longest >= 5:
        # A misspelling is rare; two spellings that several people use are two
        # names ("Zhang" / "Zheng"), as are two usual given names ("Andrew" / "Andrea").
        if word in common_words and other in common_words:
            return ONE_LETTER_COMMON
        return ONE_LETTER_GIVEN_NAMES if {word, other} <= GIVEN_NAMES else ONE_LETTER
    if distance == 1 and longest == 4:
        return ONE_LETTER_SHORT_WORD
    if distance == 2 and shortest >= 6:
        return TWO_LETTERS
    return None


def near_words(words):
    """Return {word: the words one or two letters away from it with the same first letter}."""
    by_start_and_length = defaultdict(list)
    for word in words:
        by_start_and_length[word[0], len(word)].append(word)
    near = defaultdict(set)
    for (start, length), bucket in by_start_and_length.items():
        # Words two edits apart differ in length by two at most; looking only at
        # longer ones finds each pair once.
        candidates = [
            other
            for extra in range(3)
            for other in by_start_and_length.get((start, length + extra), ())
        ]
        for word in bucket:
            found = process.extract(
                word, candidates, scorer=OSA.distance, score_cutoff=2, limit=None
            )
            for other, _distance, _index in found:
                if other != word:
                    near[word].add(other)
                    near[other].add(word)
    return near


def is_contained(shorter, longer):
    """Whether `longer` is `shorter` with extra words between its first and last words."""
    if len(shorter) < 2 or len(shorter) >= len(longer):
        return False
    if shorter[0] != longer[0] or shorter[-1] != longer[-1]:
        return False
    remaining = iter(longer)
    return all(word in remaining for word in shorter)


def nickname_rule(given, other_given):
    if other_given in NICKNAMES.get(given, ()) or given in NICKNAMES.get(other_given, ()):
        return NICKNAME
    return None


def exact_rule(spelling, other):
    if spelling.is_bracketed or other.is_bracketed:
        return BRACKETED_NICKNAME
    if spelling.is_alias or other.is_alias:
        return ALIAS
    return SAME_NAME


class Finder:
    """Collects the best match for every pair of people found in the blocks."""

    def __init__(self, distinct_pairs):
        self.distinct_pairs = distinct_pairs
        self.matches = {}

    def add(self, spelling, other, rule):
        if rule is None or spelling.person_id == other.person_id:
            return
        if spelling.person_id > other.person_id:
            spelling, other = other, spelling
        pair = (spelling.person_id, other.person_id)
        if pair in self.distinct_pairs:
            return
        best = self.matches.get(pair)
        if best is None or rule.score > best.score:
            self.matches[pair] = Match(*pair, rule, spelling, other)

    def compare_exact(self, blocks, rule_for):
        for block in blocks.values():
            for spelling, other in combinations(block, 2):
                self.add(spelling, other, rule_for(spelling, other))

    def compare_one_word_apart(self, blocks, spellings):
        """Compare names that are the same but for one word, when those words are near."""
        people_with_word = defaultdict(set)
        for spelling in spellings:
            for word in spelling.words:
                people_with_word[word].add(spelling.person_id)
        common_words = {
            w for w, people in people_with_word.items() if len(people) >= COMMON_WORD_PEOPLE
        }
        near = near_words(people_with_word)
        for block in blocks.values():
            if len(block) < 2:
                continue
            for word, block_spellings in block.items():
                for other in near.get(word, ()):
                    if word < other and other in block:
                        rule = spelling_rule(word, other, common_words)
                        for spelling in block_spellings:
                            for other_spelling in block[other]:
                                self.add(spelling, other_spelling, rule)


def find_matches(names, aliases, distinct_pairs=frozenset()):
    """Return {(id, id): Match} for people whose names are probably one person's.

    `names` and `aliases` are (person id, text) pairs; `distinct_pairs` holds
    (smaller id, larger id) pairs that editors decided are different people.
    """
    spellings = [s for person_id, text in names for s in spellings_of(person_id, text)]
    spellings += [s for person_id, text in aliases for s in spellings_of(person_id, text, True)]

    same_letters = defaultdict(list)
    same_words = defaultdict(list)
    same_ends = defaultdict(list)
    same_family_nickname = defaultdict(list)
    one_word_apart = defaultdict(lambda: defaultdict(list))
    for spelling in spellings:
        words = spelling.words
        same_letters["".join(words)].append(spelling)
        if len(words) < 2:
            continue
        same_words[tuple(sorted(words))].append(spelling)
        same_ends[words[0], words[-1]].append(spelling)
        for given in {words[0], *NAMES_OF_NICKNAME.get(words[0], ())}:
            same_family_nickname[given, words[1:]].append(spelling)
        for index, word in enumerate(words):
            one_word_apart[index, words[:index] + words[index + 1 :]][word].append(spelling)

    finder = Finder(distinct_pairs)
    finder.compare_exact(same_letters, exact_rule)
    finder.compare_exact(
        same_words, lambda a, b: REORDERED if "".join(a.words) != "".join(b.words) else None
    )
    finder.compare_exact(
        same_ends,
        lambda a, b: (
            CONTAINED if is_contained(a.words, b.words) or is_contained(b.words, a.words) else None
        ),
    )
    finder.compare_exact(
        same_family_nickname,
        lambda a, b: (
            nickname_rule(a.words[0], b.words[0])
            if a.words[0] != b.words[0] and a.words[1:] == b.words[1:]
            else None
        ),
    )
    finder.compare_one_word_apart(one_word_apart, spellings)
    return finder.matches


def group_matches(matches):
    """Join people linked by strong matches into groups; weak matches stay pairs."""
    parent = {}

    def root(person_id):
        parent.setdefault(person_id, person_id)
        while parent[person_id] != person_id:
            parent[person_id] = parent[parent[person_id]]
            person_id = parent[person_id]
        return person_id

    for first_id, second_id in matches:
        if matches[first_id, second_id].score >= GROUPING_SCORE:
            parent[root(first_id)] = root(second_id)

    groups = {}
    weak = []
    for (first_id, second_id), match in matches.items():
        if match.score >= GROUPING_SCORE or root(first_id) == root(second_id):
            group = groups.setdefault(root(first_id), Group(person_ids=[]))
            group.matches.append(match)
        else:
            weak.append(Group(person_ids=[first_id, second_id], matches=[match]))
    for person_id in list(parent):
        if root(person_id) in groups:
            groups[root(person_id)].person_ids.append(person_id)
    return list(groups.values()) + weak


def find_groups():
    """Return the groups of people who are probably one person, most certain first."""
    names = list(Person.objects.values_list("id", "name", "sort_key"))
    aliases = Alias.objects.values_list("person_id", "name")
    distinct_pairs = set(DistinctPair.objects.values_list("first_id", "second_id"))
    matches = find_matches(
        [(person_id, name) for person_id, name, _ in names], aliases, distinct_pairs
    )
    groups = group_matches(matches)
    sort_keys = {person_id: (key, person_id) for person_id, _, key in names}
    for group in groups:
        group.person_ids.sort(key=sort_keys.__getitem__)
        group.matches.sort(key=lambda match: -match.score)
    groups.sort(key=lambda group: (-group.score, sort_keys[group.person_ids[0]]))
    return groups


@dataclass
class SharedSpelling:
    """One of a person's spellings that is also another person's name or other spelling."""

    spelling: str
    is_alias: bool
    other: Person
    other_is_alias: bool


def shared_spellings(person):
    """Return a SharedSpelling for each other person who goes by a spelling of `person`.

    Names are compared ignoring case, as imports match them. People recorded as
    different (DistinctPair) are left out; each other person is listed once.
    """
    aliases = list(person.aliases.values_list("name", flat=True))
    spellings = [(person.name, False)] + [(alias, True) for alias in aliases]
    matching = Q()
    for spelling, _is_alias in spellings:
        matching |= Q(name__iexact=spelling)
    pairs = DistinctPair.objects.filter(Q(first=person) | Q(second=person))
    left_out = {person.pk, *(pk for pair in pairs.values_list("first", "second") for pk in pair)}
    others = [
        (other.name, other, False)
        for other in Person.objects.filter(matching).exclude(pk__in=left_out)
    ] + [
        (alias.name, alias.person, True)
        for alias in Alias.objects.filter(matching)
        .exclude(person__in=left_out)
        .select_related("person")
    ]
    found = {}
    for text, other, other_is_alias in others:
        spelling, is_alias = next(
            (s for s in spellings if s[0].lower() == text.lower()), spellings[0]
        )
        found.setdefault(other.pk, SharedSpelling(spelling, is_alias, other, other_is_alias))
    return sorted(found.values(), key=lambda shared: (shared.spelling, shared.other.sort_key))


def describe_people(groups):
    """Load the people of `groups` with their aliases, credit counts and projects."""
    person_ids = {person_id for group in groups for person_id in group.person_ids}
    people = Person.objects.filter(pk__in=person_ids).prefetch_related(
        Prefetch("aliases", queryset=Alias.objects.order_by("name"))
    )
    people = {person.pk: person for person in people}
    for person in people.values():
        person.credit_count = 0
        person.mention_count = 0
        person.project_titles = set()
    roles = Role.objects.filter(person_id__in=person_ids).values_list(
        "person_id", Coalesce("team__section__project__title", "section__project__title")
    )
    for person_id, title in roles:
        people[person_id].credit_count += 1
        people[person_id].project_titles.add(title)
    mentions = Mention.objects.filter(person_id__in=person_ids).values_list(
        "person_id", "acknowledgment__project__title"
    )
    for person_id, title in mentions:
        people[person_id].mention_count += 1
        people[person_id].project_titles.add(title)
    for person in people.values():
        person.project_titles = sorted(person.project_titles)
    for group in groups:
        group.people = [people[person_id] for person_id in group.person_ids]
        for match in group.matches:
            match.first = people[match.first_id]
            match.second = people[match.second_id]


def duplicates_view(request, model_admin):
    if not request.user.has_perm("people.change_person"):
        raise PermissionDenied
    groups = find_groups()
    page = Paginator(groups, GROUPS_PER_PAGE).get_page(request.GET.get("page"))
    describe_people(page.object_list)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": "Possible duplicate people",
        "page": page,
        "group_count": len(groups),
        "merge_action_url": reverse("admin:people_person_changelist"),
    }
    return TemplateResponse(request, "admin/people/person/duplicates.html", context)


@require_POST
def mark_distinct_view(request, model_admin):
    if not request.user.has_perm("people.change_person"):
        raise PermissionDenied
    back = reverse("admin:people_person_duplicates")
    page = request.POST.get("page", "")
    if page.isdigit():
        back += f"?page={page}"
    ids = [request.POST.get("first", ""), request.POST.get("second", "")]
    if not all(value.isdigit() for value in ids) or ids[0] == ids[1]:
        messages.error(request, "Choose two different people to mark as different.")
        return redirect(back)
    people = Person.objects.filter(pk__in=ids).order_by("pk")
    if len(people) != 2:
        messages.error(request, "One of these people no longer exists; nothing was recorded.")
        return redirect(back)
    first, second = people
    DistinctPair.objects.get_or_create(
        first=first, second=second, defaults={"decided_by": request.user}
    )
    messages.success(
        request, f"“{first}” and “{second}” are recorded as different people and not shown again."
    )
    return redirect(back)


def duplicate_urls(model_admin):
    """The URLs of the duplicate finder, for PersonAdmin.get_urls()."""
    admin_view = model_admin.admin_site.admin_view
    return [
        path(
            "duplicates/",
            admin_view(lambda request: duplicates_view(request, model_admin)),
            name="people_person_duplicates",
        ),
        path(
            "duplicates/different/",
            admin_view(lambda request: mark_distinct_view(request, model_admin)),
            name="people_person_distinct",
        ),
    ]
