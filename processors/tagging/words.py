"""The word lists the tagger reads context with (normalized, casefolded), and word-level reading.

Kept by hand, written as whitespace-separated strings. Each is ``Final``: compiled, a C
static rather than a module-dict lookup per use.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Final


def word_set(text: str) -> frozenset[str]:
    """A word list written as one whitespace-separated string (easier to keep by hand)."""
    return frozenset(text.split())


# --- context words -----------------------------------------------------------------

# A capitalised word before a place that does not make it part of a person's name.
NEUTRAL_BEFORE: Final = word_set(
    """
    the a an in on at of from to for and or but by with near into across over under after before during
    north south east west northern southern eastern western central greater upper lower new old
    north-east north-west south-east south-west northeast northwest southeast southwest downtown
    metro rural urban suburban inner outer mid far
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday
    when while as if since though although because where this that these those his her its their our
    yesterday today tonight meanwhile however also only even
    said says told reporting reported el la los las le les der die das den dem des en à au aux del de
    в во на из под около у с к по над за перед між біля від до та и і
    l' d' dell' nell' all' dall' sull' un' qu' j' n' s' c'
    il lo gli i della del dei degli delle nella nel negli nelle alla al ai agli alle dalla dal sulla sul
    per tra fra con e o ma da di
    os as do da dos das no na nos nas ao aos às pelo pela em para com ou mas
    w we z ze na do od dla przez przy pod nad oraz lub ale że według wobec po przed za
    gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre
    lunedì martedì mercoledì giovedì venerdì sabato domenica
    janeiro fevereiro março abril maio junho julho setembro outubro novembro dezembro sábado domingo
    stycznia lutego marca kwietnia maja czerwca lipca sierpnia września października listopada grudnia
    poniedziałek wtorek środa czwartek piątek sobota niedziela
    """
)
PERSON_TITLES: Final = word_set(
    "mr mr. mrs mrs. ms ms. dr dr. sir lady lord sen. sen rep. rep gov. gov president senator governor mayor "
    "ambassador "
    "minister chancellor pope saint st. king queen prince princess judge general gen. coach señor señora "
    "monsieur madame herr frau господин госпожа пан пані pani signor signora senhor senhora"
)
CYRILLIC: Final = re.compile("[\u0400-\u04ff]")
SELF_WORDS: Final = word_set("herself himself")
REPORTING: Final = word_set("said says told added argued wrote tweeted insisted explained noted stated")
# Words after a capital or country that make it an acting subject.
ACTS_AFTER: Final = word_set(
    """
    said says say has have had is was will would could should might may must does did do still also now
    claims claimed denied denies responded responds replied demanded demands warned warns accused accuses
    rejected rejects insists insisted wants wanted opts opted refuses refused agreed agrees announced
    announces believes hopes called calls urged urges threatened threatens stated sent sends plans
    intends continues expects considers views sees maintains defends defended fears blamed blames
    ha dijo afirma exige niega asegura considera advirtió anunció rechaza rechazó condena condenó atacó
    a affirme exige dément assure estime accuse menace annonce condamne attaque attacked condemned invaded
    hat sagt sagte fordert fordern erklärte bestreitet warnt warnte droht verurteilte griff struck launched
    заявила заявил заявляет считает требует требовала ответила ответил отвергла отвергает предупредила
    обвинила настаивает продолжает готова намерена отказалась
    powiedział powiedziała oświadczył oświadczyła zapowiedział zapowiedziała ostrzegł ostrzegła zażądał
    zażądała odrzucił odrzuciła oskarżył oskarżyła uważa twierdzi żąda ogłosił ogłosiła zagroził zagroziła
    afferma dichiara avverte chiede respinge minaccia annuncia condanna attacca invades imposed expelled
    disse afirmou exige nega negou alertou anunciou rejeita rejeitou acusa acusou ameaça condenou atacou
    заявила заявив вважає вимагає відповіла відкинула попередила звинуватила продовжує готова
    """
)
# Nouns of an exchange before "to/with/from": a capital in such a phrase stands for its state.
EXCHANGE_NOUNS: Final = word_set(
    """
    letter letters message messages talks dialogue relations ties negotiations pressure sanctions demands
    response reply proposals note appeal ultimatum warning call calls request offer deal agreement
    carta mensaje diálogo relaciones negociaciones lettre message dialogue relations négociations
    brief botschaft dialog beziehungen verhandlungen письмо послание диалог отношения переговоры лист діалог
    list rozmowy negocjacje relacje stosunki sankcje lettera messaggio colloqui dialogo relazioni negoziati
    sanzioni mensagem relações negociações sanções
    """
)
# Not "à"/"a"/"an"/"в": they are also plain locatives ("le dialogue à Bruxelles").
EXCHANGE_PREPS: Final = word_set(
    "to with from against on con contra avec contre mit gegen с против к з проти до "
    "z ze wobec przeciwko contro com"
)
ARTICLES: Final = word_set("the la le l' el los las les die der den dem des")
# "the border with Ukraine" is a place, not a party to an exchange.
BORDER_NOUNS: Final = word_set(
    "border borders frontier frontera frontière grenze граница границе границы границу кордон кордоні кордону"
)
PARTY_PREPS: Final = word_set(
    "with against between by con contra avec contre mit gegen с против з проти przeciwko contro com"
)
# Person roles: a demonym next to one gives a nationality, not a place of events.
PERSON_ROLES: Final = word_set(
    """
    president prime premier minister chancellor ambassador diplomat envoy leader spokesman spokeswoman
    spokesperson citizen citizens national nationals journalist journalists reporter writer author actor
    actress singer player players athlete athletes businessman billionaire tourist tourists man woman men
    women boy girl king queen prince princess counterpart colleague counterparts dissident blogger activist
    opposition-leader secretary monarch emperor dictator general admiral commander officer pilot
    presidente ministro primer embajador canciller ciudadano periodista
    président ministre ambassadeur chancelier citoyen journaliste
    präsident minister kanzler kanzlerin botschafter bürger journalist
    президент премьер министр посол глава лидер канцлер гражданин журналист прем'єр міністр громадянин
    prezydent premier minister ministra ministrem ambasador kanclerz rzecznik przywódca dyplomata obywatel
    dziennikarz szef ambasciatore cancelliere portavoce cittadino giornalista primeiro-ministro embaixador
    chanceler porta-voz líder cidadão jornalista
    """
)
ROLE_MODIFIERS: Final = word_set(
    "former then foreign defence defense deputy top senior acting interior finance economy trade vice "
    "exteriores asuntos affaires étrangères außenminister mr"
)
UNRESOLVED_CUES: Final = word_set(
    "in near outside around en cerca à près dans bei nahe nähe в во под около у біля поблизу"
)
NAMESAKE_CUES: Final = UNRESOLVED_CUES | word_set("from at to of à de aus von из из з")
NOT_PLACES: Final = word_set(
    """
    the a an this that these those monday tuesday wednesday thursday friday saturday sunday january february
    march april may june july august september october november december i he she it we they his her
    el la los las le les der die das un une ein eine jan feb mar apr jun jul aug sep sept oct nov dec
    one two three four five six seven eight nine ten federal central national university
    минобороны мид минобороны міноборони мзс генштаб ова ода
    """
)

CUES: Final = sorted(UNRESOLVED_CUES)
# In scan form, with a space either side: whole words only (patterns of the tagger's automaton).
CUE_PATTERNS: Final = [f" {cue} " for cue in CUES]
CUE_LENGTHS: Final = [len(cue) for cue in CUES]


# --- names the knowledge base lacks (tagging/names.py) -------------------------------

# Words that join the parts of one name: person particles, and the small words inside
# organisations' names (only organisations keep the latter).
PARTICLES: Final = word_set("de del della di da dos das do du van von der den ter zu bin ibn la le st. mc")
JOINERS: Final = PARTICLES | word_set(
    "of for the and des für und et i e y dla ds. ds pour los las zur zum & и по для al ao aos au aux "
    "d' d’ l' l’"
)
ARTICLES_AFTER: Final = word_set("the la le les el los las der die das des dem the l' il lo gli a o os as")
# German articles and determiners: a capitalised word after one is a noun, not a name.
NOUN_MARKERS: Final = re.compile(
    r"\b(?:[Dd](?:er|ie|as|en|em|es)|[Ee]in(?:e[mnrs]?)?|[Kk]ein(?:e[mnrs]?)?|[Zz]u[mr]|[Vv]om|[Ii]m|[Aa]m|[Bb]eim)"
    r" ([^\W\d_][\w-]*)"
)
NOUN_ENDINGS: Final = (
    *("ung", "ungen", "heit", "keit", "schaft", "tion", "ismus", "tät"),
    # Abstract nouns of Spanish, Portuguese and Italian ("Dirección de Prevención", "Equidad
    # de Género", "Coordenação de Repressão"): no given name or surname ends so.
    "ción",
    "ciones",
    "sión",
    "idad",
    "ação",
    "ações",
    "zione",
)
# Words right after a name that make it a person speaking or acting.
SPEAKS: Final = word_set(
    """
    said says told added asked wrote explained noted stated argued insisted warned tweeted posted
    who whose
    dijo afirmó aseguró explicó señaló indicó declaró añadió agregó
    a dit déclare explique estime ajoute affirme selon qui
    sagte sagt erklärte erklärt betonte betont meinte meint sagten schreibt schrieb fordert
    forderte kritisiert kritisierte warnt warnte
    disse afirmou explicou declarou
    powiedział powiedziała stwierdził stwierdziła dodał dodała podkreślił podkreśliła
    заявил заявила сказал сказала отметил отметила сообщил сообщила
    заявив заявила сказав сказала зазначив зазначила
    """
)
# The last word of a street, a place, a law or an event: such names are no actor.
NOT_ACTOR_LAST: Final = word_set(
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
COORDINATORS: Final = word_set("and und et y e i & и та")
ABBREVIATIONS: Final = word_set(
    "mr. mrs. ms. dr. prof. st. gen. sen. rep. gov. lt. col. sgt. capt. jr. sr. inc. corp. co. ltd. "
    "bros. plc. m. mme. hr. fr. pan. ks. rev. adm. maj. cmdr. supt. insp."
)
NAME_TITLES: Final = word_set(
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
    richterin graf gräfin fürst fürstin herzog herzogin freiherr freifrau ritter
    signor signora sindaco onorevole
    senhor senhora prefeito prefeita governador governadora deputado deputada
    pan pani prezydent prezydentka premier premiera minister ministra poseł posłanka marszałek
    rzecznik rzeczniczka wicepremier wojewoda burmistrz prezes prezesa ks.
    господин госпожа г-н г-жа президент президента министр министра премьер премьер-министр глава
    губернатор мэр посол генсек председатель спикер пресс-секретарь депутат
    пан пані президент міністр прем'єр прем'єр-міністр голова речник
    """
)
# Titles that are surnames too ("Steffi Graf", "Roman Herzog"): a name may end with one.
SURNAME_TITLES: Final = word_set("graf fürst herzog ritter")
# The ends of German nouns that name people ("Munitionshersteller", "Bestseller-Autorin",
# "Filmarchitekt"), unlike "Wiederbelebung", "Förderprojekten", "Thermodruckern".
PERSON_NOUN_ENDINGS: Final = (
    "er",
    "erin",
    "or",
    "orin",
    "ist",
    "istin",
    "ent",
    "entin",
    "eur",
    "eurin",
    "ant",
    "antin",
    "ekt",
    "ektin",
    "ef",
    "efin",
    "star",
    "mann",
    "frau",
    "te",
    "tin",
    "ige",
    "iger",
)
# The end of a closed compound that names a role ("Innenminister", "SPD-Chef", "Regierungssprecher").
ROLE_ENDINGS: Final = (
    *("minister", "ministerin", "kanzler", "kanzlerin", "präsident", "präsidentin", "chef", "chefin"),
    *("sprecher", "sprecherin", "vorsitzende", "vorsitzender", "meister", "meisterin", "direktor"),
    *("direktorin", "leiter", "leiterin", "trainer", "abgeordnete", "abgeordneter", "politiker"),
    *("politikerin", "sekretär", "sekretärin", "-minister", "-president", "hersteller", "künstler"),
    *("rektor", "-star", "kommandant", "kommandanten", "kommandantin", "rektorin", "trainerin"),
    *("fotografin", "unternehmerin", "beauftragte", "beauftragter", "sänger", "sängerin", "autor"),
    *("autorin", "gründer", "gründerin", "unternehmer", "professor", "professorin", "journalistin"),
    *("fotograf", "kandidat", "kandidatin"),
)
# The shortest "-mann" compound read as a role: "Feuerwehrmann" is one, "Zimmermann" a surname.
_ROLE_MANN_MIN: Final = 11
# Role words that may come before a title ("Foreign Minister", "Prime Minister").
TITLE_MODIFIERS: Final = word_set(
    "prime foreign defence defense interior finance health justice economy trade home deputy vice "
    "former acting chief executive first state attorney district federal labor labour education "
    "senior junior top minority majority opposition party democratic republican labour conservative "
    "liberal tory green former late then"
)
ORG_CUES: Final = word_set(
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
    guardia banco grupo empresa compañía sociedad fiscalía procuraduría contraloría defensoría cámara
    ministère ministre agence commission conseil institut université fondation association fédération
    parti assemblée sénat cour police armée forces gendarmerie banque groupe société
    ministerium bundesministerium amt bundesamt behörde kommission rat institut universität stiftung
    verband verein bund partei bundestag landtag gericht polizei armee bundeswehr bank gruppe konzern
    gesellschaft zeitung
    ministero agenzia commissione consiglio istituto università fondazione partito parlamento
    tribunale polizia esercito banca gruppo società
    ministério agência comissão conselho instituto universidade fundação associação partido
    tribunal polícia exército banco grupo empresa câmara
    ministerstwo urząd agencja komisja rada instytut uniwersytet fundacja stowarzyszenie związek
    partia sejm senat sąd trybunał policja wojsko armia bank grupa spółka
    ministerstwa ministerstwie urzędu urzędzie agencji komisji rady radzie instytutu instytucie
    uniwersytetu uniwersytecie fundacji stowarzyszenia stowarzyszeniu związku partii sejmu senatu sądu
    sądzie trybunału trybunałem trybunale policji wojska armii banku grupy grupie spółki spółce
    urzędem instytutem uniwersytetem ministerstwem stowarzyszeniem związkiem sądem senatem sejmem bankiem
    fundacją agencją komisją partią radą grupą spółką policją armią fundację agencję komisję partię radę
    grupę spółkę policję armię
    министерство мвд мид ведомство агентство комиссия совет институт университет фонд союз партия
    дума парламент суд полиция армия банк группа компания
    міністерство агентство комісія рада інститут університет фонд союз партія парламент суд поліція
    армія банк група компанія
    jail prison rundfunk movimiento movimento mouvement frente fuerza força órgano dirección direção
    coordinación coordination coordenação confederación confédération confederação chambre revue revista
    éditions aduana carabineros gendarmería sindicato syndicat
    """
)
# Institutions that Romance languages (and Polish) write in lower case before their name:
# "le lycée Angela Davis", "l'université de Nantes", "la universidad de Harvard". Not the
# words English shares ("association", "hospital"): "the civic association Friends of...".
LOWER_HEADS: Final = word_set(
    """
    lycée collège école université rectorat hôpital ministère préfecture mairie académie institut
    fondation syndicat
    universidad colegio escuela ministerio alcaldía gobernación instituto fundación
    asociación sindicato juzgado
    universidade colégio escola ministério prefeitura fundação associação sindicato
    università liceo ospedale ministero istituto fondazione associazione sindacato
    uniwersytet szkoła szpital ministerstwo
    """
)
# A lower-case head right before a capitalised name, with the small words between them.
HEAD_BEFORE: Final = re.compile(
    r"(?:^|(?<=[\s(«\"„“'’]))(\w+)"
    r"(?: (?:de la|de l['’]|de|du|des|del|di|da|do|della|dell['’])(?: |(?<=['’]))| d['’]| )$"
)
# German joiners after which a name begins ("der Hamburger Vereinsbank").
NOUN_JOINERS: Final = word_set("der des dem zum zur vom von zu")
# Cues that end a name: "the New York Times of Malcolm" is no name.
FINAL_CUES: Final = word_set("times post news journal herald tribune gazette press radio television tv")
# Endings of a compound organisation word ("Bundeskriminalamt", "Polizeipräsidium Westpfalz").
ORG_ENDINGS: Final = (
    *("ministerium", "kriminalamt", "gericht", "partei", "verband", "behörde", "bank"),
    *("verein", "vereins", "polizei", "kammer", "präsidium", "zentrum", "zentrale", "amt"),
)
# Cues and their plurals ("County Public Schools"), less family names and German genitives.
CUE_WORDS: Final = ORG_CUES | frozenset(c + "s" for c in ORG_CUES) - word_set(
    "banks cortes cos amts bundesamts rats instituts verbands vereins bunds gerichts konzerns ministeriums"
)
# Upper-case words that are no organisation's acronym.
NOT_ACRONYMS: Final = word_set(
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
    - word_set(
        """
        jan feb mar apr jun jul aug sep sept oct nov dec north south east west northern southern eastern
        western central greater upper lower new old metro rural urban federal national university
        north-east north-west south-east south-west northeast northwest southeast southwest
        """
    )
    | word_set(
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


# --- capitalised words, slugs, tokens and runs (tagging/names.py) ----------------------


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

_SLUG_DROP: Final = re.compile(r"[^\w]+")
_SLUG_SUBST: Final = str.maketrans({"ł": "l", "đ": "d", "ø": "o", "æ": "ae", "œ": "oe", "ı": "i", "þ": "th"})
_SENTENCE_END: Final = ".!?:;\n\r•|…»"
_QUOTES: Final = "\"'“”„«‘’()[]—–- \t*"


def slug(text: str) -> str:
    """The id part of a name: case and diacritics folded, words joined by hyphens."""
    found = _SLUGS.get(text)
    if found is None:
        found = _slug(text)
        if len(_SLUGS) < _MEMO_MAX:
            _SLUGS[text] = found
    return found


_SLUGS: Final[dict[str, str]] = {}  # remembered (bounded): the same names come back story after story


def _slug(text: str) -> str:
    if text.isascii():  # the common case (hot): ASCII has no diacritics, and NFKD leaves it as is
        plain = text.lower()
    else:
        folded = unicodedata.normalize("NFKD", text.casefold().translate(_SLUG_SUBST))
        plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return _SLUG_DROP.sub("-", plain.replace("'", "").replace("’", "")).strip("-_")


def fold_diacritics(text: str) -> str:
    """``text`` without diacritics ("Wałęsa" -> "Walesa"), case kept."""
    if text.isascii():
        return text  # nothing to fold (NFKD leaves ASCII as it is)
    decomposed = unicodedata.normalize("NFKD", text.translate(_SLUG_SUBST))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# --- tokens and runs -----------------------------------------------------------------


class Token:
    """A capitalised word of a field: where it is, its text and what it is."""

    __slots__ = ("cue", "end", "fold", "name_shaped", "role", "start", "text", "upper")

    def __init__(self, start: int, end: int, text: str) -> None:
        self.start = start
        self.end = end
        self.text = text
        # What the word is depends on the word alone, and news repeats its words: remembered.
        info = _WORDS.get(text)
        if info is None:
            info = _word_info(text)
            if len(_WORDS) < _MEMO_MAX:
                _WORDS[text] = info
        self.fold, self.upper, self.name_shaped, self.cue, self.role = info


WordInfo = tuple[str, bool, bool, bool, bool]  # fold, upper, name-shaped, organisation cue, title
_WORDS: Final[dict[str, WordInfo]] = {}  # _word_info's memo
_MEMO_MAX: Final = 100_000  # entries a memo keeps at most: a long-lived process tags without end


def _word_info(text: str) -> WordInfo:
    """What a capitalised word is, as a Token holds it."""
    f = text.casefold()
    # Upper: no lower-case letter (an acronym, a shouted word); name-shaped: each hyphenated part
    # capitalised ("Ocasio-Cortez", not "Nine-year-old"); cue: an organisation's ("Ministry").
    name_shaped = "-" not in text or all(p[:1].isupper() for p in text.split("-") if p)
    cue = f in CUE_WORDS or (len(f) > 6 and f.endswith(ORG_ENDINGS))
    return f, text.upper() == text, name_shaped, cue, _title_word(f)


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
    pos = 0
    # No match object per word (findall stays in C): a word starts where it first occurs from the
    # last one's end on after no word character, dot or hyphen (the regex matches at any such).
    for found in _TOKEN.findall(text):
        start = text.find(found, pos)
        while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_.-"):
            start = text.find(found, start + 1)
        end = pos = start + len(found)
        word = found
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
    if not gap or "\n" in gap or len(gap) > 12 or gap[0] != " " or gap[-1] not in " '’":  # "et d’Industrie"
        return gap in {"-", "&"}
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
    return tok.role


def _title_word(f: str) -> bool:
    """Whether a casefolded word is a person title or role (``is_title``)."""
    if f in NAME_TITLES:
        return True
    if f.endswith("mann"):
        # "Landeshauptmann", "Geschäftsmann"; not given names and surnames ("Hermann", "Hoffmann").
        return len(f) >= _ROLE_MANN_MIN
    return f.endswith(ROLE_ENDINGS)


def has_org_cue(tokens: list[Token]) -> str:
    """The organisation cue of a name ("" if none)."""
    for tok in tokens:
        if tok.cue:
            return tok.text
    return ""


# --- where a name begins and ends (tagging/names.py) ----------------------------------

# The endings of German adjectives and plural nouns (see ``names._german_given_shaped``).
GERMAN_INFLECTED: Final = ("e", "er", "es", "en", "em", "ern", "ung", "heit", "keit", "schaft")
# Given names are short: a longer first word is a noun ("Nachrichtenagentur Tasnim").
GIVEN_MAX: Final = 9
# A German noun this long before a name is no adjective of it ("Waffenproduzenten Blaser").
_DESCRIPTOR_MIN: Final = 12
_POSSESSIVES: Final = frozenset({"'s ", "’s "})
# How far before a name its lower-case head is looked for ("université de la " and more).
_HEAD_WINDOW: Final = 32
# The small words between a lower-case head and its name (see HEAD_BEFORE).
_HEAD_JOINERS: Final = frozenset(
    {"de", "la", "l", "d", "du", "des", "del", "di", "da", "do", "della", "dell"}
)


def descriptor_shaped(first: Token, rest: list[Token]) -> bool:
    """Whether a German noun before a name says what kind of thing the name is.

    An organisation's kind ("Datenschutzbehörde Agencia Española de Protección de Datos")
    only before a name of several words: "Landgericht Berlin" is one name. Any other noun
    when it is a long or hyphenated compound ("Waffenproduzenten Blaser GmbH", "Satire-Partei
    Die PARTEI"); a short word may be the name's own first word ("American Friends Service
    Committee", "Deutsche Bank").
    """
    if first.cue:
        return len(rest) >= 2
    return len(first.fold) >= _DESCRIPTOR_MIN or "-" in first.text


def possessive_orgs(text: str, runs: list[list[Token]]) -> list[list[Token]]:
    """The runs, a possessive joined to the organisation it names ("Children's Hospital of Manitoba").

    A possessive ends a name ("Steele's activities"), but not the first word of an
    organisation's name.
    """
    out: list[list[Token]] = []
    for run in runs:
        if out and text[out[-1][-1].end : run[0].start] in _POSSESSIVES and has_org_cue(run):
            out[-1] = [*out[-1], *run]
        else:
            out.append(run)
    return out


def with_head(text: str, run: list[Token]) -> list[Token]:
    """The run with the lower-case institution before it, if any ("lycée" Angela Davis)."""
    start = run[0].start
    if start < 2 or text[start - 1] not in " '’":
        return run
    lo = max(0, start - _HEAD_WINDOW)
    # The regex tries every position of the window (~9 µs): first a cheap look at the words
    # before the name, back over the small words that may join it to its head.
    end = start - 1
    for _ in range(3):
        i = text.rfind(" ", lo, end) + 1  # all letters back to a space: no walk over them
        if i <= lo or not text[i:end].isalpha():
            i = end
            while i > lo and text[i - 1].isalpha():
                i -= 1
        word = text[i:end]
        if word in LOWER_HEADS:
            break
        if word not in _HEAD_JOINERS or i < 2:
            return run
        end = i - 1
    else:
        return run
    m = HEAD_BEFORE.search(text, lo, start)
    if m is None or m.group(1) not in LOWER_HEADS:
        return run
    head = Token(m.start(1), m.end(1), m.group(1))
    head.cue = True
    return [head, *run]


def coordinated(text: str, tokens: list[Token], j: int) -> bool:
    """Whether a coordinator ("und", "and", "y") joins two of the words before ``tokens[j]``."""
    for k in range(1, j + 1):
        words = text[tokens[k - 1].end : tokens[k].start].casefold().split()
        if words and any(w in COORDINATORS for w in words):
            return True
    return False


def plain_name(word: str) -> bool:
    """An upper-case letter, then lower-case letters only ("Möhring", not "PSi", "M4-Serie")."""
    return word[:1].isupper() and word[1:].isalpha() and word[1:].islower()


# A web site's name in running text ("netzpolitik.org", "portalspozywczy.pl"): media and
# companies go by them. Not inside a URL or an e-mail address. Found from its ending (a dot is
# rare in text): a regex trying every word start costs ~0.4 ms per 4 KB story, this ~0.02.
WEB_ENDING: Final = re.compile(
    r"\.(?:com|org|net|info|pl|de|fr|es|it|pt|pe|ch|at|me|eu|news|tv)(?![\w/@-]|\.\w)"
)
_NOT_BEFORE_SITE: Final = "@./:-"


def web_names(text: str) -> list[Token]:
    """The web sites' names of ``text``."""
    out: list[Token] = []
    for m in WEB_ENDING.finditer(text):
        start = m.start()
        while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_-"):
            start -= 1
        if start == m.start() or not text[start].isalpha():
            continue
        if start > 0 and text[start - 1] in _NOT_BEFORE_SITE:
            continue  # part of a URL, a host or an e-mail address
        out.append(Token(start, m.end(), text[start : m.end()]))
    return out


def split_where(run: list[Token], covered: Callable[[Token], bool]) -> list[list[Token]]:
    """The parts of ``run`` between the tokens ``covered`` says are taken (those are dropped)."""
    out: list[list[Token]] = []
    cur: list[Token] = []
    for tok in run:
        if covered(tok):
            if cur:
                out.append(cur)
            cur = []
        else:
            cur.append(tok)
    if cur:
        out.append(cur)
    return out


def outside(runs: list[list[Token]], sites: list[Token]) -> list[list[Token]]:
    """The runs split where a web site's name lies ("PropertyStock" of "PropertyStock.pl")."""

    def in_site(tok: Token) -> bool:
        return any(s.start <= tok.start < s.end for s in sites)

    return [part for run in runs for part in split_where(run, in_site)]
