"""Structural marker tokens for attacks that carry no swear word.

``mark(folded)`` appends marker words (``mk…``) to a folded text before vectorisation, so the model
can learn *how* a sentence attacks — a generalisation about a group, an insult aimed at "you",
a threat — and not only *which* words it uses. The markers are ordinary word tokens: the pipeline stays a stock
scikit-learn ``Pipeline`` and explanations can name them. Pure: no I/O, no model.

Markers (each emitted at most once per text):

=================  ===========================================================================
``mkgroup``        an identity/group term (nationality, ethnicity, religion, gender, sexuality,
                   disability, age, migrants, political camp) or "these/those/you people"
``mkgeneral``      a group term generalised: "all X", "typical X", "X are …", "X always …"
``mkdemean``       a demeaning predicate (vermin, parasites, subhuman, lazy, criminals …)
``mkgroupdemean``  a group term within a few words of a demeaning predicate
``mkconspiracy``   conspiracy phrasing: "X control the banks", "pull the strings", "behind every …"
``mkexpel``        "go back to …", "send them all back", "should be deported", "don't belong here"
``mkinsult``       a personal insult word (idiot, moron, clown, pathetic …)
``mkyou``          second-person address (you, your, ur, u …)
``mkyouinsult``    second-person address within a few words of an insult ("you are a clown")
``mkthreat``       a threat pattern ("i know where you live", "should be shot", "watch your back")
``mkcondemn``      condemnation / reported speech cues ("calling them vermin is disgusting",
                   "not all …", "stereotype") that mark hard negatives
``mknegated``      a demeaning predicate or insult directly negated ("are not criminals")
``mkslur``         an identity slur, including the ones that need context in the word list
                   (pooled, so that rare slurs share what common ones teach)
``mksexual``       vulgar sexual phrasing: a sexual act aimed at a body part, "horny", "fuckable"
=================  ===========================================================================
"""

from __future__ import annotations

import re
from bisect import bisect_left

from .patternset import PatternSet

MARKERS: tuple[str, ...] = (
    "mkgroup",
    "mkgeneral",
    "mkdemean",
    "mkgroupdemean",
    "mkconspiracy",
    "mkexpel",
    "mkinsult",
    "mkyou",
    "mkyouinsult",
    "mkthreat",
    "mkcondemn",
    "mknegated",
    "mkslur",
    "mksexual",
)

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_WINDOW = 5  # words between a group term and its predicate, or "you" and an insult


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Group nouns match in the plural (how generalisations are phrased: "immigrants are …"); adjectives
# ("black", "jewish") only before a people-noun, because on their own they are mostly neutral.
_GROUP_NOUNS = """
immigrant migrant refugee foreigner alien illegal expat invader settler newcomer outsider
mexican muslim moslem islamist jew zionist arab african black white asian indian
pakistani paki afghan somali syrian iraqi iranian turk russian ukrainian pole romanian
albanian algerian argentinian armenian australian austrian bangladeshi belgian bolivian bosnian
bulgarian cambodian cameroonian canadian chilean colombian croatian cuban czech dane egyptian
eritrean ethiopian estonian finn georgian ghanaian greek haitian hungarian indonesian israeli
kenyan kurd kosovan latvian libyan lithuanian malaysian moroccan nepali norwegian palestinian
peruvian rwandan saudi scot serb slovak slovenian spaniard sudanese swede tamil tunisian ugandan
uzbek venezuelan yemeni zimbabwean kiwi aussie brit northerner southerner londoner
gypsy roma traveller latino latina hispanic italian yank european nigerian jamaican filipino korean
brazilian caucasian slav aboriginal native
christian catholic protestant evangelical mormon hindu sikh buddhist atheist jain pagan shia sunni
baptist methodist anglican quaker
female girl lady feminist male boy gay lesbian homosexual queer tranny transgender bisexual
cripple autistic retard dyslexic amputee
boomer millennial zoomer pensioner teenager teen oap
liberal lefty leftist leftie progressive democrat conservative republican tory trumper libtard
socialist communist commie snowflake remainer brexiteer vegan cyclist
"""
_GROUP_IRREGULAR = "women men ladies gypsies lgbt lgbtq antifa maga jewry"
_GROUP_ADJECTIVES = (
    "deaf|blind|disabled|autistic|elderly|poor|homeless|unemployed|working class|gypsy|traveller|"
    "black|white|asian|jewish|muslim|chinese|indian|mexican|african|arab|irish|french|english|"
    "british|american|gay|trans|queer|disabled|old|young|foreign|brown|latino|hispanic|christian|"
    "catholic|hindu|sikh|immigrant|migrant|liberal|conservative|leftist|religious"
)


def _plurals(words: frozenset[str]) -> frozenset[str]:
    out = set()
    for w in words:
        out.add(w[:-1] + "ies" if w.endswith("y") and w[-2] not in "aeiou" else w + "s")
        if w.endswith(("sh", "ch", "x")):
            out.add(w + "es")
    return frozenset(out)


# Nationalities that do not take an -s ("the Irish are …"): group terms after "the" or before a verb.
_GROUP_INVARIANT = _words("""irish french chinese english welsh dutch swiss japanese vietnamese portuguese
lebanese sudanese british scottish danish polish romanian roma sami jewish""")
_AMBIGUOUS_SINGULAR = _words("black white native male female boy girl lady alien illegal pole turk scot "
                             "kiwi traveller settler newcomer outsider invader native")

GROUP_TERMS: frozenset[str] = _plurals(_words(_GROUP_NOUNS)) | _words(_GROUP_IRREGULAR)
# Singular group nouns count after a quantifier: "typical millennial", "name one lesbian who …".
GROUP_SINGULAR: frozenset[str] = _words(_GROUP_NOUNS) - _AMBIGUOUS_SINGULAR
_GROUP_PHRASES = re.compile(
    rf"\b(?:(?:these|those|you|such|their|your|{_GROUP_ADJECTIVES}) "
    r"(?:people|folks?|kind|lot|types?|men|women|guys|kids|communities|community|population)|"
    r"the (?:deaf|blind|disabled|elderly|old|poor|homeless|unemployed|young|jewish|gay))\b"
)

_QUANTIFIERS = _words("the all every typical these those most such bloody fucking damn whole entire")
_SINGULAR_QUANTIFIERS = _words("typical every one no any another the a your")
_COPULAS = _words("are is were r always never all just only all's they're theyre")

DEMEANING: frozenset[str] = _words("""
vermin parasite parasites rats rat cockroach cockroaches roaches animals animal savages savage
beasts beast apes ape monkeys monkey pigs swine dogs criminals criminal thieves thief rapists rapist
terrorists terrorist lazy stupid dumb dirty filthy smelly disgusting invaders invader invasion
subhuman subhumans inferior scum trash garbage plague disease cancer leeches leech primitive
backward barbaric barbarians evil breed breeding infest infesting swarm swarming flood flooding
freeloaders freeloader scroungers scrounger degenerate degenerates degenerates perverts pervert
mentally sick inbred uncivilized uncivilised worthless useless dangerous violent greedy
hordes horde illiterate ignorant burden burdens drain spongers sponging leeching ruin ruining ruined
destroying multiplying infested infestation
""")

_CONSPIRACY = re.compile(
    r"\b(?:control|controls|controlling|run|runs|running|own|owns|owning|rule|rules|rig|rigs|rigged|"
    r"fix|fixes|fund|funds|funding|finance|financing|bankroll\w*)"
    r"(?: \w+){0,2} (?:the )?(?:media|banks?|banking|government|world|hollywood|money|press|finance|"
    r"elections?|courts?|police|boats|trade|system|country|news|bbc|schools|councils?|votes?)\b|"
    r"\b(?:pull(?:s|ing)? the strings|puppet ?masters?|behind (?:every|all|the whole|this|it all)|"
    r"taking over|take over|took over|secretly|cabal|globalists?|orchestrat\w+|infiltrat\w+|"
    r"planned (?:the|it|this) whole|follow the money|wake up|same people|check the surnames|"
    r"you know who|the great replacement|new world order|shadow government)\b"
)
_EXPEL = re.compile(
    r"\b(?:go(?:es)? back (?:to|where|home)|send (?:them|em|\w+) (?:all )?back|"
    r"(?:should|must|need to|needs to|ought to) be (?:deported|expelled|removed|kicked out|sterili[sz]ed|"
    r"banned|barred|excluded|locked up|rounded up|stripped|kept out|thrown out)|"
    r"(?:shouldn't|should not|must not|mustn't|can't|cannot) be (?:allowed|trusted|let in)|"
    r"(?:do not|don't|dont|doesn't) belong (?:here|in)|deport\w*|ban (?:all|the|every|them)|"
    r"kick (?:them|em|the \w+) (?:all )?out|not welcome here|replacing us|replace us|"
    r"out of (?:our|my|this) (?:country|town|city|schools?|universities|streets?|neighbourhood|area|"
    r"jobs|nhs|parliament)|(?:close|shut) the borders?|stop letting|no more \w+|"
    r"get (?:the |all )?\w+(?: \w+)? out (?:of|now)|all of them out|registry|round (?:them|\w+) up)\b"
)

INSULTS: frozenset[str] = _words("""
idiot idiots idiotic moron morons moronic clown clowns pathetic loser losers stupid dumb dumbass
ignorant fool fools foolish imbecile imbeciles cretin troll trolls liar liars scum scumbag lowlife
retard retarded dimwit halfwit nitwit dunce dolt buffoon jerk creep coward cowardly hypocrite
clueless brainless brainwashed sheep sheeple delusional deluded loon lunatic nutjob nutcase
psycho pig disgrace joke worthless useless ugly fat dense thick simpleton numpty twit prat tool
pillock muppet bozo jackass ass asshole pos loser's idiot's shill hack parasite vermin garbage trash
""")
YOU: frozenset[str] = _words("you your ur u yours yourself youre you're ya yall y'all thou")

_THREAT = re.compile(
    r"\b(?:i know where (?:you|u|he|she|they) lives?|watch (?:your|ur) back|watch (?:yourself|out)|"
    r"(?:had|'d) better watch|i know (?:which|what) (?:car|street|house|school|road|address|pub|gym)|"
    r"(?:got|have|found) (?:the|your|his|her|their|\w+'s) (?:home )?address|"
    r"(?:you|u|you'll|youll|you will|he'll|they'll) (?:will )?(?:regret|pay for) (?:it|this|that)|"
    r"(?:you|u) (?:will|'ll|are going to|are gonna) (?:regret|pay|be sorry|get what's coming)|"
    r"you'll regret|youll regret|get what's coming|gets? what(?:'s| is) coming|"
    r"(?:should|ought to|deserves? to|needs? to|must|will) (?:all )?(?:be|get) "
    r"(?:shot|hanged|hung|killed|executed|lynched|beaten|gassed|burned|burnt|stabbed|strung up|"
    r"put down|eliminated|exterminated|dealt with|sorted out|taught a lesson|run over|done in)|"
    r"deserves? (?:a bullet|a beating|a kicking|a brick|to die|a slap|to hang|the rope|a visit)|"
    r"(?:hanging|swinging|hang) from (?:a|the) (?:lamppost|lamp post|tree|rope|bridge)|"
    r"(?:burn|torch|firebomb) (?:his|her|their|your|the) (?:house|home|car|shop|office)|"
    r"(?:pay|paying|give) (?:\w+ ){0,2}a (?:visit|beating|kicking)|won't (?:walk|make it) home|"
    r"(?:windows?|teeth|legs|face|knees) (?:put in|smashed|kicked in|broken)|"
    r"(?:brick|bullet|petrol bomb|rock) through|we'll be there|we will be there|think about that|"
    r"(?:i'll|i will|i'm going to|im going to|im gonna|i'm gonna|gonna|going to|we will|we'll) "
    r"(?:kill|hurt|find|beat|shoot|stab|get|end|destroy|hunt|visit|deal with) (?:you|u|him|her|them|ya)|"
    r"(?:you|u)(?:'re| are|re) (?:dead|next|finished)|"
    r"(?:someone|somebody) (?:should|needs to|ought to|will|is going to) "
    r"(?:kill|shoot|hurt|hang|stab|deal with|burn|sort|visit|teach|shut)|"
    r"(?:hope|wish) (?:you|u|he|she|they|\w+) (?:die|dies|get killed|gets killed|rot|burn|get hit|gets hit)|"
    r"(?:kill|shoot|hang|gas|exterminate|eradicate|wipe out) "
    r"(?:them|em|all of them|every one of them)(?: all)?\b|"
    r"coming for (?:you|u)|see you in the car park|meet you outside|sleep with one eye open|"
    r"look(?:ing)? over (?:your|his|her) shoulder|accidents happen|your days are numbered|"
    r"you have been warned|last warning|"
    # telling someone to kill themselves
    r"kys|(?:go|just|pls|please|should|gonna) (?:kill|hang|shoot) "
    r"(?:yourself|urself|ur self|yourselves)|"
    # generic threat shapes: paying for it, deserving harm, "someone should", being found
    r"(?:you|u|he|she|they)(?:'ll|ll| will| are going to| are gonna| re gonna| is going to) "
    r"(?:pay|suffer|bleed|be sorry|get hurt|get what)|"
    r"(?:make|see) (?:you|u|him|her|them) (?:pay|suffer|bleed|regret)|"
    r"deserves? (?:to (?:be )?(?:hurt|harmed|suffer|bleed|beaten|get hurt|get beaten)|"
    r"everything (?:coming|that's coming))|"
    r"(?:won't|wont|will not|never) see (?:it|us|me|them|what's) coming|"
    r"put (?:you|u|him|her|them) (?:in|into|under) (?:the )?(?:ground|grave|hospital|a box|the dirt)|"
    r"six feet under|end up in (?:a|the) (?:ditch|box|hospital|river|morgue|canal|grave)|"
    r"(?:hope|wish|pray)s? (?:you|u|he|she|they|\w+) (?:gets?|catch(?:es)?) (?:hit|run over|cancer|"
    r"hurt|shot|stabbed|beaten|killed|attacked|raped|what(?:'s| is) coming|a bullet|a beating|lynched)|"
    r"(?:hope|wish|pray)s? (?:you|u|he|she|they|\w+) (?:suffers?|chokes?|drowns?|bleeds?|croaks?)|"
    r"(?:someone|somebody) (?:should|needs? to|ought to|will|gonna|is going to) "
    r"(?:\w+ )?(?:beat|punch|slap|silence|run (?:him|her|them|you) over|take (?:him|her|them|you) out|"
    r"shut (?:him|her|them|you) up for good|string (?:him|her|them|you) up|kneecap)|"
    r"(?:i|we|they) know where (?:you|u|he|she|they|your \w+) (?:live|lives|work|works|sleep|sleeps)|"
    r"(?:i'll|i will|we'll|we will|i'm going to|im going to|gonna) (?:track|hunt) (?:you|u|him|her|them) down|"
    r"(?:i'll|i will|we'll|we will) (?:be )?(?:waiting|coming) for (?:you|u|him|her|them)|"
    r"when i (?:find|catch|see|get) (?:you|u|him|her|them)|"
    r"(?:break|smash|kick|bash|punch) (?:your|his|her|their) (?:\w+ )?(?:legs|neck|face|jaw|arms|head|teeth) in|"
    r"(?:break|snap) (?:your|his|her|their) (?:legs|neck|jaw|arms|fingers)|"
    r"(?:shame|pity) if (?:something|anything) (?:happened|were to happen|happens) to|"
    r"(?:your|his|her) (?:kids|family|wife|husband|children|mum|mother) (?:will|would|could|might) "
    r"(?:get|be) (?:hurt|harmed)|count (?:your|the) days|one of these (?:days|nights) (?:you|u|he|she)|"
    r"(?:isn't|is not|aren't|are not|won't be|will never be) safe (?:anywhere|now|here)|"
    r"if i (?:ever )?(?:see|meet|catch) (?:you|u|him|her|them))\b"
)
_CONDEMN = re.compile(
    r"\b(?:calling (?:them|people|anyone|someone|\w+)|to call (?:them|people|\w+)|saying (?:that )?\w+ are|"
    r"say(?:s|ing)? (?:that )?all)\b.{0,60}\b(?:is|was|are) (?:disgusting|wrong|racist|unacceptable|bigoted|"
    r"vile|shameful|hateful|not ok|not okay|dehumanising|dehumanizing)\b|"
    r"\b(?:not all|stereotyp\w*|generaliz\w*|generalis\w*|dehumaniz\w*|dehumanis\w*|racist rhetoric|"
    r"hate speech|condemn\w*|bigotry|prejudice)\b"
)
# Identity slurs from general knowledge (not from any corpus). Words that are mostly ordinary
# (paddy field, chink in the armour, Offa's Dyke, homo sapiens, slope, tinker) are left out.
SLURS: frozenset[str] = _plurals(_words("""
nigger nigga nig coon jigaboo nignog darkie wog sambo golliwog kaffir negroe
kike yid hymie heeb spic spick beaner wetback greaser greaseball gringo dago wop
gook jap chinky chinaman zipperhead coolie
paki raghead towelhead muzzie muzrat kraut
pikey gyppo gypo gippo tranny shemale faggot poof poofter lezzer lezza
retard tard spastic spaz spacker mong mongoloid cripple
redskin squaw injun abo fenian taig
""")) | _words("""
nigger nigga coon jigaboo darkie wog sambo kike yid spic beaner wetback gook jap chinky paki
raghead towelhead muzzie kraut pikey gyppo tranny faggot poof poofter retard tard spastic spaz
mong mongoloid redskin squaw fenian taig""")
_SEXUAL = re.compile(
    r"\b(?:suck|sucking|lick|licking|ride|riding|sit on|blow|grab|grabbing|stroke|stroking|finger|"
    r"fingering|bang|banging|shag|shagging|screw|screwing|hump|humping|spread|toss|tossing) "
    r"(?:my|his|her|your|ur|their|a|the|on (?:my|his|her)) (?:\w+ )?(?:cock|cocks|dick|dicks|knob|"
    r"tits|titties|boobs|balls|pussy|cunt|ass|arse|nuts|crotch|cum|load|member|bum|hole|clit)\b|"
    r"\b(?:horny|boner|hardon|hard on for|fuckable|shaggable|rawdog\w*|"
    r"nudes|sexting|wet dream|jerking off|jerk off|wank(?:er|ers|ing|s)?|"
    r"cum(?:s|shots?|sluts?)|blowjobs?|handjobs?|"
    r"(?:big|huge|tiny|small|massive|nice|great) (?:tits|boobs|cock|dick|knob|rack|package|ass|arse))\b"
)
_NEGATORS = _words("not no never isn't aren't wasn't weren't isnt arent nor hardly")
# The phrase patterns, searched together in one pass (see ``patternset``); the group phrases'
# positions are then found with Python's re, only in the texts that hold one.
_SEARCHED_MARKERS = ("mkconspiracy", "mkexpel", "mkthreat", "mkcondemn", "mksexual")
_GROUP_PHRASE = len(_SEARCHED_MARKERS)
_SEARCHED = PatternSet([_CONSPIRACY, _EXPEL, _THREAT, _CONDEMN, _SEXUAL, _GROUP_PHRASES])


def markers(folded: str) -> list[str]:
    """The marker tokens for one folded text, in ``MARKERS`` order."""
    words = _WORD.findall(folded)
    found: set[str] = set()
    # Each word list is checked against the whole text in C first: most texts hold none of its
    # words, and then the Python loop that finds their positions is skipped.
    groups = [] if _ANY_GROUP_WORD.isdisjoint(words) else [
        i for i, w in enumerate(words) if w in GROUP_TERMS
        or (w in GROUP_SINGULAR and i > 0 and words[i - 1] in _SINGULAR_QUANTIFIERS)
        or (w in _GROUP_INVARIANT and i > 0 and words[i - 1] == "the")]
    searched = _SEARCHED.found(folded)
    if _GROUP_PHRASE in searched:
        groups += group_phrase_positions(folded)
    demeans = _positions(words, DEMEANING)
    insults = _positions(words, INSULTS)
    yous = _positions(words, YOU)
    if groups:
        found.add("mkgroup")
        if any(_generalised(words, i) for i in groups):
            found.add("mkgeneral")
        if _near(groups, demeans):
            found.add("mkgroupdemean")
    if demeans:
        found.add("mkdemean")
    if insults:
        found.add("mkinsult")
    if yous:
        found.add("mkyou")
        if _near(yous, insults):
            found.add("mkyouinsult")
    if any(_negated(words, i) for i in demeans + insults):
        found.add("mknegated")
    if not SLURS.isdisjoint(words):
        found.add("mkslur")
    found.update(_SEARCHED_MARKERS[i] for i in searched if i != _GROUP_PHRASE)
    return [m for m in MARKERS if m in found]


_ANY_GROUP_WORD = GROUP_TERMS | GROUP_SINGULAR | _GROUP_INVARIANT


def _positions(words: list[str], wanted: frozenset[str]) -> list[int]:
    """Indices of the words in ``wanted`` (none, cheaply, when no word is)."""
    if wanted.isdisjoint(words):
        return []
    return [i for i, w in enumerate(words) if w in wanted]


def group_phrase_positions(folded: str) -> list[int]:
    """Word index of each group phrase's last word ("these people" → that of "people"): the
    number of words that start before the phrase ends, less one."""
    starts = [m.start() for m in _WORD.finditer(folded)]
    return [bisect_left(starts, m.end()) - 1 for m in _GROUP_PHRASES.finditer(folded)]


def mark(folded: str) -> str:
    """``folded`` followed by its marker tokens: the text the vectorisers see."""
    found = markers(folded)
    return f"{folded} {' '.join(found)}" if found else folded


def _near(left: list[int], right: list[int]) -> bool:
    return any(abs(a - b) <= _WINDOW for a in left for b in right)


def _generalised(words: list[str], i: int) -> bool:
    before = words[max(0, i - 2) : i]
    after = words[i + 1 : i + 3]
    return any(w in _QUANTIFIERS for w in before) or any(w in _COPULAS for w in after)


def _negated(words: list[str], i: int) -> bool:
    return any(w in _NEGATORS for w in words[max(0, i - 3) : i])

# How explanations name the markers.
MARKER_LABELS: dict[str, str] = {
    "mkgroup": "[group term]",
    "mkgeneral": "[generalisation about a group]",
    "mkdemean": "[demeaning word]",
    "mkgroupdemean": "[group + demeaning word]",
    "mkconspiracy": "[group controls …]",
    "mkexpel": "[send them back]",
    "mkinsult": "[insult]",
    "mkyou": "[addresses 'you']",
    "mkyouinsult": "[insult aimed at 'you']",
    "mkthreat": "[threat]",
    "mkcondemn": "[condemnation]",
    "mknegated": "[negated]",
    "mkslur": "[slur]",
    "mksexual": "[sexual vulgarity]",
}
