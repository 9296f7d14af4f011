"""Made-up people for the demo: unique names, emails and phones that Presidio recognises.

Every value is a canary for leakage tests, so no name is a substring of another (a test looking
for "Ann Lee" must not hit "Joann Lee") and no value repeats across tenants. Emails use the
reserved ``example.*`` domains (a real public suffix, so Presidio accepts them); phones use the
fictional ranges: US ``555-01xx`` in three spellings,, UK ``20 7946 0xxx``, German ``30 901820xx``.
"""

from __future__ import annotations

import re

from faker import Faker
from pydantic import BaseModel, ConfigDict

from demo.values import seeded

_DOMAINS = ("example.com", "example.org", "example.net")
_AREA_CODES = (
    206,
    212,
    213,
    303,
    305,
    312,
    404,
    415,
    503,
    602,
    612,
    617,
    646,
    702,
    713,
    720,
    808,
    919,
)
_GENDERS = ("female", "male", "nonbinary")
_GENDER_WEIGHTS = (48, 48, 4)


class Person(BaseModel):
    """One made-up person and their contact details."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    full_name: str
    email: str
    phone: str
    gender: str


class PeopleFactory:
    """Draws people who share no name, email or phone with anyone drawn before."""

    def __init__(self, *, seed: int) -> None:
        self._faker = Faker("en_US")
        self._faker.seed_instance(seed)
        self._rng = seeded(seed, "people")
        self._names: list[str] = []
        self._emails: set[str] = set()
        self._phones: set[str] = set()

    def person(self) -> Person:
        gender = self._rng.choices(_GENDERS, weights=_GENDER_WEIGHTS)[0]
        first, last = self._unique_name(gender)
        return Person(
            full_name=f"{first} {last}",
            email=self._unique_email(first, last),
            phone=self._unique_phone(),
            gender=gender,
        )

    def _unique_name(self, gender: str) -> tuple[str, str]:
        draw_first = {
            "female": self._faker.first_name_female,
            "male": self._faker.first_name_male,
        }.get(gender, self._faker.first_name)
        while True:
            first, last = draw_first(), self._faker.last_name()
            lowered = f"{first} {last}".lower()
            if not any(lowered in other or other in lowered for other in self._names):
                self._names.append(lowered)
                return first, last

    def _unique_email(self, first: str, last: str) -> str:
        local = f"{_ascii(first)}.{_ascii(last)}"
        domain = self._rng.choice(_DOMAINS)
        email, n = f"{local}@{domain}", 1
        while email in self._emails:
            n += 1
            email = f"{local}{n}@{domain}"
        self._emails.add(email)
        return email

    def _unique_phone(self) -> str:
        """A phone whose number (not just its spelling) is new: formats differ, digits don't."""
        while True:
            phone = self._phone()
            number = re.sub(r"\D", "", phone)[-10:]
            if number not in self._phones:
                self._phones.add(number)
                return phone

    def _phone(self) -> str:
        rng = self._rng
        kind = rng.choices(("us", "us-paren", "us-plain", "uk", "de"), weights=(50, 20, 18, 7, 5))[
            0
        ]
        if kind == "uk":
            return f"+44 20 7946 0{rng.randint(0, 999):03d}"
        if kind == "de":
            return f"+49 30 901820{rng.randint(0, 99):02d}"
        area, line = rng.choice(_AREA_CODES), rng.randint(100, 199)
        if kind == "us-paren":
            return f"({area}) 555-0{line}"
        if kind == "us-plain":
            return f"{area}-555-0{line}"
        return f"+1 {area}-555-0{line}"


def _ascii(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())
