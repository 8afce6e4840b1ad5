"""How sure the report is of an event, and who it says told it."""

from __future__ import annotations

from spacy.tokens import Span, Token

from . import taxonomy as tx

# Within one sentence the most specific cue wins; across mentions, taxonomy.CERTAINTY_RANK.
MENTION_PRIORITY = {"denied": 4, "claimed": 3, "alleged": 2, "confirmed": 1, "reported": 0}


def certainty(trigger: Token, sent: Span) -> str:
    if any(c.dep_ == "neg" for c in trigger.children):
        return "denied"
    ancestors = _governors(trigger, sent)
    if any(a.lemma_.lower() in tx.DENY_LEMMAS for a in ancestors):
        return "denied"
    if any(t.lower_ in tx.FALSE_WORDS and trigger in t.head.subtree for t in sent):
        return "denied"  # "reports of his death were false"
    if any(a.lemma_.lower() in tx.CLAIM_LEMMAS and not _negated(a) for a in ancestors):
        return "claimed"
    if _alleged(trigger, ancestors):
        return "alleged"
    if any(a.lemma_.lower() in tx.CONFIRM_LEMMAS and not _negated(a) and not _conditional(a) for a in ancestors):
        return "confirmed"
    return "reported"


def _governors(trigger: Token, sent: Span) -> list[Token]:
    """The words over the trigger, leaving out the verb it is coordinated with: in 'dismissed
    the mayor and named his deputy', 'named' is not under 'dismissed'."""
    out, node = [], trigger
    while node.head.i != node.i and node.head.i >= sent.start:
        if node.dep_ != "conj":
            out.append(node.head)
        node = node.head
    return out


def _alleged(trigger: Token, ancestors: list[Token]) -> bool:
    modifiers = {c.lower_ for c in trigger.children} | {c.lower_ for a in ancestors[:2] for c in a.children}
    if modifiers & tx.ALLEGE_ADVERBS or {"may", "might"} & {c.lower_ for c in trigger.children if c.dep_ == "aux"}:
        return True
    if any(c.dep_ == "amod" and c.lower_ in ("alleged", "suspected") for c in trigger.children):
        return True
    # "wanted for the murder", "is believed to have been killed"; not "wants to".
    return any(a.lemma_.lower() in tx.ALLEGE_LEMMAS and (a.lemma_ != "want" or a.tag_ == "VBN") for a in ancestors)


def _negated(verb: Token) -> bool:
    """'did not claim', 'No group has claimed'."""
    if any(c.dep_ == "neg" for c in verb.children):
        return True
    return any(c.dep_.startswith("nsubj") and any(d.lower_ == "no" for d in c.children) for c in verb.children)


def _conditional(verb: Token) -> bool:
    """'if confirmed', 'could not confirm'."""
    return any(c.dep_ == "mark" and c.lower_ == "if" for c in verb.children) or any(
        c.dep_ == "aux" and c.lower_ in ("could", "would", "may", "might") for c in verb.children
    )


def reporting_verb(trigger: Token, sent: Span) -> Token | None:
    """The 'said' or 'told' that carries the sentence, if any."""
    for ancestor in trigger.ancestors:
        if ancestor.lemma_ in tx.REPORTING_LEMMAS:
            return ancestor
    root = sent.root
    if root.i != trigger.i and root.lemma_ in tx.REPORTING_LEMMAS:
        return root
    return next((t for t in sent if t.dep_ == "parataxis" and t.lemma_ in tx.REPORTING_LEMMAS), None)


def attribution(trigger: Token, sent: Span) -> Span | None:
    """Who the sentence says reported the event: 'according to X', 'X said', 'X told Y'."""
    for token in sent:
        if token.lower_ == "according":
            for to in token.children:
                for obj in to.children:
                    if obj.dep_ == "pobj":
                        return _phrase(obj)
    verb = reporting_verb(trigger, sent)
    if verb is None:
        return None
    subject = next((c for c in verb.children if c.dep_ == "nsubj"), None)
    if subject is None:
        return _named_speaker_before(verb)
    if subject.pos_ == "PRON":
        return None
    said = _phrase(subject)
    if verb.lemma_ == "tell":
        hearer = next((c for c in verb.children if c.dep_ in ("dobj", "dative")), None)
        if hearer is not None and hearer.pos_ != "PRON" and hearer.i >= said.end:
            return verb.doc[said.start : _phrase(hearer).end]
    return said


def is_claim(source: Span) -> bool:
    """A claim of responsibility names the perpetrator, who is then an actor as well as the source."""
    return any(t.head.lemma_ in tx.CLAIM_LEMMAS for t in source)


def _named_speaker_before(verb: Token) -> Span | None:
    """'..., the National Antiterrorism Committee (NAK) said.' when the parse lost the subject."""
    doc, first = verb.doc, verb.sent.start
    i = verb.i - 1
    while i >= first and (doc[i].text in ("(", ")") or doc[i].is_upper):
        i -= 1
    if i < first or not doc[i].ent_type_:
        return None
    start = i
    while start > first and doc[start].ent_iob_ == "I":
        start -= 1
    if start > first and doc[start - 1].pos_ == "DET":
        start -= 1
    return doc[start : verb.i]


def _phrase(head: Token) -> Span:
    """A noun phrase without its relative clauses: 'an unnamed official of the Investigative Committee'."""
    skip = {t.i for c in head.children if c.dep_ in ("relcl", "acl", "punct", "advcl") for t in c.subtree}
    tokens = [t for t in head.subtree if t.i not in skip]
    while tokens and tokens[-1].is_punct:
        tokens.pop()
    if not tokens:
        return head.doc[head.i : head.i + 1]
    start, end = tokens[0].i, tokens[-1].i + 1
    # An abbreviation in brackets keeps its closing bracket: 'the Committee (NAK)'.
    opened = sum(t.text == "(" for t in head.doc[start:end]) - sum(t.text == ")" for t in head.doc[start:end])
    if opened > 0 and end < len(head.doc) and head.doc[end].text == ")":
        end += 1
    return head.doc[start:end]
