"""Whether a trigger states something that happened, read from the dependency parse.

A trigger is not a fact when its clause is negated ("did not attack", "no clashes"),
modal or future ("will strike", "could protest"), an infinitive that is only intended
("plan to protest", "threatened to shell"; but "began to shell" happened), conditional
("if talks fail"), or generic (a bare plural in the present tense: "militias attack
bases"). The clause is the trigger's own verb, or for a noun the verb that governs it.
"""

from __future__ import annotations

from geomap.extract.conditions import gerund_named_by_its_agent
from geomap.extract.triggers import TRIGGER_WORDS

# Verbs whose infinitive complement did happen ("began to shell", "managed to storm").
ASPECTUAL = frozenset("begin start continue resume keep manage attempt try proceed go come".split())
FREQUENCY = frozenset("repeatedly often frequently regularly routinely again constantly".split())
EXPERIENCE = frozenset("before previously ever".split())
# Verbs of saying: a clause they report keeps the event; their own phrase tells who said it, where.
SAYING = frozenset("say tell report announce state add confirm claim quote cite".split())
PROTESTING = frozenset("protest demonstrate rally denounce condemn".split())
_MODALS = frozenset("will would could may might should can shall must".split())
_CONDITIONAL = frozenset(("if", "unless", "should", "whether"))
_NOUN_LINKS = frozenset("dobj nsubj nsubjpass pobj prep conj compound attr appos amod nmod npadvmod agent "
                        "dep oprd acomp".split())


def governing_verb(token):
    """The verb of the trigger's clause: itself, or the first verb above a noun."""
    current, steps = token, 0
    while (current.pos_ not in ("VERB", "AUX") or _gerund_as_noun(current)) and current.dep_ in _NOUN_LINKS \
            and steps < 8:
        if current.head is current:
            break
        current, steps = current.head, steps + 1
    return current


def _gerund_as_noun(token) -> bool:
    """ "Fighting has flared": the gerund is the subject, the verb it hangs from tells the tense."""
    return token.tag_ == "VBG" and token.dep_ in ("nsubj", "nsubjpass")


def why_not_fact(token) -> str | None:
    """None when the trigger states a fact, else the reason ("negated", "modal", ...)."""
    if any(c.dep_ == "neg" or (c.dep_ == "det" and c.lower_ == "no") for c in token.children):
        return "negated"
    verb = governing_verb(token)
    for clause in _clauses(verb):
        reason = _clause_reason(clause)
        if reason:
            return reason
    if _is_generic(token, verb):
        return "generic"
    if _is_aggregate(token, verb):
        return "aggregate"
    if _is_perfect(verb) and _past_event_beside(verb):
        return "background"
    if _is_descriptive(token):
        return "descriptive"
    return None


def _clauses(verb):
    """The verb and the verbs it hangs from through xcomp/conj (where modality is inherited)."""
    yield verb
    current = verb
    for _ in range(4):
        if current.dep_ not in ("xcomp", "conj", "ccomp", "advcl") or current.head is current:
            return
        if current.dep_ in ("ccomp", "advcl"):
            # A reported clause keeps its own tense; only "if" above it matters.
            if any(c.dep_ == "mark" and c.lower_ in _CONDITIONAL for c in current.children):
                return
            return
        current = current.head
        yield current


def _clause_reason(verb) -> str | None:
    children = list(verb.children)
    if any(c.dep_ == "neg" for c in children):
        return "negated"
    if any(c.dep_ == "aux" and (c.lower_ in _MODALS or c.tag_ == "MD") for c in children):
        return "modal"
    if any(c.dep_ == "mark" and c.lower_ in _CONDITIONAL for c in children):
        return "conditional"
    if any(c.dep_ == "aux" and c.lower_ == "going" for c in children):
        return "modal"
    if any(c.dep_ == "aux" and c.tag_ == "TO" for c in children) and verb.dep_ in ("xcomp", "advcl", "relcl",
                                                                                 "acl", "ccomp", "pcomp"):
        if verb.dep_ == "xcomp" and verb.head.lemma_ in ASPECTUAL:
            return None
        # "people blocked roads to protest against ...": the act done was the protest.
        if verb.dep_ == "advcl" and verb.lemma_ in PROTESTING and verb.head.tag_ == "VBD":
            return None
        # A perfect infinitive tells of the past ("claimed to have shelled").
        if any(c.dep_ == "aux" and c.lemma_ == "have" for c in children):
            return None
        return "intended"
    return None


def _is_generic(token, verb) -> bool:
    """A bare plural subject or object in the simple present: a habit, not an event.

    A present passive ("troops are deployed in Syria") states how things stand, not an event.
    """
    # "IS militants attacked": the parser may take the group's initials for the verb.
    if any(c.dep_ == "auxpass" and c.tag_ in ("VBP", "VBZ") and not c.text.isupper() for c in verb.children):
        return True
    if verb.tag_ not in ("VBP", "VBZ") or any(c.dep_ in ("aux", "auxpass") for c in verb.children):
        return False
    if _names_a_day(token.sent):
        return False  # "On 1 May, airstrikes hit ...": "hit" is the past of a dated event
    if token.tag_ != "NNS" or any(c.dep_ in ("det", "nummod", "poss") for c in token.children):
        return verb.pos_ == "VERB" and token is verb and _bare_plural_subject(verb)
    return True


def _names_a_day(sentence) -> bool:
    """True when the parser found a date with a number or a weekday in the sentence."""
    return any(e.label_ == "DATE" and (any(ch.isdigit() for ch in e.text) or e.text.lower().endswith("day"))
               for e in sentence.ents)


def _is_descriptive(token) -> bool:
    """A participle describing a noun ("fighters killed by Israel") while another verb tells the news.

    When the sentence has no verb at its root the parser took the predicate for a modifier
    ("Hundreds of teachers protested ..."): then the participle is the news.
    """
    if token.dep_ not in ("acl", "amod") or token.tag_ not in ("VBN", "VBG"):
        return False
    # A passive participle takes no direct object: with one, it is the clause's verb, misparsed.
    if token.tag_ == "VBN" and any(c.dep_ == "dobj" for c in token.children):
        return False
    if gerund_named_by_its_agent(token):
        return False
    root = token.sent.root
    # "... ambushed IS militants": the parser may take the group's initials for the root verb.
    return root.pos_ in ("VERB", "AUX") and not (root.text.isupper() and len(root.text) > 1)


def _is_aggregate(token, verb) -> bool:
    """A present perfect over many events or none in particular ("have carried out 40 attacks",
    "has been hit several times", "clashes have flared there before")."""
    if not _is_perfect(verb):
        return False
    objects = [c for c in verb.children if c.dep_ in ("dobj", "nsubjpass")]
    plural = token.tag_ == "NNS" or any(o.tag_ == "NNS" and not _counted(o) for o in objects)
    adverbs = (c for c in verb.subtree if c.dep_ in ("advmod", "npadvmod"))
    often = any(c.lower_ in FREQUENCY or c.lemma_ == "time" for c in adverbs)
    return plural or often or _in_the_past(verb)


def _in_the_past(verb) -> bool:
    """ "has occurred before", "have previously clashed", "in the past": experience, not news."""
    for child in verb.children:
        if child.dep_ == "advmod" and child.lower_ in EXPERIENCE:
            return True
        if child.dep_ == "prep" and any(c.dep_ == "pobj" and c.lower_ == "past" for c in child.children):
            return True
    return False


def _is_perfect(verb) -> bool:
    return any(c.dep_ in ("aux", "auxpass") and c.lemma_ == "have" and c.tag_ in ("VBP", "VBZ")
               for c in verb.children)


def _past_event_beside(verb) -> bool:
    """True when another verb of the sentence tells an event in the simple past.

    Beside a past ("families whose children have been kidnapped continued their sit-in"),
    a present perfect tells the state of things, not the news of the day.
    """
    others = (governing_verb(t) for t in verb.sent if _tells_an_event(t))
    return any(other.tag_ == "VBD" and other.i != verb.i and other.lemma_ not in SAYING for other in others)


def _counted(noun) -> bool:
    """A plural with its number ("three people have been killed") is one event's toll, not many events."""
    return any(c.dep_ == "nummod" for c in noun.children)


def _bare_plural_subject(verb) -> bool:
    subjects = [c for c in verb.children if c.dep_ == "nsubj"]
    return bool(subjects) and all(s.tag_ == "NNS" and not any(c.dep_ in ("det", "nummod", "poss")
                                                                  for c in s.children) for s in subjects)


def attribution(token) -> set[int]:
    """Positions of the words that do not tell where the trigger's event was.

    The attribution of a reported clause ("one attacker was killed, the command said in a
    statement issued in Baghdad": the statement's place), and relative clauses the trigger
    is not in ("a man who died of wounds from riots in Tripoli" tells of another day).
    """
    inside = _other_relative_clauses(token) | _sayer(token)
    clause = governing_verb(token)
    for _ in range(4):
        if clause.dep_ == "ccomp" and clause.head.lemma_ in SAYING:
            reported = {t.i for t in clause.subtree}
            return inside | ({t.i for t in clause.head.subtree} - reported)
        if clause.dep_ not in ("conj", "xcomp") or clause.head.i == clause.i:
            return inside
        clause = clause.head
    return inside


def _sayer(token) -> set[int]:
    """Positions of the words naming who said it, when the sentence's root is a verb of saying.

    "A drone strike killed four ..., authorities in the Kurdistan region said": even when the
    parser does not hang the news from "said", the speaker's place is not the event's.
    """
    root = token.sent.root
    if root.lemma_ not in SAYING:
        return set()
    words: set[int] = set()
    for speaker in (c for c in root.children if c.dep_ == "nsubj" and c.i > token.i):
        said_by = {t.i for t in speaker.subtree}
        if token.i not in said_by:
            words |= said_by
    return words


def _other_relative_clauses(token) -> set[int]:
    """Positions of the words of relative clauses that tell another event than ``token``'s.

    "a guard who works at an oil well near X" still places the event; "a man who died of
    wounds from riots in Tripoli" tells of another event and place.
    """
    found = set()
    # A clause on the trigger itself ("clashes that erupted on the X front") tells where it was.
    for clause in (t for t in token.sent if t.dep_ == "relcl" and t.head.i != token.i):
        words = list(clause.subtree)
        if token.i not in {t.i for t in words} and any(_tells_an_event(t) for t in words):
            found |= {t.i for t in words}
    return found


def _tells_an_event(token) -> bool:
    lemma = token.lemma_.lower()
    return lemma in TRIGGER_WORDS or lemma in ("die", "dead", "wound", "injure", "injury")
