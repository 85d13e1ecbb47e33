"""Generates the B2B example's data deterministically, and the expected results of
accounts.seg and contacts.seg computed independently of segc with SQLite (as of 2026-11-01).

    python3 examples/b2b/generate_data.py

Writes data/companies.csv, data/contacts.csv, data/orders.csv and expected/*.csv. Needs only
the Python standard library.
"""

import csv
import datetime
import random
import sqlite3
from pathlib import Path

HERE = Path(__file__).parent
AS_OF = datetime.date(2026, 11, 1)
NAF_CODES = [
    "1071C", "2511Z", "2822Z", "3312Z",  # manufacturing
    "4120A", "4321A", "4399C",  # construction
    "4511Z", "4634Z", "4711D", "4719B", "4771Z",  # trade, retail (47)
    "5510Z", "5610A",  # hospitality
    "5829C", "6201Z", "6311Z",  # information
    "6920Z", "7022Z", "8559A",  # others
]


def write(path, header, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(header)
        out.writerows(rows)


def generate():
    rng = random.Random(18)
    companies = []
    for i in range(1, 61):
        headcount = rng.choice([3, 8, 12, 25, 40, 60, 120, 250, 400, 1200])
        companies.append(
            (f"C{i:03d}", f"Company {i}", rng.choice(NAF_CODES), headcount,
             rng.choice(["FR", "FR", "FR", "BE", "CH"]))
        )
    contacts = []
    for i in range(1, 201):
        roll = rng.random()
        if roll < 0.04:
            company = ""  # no company
        elif roll < 0.07:
            company = "C999"  # a company that is not in companies.csv
        else:
            # Companies 58 to 60 have no contact.
            company = f"C{rng.randint(1, 57):03d}"
        contacts.append(
            (i, company, rng.choice(["buyer", "buyer", "user", "executive"]),
             "true" if rng.random() < 0.7 else "false")
        )
    orders = []
    for i in range(1, 1501):
        contact = rng.randint(1, 200)
        day = AS_OF - datetime.timedelta(days=rng.randint(0, 900))
        amount = rng.randint(2_000, 300_000) / 100
        orders.append((i, contact, day.isoformat(), f"{amount:.2f}"))
    data = HERE / "data"
    write(data / "companies.csv", ["company_id", "name", "naf_code", "headcount", "country"], companies)
    write(data / "contacts.csv", ["contact_id", "company_id", "role", "email_opt_in"], contacts)
    write(data / "orders.csv", ["order_id", "contact_id", "ordered_at", "amount"], orders)


def database():
    db = sqlite3.connect(":memory:")
    for table in ["companies", "contacts", "orders"]:
        with open(HERE / "data" / f"{table}.csv") as f:
            rows = list(csv.reader(f))
        db.execute(f"create table {table} ({', '.join(rows[0])})")
        db.executemany(
            f"insert into {table} values ({', '.join('?' * len(rows[0]))})",
            [[v if v != "" else None for v in r] for r in rows[1:]],
        )
    return db


SECTOR = """case
  when substr(naf_code, 1, 2) between '10' and '33' then 'manufacturing'
  when substr(naf_code, 1, 2) between '41' and '43' then 'construction'
  when substr(naf_code, 1, 2) between '45' and '47' then 'trade'
  when substr(naf_code, 1, 2) between '55' and '56' then 'hospitality'
  when substr(naf_code, 1, 2) between '58' and '63' then 'information'
  else 'other' end"""

ACCOUNTS = f"""
with per_company as (
  select c.company_id, c.naf_code, cast(c.headcount as integer) as headcount,
    coalesce((select sum(cast(o.amount as real)) from orders o
      join contacts k on k.contact_id = o.contact_id
      where k.company_id = c.company_id and o.ordered_at >= '2025-11-01'), 0) as revenue_12m,
    (select count(*) from orders o join contacts k on k.contact_id = o.contact_id
      where k.company_id = c.company_id and o.ordered_at >= '2025-11-01') as orders_12m,
    (select count(*) from orders o join contacts k on k.contact_id = o.contact_id
      where k.company_id = c.company_id and o.ordered_at >= '2025-11-01'
        and k.role = 'buyer') as buyer_orders_12m,
    (select count(*) from contacts k
      where k.company_id = c.company_id and k.email_opt_in = 'true') as reachable_contacts,
    (select max(o.ordered_at) from orders o join contacts k on k.contact_id = o.contact_id
      where k.company_id = c.company_id) as last_order,
    {SECTOR} as sector
  from companies c
)
select company_id,
  naf_code like '47%' and buyer_orders_12m > 0 as retail_buyers,
  headcount < 50 and reachable_contacts > 0 as reachable_smb,
  coalesce(last_order < '2026-05-01', 0) as lapsed,
  sector,
  case when revenue_12m >= 20000 and headcount >= 250 then 'strategic'
       when revenue_12m >= 5000 then 'major'
       when orders_12m > 0 then 'active'
       else 'dormant' end as account_tier,
  revenue_12m, orders_12m
from per_company order by company_id
"""

CONTACTS = """
select k.contact_id,
  k.role = 'buyer' and coalesce(c.naf_code like '47%', 0) as retail_buyers,
  k.role = 'executive' and coalesce(cast(c.headcount as integer) >= 250, 0)
    as large_company_executives,
  c.name is null as no_known_company,
  k.email_opt_in = 'true' and coalesce((select sum(cast(o.amount as real)) from orders o
    where o.contact_id = k.contact_id and o.ordered_at >= '2025-11-01'), 0) >= 1000
    as emailable_spenders
from contacts k left join companies c on c.company_id = k.company_id
order by cast(k.contact_id as integer)
"""


def flag(v):
    return "true" if v else "false"


def expectations():
    db = database()
    accounts = db.execute(ACCOUNTS).fetchall()
    write(
        HERE / "expected" / "accounts.csv",
        ["company_id", "sector", "account_tier", "retail_buyers", "reachable_smb", "lapsed"],
        [(r[0], r[4], r[5], flag(r[1]), flag(r[2]), flag(r[3])) for r in accounts],
    )
    kpis = []
    for sector in ["manufacturing", "construction", "trade", "hospitality", "information", "other"]:
        rows = [r for r in accounts if r[4] == sector]
        average = sum(r[6] for r in rows) / len(rows) if rows else None
        share = sum(1 for r in rows if r[7] > 0) / len(rows) if rows else None
        kpis.append(("revenue_per_account", sector, len(rows), average))
        kpis.append(("active_accounts", sector, len(rows), share))
    kpis.sort(key=lambda k: k[0] != "revenue_per_account")
    write(
        HERE / "expected" / "kpis.csv",
        ["kpi", "group", "members", "value"],
        [(k, g, n, "" if v is None else f"{v:.6f}") for k, g, n, v in kpis],
    )
    contacts = db.execute(CONTACTS).fetchall()
    write(
        HERE / "expected" / "contacts.csv",
        ["contact_id", "retail_buyers", "large_company_executives", "no_known_company",
         "emailable_spenders"],
        [(r[0],) + tuple(flag(v) for v in r[1:]) for r in contacts],
    )


if __name__ == "__main__":
    generate()
    expectations()
