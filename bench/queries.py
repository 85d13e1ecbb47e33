"""The benchmark job (bench/bench.seg) written by hand for DuckDB, as an expert would.

- `single_query`: one query computing every segment, the score and the tiers, written to Parquet
  like `segc run` does;
- `per_segment_queries`: one query per segment, each computing only what it needs from the
  files, as an analyst writing them one by one would;
- `scan_floor`: reading every column the job needs once, doing nothing else with it.

`as_of` is 2026-11-01; the windows below are the dates segc computes for it
(`as_of - 12 months` = 2025-11-01, `- 90 days` = 2026-08-03, `- 30 days` = 2026-10-02).
"""

AS_OF = "2026-11-01"
M12 = "TIMESTAMP '2025-11-01'"
D90 = "TIMESTAMP '2026-08-03'"
D30 = "TIMESTAMP '2026-10-02'"

ORDER_AGGREGATES = f"""
    count(*) FILTER (WHERE ordered_at >= {M12}) AS orders_12m,
    coalesce(sum(amount) FILTER (WHERE ordered_at >= {M12}), 0) AS spend_12m,
    coalesce(sum(amount), 0) AS spend_all,
    max(ordered_at) AS last_order_at,
    count(*) FILTER (WHERE channel = 'web' AND ordered_at >= {D90}) AS web_orders_90d,
    count(*) FILTER (WHERE channel = 'store' AND ordered_at >= {M12}) AS store_orders_12m"""

EVENT_AGGREGATES = f"""
    count(*) FILTER (WHERE kind = 'visit' AND seen_at >= {D30}) AS visits_30d,
    count(*) FILTER (WHERE kind = 'cart' AND seen_at >= {D30}) AS carts_30d,
    count(*) FILTER (WHERE kind = 'search' AND seen_at >= {D90}) AS searches_90d,
    max(seen_at) AS last_seen_at"""

# Returns follow two references: returns -> orders -> customers.
RETURN_AGGREGATES = f"""
    count(*) FILTER (WHERE returned_at >= {M12}) AS returns_12m,
    coalesce(sum(r.amount) FILTER (WHERE returned_at >= {M12}), 0) AS returned_12m"""

ORDER_COLUMNS = ["orders_12m", "spend_12m", "spend_all", "web_orders_90d", "store_orders_12m"]
EVENT_COLUMNS = ["visits_30d", "carts_30d", "searches_90d"]
RETURN_COLUMNS = ["returns_12m", "returned_12m"]

# Whole years from the birth date to as_of (2026-11-01).
AGE = """CASE WHEN birth_date IS NULL THEN NULL
    ELSE 2026 - year(birth_date)
         - CASE WHEN month(birth_date) > 11 OR (month(birth_date) = 11 AND day(birth_date) > 1)
                THEN 1 ELSE 0 END END"""

LEAD_SCORE = """(CASE WHEN visits_30d >= 3 THEN 30 ELSE 0 END
    + CASE WHEN carts_30d >= 1 THEN 20 ELSE 0 END
    + CASE WHEN email_opens_90d >= 5 THEN 15 ELSE 0 END
    + CASE WHEN searches_90d >= 2 THEN 10 ELSE 0 END
    + CASE WHEN role IN ('ceo', 'cfo', 'buyer') THEN 25 ELSE 0 END
    + CASE WHEN consent_email = false THEN -20 ELSE 0 END)"""

LAPSED = "status = 'client' AND days_since_order > 365"
WINBACK = f"({LAPSED}) AND consent_email"
BUCKET = "('0x' || md5('winback-2026:' || customer_id::VARCHAR)[1:8])::BIGINT % 10000"

# name -> (condition over the member's values, what it needs: o = orders, e = events,
# q = quintiles, c = the customer's company, r = returns)
SEGMENTS = {
    "young_adults": ("age BETWEEN 18 AND 30", ""),
    "seniors": ("age >= 65", ""),
    "high_income": ("income >= 60000", ""),
    "students": ("profession = 'student'", ""),
    "francophone": ("country IN ('FR', 'BE', 'CH', 'CA')", ""),
    "big_cities": ("city IN ('Paris', 'Lyon', 'Marseille', 'Bruxelles', 'Montréal')", ""),
    "active_buyers": ("orders_12m >= 1", "o"),
    "frequent_buyers": ("orders_12m >= 12", "o"),
    "big_spenders": ("spend_12m >= 2000", "o"),
    "lifetime_big": ("spend_all >= 5000", "o"),
    "big_baskets": ("average_basket >= 120", "o"),
    "web_shoppers": ("web_orders_90d >= 2", "o"),
    "store_loyal": ("store_orders_12m >= 4", "o"),
    "lapsed": (LAPSED, "o"),
    "browsers": ("visits_30d >= 5 AND orders_12m = 0", "oe"),
    "cart_abandoners": ("carts_30d >= 1 AND web_orders_90d = 0", "oe"),
    "searchers": ("searches_90d >= 3", "e"),
    "dormant_visitors": (f"date_diff('day', last_seen_at::DATE, DATE '{AS_OF}') > 180", "e"),
    "engaged_readers": ("email_opens_90d >= 10 AND consent_email", ""),
    "promoters": ("nps_score >= 9", ""),
    "detractors": ("nps_score <= 6", ""),
    "champions": ("recency >= 4 AND frequency >= 4 AND monetary >= 4", "oq"),
    "at_risk": ("recency <= 2 AND frequency >= 3", "oq"),
    "decision_makers": ("role IN ('ceo', 'cfo') AND company_size >= 50", ""),
    "smb": ("company_size BETWEEN 10 AND 249", ""),
    "retail_accounts": ("starts_with(naf_code, '47')", "c"),
    "large_accounts": ("headcount >= 250", "c"),
    "serial_returners": ("returns_12m >= 2", "r"),
    "big_returns": ("returned_12m >= 200", "r"),
    "winback": (f"{WINBACK} AND {BUCKET} >= 1000", "o"),
    "winback_holdout": (f"{WINBACK} AND {BUCKET} < 1000", "o"),
}

LIFECYCLE = """CASE WHEN spend_12m >= 3000 THEN 'vip'
    WHEN orders_12m >= 6 THEN 'loyal'
    WHEN status = 'client' THEN 'client'
    WHEN lead_score >= 50 THEN 'hot'
    ELSE 'prospect' END"""


def _members(data: str, needs: str) -> str:
    """The members with the values `needs` asks for (o: orders, e: events, q: quintiles,
    c: company, r: returns)."""
    ctes = []
    joins = ""
    columns = ["c.*", f"{AGE} AS age"]
    if "o" in needs or "q" in needs:
        ctes.append(
            f"o AS (SELECT customer_id, {ORDER_AGGREGATES}\n"
            f"  FROM read_parquet('{data}/orders.parquet') GROUP BY customer_id)"
        )
        joins += " LEFT JOIN o USING (customer_id)"
        columns += [f"coalesce(o.{c}, 0) AS {c}" for c in ORDER_COLUMNS]
        columns += [
            "o.last_order_at",
            f"date_diff('day', o.last_order_at::DATE, DATE '{AS_OF}') AS days_since_order",
        ]
    if "e" in needs:
        ctes.append(
            f"e AS (SELECT customer_id, {EVENT_AGGREGATES}\n"
            f"  FROM read_parquet('{data}/events.parquet') GROUP BY customer_id)"
        )
        joins += " LEFT JOIN e USING (customer_id)"
        columns += [f"coalesce(e.{c}, 0) AS {c}" for c in EVENT_COLUMNS]
        columns.append("e.last_seen_at")
    if "r" in needs:
        ctes.append(
            f"r AS (SELECT o.customer_id, {RETURN_AGGREGATES}\n"
            f"  FROM read_parquet('{data}/returns.parquet') r\n"
            f"  JOIN read_parquet('{data}/orders.parquet') o USING (order_id) GROUP BY o.customer_id)"
        )
        joins += " LEFT JOIN r USING (customer_id)"
        columns += [f"coalesce(r.{c}, 0) AS {c}" for c in RETURN_COLUMNS]
    if "c" in needs:
        joins += (
            f" LEFT JOIN (SELECT company_id, naf_code, headcount"
            f" FROM read_parquet('{data}/companies.parquet')) co USING (company_id)"
        )
        columns += ["co.naf_code", "co.headcount"]
    ctes.append(
        f"m AS (SELECT {', '.join(columns)}\n"
        f"  FROM read_parquet('{data}/customers.parquet') c{joins})"
    )
    derived = ["*"]
    if "o" in needs or "q" in needs:
        derived.append("CASE WHEN orders_12m > 0 THEN spend_12m / orders_12m END AS average_basket")
    if "q" in needs:
        derived += [
            "CASE WHEN days_since_order IS NOT NULL THEN ntile(5) OVER (PARTITION BY "
            "days_since_order IS NULL ORDER BY days_since_order DESC, customer_id) END AS recency",
            "ntile(5) OVER (ORDER BY orders_12m, customer_id) AS frequency",
            "ntile(5) OVER (ORDER BY spend_12m, customer_id) AS monetary",
        ]
    ctes.append(f"v AS (SELECT {', '.join(derived)} FROM m)")
    return "WITH " + ",\n".join(ctes) + "\n"


def single_query(data: str, out: str) -> str:
    """Every segment, the score and the tiers in one query, written to `out` (Parquet)."""
    segments = ",\n    ".join(
        f"coalesce({condition}, false) AS {name}" for name, (condition, _) in SEGMENTS.items()
    )
    select = (
        _members(data, "oeqcr")
        + f", s AS (SELECT *, {LEAD_SCORE} AS lead_score FROM v)\n"
        + f"SELECT customer_id,\n    {segments},\n    lead_score,\n    {LIFECYCLE} AS lifecycle\n"
        + "FROM s ORDER BY customer_id"
    )
    return f"COPY ({select}) TO '{out}' (FORMAT parquet, COMPRESSION zstd)"


def per_segment_queries(data: str, out_dir: str) -> list[str]:
    """One query per segment, each reading the files it needs and writing its members."""
    queries = []
    for name, (condition, needs) in SEGMENTS.items():
        select = _members(data, needs) + f"SELECT customer_id FROM v WHERE {condition}"
        queries.append(f"COPY ({select}) TO '{out_dir}/{name}.parquet' (FORMAT parquet)")
    return queries


def scan_floor(data: str) -> str:
    """Reads every column the job needs, hashing each value so that none is skipped."""
    customers = [
        "customer_id", "birth_date", "country", "city", "profession", "status", "consent_email",
        "income", "email_opens_90d", "nps_score", "company_size", "role", "company_id",
    ]
    companies = ["company_id", "naf_code", "headcount"]
    returns = ["order_id", "returned_at", "amount"]
    orders = ["customer_id", "ordered_at", "amount", "channel"]
    events = ["customer_id", "seen_at", "kind"]

    def part(table: str, columns: list[str]) -> str:
        hashed = ", ".join(f"bit_xor(hash({c}))" for c in columns)
        return f"(SELECT {hashed} FROM read_parquet('{data}/{table}.parquet'))"

    return "SELECT * FROM " + ", ".join(
        [
            part("customers", customers),
            part("companies", companies),
            part("orders", ["order_id", *orders]),
            part("returns", returns),
            part("events", events),
        ]
    )
