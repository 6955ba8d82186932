"""Lists of notable companies and institutions for ``companies.py``: the S&P 500 and the world's universities.

- ``sp500/data/constituents.csv`` (datasets/s-and-p-500-companies, ODC-PDDL): the S&P 500's
  companies, the large US companies that FinanceDatabase's snapshot lacks (its NYSE and Nasdaq
  files are missing): "Honeywell", "Walmart", "Lockheed Martin". Each is a listed company (notable)
  under the ``company:`` slug of its name without legal form, as FinanceDatabase's are.
- ``universities/world_universities_and_domains.json`` (Hipo/university-domains-list, MIT): ~10,000
  universities and colleges with their country ("Harvard University", "University of Miami",
  "Adam Mickiewicz University of Poznan"), ``university:`` slugs. A name's bracketed part is a US
  state ("Trinity College (CT)": the name is shared, and the alias policy leaves it out), an acronym
  ("(MBZUAI)", kept as one) or another name ("(Paris VIII)", left out).

Both are notable: a university of a world list names itself in a phrase of common words and a
place ("University of Miami") as a listed company does ("Bank of America").
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from processors.kb_build.companies import _country, _plain_name, _slug
from processors.kb_build.organisations import Org
from processors.kb_build.sources import commit

NOTABLE = 2  # ``Org.languages`` of a notable entry (companies.build_companies reads it so)
_SHARE_CLASS = re.compile(r"\s*\((?:Class [A-Z]|Series [A-Z])\)$")
_THE = re.compile(r"^(.+?)\s*\(The\)$")  # "Coca-Cola Company (The)"
_INVERTED = re.compile(r"^(\w+)\s*\((\w+)\)$")  # "Lilly (Eli)"
_BRACKET = re.compile(r"^(.+?)\s*\(([^)]+)\)$")
_ACRONYM = re.compile(r"^[A-Z][A-Z&-]{2,}$")  # "MBZUAI", "UFAR"


def sp500_name(security: str) -> str:
    """The company's name as news writes it: no share class, "The" in front, given name first."""
    name = _SHARE_CLASS.sub("", " ".join(security.split()))
    if found := _THE.match(name):
        return found.group(1)  # "Coca-Cola Company": the legal form goes next, then "Coca-Cola"
    if found := _INVERTED.match(name):
        return f"{found.group(2)} {found.group(1)}"  # "Eli Lilly"
    return name


def read_sp500(path: Path) -> list[Org]:
    """The S&P 500's companies, one per name (two share classes are one company)."""
    orgs: dict[str, Org] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            full = sp500_name(row["Security"])
            short = _plain_name(full)
            oid = "company:" + _slug(short)
            if oid == "company:" or oid in orgs:
                continue
            org = orgs[oid] = Org(oid, short, "company", "US", languages=NOTABLE)
            org.names += [(short, "en")] + ([(full, "en")] if full != short else [])
    return [orgs[k] for k in sorted(orgs)]


def read_universities(path: Path) -> list[Org]:
    """The universities of the list, by the slug of their name and country."""
    orgs: dict[str, Org] = {}
    for item in json.loads(path.read_text(encoding="utf-8")):
        name = " ".join(str(item.get("name", "")).split())
        country = _country(str(item.get("alpha_two_code") or ""))
        names, abbreviations = [name], []
        if found := _BRACKET.match(name):
            # "(CT)": a state, the name is shared; "(MBZUAI)": its acronym; any other bracket
            # ("(Paris VIII)", "(Tirol)", "(Student email)") is left out: no name of its own.
            names = [found.group(1)]
            abbreviations = [inner] if _ACRONYM.match(inner := found.group(2).strip()) else []
        oid = f"university:{_slug(name)}-{(country or 'xx').lower()}"
        if oid in orgs or not _slug(name):
            continue
        org = orgs[oid] = Org(oid, name, "organization", country, languages=NOTABLE)
        org.names += [(n, "en") for n in names if n]
        org.abbreviations += abbreviations
    return [orgs[k] for k in sorted(orgs)]


SP500 = Path("sp500") / "data" / "constituents.csv"
UNIVERSITIES = Path("universities") / "world_universities_and_domains.json"


def read_all(source: Path) -> list[Org]:
    """Both lists' entries, from ``source`` (a list not extracted there is left out)."""
    orgs = read_sp500(source / SP500) if (source / SP500).exists() else []
    return orgs + (read_universities(source / UNIVERSITIES) if (source / UNIVERSITIES).exists() else [])


def sources_doc(source: Path) -> str:
    """The ``_doc`` text naming the lists read, their commits and licences ("" when none was)."""
    parts = []
    if (source / SP500).exists():
        parts.append(
            f"datasets/s-and-p-500-companies @ {commit(source, 'sp500')} data/constituents.csv "
            "(the S&P 500's companies; ODC-PDDL)"
        )
    if (source / UNIVERSITIES).exists():
        parts.append(
            f"Hipo/university-domains-list @ {commit(source, 'universities')} "
            "world_universities_and_domains.json (universities; MIT, copyright Hipo)"
        )
    return "".join(f"{p}, " for p in parts)
