#!/usr/bin/env python3
"""Generate the deterministic `retail` example dataset for segc.

Run from the repository root:

    python3 examples/retail/generate_data.py

Output is written relative to this script's own folder (not the current
working directory):

    examples/retail/data/customers.parquet   (zstd)
    examples/retail/data/customers.csv       (same rows as customers.parquet)
    examples/retail/data/orders.parquet      (zstd)

The only third-party dependency is pyarrow (`pip install pyarrow`).

Everything is derived from a single `random.Random(SEED)`, and the reference
("as of") date is the constant AS_OF below -- the current date is never used --
so running the script twice produces identical files.

Invariants (checked by `check()` at the end of a run):
  * customers.customer_id is 1..3000 in order;
  * every customer with at least one order has status "client", every
    "prospect" has zero orders;
  * orders.ordered_at is in [2021-01-01, 2026-11-01) and never before the
    customer's signup_at; order_id is 1..N in ordered_at order;
  * customers.orders_12m / revenue_12m count / sum the customer's orders with
    ordered_at in [2025-11-01, 2026-11-01); last_purchase_at is the date of the
    customer's latest order (null when there is none).
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

SEED = 20261101
AS_OF = dt.date(2026, 11, 1)
AS_OF_TS = dt.datetime(2026, 11, 1)
WINDOW_12M_START = dt.datetime(2025, 11, 1)

N_CUSTOMERS = 3000
SIGNUP_START = dt.datetime(2019, 1, 1)
SIGNUP_END = dt.datetime(2026, 10, 31, 23, 59, 59)
ORDERS_START = dt.datetime(2021, 1, 1)
ORDERS_END = dt.datetime(2026, 10, 31, 23, 59, 59)

DATA_DIR = Path(__file__).resolve().parent / "data"

# --------------------------------------------------------------------------
# Reference tables
# --------------------------------------------------------------------------

COUNTRIES = {  # code: (weight %, [(city, weight), ...])
    "FR": (45, [("Paris", 30), ("Lyon", 15), ("Marseille", 14), ("Lille", 10),
                ("Bordeaux", 10), ("Toulouse", 11), ("Nantes", 10)]),
    "BE": (10, [("Bruxelles", 45), ("Liège", 25), ("Namur", 15), ("Charleroi", 15)]),
    "CH": (8, [("Genève", 40), ("Lausanne", 35), ("Fribourg", 15), ("Neuchâtel", 10)]),
    "CA": (7, [("Montréal", 60), ("Québec", 30), ("Gatineau", 10)]),
    "DE": (10, [("Berlin", 35), ("München", 25), ("Hamburg", 20), ("Köln", 20)]),
    "ES": (8, [("Madrid", 45), ("Barcelona", 40), ("Valencia", 15)]),
    "IT": (6, [("Roma", 40), ("Milano", 40), ("Torino", 20)]),
    "GB": (4, [("London", 60), ("Manchester", 25), ("Edinburgh", 15)]),
    "US": (2, [("New York", 40), ("Boston", 30), ("San Francisco", 30)]),
}

# Income multiplier (relative to the median) per profession.
PROFESSIONS = {
    "engineer": 1.6,
    "teacher": 1.05,
    "nurse": 1.0,
    "student": 0.45,
    "retired": 0.85,
    "manager": 2.0,
    "craftsman": 0.95,
    "farmer": 0.8,
    "sales": 1.05,
    "artist": 0.7,
    "civil servant": 1.05,
    "unemployed": 0.5,
}
WORKING_PROFESSIONS = [
    ("engineer", 14), ("teacher", 11), ("nurse", 10), ("manager", 12),
    ("craftsman", 10), ("farmer", 4), ("sales", 15), ("artist", 5),
    ("civil servant", 12), ("unemployed", 7),
]

GENDERS = [("F", 49), ("M", 48), ("X", 3)]
PREFERRED_CHANNELS = [("email", 45), ("phone", 15), ("sms", 20), ("social", 20)]
ORDER_CHANNELS = [("web", 50), ("store", 35), ("app", 15)]

# --------------------------------------------------------------------------
# Arrow schemas
# --------------------------------------------------------------------------

CUSTOMERS_SCHEMA = pa.schema([
    pa.field("customer_id", pa.int64(), nullable=False),
    pa.field("birth_date", pa.date32()),
    pa.field("gender", pa.string()),
    pa.field("country", pa.string()),
    pa.field("city", pa.string()),
    pa.field("profession", pa.string()),
    pa.field("status", pa.string()),
    pa.field("signup_at", pa.timestamp("us")),
    pa.field("consent_email", pa.bool_(), nullable=False),
    pa.field("income", pa.int64()),
    pa.field("preferred_channel", pa.string(), nullable=False),
    pa.field("email_opens_90d", pa.int64(), nullable=False),
    pa.field("nps_score", pa.int64()),
    pa.field("orders_12m", pa.int64(), nullable=False),
    pa.field("revenue_12m", pa.decimal128(12, 2), nullable=False),
    pa.field("last_purchase_at", pa.date32()),
])

ORDERS_SCHEMA = pa.schema([
    pa.field("order_id", pa.int64(), nullable=False),
    pa.field("customer_id", pa.int64(), nullable=False),
    pa.field("ordered_at", pa.timestamp("us"), nullable=False),
    pa.field("amount", pa.decimal128(10, 2), nullable=False),
    pa.field("channel", pa.string(), nullable=False),
])

# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------


def pick(rng: random.Random, weighted: list[tuple]):
    values = [v for v, _ in weighted]
    weights = [w for _, w in weighted]
    return rng.choices(values, weights=weights, k=1)[0]


def maybe_null(rng: random.Random, value, null_fraction: float):
    return None if rng.random() < null_fraction else value


def years_before(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year - years)
    except ValueError:  # 29 February
        return d.replace(year=d.year - years, day=28)


def age_on(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def random_timestamp(rng: random.Random, lo: dt.datetime, hi: dt.datetime) -> dt.datetime:
    """Uniform timestamp with whole seconds in [lo, hi]."""
    span = int((hi - lo).total_seconds())
    return lo + dt.timedelta(seconds=rng.randint(0, span))


def cents_to_decimal(cents: int) -> Decimal:
    assert cents >= 0
    return Decimal(f"{cents // 100}.{cents % 100:02d}")


# --------------------------------------------------------------------------
# customers (attributes that do not depend on orders)
# --------------------------------------------------------------------------


def draw_age(rng: random.Random) -> int:
    """Ages 16..90 on AS_OF, skewed towards 25-55."""
    if rng.random() < 0.72:
        return min(55, max(25, int(rng.triangular(25, 56, 38))))
    return rng.randint(16, 90)


def draw_birth_date(rng: random.Random, age: int) -> dt.date:
    lo = years_before(AS_OF, age + 1) + dt.timedelta(days=1)
    hi = years_before(AS_OF, age)
    return lo + dt.timedelta(days=rng.randint(0, (hi - lo).days))


def draw_profession(rng: random.Random, age: int) -> str:
    if age < 19:
        return "student" if rng.random() < 0.9 else pick(rng, [("sales", 1), ("unemployed", 1)])
    if age < 25:
        if rng.random() < 0.55:
            return "student"
        return pick(rng, WORKING_PROFESSIONS)
    if age >= 67:
        return "retired" if rng.random() < 0.92 else pick(rng, [("artist", 1), ("farmer", 1), ("craftsman", 1)])
    if age >= 60:
        return "retired" if rng.random() < 0.5 else pick(rng, WORKING_PROFESSIONS)
    return pick(rng, WORKING_PROFESSIONS)


def draw_signup(rng: random.Random) -> dt.datetime:
    """More recent signups are more frequent: density grows like x**0.3 over the
    period, which puts ~4% of signups in the last 90 days before AS_OF."""
    span = int((SIGNUP_END - SIGNUP_START).total_seconds())
    x = rng.random() ** (1 / 1.3)
    return SIGNUP_START + dt.timedelta(seconds=int(x * span))


def draw_income(rng: random.Random, profession: str | None) -> int:
    factor = PROFESSIONS.get(profession, 1.0) if profession else 1.0
    value = 32000 * factor * rng.lognormvariate(0, 0.45)
    value = min(250000, max(12000, value))
    return int(round(value / 100)) * 100


def draw_email_opens(rng: random.Random, consent: bool) -> int:
    if not consent:
        return 0 if rng.random() < 0.9 else rng.randint(1, 3)
    if rng.random() < 0.2:
        return 0
    return min(60, int(rng.expovariate(1 / 7)))


def draw_nps(rng: random.Random) -> int | None:
    if rng.random() < 0.6:
        return None
    return rng.choices(range(11), weights=[2, 1, 1, 2, 3, 5, 7, 12, 16, 13, 10], k=1)[0]


def generate_customers(rng: random.Random) -> list[dict]:
    countries = [(code, w) for code, (w, _) in COUNTRIES.items()]
    customers = []
    for customer_id in range(1, N_CUSTOMERS + 1):
        age = draw_age(rng)
        birth_date = draw_birth_date(rng, age)
        country = pick(rng, countries)
        city = pick(rng, COUNTRIES[country][1])
        profession = maybe_null(rng, draw_profession(rng, age), 0.10)
        consent = rng.random() < 0.70
        customers.append({
            "customer_id": customer_id,
            "birth_date": maybe_null(rng, birth_date, 0.05),
            "gender": maybe_null(rng, pick(rng, GENDERS), 0.03),
            "country": country,
            "city": city,
            "profession": profession,
            "status": "prospect" if rng.random() < 0.30 else "client",
            "signup_at": draw_signup(rng),
            "consent_email": consent,
            "income": maybe_null(rng, draw_income(rng, profession), 0.15),
            "preferred_channel": pick(rng, PREFERRED_CHANNELS),
            "email_opens_90d": draw_email_opens(rng, consent),
            "nps_score": draw_nps(rng),
        })
    return customers


# --------------------------------------------------------------------------
# orders
# --------------------------------------------------------------------------


def draw_order_count(rng: random.Random) -> int:
    """Pareto-like: most clients 1-5 orders, some regulars, a few heavy buyers."""
    r = rng.random()
    if r < 0.68:
        return pick(rng, [(1, 30), (2, 25), (3, 18), (4, 14), (5, 13)])
    if r < 0.92:
        return rng.randint(6, 24)
    return min(200, int(20 * rng.paretovariate(1.6)))


def draw_amount_cents(rng: random.Random) -> int:
    """Typical basket 20-300 EUR (median ~75), with a long tail."""
    value = rng.lognormvariate(4.32, 0.75)
    if rng.random() < 0.02:
        value *= rng.uniform(2.5, 6)
    return min(999_999, max(199, int(round(value * 100))))


def generate_orders(rng: random.Random, customers: list[dict]) -> list[dict]:
    orders = []
    for c in customers:
        if c["status"] != "client":
            continue
        start = max(c["signup_at"], ORDERS_START)
        end = ORDERS_END
        # About a third of clients have stopped buying at some point.
        if rng.random() < 0.35:
            end = start + (ORDERS_END - start) * rng.uniform(0.05, 0.9)
            end = end.replace(microsecond=0)
        active_days = (end - start).days
        n = min(draw_order_count(rng), 1 + active_days // 7)
        favourite = pick(rng, ORDER_CHANNELS)
        for _ in range(n):
            channel = favourite if rng.random() < 0.7 else pick(rng, ORDER_CHANNELS)
            orders.append({
                "customer_id": c["customer_id"],
                "ordered_at": random_timestamp(rng, start, end),
                "amount_cents": draw_amount_cents(rng),
                "channel": channel,
            })
    orders.sort(key=lambda o: (o["ordered_at"], o["customer_id"]))
    for order_id, o in enumerate(orders, start=1):
        o["order_id"] = order_id
    return orders


def add_order_aggregates(customers: list[dict], orders: list[dict]) -> None:
    by_customer: dict[int, list[dict]] = {}
    for o in orders:
        by_customer.setdefault(o["customer_id"], []).append(o)
    for c in customers:
        mine = by_customer.get(c["customer_id"], [])
        recent = [o for o in mine if WINDOW_12M_START <= o["ordered_at"] < AS_OF_TS]
        c["orders_12m"] = len(recent)
        c["revenue_12m"] = cents_to_decimal(sum(o["amount_cents"] for o in recent))
        c["last_purchase_at"] = max(o["ordered_at"] for o in mine).date() if mine else None


# --------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------


def customers_table(customers: list[dict]) -> pa.Table:
    columns = {f.name: [c[f.name] for c in customers] for f in CUSTOMERS_SCHEMA}
    return pa.table(columns, schema=CUSTOMERS_SCHEMA)


def orders_table(orders: list[dict]) -> pa.Table:
    return pa.table({
        "order_id": [o["order_id"] for o in orders],
        "customer_id": [o["customer_id"] for o in orders],
        "ordered_at": [o["ordered_at"] for o in orders],
        "amount": [cents_to_decimal(o["amount_cents"]) for o in orders],
        "channel": [o["channel"] for o in orders],
    }, schema=ORDERS_SCHEMA)


def csv_field(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def write_customers_csv(customers: list[dict], path: Path) -> None:
    names = CUSTOMERS_SCHEMA.names
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(names)
        for c in customers:
            writer.writerow([csv_field(c[name]) for name in names])


def write_parquet(table: pa.Table, path: Path) -> None:
    pq.write_table(table, path, compression="zstd")


# --------------------------------------------------------------------------
# Self-check
# --------------------------------------------------------------------------


def check(customers: pa.Table, orders: pa.Table) -> None:
    cust = customers.to_pylist()
    ords = orders.to_pylist()
    assert customers.num_rows == N_CUSTOMERS
    assert [c["customer_id"] for c in cust] == list(range(1, N_CUSTOMERS + 1))
    assert [o["order_id"] for o in ords] == list(range(1, len(ords) + 1))
    assert all(a["ordered_at"] <= b["ordered_at"] for a, b in zip(ords, ords[1:]))
    by_id = {c["customer_id"]: c for c in cust}
    per_customer: dict[int, list[dict]] = {}
    for o in ords:
        c = by_id[o["customer_id"]]
        assert ORDERS_START <= o["ordered_at"] <= ORDERS_END
        assert o["ordered_at"] >= c["signup_at"]
        assert o["amount"] > 0
        per_customer.setdefault(o["customer_id"], []).append(o)
    for c in cust:
        mine = per_customer.get(c["customer_id"], [])
        recent = [o for o in mine if WINDOW_12M_START <= o["ordered_at"] < AS_OF_TS]
        assert c["orders_12m"] == len(recent)
        assert c["revenue_12m"] == sum((o["amount"] for o in recent), Decimal("0.00"))
        if mine:
            assert c["status"] == "client"
            assert c["last_purchase_at"] == max(o["ordered_at"] for o in mine).date()
        else:
            assert c["last_purchase_at"] is None
        if c["birth_date"] is not None:
            assert 16 <= age_on(c["birth_date"], AS_OF) <= 90
        assert SIGNUP_START <= c["signup_at"] <= SIGNUP_END


def main() -> None:
    rng = random.Random(SEED)
    customers = generate_customers(rng)
    orders = generate_orders(rng, customers)
    add_order_aggregates(customers, orders)

    DATA_DIR.mkdir(parents=True, exist_ok=True)
    cust_table = customers_table(customers)
    ord_table = orders_table(orders)
    check(cust_table, ord_table)
    write_parquet(cust_table, DATA_DIR / "customers.parquet")
    write_customers_csv(customers, DATA_DIR / "customers.csv")
    write_parquet(ord_table, DATA_DIR / "orders.parquet")
    print(f"wrote {cust_table.num_rows} customers and {ord_table.num_rows} orders to {DATA_DIR}")


if __name__ == "__main__":
    main()
