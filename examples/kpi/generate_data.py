#!/usr/bin/env python3
"""Generate the KPI example's extra data, deterministically (Python's standard library only).

  * data/acquisition.csv: how each of the retail example's 3,000 customers was acquired
    (channel, cost, date), one row per customer;
  * data/surveys.csv: satisfaction surveys (CSAT, 0 to 10) answered by about 40 % of the
    customers, one to three each, over the two years before 2026-11-01.

Run it from anywhere: python3 examples/kpi/generate_data.py
"""

import csv
import datetime
import random
from pathlib import Path

N_CUSTOMERS = 3000  # examples/retail/data/customers.parquet holds ids 1..3000
SEED = 20261101
END = datetime.date(2026, 11, 1)

CHANNELS = [
    # channel, weight, cost range (euros)
    ("organic", 35, (0.0, 0.0)),
    ("referral", 15, (10.0, 30.0)),
    ("social", 25, (20.0, 70.0)),
    ("paid_search", 25, (35.0, 140.0)),
]


def main() -> None:
    rng = random.Random(SEED)
    out = Path(__file__).resolve().parent / "data"
    out.mkdir(exist_ok=True)

    with open(out / "acquisition.csv", "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["acquisition_id", "customer_id", "channel", "cost", "acquired_at"])
        names = [c[0] for c in CHANNELS]
        weights = [c[1] for c in CHANNELS]
        for customer_id in range(1, N_CUSTOMERS + 1):
            channel = rng.choices(names, weights=weights, k=1)[0]
            low, high = next(c[2] for c in CHANNELS if c[0] == channel)
            cost = round(rng.uniform(low, high), 2)
            acquired = END - datetime.timedelta(days=rng.randrange(30, 6 * 365))
            writer.writerow([customer_id, customer_id, channel, f"{cost:.2f}", acquired.isoformat()])

    with open(out / "surveys.csv", "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["survey_id", "customer_id", "answered_at", "csat"])
        survey_id = 0
        for customer_id in range(1, N_CUSTOMERS + 1):
            if rng.random() >= 0.4:
                continue
            mood = rng.choice([5, 7, 8, 9])
            for _ in range(rng.choice([1, 1, 2, 3])):
                survey_id += 1
                score = max(0, min(10, round(rng.gauss(mood, 1.5))))
                answered = END - datetime.timedelta(days=rng.randrange(1, 2 * 365))
                writer.writerow([survey_id, customer_id, answered.isoformat(), score])


if __name__ == "__main__":
    main()
