"""The event taxonomy: types, the words that signal them, and the roles their arguments take.

docs/taxonomy.md is the human-readable version of this module; keep the two in step.
"""

from __future__ import annotations

from spacy.tokens import Token

EVENT_TYPES = (
    "killed",
    "arrested",
    "attack",
    "bombing",
    "clash",
    "allegiance_pledge",
    "recruitment_call",
    "leadership_change",
    "sentenced",
    "statement",
    "disaster",
    "election",
    "business",
    "other",
)

# Violent incidents: mentions of one incident with different words (an ambush in which soldiers
# were killed, a shootout that left two dead) are merged, and the type is chosen by this
# order among the words of the sentence that first reports it.
VIOLENT = ("bombing", "attack", "killed", "clash")

# Verb lemmas that signal an event on their own.
VERB_TRIGGERS = {
    "kill": "killed",
    "murder": "killed",
    "assassinate": "killed",
    "neutralise": "killed",
    "neutralize": "killed",
    "eliminate": "killed",
    "liquidate": "killed",
    "die": "killed",
    "behead": "killed",
    "slay": "killed",
    "detain": "arrested",
    "arrest": "arrested",
    "apprehend": "arrested",
    "attack": "attack",
    "ambush": "attack",
    "storm": "attack",
    "assault": "attack",
    "explode": "bombing",
    "detonate": "bombing",
    "bomb": "bombing",
    "shell": "bombing",
    "bombard": "bombing",
    "airstrike": "bombing",
    "clash": "clash",
    "stab": "attack",
    "lynch": "killed",
    "torture": "attack",
    "appoint": "leadership_change",
    "succeed": "leadership_change",
    "replace": "leadership_change",
    "resign": "leadership_change",
    "dismiss": "leadership_change",
    "sack": "leadership_change",
    "sentence": "sentenced",
    "jail": "sentenced",
    "imprison": "sentenced",
    "convict": "sentenced",
    "warn": "statement",
    "vow": "statement",
    "threaten": "statement",
    "condemn": "statement",
    "elect": "election",
    "re-elect": "election",
    "acquire": "business",
    "buy": "business",
    "merge": "business",
    "abduct": "other",
    "kidnap": "other",
    "rally": "other",
    "protest": "other",
    "demonstrate": "other",
    "riot": "other",
    "picket": "other",
    "flood": "disaster",
    "capsize": "disaster",
    "drown": "killed",
}

# Noun lemmas that name an event.
NOUN_TRIGGERS = {
    "killing": "killed",
    "murder": "killed",
    "death": "killed",
    "assassination": "killed",
    "arrest": "arrested",
    "detention": "arrested",
    "attack": "attack",
    "ambush": "attack",
    "assault": "attack",
    "shooting": "attack",
    "bombing": "bombing",
    "shelling": "bombing",
    "bombardment": "bombing",
    "airstrike": "bombing",
    "blast": "bombing",
    "explosion": "bombing",
    "clash": "clash",
    "gunfight": "clash",
    "shootout": "clash",
    "firefight": "clash",
    "fighting": "clash",
    "battle": "clash",
    "skirmish": "clash",
    "lynching": "killed",
    "allegiance": "allegiance_pledge",
    "bay'ah": "allegiance_pledge",
    "bayat": "allegiance_pledge",
    "oath": "allegiance_pledge",
    "appointment": "leadership_change",
    "resignation": "leadership_change",
    "earthquake": "disaster",
    "quake": "disaster",
    "flood": "disaster",
    "flooding": "disaster",
    "landslide": "disaster",
    "mudslide": "disaster",
    "mudflow": "disaster",
    "rockslide": "disaster",
    "rockfall": "disaster",
    "avalanche": "disaster",
    "wildfire": "disaster",
    "blaze": "disaster",
    "typhoon": "disaster",
    "hurricane": "disaster",
    "cyclone": "disaster",
    "tornado": "disaster",
    "tsunami": "disaster",
    "drought": "disaster",
    "eruption": "disaster",
    "storm": "disaster",
    "fire": "disaster",
    "election": "election",
    "vote": "election",
    "referendum": "election",
    "acquisition": "business",
    "merger": "business",
    "takeover": "business",
    "deal": "business",
    "layoff": "business",
    "bankruptcy": "business",
    "ipo": "business",
    "abduction": "other",
    "kidnapping": "other",
    "protest": "other",
    "rally": "other",
    "demonstration": "other",
    "riot": "other",
    "rioting": "other",
    "sit-in": "other",
}

# Nouns that name a role in the event rather than the event; they are triggers only in the
# compounds given ("suicide bomber", "air strike", "recruitment video").
COMPOUND_TRIGGERS = {
    ("suicide", "bomber"): "bombing",
    ("air", "strike"): "bombing",
    ("drone", "strike"): "bombing",
    ("missile", "strike"): "bombing",
    ("rocket", "strike"): "bombing",
    ("artillery", "strike"): "bombing",
    ("rocket", "attack"): "bombing",
    ("missile", "attack"): "bombing",
    ("mortar", "attack"): "bombing",
    ("drone", "attack"): "bombing",
    ("grenade", "attack"): "bombing",
    ("hunger", "strike"): "other",
    ("general", "strike"): "other",
    ("gun", "battle"): "clash",
    ("bomb", "attack"): "bombing",
    ("recruitment", "video"): "recruitment_call",
    ("job", "cut"): "business",
    ("recruiting", "video"): "recruitment_call",
}

# What a company opens as business news: "a new grain terminal opened at the port".
FACILITY_NOUNS = frozenset(
    {
        "terminal",
        "plant",
        "factory",
        "mill",
        "refinery",
        "smelter",
        "mine",
        "port",
        "store",
        "shop",
        "mall",
        "warehouse",
        "hub",
        "pipeline",
        "railway",
        "office",
        "branch",
        "facility",
        "hotel",
        "restaurant",
        "dealership",
        "showroom",
    }
)
ALLEGIANCE_NOUNS = frozenset({"allegiance", "loyalty", "oath", "bay'ah", "bayat", "bayah"})
JOIN_LEMMAS = frozenset({"join", "fight", "travel", "wage", "go"})
EXPLOSIVE_NOUNS = frozenset({"bomb", "device", "explosive", "ied", "mine", "grenade", "shell"})
LEADER_NOUNS = frozenset(
    {
        "leader",
        "head",
        "emir",
        "amir",
        "mayor",
        "commander",
        "chief",
        "president",
        "governor",
        "minister",
        "director",
        "chairman",
        "successor",
        "deputy",
    }
)
# What blows up by accident: "a gas explosion" is a technical disaster, not a bombing.
ACCIDENT_SOURCES = frozenset({"gas", "boiler", "methane", "chemical", "pipeline", "fuel", "dust"})
# Deals between governments or sides, not companies.
POLITICAL_DEALS = frozenset({"border", "peace", "ceasefire", "nuclear", "prisoner", "plea", "power"})
# Explosives that, as the subject of a verb, went off.
DETONATED_NOUNS = frozenset(
    {"bomb", "ied", "grenade", "explosive", "explosives", "landmine", "mine", "shell", "rocket", "missile", "mortar"}
)
# What is launched, fired, thrown or dropped at a target: "launched missiles at the town",
# "fired mortar rounds", "threw a grenade", "dropped bombs".
PROJECTILE_NOUNS = frozenset(
    {
        "missile",
        "rocket",
        "mortar",
        "shell",
        "round",
        "bomb",
        "grenade",
        "drone",
        "strike",
        "airstrike",
        "artillery",
        "projectile",
        "munition",
    }
)
PROJECTILE_VERBS = frozenset({"launch", "fire", "throw", "hurl", "lob", "drop", "shoot"})
# Explosives that harm whoever meets them, and the verbs of meeting them.
EXPLOSIVE_INSTRUMENTS = frozenset({"ied", "landmine", "mine", "bomb", "explosive", "device", "grenade", "uxo"})
INSTRUMENT_VERBS = frozenset({"hit", "strike", "run", "step", "drive", "tread", "detonate", "trigger"})
# Words for remote weapons that make "struck", "hit" or "destroyed" a strike from afar.
REMOTE_WEAPON_WORDS = frozenset(
    {
        "air",
        "aircraft",
        "aviation",
        "drone",
        "missile",
        "rocket",
        "artillery",
        "mortar",
        "shell",
        "shelling",
        "airstrike",
        "jet",
        "warplane",
        "helicopter",
        "uav",
        "bomb",
    }
)
# Taking ground: "militants overran the district centre", "troops recaptured the village".
TERRITORY_VERBS = frozenset({"capture", "recapture", "retake", "overrun", "overtake", "seize"})
TERRITORY_NOUNS = frozenset(
    {
        "village",
        "town",
        "city",
        "district",
        "area",
        "post",
        "checkpoint",
        "base",
        "position",
        "positions",
        "territory",
        "control",
        "unit",
        "outpost",
        "centre",
        "center",
        "headquarters",
    }
)
# Figures of speech built on trigger words: "shot to fame", "old habits die hard", "spread like
# wildfire", "a killer feature". (prepositional object, adverb) that cancel the trigger.
FIGURATIVE_OBJECTS = frozenset({"fame", "stardom", "prominence", "popularity", "notoriety", "glory", "top"})
FIGURATIVE_ADVERBS = frozenset({"hard", "down", "out", "off", "away"})
# "fire" is a disaster unless it is gunfire.
GUNFIRE_HEADS = frozenset({"open", "exchange", "return", "come", "draw", "trade"})

# Words that record a casualty without naming an event of their own.
KILLED_WORDS = frozenset({"kill", "die", "dead", "death", "murder", "killing", "slay", "drown"})
INJURED_WORDS = frozenset({"wound", "injure", "hurt", "injured", "wounded"})
ARRESTED_WORDS = frozenset({"detain", "arrest", "apprehend"})

# A verb over the trigger that says the event did not (yet) happen.
IRREALIS_HEADS = frozenset({"plan", "plot", "prepare", "intend", "try", "attempt"})
# Verbs over an infinitive trigger that make it the news: it happened ("managed to escape") or
# was agreed or decided ("has agreed to buy"); under any other ("came to detain him", "was sent
# to arrest") the infinitive is only a purpose.
REALISING_HEADS = frozenset({"manage", "succeed", "able", "agree", "decide"})
# "found guilty of murder": the noun is a charge, not a new event.
CHARGE_HEADS = frozenset({"guilty", "charge", "accuse", "convict", "indict"})

# Certainty cues, strongest reading first when merged: see docs/taxonomy.md.
CERTAINTY_RANK = {"denied": 4, "confirmed": 3, "claimed": 2, "reported": 1, "alleged": 0}
DENY_LEMMAS = frozenset({"deny", "refute", "dismiss", "reject"})
FALSE_WORDS = frozenset({"false", "untrue", "baseless", "groundless", "fake", "unfounded"})
CLAIM_LEMMAS = frozenset({"claim"})
CONFIRM_LEMMAS = frozenset({"confirm"})
ALLEGE_LEMMAS = frozenset({"believe", "think", "suspect", "allege", "presume", "want", "accuse", "charge"})
ALLEGE_ADVERBS = frozenset({"allegedly", "purportedly", "presumably", "supposedly", "possibly", "probably"})
REPORT_ADVERBS = frozenset({"reportedly"})
REPORTING_LEMMAS = frozenset(
    {
        "say",
        "tell",
        "report",
        "announce",
        "state",
        "add",
        "write",
        "claim",
        "confirm",
        "deny",
        "quote",
        "cite",
        "inform",
        "declare",
        "note",
        "warn",
    }
)

# Role of an argument by event type: (agent: who did it, patient: to whom it was done).
ROLE_SLOTS = {
    "killed": ("perpetrator", "victim"),
    "arrested": ("authority", "subject"),
    "attack": ("perpetrator", "target"),
    "bombing": ("perpetrator", "target"),
    "clash": ("perpetrator", "perpetrator"),
    "allegiance_pledge": ("subject", "target"),
    "recruitment_call": ("speaker", "target"),
    "leadership_change": ("authority", "subject"),
    "sentenced": ("authority", "subject"),
    "statement": ("speaker", "target"),
    "disaster": ("other", "victim"),
    "election": ("subject", "subject"),
    "business": ("subject", "target"),
    "other": ("perpetrator", "victim"),
}
# Verbs whose grammatical subject undergoes the event ("X died") or takes the post ("X succeeded Y").
SUBJECT_IS_PATIENT = frozenset({"die", "explode", "resign", "step", "flood", "drown", "capsize"})
SUCCESSION_LEMMAS = frozenset({"succeed", "replace"})
GATHERING_LEMMAS = frozenset({"rally", "protest", "demonstration", "demonstrate"})
# People a gathering is reported through, as the subject of what they did.
GATHERING_PARTICIPANTS = frozenset({"rioter", "protester", "protestor", "demonstrator", "mob"})
# Verbs that announce what someone will do: "threatened to protest" is no protest yet.
ANNOUNCING_LEMMAS = frozenset({"threaten", "vow", "call", "urge", "promise", "pledge", "warn", "want", "hope"})
# What a gathering asks for or rejects is its subject, not an event of its own.
DEMAND_HEADS = frozenset({"demand", "reject", "denounce"})
# Noun triggers whose possessor undergoes the event ("Kebekov's death", "his arrest").
POSSESSOR_IS_PATIENT = frozenset({"killed", "arrested", "sentenced", "leadership_change", "other"})

# Nouns for the people an "identified as" sentence names: victims, perpetrators, or whoever
# the event's main actor is.
VICTIM_NOUNS = frozenset({"dead", "body", "victim", "casualty", "deceased"})
PERPETRATOR_NOUNS = frozenset({"attacker", "bomber", "gunman", "assailant", "killer", "perpetrator", "shooter"})
PERSON_NOUNS = frozenset(
    {
        "man",
        "woman",
        "speaker",
        "suspect",
        "militant",
        "person",
        "one",
        "student",
        "resident",
        "native",
        "teenager",
        "girl",
        "boy",
    }
)
# Collective nouns whose 'of' phrase names the group acting ("the Ingush sector of the Caucasus Emirate").
COLLECTIVE_NOUNS = frozenset(
    {"sector", "cell", "wing", "branch", "unit", "faction", "member", "fighter", "militant", "supporter", "follower"}
)
# Types whose event is itself a communication: the day it was published is the day it happened.
COMMUNICATION_TYPES = frozenset({"statement", "recruitment_call", "allegiance_pledge", "business"})
# Nouns for the medium of a report ("in a statement released on Wednesday").
REPORT_NOUNS = frozenset({"statement", "video", "recording", "report", "interview", "message", "post", "address"})


def trigger_type(token: Token) -> str | None:
    """The event type a token names, or None. Cheap: dictionary lookups and a glance at children."""
    lemma = token.lemma_.lower()
    if token.pos_ == "VERB":
        return _verb_trigger(token, lemma)
    if token.pos_ in ("NOUN", "PROPN") and not token.ent_type_:
        if _circumstance_of_death(token):
            return None  # "killed in an air strike", "died during a riot": the deaths are the event
        if lemma in DETONATED_NOUNS and token.dep_ == "nsubj" and token.head.pos_ == "VERB":
            return "bombing"  # "a roadside bomb tore through a minibus", "a car bomb killed two people"
        modifiers = [c.lemma_.lower() for c in token.children if c.dep_ in ("compound", "amod")]
        compound = modifiers[0] if modifiers else None
        for modifier in modifiers:
            if (modifier, lemma) in COMPOUND_TRIGGERS:
                return COMPOUND_TRIGGERS[(modifier, lemma)]
        if lemma in ("explosion", "blast") and compound in ACCIDENT_SOURCES:
            return "disaster"  # "a gas explosion destroyed part of an apartment block"
        if lemma == "deal" and compound in POLITICAL_DEALS:
            return None  # "a border deal with Chechnya" is no company deal
        if lemma == "sentence" and token.head.lemma_ in ("receive", "get", "hand") and token.dep_ == "dobj":
            return "sentenced"  # "received a sentence of seven years" (not "serving sentences")
        if token.head.lower_ in ("like", "as") and token.dep_ == "pobj":
            return None  # "spreading like wildfire": a simile
        if lemma == "fire" and _is_gunfire(token):
            exchanged = token.head.lemma_ in ("exchange", "return") or token.head.lower_ == "of" or compound == "return"
            return "clash" if exchanged else None
        if lemma == "fire" and not _is_blaze(token, compound):
            return None  # "came under fire", "set fire to": not a disaster
        if (
            lemma in GATHERING_PARTICIPANTS
            and token.dep_ == "nsubj"
            and token.head.pos_ == "VERB"
            and token.head.lemma_ not in REPORTING_LEMMAS
        ):
            return "other"  # "rioters tore down billboards", "protesters blocked the road"
        if lemma in EXPLOSIVE_INSTRUMENTS and _used_against(token, compound):
            return "bombing"  # "killed by a roadside bomb", "their vehicle hit an IED"
        if lemma == "strike":
            left = {t.lemma_.lower() for c in token.children if c.dep_ in ("compound", "amod") for t in c.subtree}
            if left & REMOTE_WEAPON_WORDS:
                return "bombing"  # "Air Force strikes", "drone and missile strikes"
            if any(c.dep_ == "prep" and c.lower_ in ("on", "at", "against") for c in token.children):
                return "bombing"  # "a strike on the depot"
            if token.head.lower_ == "on" and token.dep_ == "pobj":
                return "other"  # "workers went on strike", "teachers on strike over pay"
            return None
        if lemma == "allegiance" or lemma == "oath":
            return None if token.head.pos_ == "VERB" and token.head.lemma_ in PLEDGE_VERBS else NOUN_TRIGGERS[lemma]
        if token.dep_ == "compound" and lemma not in ("murder", "killing"):
            return None  # "assault rifles", "election commission": a modifier, not an event
        if lemma == "fighting" and not (any(c.lower_ == "the" for c in token.children) or token.dep_ == "pobj"):
            return None  # "a militant fighting with IS" is a participle the tagger took for a noun
        return NOUN_TRIGGERS.get(lemma)
    return None


PLEDGE_VERBS = frozenset({"pledge", "swear", "take", "give", "renew", "declare"})
_BOUGHT_THINGS = frozenset({"stake", "share", "company", "firm", "business", "unit", "operator", "maker", "bank"})


def _circumstance_of_death(noun: Token) -> bool:
    prep = noun.head
    return (
        noun.dep_ == "pobj"
        and prep.lower_ in ("in", "during")
        and prep.head.lemma_ in ("kill", "die")
        and noun.lemma_.lower() not in ("attack", "ambush", "bombing", "explosion", "blast", "clash", "shootout")
    )


def _used_against(noun: Token, compound: str | None) -> bool:
    """An explosive as the instrument of what happened: 'killed by a roadside bomb', 'their
    vehicle hit (was hit by, ran over, struck) an IED', 'stepped on a landmine'."""
    if noun.lemma_.lower() in ("mine", "device") and compound not in ("land", "explosive", "roadside"):
        return False  # a coal mine, a mobile device
    head = noun.head
    if noun.dep_ == "pobj" and head.lower_ == "by":
        return True
    if noun.dep_ == "pobj" and head.dep_ == "prep":
        head = head.head  # "ran over an explosive", "stepped on a mine"
    return head.lemma_ in INSTRUMENT_VERBS and noun.dep_ in ("dobj", "pobj", "nsubj")


def _is_blaze(token: Token, compound: str | None) -> bool:
    """'a fire broke out', 'a forest fire killed ...', 'the fire at the warehouse' as opposed to
    'came under fire' or 'set fire to a police station' (arson, an attack)."""
    if token.head.lemma_ in ("set", "catch", "under"):
        return False
    return (
        compound is not None or token.dep_ in ("nsubj", "nsubjpass") or any(c.lower_ == "the" for c in token.children)
    )


def _is_gunfire(token: Token) -> bool:
    """'opened fire', 'exchange of fire', 'return fire' as opposed to a blaze."""
    if token.head.lemma_ in GUNFIRE_HEADS or token.head.lower_ in ("of", "on"):
        return True
    return any(c.lemma_ in GUNFIRE_HEADS or (c.dep_ == "prep" and c.lower_ in ("on", "at")) for c in token.children)


def _verb_trigger(token: Token, lemma: str) -> str | None:
    children = list(token.children)
    if _figurative(token, children):
        return None
    if lemma in PROJECTILE_VERBS and any(
        c.dep_ == "dobj" and c.lemma_.lower() in PROJECTILE_NOUNS and not c.ent_type_ for c in children
    ):
        return "bombing"  # "launched missiles at", "fired mortar rounds", "threw a grenade"
    if lemma == "shoot":
        following = token.doc[token.i + 1 : token.i + 4]
        if any(c.dep_ == "prt" and c.lower_ == "down" for c in children):
            return "bombing"  # "shot down a helicopter": an air-defence strike
        if any(t.lower_ == "dead" for t in [*children, *following]) or _and_killed(token):
            return "killed"
        return "attack"
    if lemma in ("strike", "hit", "target", "pound") and _remote_weapon_subject(token, children):
        return "bombing"  # "air forces struck the depot", "a missile hit the car park"
    if lemma in ("stab", "beat", "hack", "burn", "stone") and _to_death(children):
        return "killed"
    if lemma in TERRITORY_VERBS and any(
        c.dep_ in ("dobj", "nsubjpass")
        and (c.lemma_.lower() in TERRITORY_NOUNS or c.ent_type_ in ("GPE", "LOC", "FAC"))
        for c in children
    ):
        return "clash"
    if (lemma == "set" and any(c.lemma_ == "fire" for c in children)) or lemma == "torch":
        return "attack"  # arson
    if lemma in ("take", "hold") and any(c.lemma_ == "hostage" for c in children):
        return "other"  # abduction
    if lemma == "open" and any(c.lemma_ == "fire" and c.dep_ == "dobj" for c in children):
        return "attack"
    if lemma == "fire" and any(c.dep_ == "prep" and c.lower_ in ("on", "at") for c in children):
        return "attack"
    if lemma == "exchange" and any(c.lemma_ == "fire" for c in children):
        return "clash"
    if lemma == "blow" and any(c.dep_ == "prt" and c.lower_ == "up" for c in children):
        return "bombing"
    if (
        lemma == "go"
        and any(c.dep_ == "prt" and c.lower_ == "off" for c in children)
        and any(c.dep_ == "nsubj" and c.lemma_.lower() in EXPLOSIVE_NOUNS for c in children)
    ):
        return "bombing"
    if lemma in PLEDGE_VERBS and any(
        c.lemma_.lower() in ALLEGIANCE_NOUNS for c in token.subtree if c.head.i == token.i or c.head.head.i == token.i
    ):
        return "allegiance_pledge"
    if (
        lemma == "call"
        and any(c.dep_ in ("prep", "prt") and c.lower_ in ("on", "upon") for c in children)
        and _asks_to_join(token)
    ):
        return "recruitment_call"
    if lemma in ("urge", "appeal", "encourage", "exhort", "incite", "invite") and _asks_to_join(token):
        return "recruitment_call"
    if lemma == "name" and _names_to_post(token):
        return "leadership_change"
    if lemma == "become" and any(c.dep_ == "attr" and c.lemma_ in LEADER_NOUNS for c in children):
        return "leadership_change"
    if lemma in ("choose", "elect", "select") and any(
        c.dep_ in ("dobj", "oprd") and c.lemma_ in LEADER_NOUNS for c in children
    ):
        return "leadership_change"  # "militants have chosen a new leader" (not a public election)
    if lemma == "step" and any(c.dep_ in ("prt", "advmod") and c.lower_ == "down" for c in children):
        return "leadership_change"
    if lemma == "find" and any(c.lower_ == "guilty" for c in children):
        return "sentenced"
    if lemma in ("find", "leave") and any(c.lower_ == "dead" for c in children):
        return "killed"  # "was found dead", "a raid that left a teenager dead"
    if lemma == "threaten" and any(c.dep_ == "prep" and c.lower_ == "into" for c in children):
        return None  # "businessmen who were threatened into paying": coercion, not a public threat
    if lemma in ("open", "inaugurate") and _opens_facility(token, children):
        return "business"
    if lemma == "cut" and any(c.dep_ == "dobj" and c.lemma_ in ("job", "jobs", "workforce") for c in children):
        return "business"
    if lemma == "lay" and any(c.dep_ == "prt" and c.lower_ == "off" for c in children):
        return "business"
    if lemma == "buy" and not any(
        c.dep_ == "dobj" and (c.pos_ == "PROPN" or c.lemma_ in _BOUGHT_THINGS) for c in children
    ):
        return None
    return VERB_TRIGGERS.get(lemma)


def _figurative(token: Token, children: list[Token]) -> bool:
    """'shot to fame', 'old habits die hard', 'the rumour was killed off': no event."""
    for c in children:
        if (
            c.dep_ == "prep"
            and c.lower_ in ("to", "into", "up")
            and any(g.lemma_.lower() in FIGURATIVE_OBJECTS for g in c.children)
        ):
            return True
        if c.dep_ == "advmod" and c.lower_ in FIGURATIVE_ADVERBS and token.lemma_ in ("die", "kill"):
            return True
    return token.lemma_ == "die" and any(
        c.dep_ == "nsubj" and c.lemma_ in ("habit", "hope", "tradition") for c in children
    )


def _and_killed(token: Token) -> bool:
    """'shot and killed two policemen', 'were shot and killed'."""
    return any(c.dep_ == "conj" and c.lemma_ in ("kill", "murder") for c in token.children) or (
        token.dep_ == "conj" and token.head.lemma_ in ("kill", "murder")
    )


def _to_death(children: list[Token]) -> bool:
    return any(c.dep_ == "prep" and c.lower_ == "to" and any(g.lower_ == "death" for g in c.children) for c in children)


def _remote_weapon_subject(token: Token, children: list[Token]) -> bool:
    subjects = [c for c in children if c.dep_ in ("nsubj", "agent")]
    subjects += [g for c in children if c.dep_ == "agent" for g in c.children]
    return any(t.lemma_.lower() in REMOTE_WEAPON_WORDS for s in subjects for t in s.subtree)


def _opens_facility(token: Token, children: list[Token]) -> bool:
    """'opened a grain terminal', 'the new plant opened on Tuesday', 'a terminal opened by the
    governor' as opposed to 'opened a criminal case' or 'opened the way'."""
    opened = [c for c in children if c.dep_ in ("dobj", "nsubj", "nsubjpass")]
    if token.dep_ in ("acl", "amod"):
        opened.append(token.head)
    return any(noun.lemma_.lower() in FACILITY_NOUNS for noun in opened)


def _asks_to_join(token: Token) -> bool:
    return any(t.dep_ in ("xcomp", "advcl", "ccomp") and t.lemma_ in JOIN_LEMMAS for t in token.subtree)


def _names_to_post(token: Token) -> bool:
    """'named X (as) its new leader' as opposed to 'a man named X'."""
    for t in token.subtree:
        if t.lemma_ in LEADER_NOUNS and t.dep_ in ("pobj", "oprd", "attr", "dobj", "appos") and t.i > token.i:
            return token.dep_ not in ("acl", "amod")
    return False


# Subtypes: what kind of bombing, gathering or abduction, from the trigger and the words of
# its clause. First match wins, in this order. docs/taxonomy.md maps each onto ACLED and PLOVER.
_SUBTYPE_WORDS: dict[str, tuple[tuple[str, frozenset[str]], ...]] = {
    "bombing": (
        ("suicide_bombing", frozenset({"suicide"})),
        ("drone_strike", frozenset({"drone", "uav", "quadcopter"})),
        ("air_strike", frozenset({"air", "airstrike", "aircraft", "aviation", "warplane", "jet", "helicopter"})),
        ("shelling", frozenset({"shell", "shelling", "bombard", "bombardment", "artillery", "mortar", "tank", "mlrs"})),
        ("missile_strike", frozenset({"missile", "rocket", "down"})),
        ("grenade", frozenset({"grenade"})),
    ),
    "other": (
        ("riot", frozenset({"riot", "rioting", "rioter", "mob", "loot", "arson", "torch", "vandalise", "vandalize"})),
        ("abduction", frozenset({"abduct", "kidnap", "abduction", "kidnapping", "hostage", "kidnapper"})),
        (
            "protest",
            frozenset(
                {"protest", "demonstrate", "demonstration", "rally", "picket", "sit-in", "strike", "march"}
                | {"protester", "protestor", "demonstrator"}
            ),
        ),
    ),
}
# A bombing whose words name no remote weapon: an explosive device.
_DEFAULT_SUBTYPES = {"bombing": "explosive_device"}


def subtype(triggers: list[Token], kind: str) -> str | None:
    """The event's subtype: the trigger words decide first, then the words of their clauses."""
    table = _SUBTYPE_WORDS.get(kind)
    if table is None:
        return None
    own = {t.lemma_.lower() for t in triggers} | {
        c.lemma_.lower() for t in triggers for c in t.children if c.dep_ in ("compound", "amod", "prt")
    }
    clause = {w.lemma_.lower() for t in triggers for w in t.subtree}
    for words in (own, clause):
        for name, cues in table:
            if words & cues:
                return name
    return _DEFAULT_SUBTYPES.get(kind)


# Each (type, subtype) onto ACLED's (event_type, sub_event_type) and the PLOVER type, where one
# fits; None where ACLED has no category (elections, business, disasters ...). killed and attack
# are read as violence against civilians, clash as battles (ACLED splits by who the victims
# are, which a report does not always say).
ACLED_MAPPING: dict[tuple[str, str | None], tuple[str, str] | None] = {
    ("killed", None): ("Violence against civilians", "Attack"),
    ("attack", None): ("Violence against civilians", "Attack"),
    ("clash", None): ("Battles", "Armed clash"),
    ("bombing", "explosive_device"): ("Explosions/Remote violence", "Remote explosive/landmine/IED"),
    ("bombing", "suicide_bombing"): ("Explosions/Remote violence", "Suicide bomb"),
    ("bombing", "grenade"): ("Explosions/Remote violence", "Grenade"),
    ("bombing", "shelling"): ("Explosions/Remote violence", "Shelling/artillery/missile attack"),
    ("bombing", "missile_strike"): ("Explosions/Remote violence", "Shelling/artillery/missile attack"),
    ("bombing", "air_strike"): ("Explosions/Remote violence", "Air/drone strike"),
    ("bombing", "drone_strike"): ("Explosions/Remote violence", "Air/drone strike"),
    ("other", "protest"): ("Protests", "Peaceful protest"),
    ("other", "riot"): ("Riots", "Violent demonstration"),
    ("other", "abduction"): ("Violence against civilians", "Abduction/forced disappearance"),
    ("arrested", None): ("Strategic developments", "Arrests"),
}
PLOVER_MAPPING: dict[tuple[str, str | None], str] = {
    ("killed", None): "ASSAULT",
    ("attack", None): "ASSAULT",
    ("clash", None): "FIGHT",
    ("bombing", "explosive_device"): "ASSAULT",
    ("bombing", "suicide_bombing"): "ASSAULT",
    ("bombing", "grenade"): "ASSAULT",
    ("bombing", "shelling"): "FIGHT",
    ("bombing", "missile_strike"): "FIGHT",
    ("bombing", "air_strike"): "FIGHT",
    ("bombing", "drone_strike"): "FIGHT",
    ("other", "protest"): "PROTEST",
    ("other", "riot"): "PROTEST",
    ("other", "abduction"): "ASSAULT",
    ("arrested", None): "COERCE",
    ("sentenced", None): "COERCE",
}


def classification(event_type: str, event_subtype: str | None) -> dict:
    """The ACLED and PLOVER categories of an event of this type and subtype."""
    acled = ACLED_MAPPING.get((event_type, event_subtype))
    return {
        "acled": {"event_type": acled[0], "sub_event_type": acled[1]} if acled else None,
        "plover": PLOVER_MAPPING.get((event_type, event_subtype)),
    }
