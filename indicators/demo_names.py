"""Invented, South-Slavic-sounding place names for the fictional demo region.

Names are built from syllables (onset + optional middle + suffix, sometimes with a
"Gornji/Donja/Novo ..." prefix), checked against a list of real place names of the
region so the demo never names a real municipality, and transliterated to Serbian
Cyrillic for the local-script spellings.
"""

from __future__ import annotations

import numpy as np

ONSETS: tuple[str, ...] = (
    "bra", "bre", "bro", "vla", "vra", "vre", "gra", "gro", "dra", "dre", "zla", "zvo",
    "kra", "kre", "kru", "lje", "lu", "mla", "mra", "pla", "plo", "pre", "ra", "ro",
    "sla", "sve", "stra", "tre", "tro", "ve", "za", "mo", "ka", "ba", "ho", "ja",
    "ča", "če", "či", "ću", "će", "ša", "še", "šu", "ži", "žu", "đu", "đe", "dže", "štr",
)
MIDDLES: tuple[str, ...] = (
    "", "", "", "ko", "no", "lo", "ra", "vi", "še", "ći", "ža", "če", "be", "di", "go",
    "mi", "ta", "lje", "nje", "đa",
)
SUFFIXES: tuple[str, ...] = (
    "vac", "vci", "vica", "ica", "ac", "ovo", "evo", "ište", "ane", "ani", "ina", "njak",
    "ljevo", "grad", "čani", "šće", "ćane", "ino", "inci", "jevci", "ovac", "evac", "ak",
    "ik", "njevo", "lje", "ovik", "ešnica", "ograd", "ožje", "uša",
)
#: Prefix adjectives by grammatical gender (masculine, feminine, neuter/plural-like).
PREFIXES: tuple[tuple[str, str, str], ...] = (
    ("Gornji", "Gornja", "Gornje"),
    ("Donji", "Donja", "Donje"),
    ("Novi", "Nova", "Novo"),
    ("Stari", "Stara", "Staro"),
    ("Veliki", "Velika", "Veliko"),
    ("Mali", "Mala", "Malo"),
)
#: Invented country names (Latin, Cyrillic); the demo picks three by seed.
COUNTRY_NAMES: tuple[tuple[str, str], ...] = (
    ("Velmorija", "Велморија"),
    ("Zadrevija", "Задревија"),
    ("Ludrenija", "Лудренија"),
    ("Brenovija", "Бреновија"),
    ("Ostrelija", "Острелија"),
    ("Kaldrunija", "Калдрунија"),
    ("Vrelanija", "Вреланија"),
    ("Sutravija", "Сутравија"),
)
#: Region labels per country position (parent of the municipalities).
REGION_LABELS: tuple[str, ...] = ("Kanton", "Okrug", "Regija")

#: Real place names of the region (ASCII-folded, lower case) that must never be generated.
REAL_NAMES: frozenset[str] = frozenset(
    """
    srebrenica mostar tuzla sarajevo banja luka bihac zenica doboj bijeljina prijedor
    trebinje gorazde foca visegrad zvornik bratunac vlasenica milici sokolac pale
    rogatica rudo cajnice kalinovik gacko bileca ljubinje nevesinje berkovici stolac
    capljina neum ravno citluk ljubuski grude posusje siroki brijeg jablanica konjic
    prozor rama tomislavgrad livno glamoc drvar bosansko grahovo kupres bugojno
    gornji vakuf uskoplje donji vakuf jajce travnik novi travnik vitez busovaca kiseljak
    kresevo fojnica visoko breza vares kakanj olovo kladanj zivinice banovici lukavac
    srebrenik gradacac gracanica brcko orasje odzak modrica bosanski samac samac
    derventa brod bosanski brod prnjavor teslic tesanj maglaj zavidovici zepce usora
    kotor varos skender vakuf knezevo mrkonjic grad sipovo kljuc sanski most bosanska
    krupa krupa na uni bosanski petrovac petrovac kostajnica novi grad bosanski novi
    kozarska dubica gradiska laktasi celinac srbac velika kladusa cazin buzim
    srbija beograd novi sad nis kragujevac subotica zrenjanin pancevo cacak kraljevo
    smederevo leskovac valjevo krusevac vranje sabac uzice novi pazar sombor pozarevac
    pirot zajecar kikinda sremska mitrovica jagodina vrsac bor prokuplje loznica ivanjica
    arandelovac aranđelovac obrenovac lazarevac mladenovac paracin cuprija negotin
    knjazevac aleksinac prijepolje priboj sjenica tutin raska vrnjacka banja trstenik
    gornji milanovac despotovac svilajnac velika plana kovin vrbas becej senta
    backa palanka indjija stara pazova ruma sid apatin kula temerin zabalj titel
    bujanovac presevo medvedja lebane vlasotince surdulica bosilegrad dimitrovgrad
    babusnica bela palanka blace kursumlija brus aleksandrovac varvarin cicevac
    hrvatska zagreb split rijeka osijek zadar pula slavonski brod karlovac varazdin
    sibenik sisak vinkovci vukovar dubrovnik bjelovar koprivnica pozega cakovec
    virovitica gospic knin petrinja glina dvor kostajnica kostrena samobor velika gorica
    zapresic djakovo dakovo nasice slatina daruvar pakrac lipik novska kutina
    benkovac obrovac drnis sinj imotski makarska ploce metkovic opuzen korcula
    vis hvar brac supetar trogir kastela solin omis crikvenica opatija krk rab pag
    crna gora montenegro podgorica niksic pljevlja bijelo polje cetinje bar herceg novi
    berane budva ulcinj tivat kotor rozaje plav gusinje andrijevica kolasin mojkovac
    savnik zabljak pluzine danilovgrad tuzi petnjica
    sjeverna makedonija skopje bitola kumanovo prilep tetovo veles stip ohrid gostivar
    strumica kavadarci kocani kicevo struga radovis gevgelija debar kriva palanka
    negotino sveti nikole probistip delcevo vinica resen berovo kratovo makedonski brod
    kosovo pristina prizren peja pec gjakova djakovica mitrovica ferizaj urosevac
    gjilan gnjilane vucitrn podujevo suva reka orahovac malisevo decani istok klina
    skenderaj srbica lipljan obilic gracanica strpce leposavic zubin potok zvecan
    kacanik dragas kamenica novo brdo
    slovenija ljubljana maribor celje kranj velenje koper novo mesto ptuj murska sobota
    zalec
    bosna hercegovina republika srpska posavina podrinje krajina herzegovina
    kosovo polje stari grad novo sarajevo ilidza hadzici ilijas vogosca trnovo centar
    rogovac sumovac zlatovac grabina bratevo dravica kretina trovica gracani lukavica
    kraljevica pozarevac ivanjica brezovica lipovac rakovica zabrdje sibovac
    """.split()
) | frozenset(
    {
        "banja luka", "siroki brijeg", "bosansko grahovo", "gornji vakuf", "donji vakuf",
        "novi travnik", "kotor varos", "skender vakuf", "mrkonjic grad", "sanski most",
        "bosanska krupa", "bosanski petrovac", "novi grad", "kozarska dubica", "velika kladusa",
        "novi sad", "novi pazar", "sremska mitrovica", "vrnjacka banja", "gornji milanovac",
        "velika plana", "backa palanka", "stara pazova", "bela palanka", "slavonski brod",
        "velika gorica", "herceg novi", "bijelo polje", "kriva palanka", "sveti nikole",
        "makedonski brod", "novo mesto", "murska sobota", "kosovo polje", "stari grad",
        "novo sarajevo", "novo brdo", "suva reka", "zubin potok", "gornja radgona",
        "donji kraljevec", "gornji petrovci", "novi becej", "novi knezevac", "mali idos",
        "mali zvornik", "veliko gradiste", "mala krsna", "gornja tuzla", "donja tuzla",
        "gornji kneginec", "novi vinodolski", "stari banovci", "nova gradiska", "nova varos",
        "nova crnja", "novo goražde", "novo gorazde", "istocno sarajevo", "krupa na uni",
    }
)

_ASCII = str.maketrans(
    {"č": "c", "ć": "c", "š": "s", "ž": "z", "Č": "C", "Ć": "C", "Š": "S", "Ž": "Z"}
)
_LATIN_TO_CYRILLIC_DIGRAPHS: tuple[tuple[str, str], ...] = (("dž", "џ"), ("lj", "љ"), ("nj", "њ"))
_LATIN_TO_CYRILLIC: dict[str, str] = {
    "a": "а", "b": "б", "v": "в", "g": "г", "d": "д", "đ": "ђ", "e": "е", "ž": "ж", "z": "з",
    "i": "и", "j": "ј", "k": "к", "l": "л", "m": "м", "n": "н", "o": "о", "p": "п", "r": "р",
    "s": "с", "t": "т", "ć": "ћ", "u": "у", "f": "ф", "h": "х", "c": "ц", "č": "ч", "š": "ш",
}
_VOWELS = set("aeiou")


def ascii_fold(name: str) -> str:
    """``'Đurđevac Čaršija'`` -> ``'Djurdjevac Carsija'`` (the spelling of diacritic-less keyboards)."""
    out = name.translate(_ASCII)
    return out.replace("đ", "dj").replace("Đ", "Dj")


def to_cyrillic(name: str) -> str:
    """Transliterate a Serbo-Croatian Latin name into Serbian Cyrillic (Gaj -> Vuk alphabet)."""
    words = []
    for word in name.split(" "):
        low = word.lower()
        out: list[str] = []
        i = 0
        while i < len(low):
            pair = low[i : i + 2]
            mapped = next((c for lat, c in _LATIN_TO_CYRILLIC_DIGRAPHS if pair == lat), None)
            if mapped is not None:
                out.append(mapped)
                i += 2
                continue
            out.append(_LATIN_TO_CYRILLIC.get(low[i], low[i]))
            i += 1
        cyr = "".join(out)
        words.append(cyr[:1].upper() + cyr[1:])
    return " ".join(words)


def is_real_name(name: str) -> bool:
    """True when ``name`` (or its word without a prefix) is a real place name of the region."""
    key = ascii_fold(name).lower()
    if key in REAL_NAMES:
        return True
    parts = key.split(" ")
    return len(parts) > 1 and parts[-1] in REAL_NAMES


def _stem_plus(stem: str, suffix: str) -> str:
    if stem[-1] in _VOWELS and suffix[0] in _VOWELS:
        stem = stem[:-1]
    return stem + suffix


def invent_name(rng: np.random.Generator, prefix_share: float = 0.15) -> str:
    """One invented place name (may be a real one by chance: filter with :func:`is_real_name`)."""
    stem = ONSETS[int(rng.integers(len(ONSETS)))]
    middle = MIDDLES[int(rng.integers(len(MIDDLES)))]
    if middle:
        stem = _stem_plus(stem, middle)
    name = _stem_plus(stem, SUFFIXES[int(rng.integers(len(SUFFIXES)))])
    name = name[:1].upper() + name[1:]
    if rng.random() < prefix_share:
        masc, fem, neut = PREFIXES[int(rng.integers(len(PREFIXES)))]
        last = name[-1]
        adj = fem if last == "a" else neut if last in "oe" else masc
        name = f"{adj} {name}"
    return name


def unique_names(rng: np.random.Generator, n: int, taken: set[str] | None = None) -> list[str]:
    """``n`` distinct invented names, none real and none equal (ASCII-folded) to ``taken``."""
    seen = {ascii_fold(t).lower() for t in (taken or set())}
    names: list[str] = []
    while len(names) < n:
        name = invent_name(rng)
        key = ascii_fold(name).lower()
        base = name.split(" ")[-1]
        if key in seen or is_real_name(name) or not 7 <= len(base) <= 14:
            continue
        seen.add(key)
        names.append(name)
    return names
