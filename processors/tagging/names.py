"""Step 6 of tagging: people and organisations the knowledge base lacks (issue 12).

Every capitalised name in a story becomes an actor, with an id made from its folded name
(``name:jane-doe``), so that ``actor:"Jane Doe"`` works for anyone named (the query matches a
tag's name and aliases; the aliases hold the name without diacritics and the other forms seen).

Why rules and not a statistical recognizer: spaCy's small models (the only ones that install
from PyPI with their weights here: en, fr) tag ~4-5 stories of 4 KB a second on one core; the
whole tagger must keep >= 1,000. Measured on the English and French stories of the actor
evaluation set's tune split (benchmarks/eval_actors.py; 2026-12-07): en spaCy P 0.572 R 0.690,
the knowledge base plus spaCy P 0.560 R 0.718, this P 0.729 R 0.718; fr spaCy P 0.526 R 0.531,
knowledge base plus spaCy P 0.533 R 0.551, this P 0.701 R 0.541. spaCy finds more people
(en 0.92 vs 0.88), this more organisations (0.58 vs 0.53); it costs ~0.35 ms per 4 KB story.

How a story is read (data in, data out):

- Capitalised words (any script: Latin, Greek, Cyrillic) are found by one regex; neighbours
  separated by a space, or by one or two connectors ("of", "de", "von der", "bin"...), form a
  run. A sentence end, a comma or a line break ends a run.
- Spans the tagger already claimed (places, regions, known actors, demonyms, place-like names)
  split runs; a place inside an organisation's name does not ("Florida Department of
  Transportation"), nor one used as a given name ("Elon Musk"); a known actor always does.
- Leading words that are no names go: articles, pronouns, months and days, titles and roles
  ("President", "Frau", "pan", "г-н", "Innenminister": kept as evidence), and a sentence's
  first word when the story uses it in lower case elsewhere ("Officials", "Later").
- A piece with an organisation cue (Ministry, Partei, Bank, GmbH, Council, Министерство...) is
  an organisation; an upper-case word of 2–6 letters an acronym, and a word with an inner
  capital a brand ("WordPress"): organisations. Two to four name-shaped words that the story
  never writes in lower case are a person (more confidently after a title, before "said", or
  with a given name of the knowledge base's people). A single word that is none of these (too
  ambiguous) counts only after a person title ("Mr Smith"), as the surname of a person named in
  full in the story ("Cueto" after "Josenrique Cueto"), or as the acronym of an organisation
  named in full ("CITT"). German capitalises nouns: there, words seen after an article are
  nouns, and a sentence's first two words are a person only with other support.
- Inflection (ru/uk/pl, and the German genitive): a form that is another form of the story plus
  a case ending ("Tuska", "Donalda Tuska", "Путина", "Merkels") is a mention of it, and so is
  the end of a longer name ("Ruiz Bermejo"). The id and the name come from the uninflected form
  when the story has it, else from the form as written (no lemmatizer: "Donalda Tuska" alone
  keeps its case ending).
- A Title Case or upper-case headline is not read for new names; its words only add mentions of
  names found in the standfirst and body.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable
from itertools import pairwise
from typing import Final

from processors.kb import Kind, KnowledgeBase
from processors.tagging.build import TAG_FIELDS, construct, mentions_of, round3, sorted_tags
from processors.tagging.scan import FIELDS, Match, Span
from processors.tagging.words import NEUTRAL_BEFORE, NOT_PLACES, REPORTING
from schemas.models import Mention, Tag, TextField


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _upper_class() -> str:
    """A regex character class body of every upper-case letter up to Cyrillic (ranges)."""
    parts: list[str] = []
    start = -1
    prev = -2
    for code in [c for c in range(0x41, 0x530) if chr(c).isupper()] + [-10]:
        if code != prev + 1:
            if start >= 0:
                parts.append(re.escape(chr(start)) + ("-" + re.escape(chr(prev)) if prev > start else ""))
            start = code
        prev = code
    return "".join(parts)


_UP: Final = _upper_class()
# A capitalised word: an upper-case letter not inside a word (an elision may come before it:
# "l'Union"), word characters, inner apostrophes and hyphens, an optional dot. The letter comes
# first and the look behind it after: the regex engine then skips to the next upper-case
# letter in C, about four times faster than trying the look-behind at every position.
_TOKEN: Final = re.compile(rf"[{_UP}](?<![\w.-].)\w*(?:['’-]\w+)*['’]?\.?")

# --- word lists (casefolded) ------------------------------------------------------------

# Words that join the parts of one name: person particles, and the small words inside
# organisations' names (only organisations keep the latter).
PARTICLES: Final = _words("de del della di da dos das do du van von der den ter zu bin ibn la le st. mc")
JOINERS: Final = PARTICLES | _words(
    "of for the and des für und et i e y dla ds. ds pour los las zur zum & и по для"
)
ARTICLES_AFTER: Final = _words("the la le les el los las der die das des dem the l' il lo gli a o os as")
# German articles and determiners: a capitalised word after one is a noun, not a name.
NOUN_MARKERS: Final = re.compile(
    r"\b(?:[Dd](?:er|ie|as|en|em|es)|[Ee]in(?:e[mnrs]?)?|[Kk]ein(?:e[mnrs]?)?|[Zz]u[mr]|[Vv]om|[Ii]m|[Aa]m|[Bb]eim)"
    r" ([^\W\d_][\w-]*)"
)
NOUN_ENDINGS: Final = (
    "ung",
    "ungen",
    "heit",
    "keit",
    "schaft",
    "tion",
    "ismus",
    "tät",
)
# Words right after a name that make it a person speaking or acting.
SPEAKS: Final = _words(
    """
    said says told added asked wrote explained noted stated argued insisted warned tweeted posted
    who whose
    dijo afirmó aseguró explicó señaló indicó declaró añadió agregó
    a dit déclare explique estime ajoute affirme selon qui
    sagte sagt erklärte betonte meinte sagten
    disse afirmou explicou declarou
    powiedział powiedziała stwierdził stwierdziła dodał dodała podkreślił podkreśliła
    заявил заявила сказал сказала отметил отметила сообщил сообщила
    заявив заявила сказав сказала зазначив зазначила
    """
)
# The last word of a street, a place, a law or an event: such names are no actor.
NOT_ACTOR_LAST: Final = _words(
    """
    street st road rd drive avenue ave boulevard lane way square park bridge crescent highway county
    coast city district valley river lake mountain island islands airport station stadium arena hall
    lodge tower building act law bill treaty accord cup festival prize award awards games
    olympics championship linux
    straße strasse platz weg allee gesetz preis
    calle avenida plaza ley premio copa
    rue place loi prix coupe
    ulica aleja plac ustawa nagroda
    улица проспект площадь закон премия
    """
)
COORDINATORS: Final = _words("and und et y e i & и та")
ABBREVIATIONS: Final = _words(
    "mr. mrs. ms. dr. prof. st. gen. sen. rep. gov. lt. col. sgt. capt. jr. sr. inc. corp. co. ltd. "
    "bros. plc. m. mme. hr. fr. pan. ks. rev. adm. maj. cmdr. supt. insp."
)
PERSON_TITLES: Final = _words(
    """
    mr mr. mrs mrs. ms ms. miss dr dr. prof prof. professor sir dame lady lord sen. sen senator rep. rep
    representative gov. gov governor president vice-president mayor ambassador minister secretary
    chancellor pope saint king queen prince princess judge justice general gen. colonel col. lt. sgt.
    captain capt. admiral commander coach chairman chairwoman chair ceo founder director chief
    spokesman spokeswoman spokesperson premier leader speaker commissioner sheriff officer detective
    inspector pastor father rabbi imam bishop cardinal archbishop rev. reverend deputy cartoonist
    developer publisher author writer artist actor actress singer rapper photographer lawyer economist
    analyst journalist reporter student manager executive player striker goalkeeper midfielder
    defender pitcher quarterback forward councillor councilman councilwoman alderman trustee
    superintendent principal dean chancellor-elect president-elect candidate nominee challenger
    incumbent sister brother uncle aunt mother son daughter wife husband widow deceased victim suspect
    presidente presidenta ministro ministra señor señora sr. sra. don doña alcalde alcaldesa
    gobernador gobernadora senador senadora diputado diputada portavoz director directora juez jueza
    président présidente ministre monsieur madame m. mme maire député députée sénateur juge
    porte-parole général
    herr frau präsident präsidentin ministerin kanzler kanzlerin bürgermeister bürgermeisterin
    sprecher sprecherin abgeordneter abgeordnete vorsitzender vorsitzende chef chefin richter
    richterin
    signor signora sindaco onorevole
    senhor senhora prefeito prefeita governador governadora deputado deputada
    pan pani prezydent prezydentka premier premiera minister ministra poseł posłanka marszałek
    rzecznik rzeczniczka wicepremier wojewoda burmistrz prezes prezesa ks.
    господин госпожа г-н г-жа президент президента министр министра премьер премьер-министр глава
    губернатор мэр посол генсек председатель спикер пресс-секретарь депутат
    пан пані президент міністр прем'єр прем'єр-міністр голова речник
    """
)
# The end of a closed compound that names a role ("Innenminister", "SPD-Chef", "Regierungssprecher").
ROLE_ENDINGS: Final = (
    "minister",
    "ministerin",
    "kanzler",
    "kanzlerin",
    "präsident",
    "präsidentin",
    "chef",
    "chefin",
    "sprecher",
    "sprecherin",
    "vorsitzende",
    "vorsitzender",
    "meister",
    "meisterin",
    "direktor",
    "direktorin",
    "leiter",
    "leiterin",
    "trainer",
    "abgeordnete",
    "abgeordneter",
    "politiker",
    "politikerin",
    "sekretär",
    "sekretärin",
    "-minister",
    "-president",
    "hersteller",
    "mann",
    "künstler",
    "rektor",
    "-star",
    "kommandant",
    "kommandanten",
    "sänger",
    "sängerin",
    "autor",
    "autorin",
    "gründer",
    "gründerin",
    "unternehmer",
    "professor",
    "professorin",
    "journalistin",
    "fotograf",
    "kandidat",
    "kandidatin",
)
# Role words that may come before a title ("Foreign Minister", "Prime Minister").
TITLE_MODIFIERS: Final = _words(
    "prime foreign defence defense interior finance health justice economy trade home deputy vice "
    "former acting chief executive first state attorney district federal labor labour education "
    "senior junior top minority majority opposition party democratic republican labour conservative "
    "liberal tory green former late then"
)
ORG_CUES: Final = _words(
    """
    ministry department office agency administration authority commission committee council
    board bureau service services institute institution university college school academy hospital
    foundation fund association federation union league alliance coalition front movement party
    congress parliament assembly senate court tribunal police army navy forces force guard corps
    bank group company corporation holdings partners trust society club team network church
    organization organisation center centre laboratory labs network times post news journal herald
    tribune gazette press radio television tv broadcasting airlines airways motors industries
    systems technologies energy capital securities insurance exchange cartel brigade brigades militia
    battalion regiment commons lords representatives magazine studios records pictures
    inc inc. corp corp. co co. ltd ltd. llc plc gmbh ag sa s.a. se nv bv spa s.p.a. srl sp. kg ug
    ministerio departamento oficina agencia comisión consejo junta instituto universidad fundación
    asociación federación unión partido congreso senado tribunal corte policía ejército fuerzas
    guardia banco grupo empresa compañía sociedad
    ministère ministre agence commission conseil institut université fondation association fédération
    parti assemblée sénat cour police armée forces gendarmerie banque groupe société
    ministerium bundesministerium amt bundesamt behörde kommission rat institut universität stiftung
    verband verein bund partei bundestag landtag gericht polizei armee bundeswehr bank gruppe konzern
    gesellschaft zeitung
    ministero agenzia commissione consiglio istituto università fondazione partito parlamento
    tribunale polizia esercito banca gruppo società
    ministério agência comissão conselho instituto universidade fundação associação partido
    tribunal polícia exército banco grupo empresa
    ministerstwo urząd agencja komisja rada instytut uniwersytet fundacja stowarzyszenie związek
    partia sejm senat sąd trybunał policja wojsko armia bank grupa spółka
    министерство мвд мид ведомство агентство комиссия совет институт университет фонд союз партия
    дума парламент суд полиция армия банк группа компания
    міністерство агентство комісія рада інститут університет фонд союз партія парламент суд поліція
    армія банк група компанія
    """
)
# German joiners after which a name begins ("der Hamburger Vereinsbank").
NOUN_JOINERS: Final = _words("der des dem zum zur vom von zu")
# Cues that end a name: "the New York Times of Malcolm" is no name.
FINAL_CUES: Final = _words("times post news journal herald tribune gazette press radio television tv")
# Suffixes that make a single closed compound an organisation ("Bundeskriminalamt").
ORG_ENDINGS: Final = ("ministerium", "kriminalamt", "gericht", "partei", "verband", "behörde", "bank")
# Upper-case words that are no organisation's acronym.
NOT_ACRONYMS: Final = _words(
    """
    gmt utc est pst cet wwii wwi php sql api rfid gps usb lte ar vr ok no yy
    ceo cfo coo cto tv pm am gdp covid covid-19 dna rna ai it ok uk us usa eu un vat lgbt lgbtq usd eur
    gbp pdf faq ii iii iv vi vii viii ix xi xii xx xxi hiv aids sms gps id ip url www html usb hd nb
    ps pr hr mp mps qc kc jr sr ad bc vip mvp ev suv nft esg ipo ceo's the and of in to for a i we
    rss tbc tba na n/a dc ap fm km kg mph cm mm bbq diy etc ltd inc co gmbh ag sa plc llc se
    covid19 sars mers rt
    """
)
# Words that are no name, whatever their case: articles, pronouns, months, days...
NOT_NAMES: Final = (
    # Less the words that begin names too ("New York Times", "Federal Transit Administration").
    (NEUTRAL_BEFORE | NOT_PLACES)
    - _words(
        """
        jan feb mar apr jun jul aug sep sept oct nov dec north south east west northern southern eastern
        western central greater upper lower new old metro rural urban federal national university
        north-east north-west south-east south-west northeast northwest southeast southwest
        """
    )
    | _words(
        """
        i you he she it we they me him us them my your his her its our their this that these those
        who what when where why how which there here all some many most more no not yes one two
        mr mrs but and or so yet however meanwhile also then thus still now today yesterday tomorrow
        if unless whether after before since until while during with without about above below
        according despite although though because every each both either neither other another
        several few such much people
        sources source photo image video read more click share follow subscribe update updated
        breaking live watch exclusive opinion editorial analysis comment
        el la los las un una unos unas lo su sus este esta estos estas ese esa aquel según pero sin
        también hoy ayer mañana cuando donde como porque aunque tras ante bajo desde hasta hacia
        le les un une des ce cette ces son sa ses leur leurs selon mais aussi aujourd'hui hier
        lorsque quand comme parce pendant depuis chez sous sur vers
        der die das dem den des ein eine einer eines einem einen sein seine ihr ihre unser unsere
        dieser diese dieses jener laut aber auch heute gestern morgen wenn wie weil nach seit vor
        jede jeder jedes jeden jedem ihre ihren ihrem ihrer dein deine deinen mein meine unser deren
        dessen als weitere weiteren alle viele millionen milliarden mal ende anfang mitte bitte
        zwischen ohne gegen um bis unter über am im zum zur beim vom ins es sie er wir ich man
        il lo gli della questo questa quello quella secondo ma anche oggi ieri quando come perché
        o os as um uma uns umas seu sua seus suas este esta segundo mas também hoje ontem quando
        como porque
        ten ta to te ci jego jej ich nasz wasz który która które według ale także dziś wczoraj
        kiedy gdy jak ponieważ jednak już
        в во на и но а по с со у о об от до из за как это этот эта эти его ее её их он она они мы
        вы я по словам однако также сегодня вчера когда где потому
        і та але також це цей ця ці його її їх він вона вони ми ви я сьогодні вчора коли де
        """
    )
)
# Case endings that inflect a surname (pl, ru, uk; the German and English genitive).
ENDINGS: Final = (
    "owi",
    "ego",
    "emu",
    "iem",
    "em",
    "ie",
    "a",
    "u",
    "y",
    "ą",
    "ę",
    "s",
    "ом",
    "ым",
    "ой",
    "ою",
    "ові",
    "у",
    "а",
    "е",
    "ю",
    "і",
    "ы",
    "ого",
    "ому",
)
_SLUG_DROP: Final = re.compile(r"[^\w]+")
_SLUG_SUBST: Final = str.maketrans({"ł": "l", "đ": "d", "ø": "o", "æ": "ae", "œ": "oe", "ı": "i", "þ": "th"})
_SENTENCE_END: Final = ".!?:;\n\r•|…»"
_QUOTES: Final = "\"'“”„«‘’()[]—–- \t*"


def slug(text: str) -> str:
    """The id part of a name: case and diacritics folded, words joined by hyphens."""
    folded = unicodedata.normalize("NFKD", text.casefold().translate(_SLUG_SUBST))
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return _SLUG_DROP.sub("-", plain.replace("'", "").replace("’", "")).strip("-_")


def fold_diacritics(text: str) -> str:
    """``text`` without diacritics ("Wałęsa" -> "Walesa"), case kept."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_SLUG_SUBST))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# --- tokens and runs -----------------------------------------------------------------


class Token:
    """A capitalised word of a field: where it is, its text and what it is."""

    __slots__ = ("cue", "end", "fold", "name_shaped", "start", "text", "upper")

    def __init__(self, start: int, end: int, text: str) -> None:
        self.start = start
        self.end = end
        self.text = text
        f = self.fold = text.casefold()
        # No lower-case letter: an acronym or a shouted word.
        self.upper = text.upper() == text
        # Each hyphenated part capitalised ("Ocasio-Cortez", not "Nine-year-old", "Debian-based").
        self.name_shaped = "-" not in text or all(p[:1].isupper() for p in text.split("-") if p)
        # An organisation cue ("Ministry", "Bundeskriminalamt").
        self.cue = f in ORG_CUES or (len(f) > 6 and f.endswith(ORG_ENDINGS))


class Piece:
    """A candidate name: tokens of one field, with what the text around them says."""

    __slots__ = ("rank", "title", "tokens")

    def __init__(self, rank: int, tokens: list[Token], title: str) -> None:
        self.rank = rank
        self.tokens = tokens
        self.title = title  # the person title before it ("" if none)

    @property
    def start(self) -> int:
        """Where it starts in its field."""
        return self.tokens[0].start

    @property
    def end(self) -> int:
        """Where it ends in its field."""
        return self.tokens[-1].end


def tokens_of(text: str) -> list[Token | None]:
    """The capitalised words of ``text``; None marks a break (a sentence end after a word)."""
    out: list[Token | None] = []
    for m in _TOKEN.finditer(text):
        start, end = m.span()
        word = m.group()
        last = word[-1]
        if last.isalnum() and word[-2:-1] not in {"'", "’"}:  # the common case: nothing to trim
            out.append(Token(start, end, word))
            continue
        stop = False
        if last == "." and not (len(word) == 2 or word.casefold() in ABBREVIATIONS):
            word = word[:-1]
            end -= 1
            stop = True
        if word[-2:] in {"'s", "’s"}:
            word = word[:-2]
            end -= 2
            stop = True  # a possessive ends the name
        elif word[-1:] in {"'", "’"} and not word.endswith("s'") and not word.endswith("s’"):
            word = word[:-1]
            end -= 1
        if word:
            out.append(Token(start, end, word))
            if stop:
                out.append(None)
    return out


def runs_of(text: str, tokens: list[Token | None]) -> list[list[Token]]:
    """Neighbouring capitalised words, joined by a space or one or two joiner words."""
    runs: list[list[Token]] = []
    run: list[Token] = []
    prev: Token | None = None
    for tok in tokens:
        if tok is None:
            prev = None
            continue
        if prev is not None and _joined(text[prev.end : tok.start]):
            run.append(tok)
        else:
            if run:
                runs.append(run)
            run = [tok]
        prev = tok
    if run:
        runs.append(run)
    return runs


def _joined(gap: str) -> bool:
    """Whether the text between two capitalised words keeps them in one name."""
    if gap == " ":
        return True
    if not gap or "\n" in gap or len(gap) > 12 or gap[0] != " " or gap[-1] != " ":
        return gap == "-"
    words = gap.split()
    return 0 < len(words) <= 2 and all(w.casefold() in JOINERS or w == "&" for w in words)


# --- what the words around a name say -----------------------------------------------


def sentence_initial(text: str, start: int) -> bool:
    """Whether a word at ``start`` begins a sentence (or the field, or a line)."""
    i = start - 1
    while i >= 0 and text[i] in _QUOTES:
        i -= 1
    return i < 0 or text[i] in _SENTENCE_END


def word_before(text: str, start: int) -> str:
    """The word just before ``start`` (casefolded, "" if punctuation comes first)."""
    i = start
    while i > 0 and text[i - 1] in " \t":
        i -= 1
    j = i
    while j > 0 and (text[j - 1].isalnum() or text[j - 1] in ".-'’"):
        j -= 1
    return text[j:i].casefold()


def is_title(tok: Token) -> bool:
    """A person title or role ("President", "Frau", "Innenminister")."""
    f = tok.fold
    return f in PERSON_TITLES or f.endswith(ROLE_ENDINGS)


def has_org_cue(tokens: list[Token]) -> str:
    """The organisation cue of a name ("" if none)."""
    for tok in tokens:
        if tok.cue:
            return tok.text
    return ""


# --- the recognizer ------------------------------------------------------------------


class Reader:
    """What one story says: its lower-case words, the claimed spans; the pieces it finds."""

    __slots__ = (
        "claimed_actor",
        "claimed_other",
        "german",
        "given",
        "lower",
        "nouns",
        "pieces",
        "texts",
    )

    def __init__(
        self,
        texts: dict[TextField, str],
        claimed_actor: set[Span],
        claimed_other: set[Span],
        *,
        language: str | None = None,
        given: frozenset[str] = frozenset(),
    ) -> None:
        self.texts = texts
        self.given = given  # given names (casefolded) of the knowledge base's people
        # German capitalises every noun: a sentence's first two capitalised words are
        # as often an adjective and a noun as a name ("Klarer Gewinner").
        self.german = language == "de"
        self.claimed_actor = _by_field(claimed_actor)
        self.claimed_other = _by_field(claimed_other)
        self.lower: dict[str, bool] = {}  # whether a word is written in lower case, once asked
        self.nouns: set[str] | None = None  # capitalised words after a German article, once needed
        self.pieces: list[Piece] = []

    def _nouns(self) -> set[str]:
        """The words after a German article or determiner ("der Wald"): nouns, not names."""
        nouns = self.nouns
        if nouns is None:
            nouns = self.nouns = set()
            if self.german:  # elsewhere "die", "das", "am" are other words
                for text in self.texts.values():
                    nouns.update(NOUN_MARKERS.findall(text))
        return nouns

    def _in_lower_case(self, word: str) -> bool:
        """Whether the story writes ``word`` with a lower-case first letter, as a whole word.

        A substring search per word asked (a few dozen per story) costs less than a set of
        every word of the story.
        """
        low = word[0].lower() + word[1:]
        found = self.lower.get(low)
        if found is None:
            found = self.lower[low] = any(_has_word(text, low) for text in self.texts.values())
        return found

    def common(self, tok: Token) -> bool:
        """A word the story writes in lower case too, or one that is never a name."""
        f = tok.fold
        if f in NOT_NAMES:
            return True
        return self._in_lower_case(tok.text) or (
            not tok.upper and ((len(f) > 6 and f.endswith(NOUN_ENDINGS)) or tok.text in self._nouns())
        )

    def read(self, rank: int, text: str) -> None:
        """Find the candidate names of one field."""
        for run in runs_of(text, tokens_of(text)):
            if len(run) >= 3 and all(t.upper for t in run):
                continue  # a shouted line, not names
            for seg in self._segments(rank, run):
                self._piece(rank, text, seg)

    def _segments(self, rank: int, run: list[Token]) -> list[list[Token]]:
        """The run split at what the tagger claimed: always known actors, places unless in an org."""
        actor = self.claimed_actor.get(rank)
        other = self.claimed_other.get(rank)
        segs = _split(run, actor) if actor is not None else [run]
        if other is None:
            return segs
        out: list[list[Token]] = []
        for seg in segs:
            if has_org_cue(seg) and not all(other.covers(t) for t in seg):
                out.append(seg)
            elif (
                len(seg) == 2
                and not other.covers(seg[1])
                and seg[1].name_shaped
                and not seg[1].upper
                and not is_title(seg[1])
                and not self.common(seg[1])
            ):
                out.append(seg)  # a place's name as a given name: "Elon Musk", "Paris Hilton"
            else:
                out.extend(_split(seg, other))
        return out

    def _piece(self, rank: int, text: str, seg: list[Token]) -> None:
        """Strip what is no name from a segment; keep the rest as a candidate."""
        piece = self.strip(rank, text, seg, initial=sentence_initial(text, seg[0].start))
        if piece is not None:
            self.pieces.append(piece)

    def strip(self, rank: int, text: str, seg: list[Token], *, initial: bool) -> Piece | None:
        """The name in ``seg`` without the words before and after it that are no name."""
        title = ""
        before = word_before(text, seg[0].start)
        if before in PERSON_TITLES:
            title = before
        i = 0
        while i < len(seg):
            tok = seg[i]
            if is_title(tok):
                title = tok.text
            elif tok.name_shaped and not (
                (tok.fold in TITLE_MODIFIERS and i + 1 < len(seg) and is_title(seg[i + 1]))
                or tok.fold in NOT_NAMES
                or (i == 0 and initial and self.common(tok))
            ):
                break
            i += 1
            initial = False
        tokens = seg[i:]
        while tokens and (tokens[-1].fold in NOT_NAMES or tokens[-1].fold in JOINERS):
            tokens.pop()
        for j in range(len(tokens) - 2, 0, -1):
            if is_title(tokens[j]) and not has_org_cue(tokens):
                title = tokens[j].text  # "Ehrengäste Feuerwehrpräsident Albert Kern"
                tokens = tokens[j + 1 :]
                break
        if len(tokens) >= 3 and not title and len(tokens[0].text) >= 12 and not has_org_cue(tokens):
            title = tokens.pop(0).text  # a German role compound: "Filmarchitekt Walter Haag"
        return Piece(rank, tokens, title) if tokens else None


def _has_word(text: str, word: str) -> bool:
    """Whether ``word`` occurs in ``text`` as a whole word."""
    n = len(word)
    i = text.find(word)
    while i >= 0:
        end = i + n
        if (i == 0 or not text[i - 1].isalnum()) and (end == len(text) or not text[end].isalnum()):
            return True
        i = text.find(word, i + 1)
    return False


class Coverage:
    """The spans of one field the tagger claimed: which words they cover, by bisection."""

    __slots__ = ("reach", "starts")

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        spans.sort()
        self.starts = [s for s, _ in spans]
        # The furthest end reached by the spans up to each one.
        self.reach: list[int] = []
        far = -1
        for _, end in spans:
            far = max(far, end)
            self.reach.append(far)

    def covers(self, tok: Token) -> bool:
        """Whether a claimed span overlaps the word."""
        i = bisect_left(self.starts, tok.end)
        return i > 0 and self.reach[i - 1] > tok.start


def _by_field(spans: set[Span]) -> dict[int, Coverage]:
    by_rank: dict[int, list[tuple[int, int]]] = {}
    for rank, start, end in spans:
        by_rank.setdefault(rank, []).append((start, end))
    return {rank: Coverage(found) for rank, found in by_rank.items()}


def _split(run: list[Token], spans: Coverage) -> list[list[Token]]:
    out: list[list[Token]] = []
    cur: list[Token] = []
    for tok in run:
        if spans.covers(tok):
            if cur:
                out.append(cur)
            cur = []
        else:
            cur.append(tok)
    if cur:
        out.append(cur)
    return out


# --- names: classified, linked, tagged -------------------------------------------------


class Name:
    """One unknown actor of a story, as its mentions are gathered."""

    __slots__ = ("base", "evidence", "forms", "kind", "score", "spans", "stems", "sure")

    def __init__(self, kind: str, base: str, stems: tuple[str, ...]) -> None:
        self.kind = kind  # "person" or "organization"
        self.base = base  # the form its id and name come from
        self.stems = stems  # its words, casefolded and without case endings
        self.forms: dict[str, None] = {}
        self.spans: dict[Span, None] = {}
        self.evidence: list[str] = []
        self.score = 0.0
        self.sure = False  # named with support (not only as a capitalised name, once)

    def add(self, piece: Piece, text: str, score: float, evidence: str) -> None:
        """One more mention (``text`` is the piece's surface)."""
        self.spans[piece.rank, piece.start, piece.end] = None
        self.forms[text] = None
        self.score = max(self.score, score)
        if evidence and evidence not in self.evidence:
            self.evidence.append(evidence)


def stem(word: str) -> str:
    """A casefolded word without a case ending (kept when fewer than 3 letters would remain)."""
    for ending in ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


def inflects(form: str, base: str) -> bool:
    """Whether ``form`` is ``base`` or ``base`` plus a case ending (both casefolded)."""
    if form == base:
        return True
    if len(base) < 3 or not form.startswith(base[:-1]):
        return False
    return stem(form) == stem(base) or (form.startswith(base) and form[len(base) :] in ENDINGS)


class Names:
    """The unknown names of a story, by id."""

    __slots__ = ("acronyms", "by_id", "surnames")

    def __init__(self) -> None:
        self.by_id: dict[str, Name] = {}
        self.surnames: dict[str, list[Name]] = {}  # a person's last word -> the persons
        self.acronyms: dict[str, Name] = {}  # an organisation's initials -> it

    def new(self, kind: str, surface: str, tokens: list[Token]) -> Name:
        """The name of ``surface``, created if new; an inflected form joins its base form."""
        key = slug(surface)
        name = self.by_id.get(key)
        if name is not None:
            return name
        folds = [t.fold for t in tokens]
        stems = tuple(stem(f) for f in folds)
        if kind == "person":
            same = self._same_person(surface, folds, stems)
            if same is not None:
                return same
        name = self.by_id[key] = Name(kind, surface, stems)
        if kind == "person":
            self.surnames.setdefault(folds[-1], []).append(name)
        elif len(tokens) >= 2:
            initials = "".join(t.text[0] for t in tokens if not t.upper or len(t.text) == 1)
            if len(initials) >= 2:
                self.acronyms.setdefault(initials.upper(), name)
        return name

    def _same_person(self, surface: str, folds: list[str], stems: tuple[str, ...]) -> Name | None:
        """The person already named that ``surface`` names too: inflected, shorter or longer."""
        n = len(stems)
        for other in self.by_id.values():
            if other.kind != "person":
                continue
            if _same_person(folds, other.stems):
                if len(surface) < len(other.base):
                    other.base = surface  # the shorter form is the uninflected one
                return other
            m = len(other.stems)
            if 2 <= n < m and other.stems[m - n :] == stems:
                return other  # "Ruiz Bermejo" after "Carmen Ruiz Bermejo"
            if 2 <= m < n and stems[n - m :] == other.stems:
                other.base = surface  # the full name, found after a shorter one
                other.stems = stems
                return other
        return None

    def person_of(self, tok: Token) -> Name | None:
        """The person whose surname ``tok`` is, inflected or not (None when none, or several)."""
        found = self.surnames.get(tok.fold)
        if found is None:
            f = tok.fold
            found = [n for last, names in self.surnames.items() if inflects(f, last) for n in names]
        return found[0] if len(found) == 1 else None


def _same_person(folds: list[str], stems: tuple[str, ...]) -> bool:
    return len(folds) == len(stems) and all(
        stem(f) == s or f.startswith(s) for f, s in zip(folds, stems, strict=True)
    )


def _particle_gap(gap: str) -> bool:
    """Whether a gap inside a person's name holds only particles ("de", "von der", "bin")."""
    words = gap.casefold().split()
    if not words or not all(w in PARTICLES for w in words):
        return False
    return words[-1] not in {"der", "den"} or words[0] in {"von", "van"}


def subpieces(piece: Piece, text: str, *, org: bool) -> list[Piece]:
    """A piece split where its words are not one name.

    An organisation's name keeps its small words ("Bank of England"), but not a coordinator
    before another name ("the Police and the Army"); any other name keeps only spaces and
    person particles ("Kirchner y Alberto Fernández" is two).
    """
    tokens = piece.tokens
    out: list[Piece] = []
    cur = [tokens[0]]
    for a, b in pairwise(tokens):
        gap = text[a.end : b.start]
        if gap in {" ", "-"}:
            keep = True
        elif org and not has_org_cue(cur) and (piece.title or gap.split()[-1] in NOUN_JOINERS):
            keep = False  # "Eigentum der Hamburger Vereinsbank": a noun, then the name
        elif org and a.fold in FINAL_CUES:
            keep = False
        elif org:
            words = gap.casefold().split()
            keep = not any(w in COORDINATORS for w in words) or not (
                words[-1] in ARTICLES_AFTER or has_org_cue([b]) or b.upper
            )
        else:
            keep = _particle_gap(gap)
        if keep:
            cur.append(b)
        else:
            out.append(Piece(piece.rank, cur, piece.title if not out else ""))
            cur = [b]
    out.append(Piece(piece.rank, cur, piece.title if not out else ""))
    return out if len(out) > 1 else [piece]


def supported(text: str, piece: Piece) -> bool:
    """Whether the words around a person's name say it is one (a title, "said", ", who")."""
    if piece.title:
        return True
    after = text[piece.end : piece.end + 24]
    nxt = after.lstrip(" ,").split(" ", 1)[0].casefold().strip(".,;:")
    if nxt in SPEAKS or nxt in REPORTING:
        return True
    if after.startswith(", ") and (after[2:3].islower() or after[2:3].isdigit()):
        return True  # an apposition: "Jane Doe, 45," "Jane Doe, the mayor"
    return word_before(text, piece.start) in REPORTING


def _person_shaped(reader: Reader, tokens: list[Token], *, titled: bool) -> bool:
    """Two to four name-shaped words, none of them a word the story writes in lower case."""
    words = [t for t in tokens if t.fold not in PARTICLES]
    if not 2 <= len(words) <= 4 or len(words[-1].text.rstrip(".")) < 2:
        return False
    for t in words:
        if (t.upper and len(t.text.rstrip(".")) > 1) or not t.name_shaped:
            return False  # an acronym inside, or "Nine-year-old": no person
        if not titled and reader.common(t):
            return False
    return True


def _acronym(reader: Reader, tok: Token) -> bool:
    word = tok.text
    return (
        tok.upper
        and 2 <= len(word) <= 6
        and word.isalpha()
        and tok.fold not in NOT_ACRONYMS
        and not reader.common(tok)
    )


def _camel(word: str) -> bool:
    """A brand's inner capital ("WordPress", "BirdLife"), not a name's ("McDonald", "DiCaprio")."""
    if len(word) < 5 or not word.isalpha() or word[:2] in {"Mc", "Di", "De", "Le", "La", "Da", "Du"}:
        return False
    if word[:3] == "Mac":
        return False
    return any(a.islower() and b.isupper() for a, b in pairwise(word[1:]))


def _classify_word(reader: Reader, piece: Piece) -> tuple[str, float, str]:
    """(kind, score, evidence) of a one-word candidate: an acronym, a brand, "Mr Smith"."""
    tok = piece.tokens[0]
    if _acronym(reader, tok):
        return "organization", 0.5, "unknown name: acronym"
    if _camel(tok.text):
        return "organization", 0.5, "unknown name: brand"
    if piece.title and not tok.upper and tok.name_shaped and not reader.common(tok):
        return "person", 0.6, f"unknown name: title {piece.title}"
    return "single", 0.0, ""


def _classify(reader: Reader, piece: Piece, text: str) -> tuple[str, float, str]:
    """(kind, score, evidence) of a candidate.

    Kind "" when it is no name, "single" when it is one word that counts only as another
    name's mention, "unsure" for a person named without support (counted only if named again).
    """
    tokens = piece.tokens
    if tokens[-1].fold in NOT_ACTOR_LAST:
        return "", 0.0, ""
    cue = has_org_cue(tokens)
    if cue and (len(tokens) > 1 or tokens[0].fold not in ORG_CUES):
        return "organization", 0.65, f"unknown name: organisation cue {cue}"
    if len(tokens) == 1:
        return _classify_word(reader, piece)
    if cue or not _person_shaped(reader, tokens, titled=bool(piece.title)):
        return "", 0.0, ""
    return _person_kind(reader, piece, text)


def _person_kind(reader: Reader, piece: Piece, text: str) -> tuple[str, float, str]:
    """(kind, score, evidence) of a person-shaped name: with a title, named, or unsure."""
    if piece.title:
        return "person", 0.7, f"unknown name: title {piece.title}"
    if supported(text, piece):
        return "person", 0.65, "unknown name: person named"
    first = piece.tokens[0]
    if first.fold in reader.given or fold_diacritics(first.fold) in reader.given:
        return "person", 0.65, f"unknown name: given name {first.text}"
    if not any(t.fold in PARTICLES for t in piece.tokens) and not (
        reader.german and sentence_initial(text, piece.start)
    ):
        return "person", 0.55, "unknown name: capitalised name"
    return "unsure", 0.55, "unknown name: capitalised name"


def _title_case(text: str) -> bool:
    """A Title Case or upper-case headline: most of its longer words start upper-case."""
    words = [w for w in text.split() if len(w) > 3 and w[0].isalpha()]
    return len(words) >= 3 and sum(1 for w in words if w[0].isupper()) >= 0.7 * len(words)


def find_names(
    texts: dict[TextField, str],
    claimed_actor: set[Span],
    claimed_other: set[Span],
    known: frozenset[str],
    *,
    language: str | None = None,
    given: frozenset[str] = frozenset(),
) -> list[Name]:
    """The unknown names of a story.

    From its fields' texts, the spans the tagger claimed, the normalized names of the known
    actors it found, and its language if known.
    """
    reader = Reader(texts, claimed_actor, claimed_other, language=language, given=given)
    for rank, fld in enumerate(FIELDS):
        text = texts.get(fld)
        if text:
            reader.read(rank, text)
    names = Names()
    singles: list[tuple[Piece, str, float, str]] = []
    for whole in reader.pieces:
        text = texts[FIELDS[whole.rank]]
        if whole.rank == 0 and _title_case(text):
            singles.append((whole, "", 0.0, ""))  # a headline: mentions of names found below only
            continue
        for part in subpieces(whole, text, org=bool(has_org_cue(whole.tokens))):
            piece = part if part is whole else reader.strip(part.rank, text, part.tokens, initial=False)
            if piece is None:
                continue
            surface = text[piece.start : piece.end]
            kind, score, evidence = _classify(reader, piece, text)
            if not kind or " ".join(surface.casefold().split()) in known:
                continue
            if len(piece.tokens) == 1:
                # Counted as a mention of a name found in full first: "Mme Cardenal" after
                # "Ana Sofia Cardenal", "RWA" after "Riverside Water Authority".
                singles.append((piece, kind, score, evidence))
                continue
            name = names.new("person" if kind == "unsure" else kind, surface, piece.tokens)
            name.add(piece, surface, score, "" if kind == "unsure" else evidence)
            if kind != "unsure":
                name.sure = True
    for piece, kind, score, evidence in singles:
        text = texts[FIELDS[piece.rank]]
        if not _link(names, piece, text) and kind in {"person", "organization"}:
            surface = text[piece.start : piece.end]
            name = names.new(kind, surface, piece.tokens)
            name.add(piece, surface, score, evidence)
            name.sure = True
    return [n for n in names.by_id.values() if n.sure or len(n.spans) > 1]


def _link(names: Names, piece: Piece, text: str) -> bool:
    """A single word (or a headline's name) as a mention of a name found in full (if any)."""
    surface = text[piece.start : piece.end]
    name = names.by_id.get(slug(surface))
    if name is not None and name.spans:
        name.add(piece, surface, 0.0, "")
        return True
    linked = False
    for tok in piece.tokens:
        part = Piece(piece.rank, [tok], "")
        if tok.upper:
            found = names.acronyms.get(tok.text) or names.by_id.get(slug(tok.text))
        else:
            found = names.person_of(tok)
        if found is not None:
            found.add(part, tok.text, 0.0, "")
            linked = True
    return linked


def tag_names(names: list[Name], texts: dict[TextField, str]) -> list[Tag]:
    """The actor tags of the unknown names."""
    tags = []
    for name in names:
        if not name.spans:
            continue
        forms = [f for f in name.forms if f != name.base]
        plain = fold_diacritics(name.base)
        if plain != name.base:
            forms.insert(0, plain)
        confidence = min(0.85, name.score + 0.05 * (len(name.spans) - 1))
        values = {
            "id": "name:" + slug(name.base),
            "name": name.base,
            "type": name.kind,
            "aliases": tuple(forms[:12]),
            "country": None,
            "confidence": round3(confidence),
            "mentions": mentions_of(name.spans, texts),
            "evidence": tuple(name.evidence),
            "geo": None,
        }
        tags.append(construct(Tag, values, TAG_FIELDS))
    return tags


def claimed_spans(
    matches: list[Match], groups: Iterable[Iterable[Tag]], unresolved: Iterable[Mention]
) -> set[Span]:
    """The spans of the tags' mentions, of the demonyms and of the place-like names."""
    out: set[Span] = {m.span for m in matches if m.layer == 0 and m.reading.demonym is not None}
    order = {f: i for i, f in enumerate(FIELDS)}
    for tags in groups:
        for tag in tags:
            out.update((order[m.field], m.start, m.end) for m in tag.mentions)
    out.update((order[m.field], m.start, m.end) for m in unresolved)
    return out


def given_names(kb: KnowledgeBase) -> frozenset[str]:
    """The given names of the knowledge base's people (first words named at least twice)."""
    counts: dict[str, int] = {}
    skip = PERSON_TITLES | NOT_NAMES | ORG_CUES | TITLE_MODIFIERS | PARTICLES
    for ent in kb.entities.values():
        if ent.kind is not Kind.ACTOR or ent.type != "person":
            continue
        for name in {ent.name, *ent.aliases}:
            words = name.split()
            first = words[0].casefold() if len(words) >= 2 else ""
            if len(first) >= 2 and first.isalpha() and first not in skip:
                counts[first] = counts.get(first, 0) + 1
    return frozenset(w for f, n in counts.items() if n >= 2 for w in (f, fold_diacritics(f)))


class UnknownNames:
    """Step 6 of tagging, built once per knowledge base: what it knows of people's names."""

    __slots__ = ("_given",)

    def __init__(self, kb: KnowledgeBase) -> None:
        self._given = given_names(kb)

    def with_names(
        self,
        actors: tuple[Tag, ...],
        texts: dict[TextField, str],
        matches: list[Match],
        others: tuple[tuple[Tag, ...], ...],
        unresolved: tuple[Mention, ...],
        *,
        language: str | None = None,
    ) -> tuple[Tag, ...]:
        """The known actors plus the unknown names (places, regions, known actors claim their spans)."""
        claimed_actor = claimed_spans([], [actors], [])
        claimed_other = claimed_spans(matches, others, unresolved)
        known = frozenset(n.casefold() for t in actors for n in (t.name, *t.aliases))
        found = find_names(texts, claimed_actor, claimed_other, known, language=language, given=self._given)
        if not found:
            return actors
        return sorted_tags([*actors, *tag_names(found, texts)])
