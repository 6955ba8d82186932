"""The word lists the tagger reads context with (normalized, casefolded).

Kept by hand, written as whitespace-separated strings. Each is ``Final``: compiled, a C
static rather than a module-dict lookup per use.
"""

from __future__ import annotations

import re
from typing import Final


def _words(text: str) -> frozenset[str]:
    """A word list written as one whitespace-separated string (easier to keep by hand)."""
    return frozenset(text.split())


# --- context words -----------------------------------------------------------------

# A capitalised word before a place that does not make it part of a person's name.
NEUTRAL_BEFORE: Final = _words(
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
PERSON_TITLES: Final = _words(
    "mr mr. mrs mrs. ms ms. dr dr. sir lady lord sen. sen rep. rep gov. gov president senator governor mayor "
    "ambassador "
    "minister chancellor pope saint st. king queen prince princess judge general gen. coach señor señora "
    "monsieur madame herr frau господин госпожа пан пані pani signor signora senhor senhora"
)
CYRILLIC: Final = re.compile("[\u0400-\u04ff]")
SELF_WORDS: Final = _words("herself himself")
REPORTING: Final = _words("said says told added argued wrote tweeted insisted explained noted stated")
# Words after a capital or country that make it an acting subject.
ACTS_AFTER: Final = _words(
    """
    said says say has have had is was will would could should might may must does did do still also now
    claims claimed denied denies responded responds replied demanded demands warned warns accused accuses
    rejected rejects insists insisted wants wanted opts opted refuses refused agreed agrees announced
    announces believes hopes called calls urged urges threatened threatens stated sent sends plans
    intends continues expects considers views sees maintains defends defended fears blamed blames
    ha dijo afirma exige niega asegura considera advirtió anunció rechaza rechazó
    a affirme exige dément assure estime accuse menace annonce
    hat sagt sagte fordert fordern erklärte bestreitet warnt warnte droht
    заявила заявил заявляет считает требует требовала ответила ответил отвергла отвергает предупредила
    обвинила настаивает продолжает готова намерена отказалась
    powiedział powiedziała oświadczył oświadczyła zapowiedział zapowiedziała ostrzegł ostrzegła zażądał
    zażądała odrzucił odrzuciła oskarżył oskarżyła uważa twierdzi żąda ogłosił ogłosiła zagroził zagroziła
    afferma dichiara avverte chiede respinge minaccia annuncia
    disse afirmou exige nega negou alertou anunciou rejeita rejeitou acusa acusou ameaça
    заявила заявив вважає вимагає відповіла відкинула попередила звинуватила продовжує готова
    """
)
# Nouns of an exchange before "to/with/from": a capital in such a phrase stands for its state.
EXCHANGE_NOUNS: Final = _words(
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
EXCHANGE_PREPS: Final = _words(
    "to with from against on con contra avec contre mit gegen с против к з проти до "
    "z ze wobec przeciwko contro com"
)
ARTICLES: Final = _words("the la le l' el los las les die der den dem des")
# "the border with Ukraine" is a place, not a party to an exchange.
BORDER_NOUNS: Final = _words(
    "border borders frontier frontera frontière grenze граница границе границы границу кордон кордоні кордону"
)
PARTY_PREPS: Final = _words(
    "with against between from by con contra avec contre mit gegen с против з проти przeciwko contro com"
)
# Person roles: a demonym next to one gives a nationality, not a place of events.
PERSON_ROLES: Final = _words(
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
ROLE_MODIFIERS: Final = _words(
    "former then foreign defence defense deputy top senior acting interior finance economy trade vice "
    "exteriores asuntos affaires étrangères außenminister mr"
)
UNRESOLVED_CUES: Final = _words(
    "in near outside around en cerca à près dans bei nahe nähe в во под около у біля поблизу"
)
NAMESAKE_CUES: Final = UNRESOLVED_CUES | _words("from at to of à de aus von из из з")
NOT_PLACES: Final = _words(
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
