"""Sample contacts for the demo: realistic, deterministic, partly overlapping between the CRMs."""

from __future__ import annotations

import random
from dataclasses import dataclass

FIRST = [
    "Ada",
    "Grace",
    "Alan",
    "Edsger",
    "Barbara",
    "Donald",
    "Frances",
    "Ken",
    "Radia",
    "Margaret",
    "Tim",
    "Leslie",
    "Shafi",
    "John",
    "Katherine",
    "Niklaus",
    "Adele",
    "Dennis",
    "Hedy",
    "Linus",
    "Sophie",
    "Guido",
    "Anita",
    "Bjarne",
    "Mary",
    "Yukihiro",
    "Lynn",
]
LAST = [
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Allen",
    "Thompson",
    "Perlman",
    "Hamilton",
    "Berners-Lee",
    "Lamport",
    "Goldwasser",
    "McCarthy",
    "Johnson",
    "Wirth",
    "Goldberg",
    "Ritchie",
    "Lamarr",
    "Torvalds",
    "Wilson",
    "van Rossum",
    "Borg",
]
DOMAINS = ["example.com", "acme.test", "globex.test", "initech.test", "umbrella.test"]
STAGES = ["lead", "customer", "subscriber"]


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    email: str
    phone: str
    stage: str


def people(count: int, seed: int = 7) -> list[Person]:
    rng = random.Random(seed)
    out: list[Person] = []
    seen: set[str] = set()
    while len(out) < count:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = f"{first}.{last}{rng.randint(1, 999)}@{rng.choice(DOMAINS)}".lower().replace(
            " ", ""
        )
        if email in seen:
            continue
        seen.add(email)
        phone = f"+1 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
        out.append(Person(first, last, email, phone, rng.choice(STAGES)))
    return out


def split(count: int) -> tuple[list[Person], list[Person], list[Person]]:
    """(HubSpot only, legacy only, in both): a third of the contacts are in both CRMs."""
    everyone = people(count + count // 2)
    shared = count // 3
    return everyone[shared:count], everyone[count : count + count - shared], everyone[:shared]


def messy(email: str, index: int) -> str:
    """How a legacy CRM typed the same email: other case, stray spaces."""
    variants = [email.upper(), f"  {email} ", email.title(), email]
    return variants[index % len(variants)]
