"""Who took part in an event: the trigger's arguments in the dependency parse, mapped to
article entities and given the roles of docs/taxonomy.md."""

from __future__ import annotations

from spacy.tokens import Span, Token

from . import taxonomy as tx
from .entities import ArticleEntities, Entity
from .lexicon import ORGANISATIONS, ROLE_NOUNS, SECURITY_WORDS

# A verb or noun over a noun trigger whose subject did the deed ("X claimed responsibility for
# the attack", "X was wanted for the murder").
GOVERNING_AGENT_LEMMAS = frozenset(
    {
        "carry",
        "claim",
        "sign",
        "seal",
        "strike",
        "stage",
        "launch",
        "organise",
        "organize",
        "mastermind",
        "commit",
        "perpetrate",
        "win",
        "lose",
        "want",
        "suspect",
        "accuse",
        "involve",
        "conduct",
        "make",
        "issue",
        "release",
        "post",
        "publish",
        "order",
        "lead",
        "responsibility",
        "involvement",
        "role",
        "part",
        "participation",
    }
)
# Verbs that punish or pursue someone for a deed: 'sentenced X for his role in the bombing'.
PURSUIT_LEMMAS = frozenset(
    {
        "sentence",
        "jail",
        "convict",
        "detain",
        "arrest",
        "charge",
        "accuse",
        "want",
        "suspect",
        "imprison",
        "prosecute",
        "try",
    }
)
PRONOUNS = frozenset({"it", "they", "he", "she", "him", "her"})
PREPOSITION_SLOTS = {
    "by": "agent",
    "of": "patient",
    "on": "patient",
    "against": "patient",
    "to": "patient",
    "with": "patient",
    "upon": "patient",
}
RELATIVE_PRONOUNS = frozenset({"who", "which", "that", "whom"})


def actors(trigger: Token, kind: str, entities: ArticleEntities) -> list[tuple[Entity, str]]:
    """Named participants of one trigger with their roles."""
    agent_role, patient_role = tx.ROLE_SLOTS[kind]
    lemma = trigger.lemma_.lower()
    if lemma in tx.SUCCESSION_LEMMAS:
        agent_role, patient_role = "subject", "other"
    elif lemma in tx.GATHERING_LEMMAS:
        agent_role = "subject"
    out: list[tuple[Entity, str]] = []
    for token, slot in _argument_tokens(trigger, lemma):
        if slot == "poss":
            slot = "patient" if kind in tx.POSSESSOR_IS_PATIENT else "agent"
        role = agent_role if slot == "agent" else patient_role if slot == "patient" else slot
        for entity in entities_of(token, entities):
            if all(entity is not e for e, _ in out):
                out.append((entity, _authority_or(entity, role, kind)))
    return out


def speakers(verb: Token | None, entities: ArticleEntities) -> list[tuple[Entity, str]]:
    """Who announced a pledge or an appeal: the people named in the reporting verb's subject."""
    if verb is None:
        return []
    out: list[tuple[Entity, str]] = []
    for child in verb.children:
        if child.dep_ == "nsubj":
            for token in child.subtree:
                entity = entities.at(token.i)
                if entity is not None and entity.kind == "person" and all(entity is not e for e, _ in out):
                    out.append((entity, "speaker"))
    return out


def entities_of(token: Token, entities: ArticleEntities, depth: int = 0) -> list[Entity]:
    """Named entities an argument stands for: itself, its appositions and compounds, its
    conjuncts, the group in 'the sector of X', the name in 'the head of Y, Z'."""
    entity = entities.at(token.i)
    if entity is not None and entity.kind == "place":
        return []
    found: list[Entity] = [entity] if entity is not None else []
    if entity is None:
        if token.lower_ in RELATIVE_PRONOUNS and token.head.dep_ == "relcl":
            return _antecedent(token.head.head, entities)
        if token.lower_ in PRONOUNS:
            reporter = _reporter(token, entities) if token.lower_ not in ("him", "her") else []
            return reporter or _previous_person(token, entities)
        if token.dep_ == "nsubj" and token.head.lemma_ == "be":
            # "The three men killed yesterday were X, Y and Z": the copula names them.
            for attr in token.head.children:
                if attr.dep_ == "attr":
                    found.extend(e for e in entities_of(attr, entities, depth + 1) if e.kind == "person")
        # "a group calling itself the Urus-Martan Mujahideen", "the man, identified as Timur Aushev"
        for acl in token.children:
            if acl.dep_ == "acl" and acl.lemma_ in ("call", "name", "know", "identify"):
                found.extend(e for t in acl.subtree if (e := entities.at(t.i)) and e.kind != "place" and e not in found)
        for child in token.children:
            if child.dep_ in ("appos", "compound") and (e := entities.at(child.i)) and e.kind != "place":
                found.append(e)
        if not found and token.lemma_ in tx.COLLECTIVE_NOUNS:
            found.extend(_of_group(token, entities))
        if not found and (token.lemma_ in ROLE_NOUNS or token.lemma_ in tx.PERSON_NOUNS):
            found.extend(_apposed_person(token, entities))
    if depth < 4:
        for child in token.children:
            if child.dep_ == "conj" or (child.dep_ == "appos" and entity is None):
                found.extend(e for e in entities_of(child, entities, depth + 1) if e not in found)
            elif child.dep_ == "appos":
                # An apposition of another kind is a parse slip ("killed X, the NAK said"), not X.
                found.extend(
                    e for e in entities_of(child, entities, depth + 1) if e not in found and e.kind == entity.kind
                )
    return found


def _reporter(pronoun: Token, entities: ArticleEntities) -> list[Entity]:
    """'Kraus-Hoffmann said it would cut jobs': a pronoun subject under a reporting verb is its subject."""
    verb = pronoun.head
    while verb.dep_ in ("ccomp", "xcomp", "conj") and verb.head.i != verb.i:
        verb = verb.head
        if verb.lemma_ in tx.REPORTING_LEMMAS:
            subject = next((c for c in verb.children if c.dep_ == "nsubj"), None)
            return entities_of(subject, entities, depth=4) if subject is not None and subject.pos_ != "PRON" else []
    return []


def _previous_person(pronoun: Token, entities: ArticleEntities) -> list[Entity]:
    """'Two years ago Zaur Dzhabrailov walked free. On Sunday he was killed', 'stormed the house
    of Almazbek Atambayev and detained him': a 'he'/'she' subject or a 'him'/'her' object is the
    one person named since the start of the sentence before, if only one is."""
    subject = pronoun.lower_ in ("he", "she") and pronoun.dep_.startswith("nsubj")
    if not subject and not (pronoun.lower_ in ("him", "her") and pronoun.dep_ == "dobj"):
        return []
    sentence = pronoun.sent
    start = pronoun.doc[sentence.start - 1].sent.start if sentence.start > 0 else sentence.start
    named = {
        id(e): e
        for e in entities.entities
        if e.kind == "person" and any(start <= m.start < pronoun.i for m in e.mentions)
    }
    return list(named.values()) if len(named) == 1 else []


def _antecedent(noun: Token, entities: ArticleEntities) -> list[Entity]:
    """The person a relative clause is about, climbing 'a member of the group of militants who...'."""
    node = noun
    for _ in range(8):
        found = entities_of(node, entities, depth=4)
        if found:
            return found
        if node.dep_ in ("pobj", "prep", "appos", "compound") and node.head.i != node.i:
            node = node.head
        else:
            break
    return []


def _of_group(token: Token, entities: ArticleEntities) -> list[Entity]:
    for prep in token.children:
        if prep.dep_ == "prep" and prep.lower_ == "of":
            for obj in prep.children:
                if (e := entities.at(obj.i)) is not None and e.kind in ("group", "organisation"):
                    return [e]
    return []


def _apposed_person(token: Token, entities: ArticleEntities) -> list[Entity]:
    """'The head of the Chechen Republic, Ramzan Kadyrov, ...': the parse hangs the name on the
    nearest noun, so look for an apposed person anywhere in the phrase."""
    doc = token.doc
    for t in token.subtree:
        e = entities.at(t.i)
        if e is None or e.kind != "person":
            continue
        if t.dep_ == "appos" or (t.dep_ == "conj" and _after_comma(t, e)):
            return [e]
        # Set off by commas at the end of the phrase, whatever the parse made of it:
        # "The head of the underground in the North Caucasus, Kebekov, died".
        closing = doc[t.i + 1] if t.i + 1 < len(doc) else None
        if closing is not None and closing.text == "," and closing.head.i == token.i and _after_comma(t, e):
            return [e]
    # Right after the phrase, between commas, wherever the parse hung it: "detained the mayor of
    # Makhachkala, Said Amirov, in a dawn raid".
    after = token.right_edge.i + 1
    if after + 1 < len(doc) and doc[after].text == ",":
        e, named = entities.at(after + 1), entities.mention_at(after + 1)
        if e is not None and e.kind == "person" and named.end < len(doc) and doc[named.end].text == ",":
            return [e]
    return []


def _after_comma(token: Token, entity: Entity) -> bool:
    """A 'conjunct' right after a comma is usually an apposition the parser misread."""
    start = min(m.start for m in entity.mentions if m.start <= token.i < m.end)
    return start > 0 and token.doc[start - 1].text == ","


def _argument_tokens(trigger: Token, lemma: str) -> list[tuple[Token, str]]:
    args: list[tuple[Token, str]] = []
    passive = (
        any(c.dep_ in ("auxpass", "nsubjpass") for c in trigger.children)
        or (trigger.dep_ == "acl" and trigger.tag_ == "VBN")
        or bare_participle(trigger)
    )
    subject_is_patient = lemma in tx.SUBJECT_IS_PATIENT
    for child in trigger.children:
        dep = child.dep_
        if dep == "nsubjpass":
            args.append((child, "patient"))
        elif dep == "nsubj":
            args.append((child, "patient" if subject_is_patient else "agent"))
        elif dep in ("dobj", "attr", "oprd") and trigger.pos_ == "VERB":
            args.append((child, "patient"))
        elif dep == "poss":
            args.append((child, "poss"))
        elif dep in ("prep", "agent"):
            args.extend(_prepositional(child))
        elif dep == "xcomp" and child.lemma_ in tx.JOIN_LEMMAS:
            args.extend((c, "other") for c in child.children if c.dep_ == "dobj")
    if trigger.pos_ == "VERB" and not any(t.dep_ in ("nsubj", "nsubjpass") for t, _ in args):
        args.extend(_inherited_subject(trigger, passive, subject_is_patient))
    if trigger.pos_ in ("NOUN", "PROPN"):
        args.extend(_governing_agent(trigger))
        if trigger.dep_ == "dobj" and trigger.head.lemma_ in ("receive", "get"):
            # "X received a sentence of seven years": X undergoes it.
            args.extend((c, "patient") for c in trigger.head.children if c.dep_ == "nsubj")
    if lemma in tx.PLEDGE_VERBS:
        # "pledged allegiance to X": the object of the pledge hangs off the noun.
        for noun in trigger.children:
            if noun.lemma_.lower() in tx.ALLEGIANCE_NOUNS:
                for prep in noun.children:
                    if prep.dep_ == "prep":
                        args.extend(_prepositional(prep))
    return args


def pledge_fallback(
    trigger: Token, sent: Span, found: list[tuple[Entity, str]], entities: ArticleEntities
) -> list[tuple[Entity, str]]:
    """Pledges the parser garbles ('pledged allegiance to IS' read as 'to is'): the pledger is
    the last name before the trigger, the recipient the first name after 'to'."""
    roles = {r for _, r in found}
    extra: list[tuple[Entity, str]] = []
    if "subject" not in roles and "speaker" not in roles:
        before = [entities.at(t.i) for t in sent if t.i < trigger.i]
        person = next((e for e in reversed(before) if e is not None and e.kind in ("person", "group")), None)
        if person is not None:
            extra.append((person, "subject"))
    if "target" not in roles:
        after = [t for t in sent if trigger.i < t.i <= trigger.i + 10]
        to = next((t for t in after if t.lower_ == "to"), None)
        if to is not None:
            target = next(
                (
                    entities.at(t.i)
                    for t in after
                    if t.i > to.i
                    and entities.at(t.i) is not None
                    and entities.at(t.i).kind in ("person", "group", "organisation")
                ),
                None,
            )
            if target is not None:
                extra.append((target, "target"))
    return [a for a in extra if all(a[0] is not e for e, _ in found)]


def _prepositional(prep: Token) -> list[tuple[Token, str]]:
    slot = "agent" if prep.dep_ == "agent" else PREPOSITION_SLOTS.get(prep.lower_)
    if slot is None:
        return []
    return [(c, slot) for c in prep.children if c.dep_ == "pobj"]


def bare_participle(verb: Token) -> bool:
    """'was reported killed', 'is feared dead', 'were believed kidnapped': a past participle
    with no auxiliary of its own, completing another verb, says what was done to that verb's
    subject."""
    return (
        verb.tag_ == "VBN"
        and verb.dep_ in ("xcomp", "oprd", "ccomp")
        and not any(c.dep_ in ("aux", "auxpass") for c in verb.children)
    )


def _inherited_subject(trigger: Token, passive: bool, subject_is_patient: bool) -> list[tuple[Token, str]]:
    """Subjects shared with the governing verb ('is believed to have been killed', 'detained X and
    killed Y'), or the noun a relative clause hangs on ('Kebekov, who was killed ...')."""
    head = trigger.head
    slot = "patient" if passive or subject_is_patient else "agent"
    if trigger.dep_ in ("relcl", "acl"):
        return [(head, slot)]
    shares_subject = trigger.dep_ in ("xcomp", "conj", "advcl") and head.i != trigger.i
    if shares_subject and trigger.lemma_ not in tx.SUCCESSION_LEMMAS:
        return [(s, slot) for s in head.children if s.dep_ in ("nsubj", "nsubjpass")]
    return []


def _governing_agent(noun: Token) -> list[tuple[Token, str]]:
    """'X claimed responsibility for the attack', 'X was wanted for the murder', 'sentenced X for
    organising a bomb attack': X did it."""
    node, governed = noun, False
    for _ in range(5):
        if node.head.i == node.i:
            return []
        node = node.head
        governed = governed or node.lemma_ in GOVERNING_AGENT_LEMMAS or _takes_part(node)
        if node.pos_ == "VERB":
            break
    else:
        return []
    if not governed:
        return []
    if node.lemma_ in PURSUIT_LEMMAS and (objects := [c for c in node.children if c.dep_ in ("dobj", "nsubjpass")]):
        return [(o, "agent") for o in objects]
    subjects = [c for c in node.children if c.dep_ in ("nsubj", "nsubjpass")]
    if not subjects and node.dep_ == "conj":
        subjects = [c for c in node.head.children if c.dep_ in ("nsubj", "nsubjpass")]
    if not subjects and node.dep_ == "pcomp":
        # A gerund has no subject of its own: it is the object of the verb it depends on.
        verb = node.head.head
        subjects = [c for c in verb.children if c.dep_ in ("dobj", "nsubjpass")]
    return [(s, "agent") for s in subjects]


def _takes_part(verb: Token) -> bool:
    """'took part in the attack': who takes part did it."""
    return verb.lemma_ == "take" and any(c.dep_ == "dobj" and c.lower_ == "part" for c in verb.children)


def _authority_or(entity: Entity, role: str, kind: str) -> str:
    """State bodies that kill, arrest or fight are authorities, not perpetrators."""
    if role == "perpetrator" and entity.kind == "organisation" and kind in tx.VIOLENT + ("arrested",):
        words = {w.lower() for v in entity.variants for w in v.split()}
        if words & SECURITY_WORDS or entity.name in ORGANISATIONS:
            return "authority"
    return role


def drop_quoted(found: list[tuple[Entity, str]], source: Span, entities: ArticleEntities) -> list[tuple[Entity, str]]:
    """The reporter of an event is not one of its actors, whatever the parse says; except an
    authority reporting its own act ("the FSB said it had detained five")."""
    quoted = {id(entities.at(t.i)) for t in source}
    return [(e, r) for e, r in found if id(e) not in quoted or r == "authority"]
