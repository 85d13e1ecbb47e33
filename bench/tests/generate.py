#!/usr/bin/env python3
"""Writes a rule file of 100 segments (demographic, behavioral with aggregates over orders,
consent) and 500 tests of five customers and a few orders each: the benchmark of `segc test`.

    python3 bench/tests/generate.py OUT.seg [--segments 100] [--tests 500]

Deterministic: the same arguments give the same file. Every test expects the members of the
segments it names, computed here by the same conditions, so every test passes.
"""

import argparse
import datetime as dt
import random

AS_OF = dt.date(2026, 11, 1)
COUNTRIES = ["FR", "BE", "DE", "ES", "IT", "US"]
CHANNELS = ["web", "store", "app"]


def segments(n):
    """`n` segments as (name, condition text, python predicate over a customer)."""
    out = []
    for i in range(n):
        kind = i % 5
        k = i // 5
        if kind == 0:
            low = 18 + k % 40
            out.append((f"age_{i}", f"age between {low} and {low + 10}",
                        lambda c, low=low: c["age"] is not None and low <= c["age"] <= low + 10))
        elif kind == 1:
            t = 1_000 * (1 + k)
            out.append((f"income_{i}", f"income >= {t}",
                        lambda c, t=t: c["income"] is not None and c["income"] >= t))
        elif kind == 2:
            countries = COUNTRIES[k % 4: k % 4 + 2]
            listed = ", ".join(f'"{x}"' for x in countries)
            low = 18 + k
            out.append((f"country_{i}", f"country in [{listed}] and consent_email and age >= {low}",
                        lambda c, cs=countries, low=low: c["country"] in cs and c["consent"]
                        and c["age"] is not None and c["age"] >= low))
        elif kind == 3:
            m = 1 + k % 4
            days = 30 + k
            out.append((f"orders_{i}", f"count(orders where ordered_at > as_of - {days} days) >= {m}",
                        lambda c, m=m, days=days: c["recent"](days) >= m))
        else:
            ch = CHANNELS[k % 3]
            least = 5 * (k + 1)
            out.append((f"channel_{i}", f'exists(orders where channel == "{ch}" and amount >= {least})',
                        lambda c, ch=ch, least=least: any(o[1] == ch and o[2] >= least for o in c["orders"])))
    return out


def customer(rng, key):
    birth = None if rng.random() < 0.1 else AS_OF - dt.timedelta(days=rng.randint(17 * 365, 80 * 365))
    orders = []
    for _ in range(rng.randint(0, 4)):
        at = dt.datetime.combine(AS_OF, dt.time(12)) - dt.timedelta(days=rng.randint(1, 200))
        orders.append((at, rng.choice(CHANNELS), rng.randint(5, 500)))
    age = None
    if birth is not None:
        age = AS_OF.year - birth.year - ((AS_OF.month, AS_OF.day) < (birth.month, birth.day))
    midnight = dt.datetime.combine(AS_OF, dt.time(0))
    return {
        "key": key, "birth": birth, "age": age,
        "income": None if rng.random() < 0.2 else rng.randint(0, 100) * 1000,
        "country": rng.choice(COUNTRIES), "consent": rng.random() < 0.7,
        "orders": orders,
        "recent": lambda days: sum(1 for o in orders if o[0] > midnight - dt.timedelta(days=days)),
    }


def row(c):
    fields = [f"customer_id: {c['key']}"]
    fields.append(f"birth_date: @{c['birth']}" if c["birth"] else "birth_date: null")
    fields.append(f"income: {c['income']}" if c["income"] is not None else "income: null")
    fields.append(f'country: "{c["country"]}"')
    fields.append(f"consent_email: {'true' if c['consent'] else 'false'}")
    return "{ " + ", ".join(fields) + " }"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--segments", type=int, default=100)
    parser.add_argument("--tests", type=int, default=500)
    args = parser.parse_args()
    rng = random.Random(20)
    segs = segments(args.segments)
    lines = [
        'source customers from parquet "customers.parquet" {',
        "  key customer_id: int", "  birth_date: date?", "  income: int?", "  country: string",
        "  consent_email: bool", "}", "",
        'source orders from parquet "orders.parquet" {',
        "  key order_id: int", "  customer_id: int references customers",
        "  ordered_at: timestamp", "  amount: decimal(10, 2)",
        '  channel: enum("web", "store", "app")', "}", "",
        "population customers", "", "let age = years_between(birth_date, as_of)", "",
    ]
    lines += [f"segment {name} = {cond}" for name, cond, _ in segs]
    order_id = 0
    for t in range(args.tests):
        customers = [customer(rng, t * 10 + i) for i in range(5)]
        lines += ["", f"test t{t} as_of @{AS_OF} {{", "  customers ["]
        lines += [f"    {row(c)}" for c in customers]
        lines.append("  ]")
        orders = []
        for c in customers:
            for at, channel, amount in c["orders"]:
                order_id += 1
                orders.append(f'    {{ order_id: {order_id}, customer_id: {c["key"]}, '
                              f'ordered_at: @{at.isoformat()}, amount: {amount}, channel: "{channel}" }}')
        if orders:
            lines += ["  orders ["] + orders + ["  ]"]
        for name, _, test in rng.sample(segs, 4):
            members = ", ".join(str(c["key"]) for c in customers if test(c))
            lines.append(f"  expect {name} = [{members}]")
        lines.append("}")
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
