"""Write a large contacts CSV for the import benchmark (see bench/README.md).

    .venv/bin/python bench/make_contacts_csv.py --rows 1000000 --layout google --output /tmp/c.csv

Layouts: `linkedin` (LinkedIn's Connections.csv with its "Notes:" preamble: names, email for
half, company, position, connected on) and `google` (Google Contacts' current CSV: names, 1–2
emails, a phone for 60 %, organisation, title, labels). Names follow the bench workspace's mix
(Bulgarian in Cyrillic 70 %, Greek 15 %, Romanian 15 %; the seed_bench lists), deterministic
for a given --seed. About 1 row in 10,000 is left broken on purpose when --broken is given.
"""

import argparse
import csv
import os
import random
import sys
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "svrazka.settings")
django.setup()

from svrazka.contacts.management.commands import seed_bench as names  # noqa: E402
from svrazka.lib import translit  # noqa: E402


def _split(spec: str) -> list[str]:
    return [w.split(":")[0].replace("_", " ") for w in spec.split()]


BG_GIVEN = _split(names.BG_MALE) + names.BG_FEMALE.split()
GR_GIVEN = _split(names.GR_MALE) + names.GR_FEMALE.split()
RO_GIVEN = names.RO_MALE.split() + names.RO_FEMALE.split()
BG_FAMILY = names.BG_FAMILY.split()
GR_FAMILY = [w.split(":")[0] for w in names.GR_FAMILY.split()]
RO_FAMILY = names.RO_FAMILY.split()
COMPANIES = [f"{w} {i}" for i, w in enumerate(["Фондация", "Сдружение", "Asociația", "Ltd"] * 5000)]
POSITIONS = ["Координатор", "Project Manager", "Директор", "Експерт", "Volunteer", "Президент"]


def person(rng: random.Random) -> tuple[str, str, str]:
    r = rng.random()
    if r < 0.7:
        given, family = rng.choice(BG_GIVEN), rng.choice(BG_FAMILY)
    elif r < 0.85:
        given, family = rng.choice(GR_GIVEN), rng.choice(GR_FAMILY)
    else:
        given, family = rng.choice(RO_GIVEN), rng.choice(RO_FAMILY)
    local = translit.fold(given) + "." + translit.fold(family)
    local = "".join(c for c in local if c.isascii() and (c.isalnum() or c == ".")) or "x"
    return given, family, f"{local}{rng.randrange(100000)}@example.org"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--layout", choices=["linkedin", "google"], default="google")
    parser.add_argument("--output", required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--broken", action="store_true")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with open(args.output, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        if args.layout == "linkedin":
            f.write('Notes:\n"When exporting your connection data, you may notice ..."\n\n')
            out.writerow(
                ["First Name", "Last Name", "URL", "Email Address", "Company", "Position",
                 "Connected On"]
            )  # fmt: skip
        else:
            out.writerow(
                ["First Name", "Middle Name", "Last Name", "Organization Name",
                 "Organization Title", "E-mail 1 - Label", "E-mail 1 - Value",
                 "E-mail 2 - Label", "E-mail 2 - Value", "Phone 1 - Label", "Phone 1 - Value",
                 "Labels", "Notes"]
            )  # fmt: skip
        for i in range(args.rows):
            given, family, email = person(rng)
            company = rng.choice(COMPANIES) if rng.random() < 0.7 else ""
            position = rng.choice(POSITIONS) if company else ""
            if args.broken and i % 10_000 == 9_999:
                email = "broken@"
            if args.layout == "linkedin":
                out.writerow(
                    [given, family, f"https://www.linkedin.com/in/u{i}",
                     email if rng.random() < 0.5 else "", company, position, "12 Mar 2021"]
                )  # fmt: skip
            else:
                phone = f"+359 88 {rng.randrange(1000000, 9999999)}" if rng.random() < 0.6 else ""
                second = f"w{i}@example.net" if rng.random() < 0.3 else ""
                out.writerow(
                    [given, "", family, company, position, "* Work", email,
                     "Home" if second else "", second, "Mobile" if phone else "", phone,
                     "* myContacts ::: Partners", ""]
                )  # fmt: skip


if __name__ == "__main__":
    main()
