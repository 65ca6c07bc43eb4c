"""Finding people who are probably one person whose name is spelled several ways.

Names are never compared all with all: each spelling (a name, an alias, or the
nickname form of a name with a bracketed nickname) is filed into blocks of
spellings that share a key (the same letters, the same words in any order, the
same first and last words, the same words but the given name's nickname, the
same words but one), and only spellings within a block are compared. Spelling
differences are found between the distinct words of all names, not the names.

The same blocks and rules serve two questions: which people in the database are
probably one person (find_groups, for the duplicate finder), and whom names not
yet in the database resemble (look_alikes, for an import's "did you mean").
Both also pair a one-word name with the longer names whose given or family name
it is ("Cher" / "Cher Smith"), at low confidence; the looser likenesses of
spelling are asked of new names only.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations, islice, product

from django.db.models import Q
from django.db.models.functions import Lower
from nicknames import NickNamer
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from people.models import Alias, DistinctPair, Person
from people.sorting import BRACKETED, default_sort_name, fold, lower, name_words


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
# Matches at or above this score join people into one group; weaker ones are
# shown as a pair on their own, so that a chain of weak likenesses never
# gathers many different people into one group.
GROUPING_SCORE = 70
# A word in the names of this many people is a name of its own, not a misspelling.
COMMON_WORD_PEOPLE = 3
# How alike (rapidfuzz's ratio, 0 to 100) two folded names with the same initials
# must be for a "did you mean".
SIMILAR_SPELLING_SCORE = 85
SIMILAR_GIVEN_NAMES_SCORE = 80


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
# Looser likenesses, for a new name only: worth a question when one name is
# added, too many to list among thousands of people ("Tao Xu" / "Tao Xue").
SIMILAR_SPELLING = Rule(50, "Similar spelling, same initials")
SIMILAR_GIVEN_NAMES = Rule(50, "Same family name, given names alike or an initial")
SINGLE_WORD = Rule(40, "A one-word name is the given or family name of the other")
# A one-word name as common as "Lee" would resemble thousands of people: the first few will do.
SINGLE_WORD_MATCHES = 20


def confidence(score):
    if score >= 90:
        return "high"
    if score >= 70:
        return "medium"
    return "low"


@dataclass(frozen=True)
class Spelling:
    """One way a name is written, folded into lower-case ASCII words.

    `owner` is whose name it is: a person's id, or a NewName for a name not yet in the database.
    """

    owner: object
    text: str
    is_alias: bool
    is_bracketed: bool
    words: tuple


@dataclass(frozen=True)
class NewName:
    """A name not yet in the database: the one at `position` in the names given to look_alikes."""

    position: int
    text: str


@dataclass
class Match:
    """Why two people are probably one: the rule and the two spellings it compared.

    A spelling is a Spelling, or for the one-word rule a Hint: both have `text` and `is_alias`.
    """

    first_id: int
    second_id: int
    rule: Rule
    first_spelling: "Spelling | Hint"
    second_spelling: "Spelling | Hint"

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


@dataclass(frozen=True)
class LookAlike:
    """Whom a new name resembles: a person in the database, or a new name given before it.

    `spelling` is what it resembles as written: the person's name, one of their other
    spellings (`is_alias`), or the earlier new name (`person_id` is None).
    """

    spelling: str
    person_id: int | None
    is_alias: bool
    rule: Rule

    @property
    def score(self):
        return self.rule.score

    @property
    def confidence(self):
        return self.rule.confidence


def words_of(text):
    """Return the folded words of `text`: "O'Brien-Smith, J." -> ("obrien", "smith", "j")."""
    return tuple(re.findall(r"[a-z0-9]+", re.sub(r"['.]", "", text)))


def spellings_of(owner, text, is_alias=False):
    """Return the ways a name is spelled: "Michael (Rai) Pokorny" is also "Rai Pokorny"."""
    # Folding ASCII is only lower-casing: skipping anyascii keeps large lists fast.
    folded = text.casefold() if text.isascii() else fold(text)
    bracket = BRACKETED.search(folded)
    if bracket is None:
        words = words_of(folded)
        return [Spelling(owner, text, is_alias, False, words)] if words else []
    words = words_of(BRACKETED.sub(" ", folded))
    spellings = [Spelling(owner, text, is_alias, True, words)] if words else []
    nickname = words_of(bracket.group()[1:-1])
    # The nickname stands for the given names: what follows the bracket is the family name.
    family = words_of(BRACKETED.sub(" ", folded[bracket.end() :])) or words[1:]
    if nickname and family:
        spellings.append(Spelling(owner, text, is_alias, True, nickname + family))
    return spellings


def all_spellings(names, aliases):
    """Every spelling of people's `names` and `aliases`, both (person id, text) pairs."""
    spellings = [s for person_id, text in names for s in spellings_of(person_id, text)]
    spellings += [s for person_id, text in aliases for s in spellings_of(person_id, text, True)]
    return spellings


# Rules, each for the spellings of one kind of block


def exact_rule(spelling, other):
    if spelling.is_bracketed or other.is_bracketed:
        return BRACKETED_NICKNAME
    if spelling.is_alias or other.is_alias:
        return ALIAS
    return SAME_NAME


def reordered_rule(spelling, other):
    return REORDERED if "".join(spelling.words) != "".join(other.words) else None


def is_contained(shorter, longer):
    """Whether `longer` is `shorter` with extra words between its first and last words."""
    if len(shorter) < 2 or len(shorter) >= len(longer):
        return False
    if shorter[0] != longer[0] or shorter[-1] != longer[-1]:
        return False
    remaining = iter(longer)
    return all(word in remaining for word in shorter)


def contained_rule(spelling, other):
    words, other_words = spelling.words, other.words
    if is_contained(words, other_words) or is_contained(other_words, words):
        return CONTAINED
    return None


def nickname_rule(spelling, other):
    given, other_given = spelling.words[0], other.words[0]
    if given == other_given or spelling.words[1:] != other.words[1:]:
        return None
    if other_given in NICKNAMES.get(given, ()) or given in NICKNAMES.get(other_given, ()):
        return NICKNAME
    return None


BLOCK_RULES = {
    "same letters": exact_rule,
    "same words": reordered_rule,
    "same ends": contained_rule,
    "same family": nickname_rule,
}


def blocks_of(words):
    """Return the blocks a spelling of `words` goes in: (kind, key); the kind names the rule."""
    blocks = [("same letters", "".join(words))]
    if len(words) >= 2:
        blocks.append(("same words", tuple(sorted(words))))
        blocks.append(("same ends", (words[0], words[-1])))
        for given in {words[0], *NAMES_OF_NICKNAME.get(words[0], ())}:
            blocks.append(("same family", (given, words[1:])))
    return blocks


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


def near_words(words_by_start_and_length):
    """Return {word: the words one or two letters away from it with the same first letter}."""
    near = defaultdict(set)
    for (start, length), bucket in words_by_start_and_length.items():
        # Words two edits apart differ in length by two at most; looking only at
        # longer ones finds each pair once.
        candidates = [
            other
            for extra in range(3)
            for other in words_by_start_and_length.get((start, length + extra), ())
        ]
        for word in bucket:
            for other in within_two_letters(word, candidates):
                near[word].add(other)
                near[other].add(word)
    return near


def within_two_letters(word, candidates):
    found = process.extract(word, candidates, scorer=OSA.distance, score_cutoff=2, limit=None)
    return [other for other, _distance, _index in found if other != word]


class Blocks:
    """Spellings filed by the blocks they are compared in, and the words they use."""

    def __init__(self, spellings=()):
        self.blocks = defaultdict(list)
        # (position of a word, the other words) -> {that word: spellings}
        self.one_word_apart = defaultdict(lambda: defaultdict(list))
        self.owners_of_word = defaultdict(set)
        self.words_by_start_and_length = defaultdict(list)
        # words_near's candidates by (first letter, length), until another word is filed.
        self.near_candidates = {}
        for spelling in spellings:
            self.add(spelling)

    def add(self, spelling):
        words = spelling.words
        for block in blocks_of(words):
            self.blocks[block].append(spelling)
        for index, word in enumerate(words):
            if word not in self.owners_of_word:
                self.words_by_start_and_length[word[0], len(word)].append(word)
                self.near_candidates.clear()
            self.owners_of_word[word].add(spelling.owner)
            if len(words) >= 2:
                others = words[:index] + words[index + 1 :]
                self.one_word_apart[index, others][word].append(spelling)

    def common_words(self, words=None):
        """Those of `words` (every word if None) that the names of several people use."""
        return {
            word
            for word in (self.owners_of_word if words is None else words)
            if len(self.owners_of_word.get(word, ())) >= COMMON_WORD_PEOPLE
        }

    def words_near(self, word):
        """The words one or two letters away from `word`, with its first letter."""
        key = (word[0], len(word))
        candidates = self.near_candidates.get(key)
        if candidates is None:
            candidates = self.near_candidates[key] = [
                other
                for length in range(len(word) - 2, len(word) + 3)
                for other in self.words_by_start_and_length.get((word[0], length), ())
            ]
        return within_two_letters(word, candidates)

    def likenesses(self, spelling):
        """Yield (other spelling, rule) for each filed spelling that `spelling` resembles."""
        for block in blocks_of(spelling.words):
            rule_for = BLOCK_RULES[block[0]]
            for other in self.blocks.get(block, ()):
                rule = rule_for(spelling, other)
                if rule is not None:
                    yield other, rule
        yield from self.one_word_apart_likenesses(spelling)

    def one_word_apart_likenesses(self, spelling):
        words = spelling.words
        if len(words) < 2:
            return
        for index, word in enumerate(words):
            block = self.one_word_apart.get((index, words[:index] + words[index + 1 :]))
            if block is None:
                continue
            for other_word in self.words_near(word):
                rule = spelling_rule(word, other_word, self.common_words([word, other_word]))
                if rule is not None:
                    yield from ((other, rule) for other in block.get(other_word, ()))


class Finder:
    """Collects the best match for every pair of people found in the blocks."""

    def __init__(self, distinct_pairs):
        self.distinct_pairs = distinct_pairs
        self.matches = {}

    def add(self, spelling, other, rule):
        if rule is None or spelling.owner == other.owner:
            return
        if spelling.owner > other.owner:
            spelling, other = other, spelling
        pair = (spelling.owner, other.owner)
        if pair in self.distinct_pairs:
            return
        best = self.matches.get(pair)
        if best is None or rule.score > best.score:
            self.matches[pair] = Match(*pair, rule, spelling, other)

    def compare_blocks(self, blocks):
        for (kind, _key), block in blocks.blocks.items():
            rule_for = BLOCK_RULES[kind]
            for spelling, other in combinations(block, 2):
                self.add(spelling, other, rule_for(spelling, other))

    def compare_one_word_apart(self, blocks):
        """Compare names that are the same but for one word, when those words are near."""
        common_words = blocks.common_words()
        near = near_words(blocks.words_by_start_and_length)
        for block in blocks.one_word_apart.values():
            if len(block) < 2:
                continue
            for word, block_spellings in block.items():
                for other in near.get(word, ()):
                    if word < other and other in block:
                        rule = spelling_rule(word, other, common_words)
                        for spelling, other_spelling in product(block_spellings, block[other]):
                            self.add(spelling, other_spelling, rule)

    def compare_one_word_names(self, hints):
        """Pair each one-word name with the longer names whose given or family name it is."""
        for word, singles in hints.single_words.items():
            longer = hints.by_part.get(word, [])[:SINGLE_WORD_MATCHES]
            for single, other in product(singles, longer):
                self.add(single, other, SINGLE_WORD)


def find_matches(names, aliases, distinct_pairs=frozenset()):
    """Return {(id, id): Match} for people whose names are probably one person's.

    `names` and `aliases` are (person id, text) pairs; `distinct_pairs` holds
    (smaller id, larger id) pairs that editors decided are different people.
    """
    spellings = all_spellings(names, aliases)
    blocks = Blocks(spellings)
    finder = Finder(distinct_pairs)
    finder.compare_blocks(blocks)
    finder.compare_one_word_apart(blocks)
    finder.compare_one_word_names(one_word_hints(spellings))
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


# Names not yet in the database


@dataclass(frozen=True)
class Hint:
    """A name filed for the looser likenesses: folded, and its family and given names."""

    owner: object
    text: str
    is_alias: bool
    folded: str
    family: str
    given: str


def hint_of(owner, text, is_alias=False):
    family, _, given = fold(default_sort_name(text)).partition(", ")
    return Hint(owner, text, is_alias, fold(text), family, given.replace(".", ""))


def given_names_alike(given, other):
    """Whether two given names are one written two ways: "J" / "John", "Jon" / "Jonathan"."""
    if not given or not other:
        return False
    shorter, longer = sorted((given, other), key=len)
    return (
        longer.startswith(shorter)
        or given[:3] == other[:3]
        or fuzz.ratio(given, other) >= SIMILAR_GIVEN_NAMES_SCORE
    )


class Hints:
    """Names filed by their initials, for the likenesses only a new name is checked for."""

    def __init__(self):
        self.by_initials = defaultdict(list)
        # The folded names of each list in by_initials, for rapidfuzz to compare at once.
        self.folded_by_initials = defaultdict(list)
        self.by_family = defaultdict(list)
        # Longer names by their family name and first given name; one-word names by the word.
        self.by_part = defaultdict(list)
        self.single_words = defaultdict(list)

    def add(self, hint):
        initials = (hint.given[:1], hint.family[:1])
        self.by_initials[initials].append(hint)
        self.folded_by_initials[initials].append(hint.folded)
        self.by_family[hint.given[:1], hint.family].append(hint)
        self.add_parts(hint)

    def add_parts(self, hint):
        """File `hint` for the one-word rule: by its parts, or by its word if it has one."""
        if hint.given:
            for part in {hint.family, hint.given.split()[0]}:
                self.by_part[part].append(hint)
        else:
            self.single_words[hint.family].append(hint)

    def likenesses(self, hint, limit=None):
        """Yield (other hint, rule) for each filed name alike `hint`, with the same initials.

        `limit`: how many will be looked at, at most; the similar spellings are the most
        alike first, so only that many of them need be found.
        """
        initials = (hint.given[:1], hint.family[:1])
        alike = process.extract(
            hint.folded,
            self.folded_by_initials.get(initials, []),
            scorer=fuzz.ratio,
            score_cutoff=SIMILAR_SPELLING_SCORE,
            limit=limit,
        )
        for _folded, _score, index in alike:
            yield self.by_initials[initials][index], SIMILAR_SPELLING
        for other in self.by_family.get((hint.given[:1], hint.family), ()):
            if given_names_alike(hint.given, other.given):
                yield other, SIMILAR_GIVEN_NAMES
        yield from ((other, SINGLE_WORD) for other in self.one_word_likenesses(hint))

    def one_word_likenesses(self, hint):
        """Names one of which is a single word that is the other's given or family name."""
        if not hint.given:
            return self.by_part.get(hint.family, [])[:SINGLE_WORD_MATCHES]
        parts = {hint.family, hint.given.split()[0]}
        return [other for part in parts for other in self.single_words.get(part, [])][
            :SINGLE_WORD_MATCHES
        ]


def one_word_hints(spellings):
    """The one-word names of `spellings`, and the longer names they may be part of, as Hints.

    Filed for the one-word rule only (Hints.add_parts). A longer name is filed only when
    one of its words is a one-word name's that still lacks SINGLE_WORD_MATCHES names:
    working out the family and given names of every name would cost the finder half as
    much again.
    """
    words = defaultdict(set)  # (owner, text, is_alias) -> its words, in any of its spellings
    for spelling in spellings:
        words[spelling.owner, spelling.text, spelling.is_alias].update(spelling.words)
    hints = Hints()
    singles = {name for name in words if len(name_words(name[1])) == 1}
    part_of_word = {}  # a word of a one-word name -> that name, as Hints.by_part files it
    for name in singles:
        hint = hint_of(*name)
        hints.add_parts(hint)
        part_of_word.update(dict.fromkeys(words_of(hint.family), hint.family))
    for name, found in words.items():
        parts = {part_of_word[word] for word in found if word in part_of_word}
        wanted = [part for part in parts if len(hints.by_part[part]) < SINGLE_WORD_MATCHES]
        if wanted and name not in singles:
            hints.add_parts(hint_of(*name))
    return hints


class LookAlikeFinder:
    """People's spellings filed once; new names are compared with them one after another."""

    def __init__(self, names, aliases):
        self.blocks = Blocks(all_spellings(names, aliases))
        self.hints = Hints()
        for person_id, text in names:
            self.hints.add(hint_of(person_id, text))
        for person_id, text in aliases:
            self.hints.add(hint_of(person_id, text, is_alias=True))

    def find(self, new):
        """Return the LookAlikes of the NewName `new`, best first."""
        best = {}
        for other, rule in islice(self.likenesses(new), LIKENESSES_LOOKED_AT):
            keep_best(best, other, rule)
        return [alike for _owner, alike in sorted(best.items(), key=_best_first)]

    def likenesses(self, new):
        """(other, rule) for what `new` resembles, the surest rules (the blocks) first."""
        found = 0
        for spelling in spellings_of(new, new.text):
            for likeness in self.blocks.likenesses(spelling):
                yield likeness
                found += 1
        hint = hint_of(new, new.text)
        yield from self.hints.likenesses(hint, limit=LIKENESSES_LOOKED_AT - found)

    def add(self, new):
        for spelling in spellings_of(new, new.text):
            self.blocks.add(spelling)
        self.hints.add(hint_of(new, new.text))


# A file of fifty thousand new names that all look alike ("Bulk Person 0000001"…) would
# have each compared with all the others: the look-alike check stays near-linear by
# filing only the first new names for the later ones to be compared with, and looking
# at no more than so many likenesses of each name (which is plenty to show the best).
NEW_NAMES_FILED = 500
LIKENESSES_LOOKED_AT = 20


def _best_first(item):
    """Sort key of a look-alike: stronger first, then people before new names.

    People by spelling; new names in the order given, so a name resembles its first spelling.
    """
    owner, alike = item
    if isinstance(owner, NewName):
        return (-alike.score, True, owner.position)
    return (-alike.score, False, alike.spelling)


def keep_best(best, other, rule):
    """Keep in `best` (owner -> LookAlike) the stronger of `rule` and what is there for `other`."""
    if other.owner in best and best[other.owner].score >= rule.score:
        return
    person_id = None if isinstance(other.owner, NewName) else other.owner
    best[other.owner] = LookAlike(other.text, person_id, other.is_alias, rule)


def look_alikes(new_names, names, aliases=()):
    """Return {new name: [LookAlike, …] best first} for distinct names about to be added.

    `names` and `aliases` are (person id, text) pairs of the people in the database,
    e.g. Person.objects.values_list("id", "name") and Alias.objects.values_list("person_id",
    "name"). Each new name is compared with every person's name and other spellings, and
    with the new names before it (one file may spell a new person two ways); an empty
    list means it resembles no one. Names that are a person's name or other spelling
    (same_name_key) are not new: leave them out.
    """
    return dict(each_look_alike(new_names, names, aliases))


def each_look_alike(new_names, names, aliases=()):
    """Yield (new name, [LookAlike, …] best first) for each of `new_names`, in turn.

    As look_alikes, but each name is compared only when asked for: a listing that stops
    early compares no further.
    """
    finder = LookAlikeFinder(list(names), list(aliases))
    for position, text in enumerate(new_names):
        new = NewName(position, text)
        yield text, finder.find(new)
        if position < NEW_NAMES_FILED:
            finder.add(new)


# Names two people share


@dataclass
class SharedSpelling:
    """One of a person's spellings that is also another person's name or other spelling."""

    spelling: str
    is_alias: bool
    other: Person
    other_is_alias: bool


def shared_spellings(person):
    """Return a SharedSpelling for each other person who goes by a spelling of `person`.

    Names are compared ignoring case as the unique constraints compare them (LOWER, on
    both databases). People recorded as different (DistinctPair) are left out; each other
    person is listed once.
    """
    aliases = person.aliases.values_list("name", flat=True)
    spellings = {}
    for spelling, is_alias in [(person.name, False), *((alias, True) for alias in aliases)]:
        spellings.setdefault(lower(spelling), (spelling, is_alias))
    pairs = DistinctPair.objects.filter(Q(first=person) | Q(second=person))
    left_out = {person.pk, *(pk for pair in pairs.values_list("first", "second") for pk in pair)}
    others = [
        (other.name, other, False)
        for other in Person.objects.alias(lower_name=Lower("name"))
        .filter(lower_name__in=list(spellings))
        .exclude(pk__in=left_out)
    ] + [
        (alias.name, alias.person, True)
        for alias in Alias.objects.alias(lower_name=Lower("name"))
        .filter(lower_name__in=list(spellings))
        .exclude(person__in=left_out)
        .select_related("person")
    ]
    first = spellings[lower(person.name)]
    found = {}
    for text, other, other_is_alias in others:
        spelling, is_alias = spellings.get(lower(text), first)
        found.setdefault(other.pk, SharedSpelling(spelling, is_alias, other, other_is_alias))
    return sorted(found.values(), key=lambda shared: (shared.spelling, shared.other.sort_key))
