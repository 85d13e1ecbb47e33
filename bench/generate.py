"""Deterministic customer data for the benchmark, generated with DuckDB.

    python bench/generate.py --sf 1 --out bench/data/sf1

writes customers, companies, orders, returns and events as Parquet (zstd; CSV too with --csv).
Scale factor 1 is 1,000,000 customers, 40,000 companies, about 10 million orders, 0.7 million
returns and 30 million events; the row counts grow linearly with the scale factor. Every value is a function of the row numbers and a fixed seed (DuckDB's hash of
both, not random()), so a scale factor always gives the same files with the pinned DuckDB version
(bench/requirements.txt).

Shapes that make the data realistic and the rules non-trivial:
- 30 % prospects (no orders), clients with a Pareto number of orders (a few buy a lot);
- events for prospects and clients alike, also Pareto;
- nullable demographics (birth date 8 %, income 20 %, gender 15 %, profession 25 % missing),
  B2B columns only for company accounts (10 %), an NPS answer for 35 % of customers;
- order dates skewed to recent months, amounts log-normal;
- company accounts reference a company (2 % of the references match no company: the lookup's
  left join gives nulls), and returns reference orders (7 %), so that rules read a lookup and an
  aggregate over two references (returns -> orders -> customers).
"""

import argparse
import os
import sys
import time

import duckdb

AS_OF = "2026-11-01"
SEED = 20261101

MACROS = f"""
-- A uniform number in [0, 1) from a row number i and a stream k.
CREATE OR REPLACE MACRO u(i, k) AS hash(i, k, {SEED}) / 18446744073709551616.0;
-- A standard normal number (Box-Muller over two streams).
CREATE OR REPLACE MACRO gauss(i, k) AS
    sqrt(-2 * ln(greatest(u(i, k), 1e-12))) * cos(2 * pi() * u(i, k + 1));
CREATE OR REPLACE MACRO pick(list, x) AS list[1 + least(len(list) - 1, floor(x * len(list))::INT)];
"""

CUSTOMERS = """
CREATE OR REPLACE TABLE customers AS
SELECT
    i + 1 AS customer_id,
    CASE WHEN u(i, 1) < 0.08 THEN NULL
         ELSE DATE '1940-01-01' + floor(u(i, 2) * 24000)::INT END AS birth_date,
    CASE WHEN u(i, 3) < 0.15 THEN NULL ELSE pick(['F', 'M', 'X'], u(i, 4) * 0.999) END AS gender,
    pick(['FR', 'FR', 'FR', 'BE', 'CH', 'CA', 'DE', 'ES', 'IT', 'UK', 'US', 'NL'], pow(u(i, 5), 1.7))
        AS country,
    pick(['Paris', 'Lyon', 'Marseille', 'Toulouse', 'Lille', 'Bruxelles', 'Genève', 'Montréal',
          'Berlin', 'Madrid', 'Milan', 'London', 'Nantes', 'Bordeaux'], pow(u(i, 6), 1.4)) AS city,
    CASE WHEN u(i, 7) < 0.25 THEN NULL
         ELSE pick(['engineer', 'teacher', 'sales', 'nurse', 'manager', 'artisan', 'student',
                    'retired', 'lawyer', 'farmer'], u(i, 8)) END AS profession,
    CASE WHEN u(i, 9) < 0.3 THEN 'prospect' ELSE 'client' END AS status,
    TIMESTAMP '2016-01-01' + to_seconds(floor(pow(u(i, 10), 0.7) * 340000000)::BIGINT) AS signup_at,
    u(i, 11) < 0.62 AS consent_email,
    CASE WHEN u(i, 12) < 0.2 THEN NULL
         ELSE (round(exp(10.4 + 0.45 * gauss(i, 13)) / 100) * 100)::INTEGER END AS income,
    pick(['email', 'phone', 'sms', 'social'], pow(u(i, 15), 1.3)) AS preferred_channel,
    floor(pow(u(i, 16), 2.5) * 40)::INTEGER AS email_opens_90d,
    CASE WHEN u(i, 17) < 0.65 THEN NULL ELSE least(10, floor(pow(u(i, 18), 0.6) * 11))::INTEGER END
        AS nps_score,
    CASE WHEN u(i, 19) < 0.1 THEN floor(exp(1 + 2.2 * u(i, 20)) * 10)::INTEGER END AS company_size,
    CASE WHEN u(i, 19) < 0.1
         THEN pick(['62.01', '47.91', '46.90', '70.22', '86.10', '41.20'], u(i, 21)) END
        AS sector_code,
    CASE WHEN u(i, 19) < 0.1
         THEN pick(['ceo', 'cfo', 'buyer', 'it', 'other'], pow(u(i, 22), 1.5)) END AS role,
    CASE WHEN u(i, 19) < 0.1 THEN 1 + floor(u(i, 23) * {companies} * 1.02)::BIGINT END AS company_id
FROM range({customers}) t(i);
"""

# Companies: NAF codes (section G, retail, is 47.xx), a log-uniform headcount.
COMPANIES = """
CREATE OR REPLACE TABLE companies AS
SELECT
    i + 1 AS company_id,
    pick(['47.11', '47.91', '62.01', '46.90', '70.22', '86.10', '41.20', '56.10'], u(i, 51))
        AS naf_code,
    floor(exp(0.5 + 7.2 * u(i, 52)))::INTEGER AS headcount
FROM range({companies}) t(i);
"""

# Returns of 7 % of the orders, within 30 days of the order and not after as_of.
RETURNS = """
CREATE OR REPLACE TABLE returns AS
SELECT
    row_number() OVER (ORDER BY order_id) AS return_id,
    order_id,
    least(ordered_at + to_seconds(floor(u(order_id, 62) * 30 * 86400)::BIGINT),
          TIMESTAMP '{as_of}' - INTERVAL 1 SECOND) AS returned_at,
    amount
FROM orders
WHERE u(order_id, 61) < 0.07;
"""

# Orders per client: Pareto (alpha 1.6) with a mean near 14, so about 10 per customer.
ORDERS = """
CREATE OR REPLACE TABLE orders AS
WITH counts AS (
    SELECT customer_id - 1 AS i, customer_id,
           CASE WHEN status = 'prospect' THEN 0
                ELSE least(400, floor(6.2 / pow(greatest(u(customer_id, 31), 1e-9), 1 / 1.6)) - 1)::INTEGER
           END AS n
    FROM customers
), numbered AS (
    SELECT customer_id, unnest(range(n)) AS j, i FROM counts WHERE n > 0
), rows AS (
    SELECT row_number() OVER (ORDER BY customer_id, j) AS order_id, customer_id, i * 1000 + j AS r
    FROM numbered
)
SELECT
    order_id,
    customer_id,
    TIMESTAMP '{as_of}' - to_seconds(floor(pow(u(r, 32), 1.8) * 1095 * 86400)::BIGINT) - INTERVAL 1 SECOND
        AS ordered_at,
    least(99999999.99, round(exp(3.6 + 0.9 * gauss(r, 33)), 2))::DECIMAL(10, 2) AS amount,
    pick(['web', 'web', 'store', 'app'], u(r, 35)) AS channel
FROM rows;
"""

# Events for every customer: Pareto (alpha 1.5), a mean near 30.
EVENTS = """
CREATE OR REPLACE TABLE events AS
WITH counts AS (
    SELECT customer_id - 1 AS i, customer_id,
           least(1500, floor(10.5 / pow(greatest(u(customer_id, 41), 1e-9), 1 / 1.5)) - 1)::INTEGER AS n
    FROM customers
), numbered AS (
    SELECT customer_id, unnest(range(n)) AS j, i FROM counts WHERE n > 0
)
SELECT
    customer_id,
    TIMESTAMP '{as_of}' - to_seconds(floor(pow(u(i * 2000 + j, 42), 1.5) * 730 * 86400)::BIGINT) - INTERVAL 1 SECOND
        AS seen_at,
    pick(['visit', 'visit', 'visit', 'email_open', 'cart', 'search'], u(i * 2000 + j, 43)) AS kind
FROM numbered;
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sf", type=float, required=True, help="scale factor (1 = 1M customers)")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--csv", action="store_true", help="also write CSV files")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    customers = max(1, round(args.sf * 1_000_000))
    companies = max(1, customers // 25)
    os.makedirs(args.out, exist_ok=True)
    db = duckdb.connect()
    db.execute(f"SET threads = {args.threads}")
    db.execute("SET preserve_insertion_order = true")
    db.execute(MACROS)
    started = time.time()
    db.execute(CUSTOMERS.format(customers=customers, companies=companies))
    db.execute(COMPANIES.format(companies=companies))
    db.execute(ORDERS.format(as_of=AS_OF))
    db.execute(RETURNS.format(as_of=AS_OF))
    db.execute(EVENTS.format(as_of=AS_OF))
    for table in ["customers", "companies", "orders", "returns", "events"]:
        path = os.path.join(args.out, f"{table}.parquet")
        db.execute(
            f"COPY (SELECT * FROM {table}) TO '{path}' "
            "(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000)"
        )
        if args.csv:
            db.execute(f"COPY (SELECT * FROM {table}) TO '{path[:-8]}.csv' (HEADER, DELIMITER ',')")
        rows = db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        print(f"{table}: {rows:,} rows", file=sys.stderr)
    print(f"generated SF {args.sf:g} in {time.time() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
