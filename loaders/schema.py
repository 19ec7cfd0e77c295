"""The DuckDB schema: loaded tables, lookups filled from `dashboard.domain`, and derived views.

Numbers shown by the dashboard are either loaded as published or derived here in SQL:
nothing is typed in twice. Every loaded row carries its `load_id`, which leads to the file
name, its SHA-256 and the time of the load in `load_log`.
"""

from __future__ import annotations

import duckdb

from dashboard import domain
from loaders.history import create_history_tables

#: 2: `series` has no PRIMARY KEY (see its comment); databases at 1 are rebuilt on the next load.
#: 3: `load_log` says who loaded, from where, and which earlier load a restore went back to.
#: 4: `measures` carries the exception table's own figure and narrative; `reports` (the paper's
#:    front sheet) is new.
#: 5: every loaded table has a `*_history` twin keeping the rows loads replaced
#:    (loaders/history.py), and `published_reports` records what the Panel was shown.
SCHEMA_VERSION = 5

TABLES_SQL = """
CREATE TABLE IF NOT EXISTS schema_info (version INTEGER NOT NULL);

CREATE TABLE IF NOT EXISTS load_log (
    load_id       INTEGER   NOT NULL,   -- one per load command; shared by its files
    loaded_at     TIMESTAMP NOT NULL,   -- UTC
    file_name     VARCHAR   NOT NULL,
    file_sha256   VARCHAR   NOT NULL,
    table_name    VARCHAR   NOT NULL,   -- measures | series | deliverables | budget | reports
    encoding      VARCHAR   NOT NULL,   -- utf-8 | utf-8-sig | windows-1252
    rows_in_file  BIGINT    NOT NULL,
    rows_added    BIGINT    NOT NULL,
    rows_replaced BIGINT    NOT NULL,
    loaded_by     VARCHAR,              -- signed-in user or OS user; NULL before schema 3
    load_source   VARCHAR,              -- command line | upload | restore; NULL before schema 3
    restored_load_id INTEGER            -- a restore: the load whose database it brought back
);

-- measures.csv. *_value holds the number, or for grades the score from grade_lookup.
CREATE TABLE IF NOT EXISTS measures (
    period                DATE    NOT NULL,  -- first day of the report's month
    theme                 VARCHAR NOT NULL,
    measure               VARCHAR NOT NULL,
    polarity              VARCHAR NOT NULL,  -- higher_is_better | lower_is_better | neutral
    unit                  VARCHAR NOT NULL,  -- count | percent | money | grade | number
    baseline_text         VARCHAR,           -- as published
    baseline_value        DOUBLE,
    baseline_status       VARCHAR,           -- Pending | TBC | N/A when no figure yet
    baseline_period       DATE,
    baseline_period_is_year BOOLEAN,
    current_text          VARCHAR,
    current_value         DOUBLE,
    current_status        VARCHAR,
    current_period        DATE,
    current_period_is_year BOOLEAN,
    trend_text            VARCHAR,           -- as published
    trend_value           DOUBLE,            -- signed; arrows applied
    trend_unit            VARCHAR,           -- percent | points | money | number | steps
    trend_decimals        INTEGER,           -- decimals published, in trend_value's unit (£0.1m: -2)
    headline              BOOLEAN NOT NULL,
    exception             VARCHAR,           -- the analyst's call: positive | negative
    comment               VARCHAR,
    source_file           VARCHAR NOT NULL,
    source_line           BIGINT  NOT NULL,
    load_id               INTEGER NOT NULL,
    -- Schema 4, last so that a database upgraded by ALTER TABLE has the same column order.
    -- The exception table's figure and narrative, which need not be the headline table's.
    exception_trend_text     VARCHAR,        -- as published, e.g. '-2.7% pts'
    exception_trend_value    DOUBLE,
    exception_trend_unit     VARCHAR,
    exception_trend_decimals INTEGER,
    exception_comment        VARCHAR,
    PRIMARY KEY (period, measure)
);

-- One row per (measure, area, period), enforced by the loader (loaders/series.py) rather than
-- by a PRIMARY KEY: the key's index cost about a third of a million-row load, and the loader
-- checks every file for repeated keys and replaces existing rows by key anyway.
CREATE TABLE IF NOT EXISTS series (
    measure     VARCHAR NOT NULL,
    area        VARCHAR NOT NULL,
    period      DATE    NOT NULL,
    value       DOUBLE  NOT NULL,
    source_file VARCHAR NOT NULL,
    load_id     INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS deliverables (
    plan          VARCHAR NOT NULL,   -- 2018-21
    quarter       VARCHAR NOT NULL,   -- canonical '2018-19 Q3'
    quarter_start DATE    NOT NULL,   -- 2018-10-01 for 2018-19 Q3
    theme         VARCHAR NOT NULL,
    ref           VARCHAR NOT NULL,
    deliverable   VARCHAR NOT NULL,
    status        VARCHAR NOT NULL,   -- G | A | R | W
    organisation  VARCHAR,
    "update"      VARCHAR,
    update_date   DATE,
    source_file   VARCHAR NOT NULL,
    source_line   BIGINT  NOT NULL,
    load_id       INTEGER NOT NULL,
    PRIMARY KEY (plan, quarter, theme, ref)
);

-- Money in £ thousands.
CREATE TABLE IF NOT EXISTS budget (
    financial_year     VARCHAR NOT NULL,  -- 2018-19
    period             DATE    NOT NULL,  -- month the forecast was made
    entity             VARCHAR NOT NULL,
    category           VARCHAR NOT NULL,  -- revenue | capital
    budget             DOUBLE,
    forecast_outturn   DOUBLE,
    variance_published DOUBLE,
    source_file        VARCHAR NOT NULL,
    source_line        BIGINT  NOT NULL,
    load_id            INTEGER NOT NULL,
    PRIMARY KEY (financial_year, period, entity, category)
);

-- reports.csv: the front sheet and opening sections of each report period's paper.
CREATE TABLE IF NOT EXISTS reports (
    period          DATE    NOT NULL,   -- the report period the paper presents
    title           VARCHAR,
    paper_for       VARCHAR,            -- consideration | information | decision
    public          BOOLEAN,
    report_to       VARCHAR,
    meeting_date    DATE,
    report_of       VARCHAR,
    author          VARCHAR,
    email           VARCHAR,
    other_contacts  VARCHAR,
    agenda_item     VARCHAR,
    purpose         VARCHAR,            -- paragraphs separated by a blank line
    recommendations VARCHAR,
    reasons         VARCHAR,
    summary         VARCHAR,
    headlines       VARCHAR,
    financial       VARCHAR,
    source_file     VARCHAR NOT NULL,
    source_line     BIGINT  NOT NULL,
    load_id         INTEGER NOT NULL,
    PRIMARY KEY (period)
);

-- recommendations.csv: a review's recommendations tracker. One row per review, ref and
-- quarter, so each quarter's update is kept beside the earlier ones.
CREATE TABLE IF NOT EXISTS recommendations (
    review         VARCHAR NOT NULL,   -- the review whose recommendations these are
    theme          VARCHAR NOT NULL,   -- the tracker's section, as printed
    ref            VARCHAR NOT NULL,
    recommendation VARCHAR NOT NULL,
    lead_agencies  VARCHAR NOT NULL,   -- one agency per line, in the tracker's order
    quarter        VARCHAR NOT NULL,   -- canonical '2020-21 Q4'
    quarter_start  DATE    NOT NULL,
    status         VARCHAR NOT NULL,   -- complete | on track | delayed | not started | not stated
    "update"       VARCHAR,
    source_file    VARCHAR NOT NULL,
    source_line    BIGINT  NOT NULL,
    load_id        INTEGER NOT NULL,
    PRIMARY KEY (review, ref, quarter)
);

-- decisions.csv: the forward plan of key decisions a report appends. A section with nothing
-- to report has one row with ref '' holding the published words in subject.
CREATE TABLE IF NOT EXISTS decisions (
    period              DATE    NOT NULL,   -- the report period whose paper appends the plan
    plan                DATE    NOT NULL,   -- the forward plan's month ('Forward Plan February 2019')
    section             VARCHAR NOT NULL,   -- '2.0'
    section_title       VARCHAR NOT NULL,   -- 'Contracts (above £250k)'
    ref                 VARCHAR NOT NULL,   -- '2.1'; '' for the section's 'None to report' row
    date_text           VARCHAR,            -- as published: 'March 2019', 'TBC', 'March – September 2019'
    date_from           DATE,               -- first month of the date; NULL for TBC
    date_to             DATE,               -- last month (the same month unless a span)
    subject             VARCHAR NOT NULL,
    summary             VARCHAR,
    cost_text           VARCHAR,            -- as published: '£515,000', '>£250k', 'Potentially over £250k'
    cost_pounds         DOUBLE,             -- the amount, or its lower bound; NULL when the text gives neither
    cost_is_lower_bound BOOLEAN,
    contact             VARCHAR,
    report_of           VARCHAR,            -- OPCC | Force | Force/OPCC (in the published order)
    source_file         VARCHAR NOT NULL,
    source_line         BIGINT  NOT NULL,
    load_id             INTEGER NOT NULL,
    PRIMARY KEY (period, section, ref)
);

-- estates.csv: sites sold and contracts exchanged subject to planning. Each list's total is a
-- row with site '' (the report publishes no receipt per site), kept as published.
CREATE TABLE IF NOT EXISTS estates (
    period             DATE    NOT NULL,   -- the report period whose paper gives the lists
    list               VARCHAR NOT NULL,   -- sold | exchanged
    site               VARCHAR NOT NULL,   -- '' for the list's total
    completion_text    VARCHAR,            -- as published: '9 June, 2016'
    completion_date    DATE,
    status             VARCHAR,            -- planning status of an exchanged contract
    proposed_use       VARCHAR,
    total_receipt_text VARCHAR,            -- as published: '£5,128,400'
    total_receipt      DOUBLE,             -- in pounds
    source_file        VARCHAR NOT NULL,
    source_line        BIGINT  NOT NULL,
    load_id            INTEGER NOT NULL,
    PRIMARY KEY (period, list, site)
);

-- framework.csv: a plan's strategic framework, theme by theme (the 2016-18 plan's activities,
-- the 2019/20 delivery plan's objectives under their focus areas). Texts as published.
CREATE TABLE IF NOT EXISTS framework (
    plan          VARCHAR NOT NULL,   -- '2016-18', '2019-20' (as the deliverables extract names plans)
    plan_title    VARCHAR,            -- as published: 'Nottinghamshire Police and Crime Delivery Plan 2019/20 – V1.4'
    theme_no      INTEGER NOT NULL,   -- the theme's number in the plan
    theme         VARCHAR NOT NULL,   -- canonical spelling (dashboard.domain), else as published
    focus_area    VARCHAR,            -- the 2019/20 plan's focus area; NULL where the plan has none
    ref           VARCHAR NOT NULL,   -- 'C01', 'F03' (letter = lead), or the objective's number '1'
    lead          VARCHAR,            -- Commissioner | Force | Partners from the letter, else as published; NULL: none published
    lead_from_ref BOOLEAN NOT NULL,   -- whether the lead was read from the ref's letter
    revised       BOOLEAN NOT NULL,   -- the plan's '*': revised to support a new pledge
    activity      VARCHAR NOT NULL,   -- as published, pledge prefix included
    pledges       VARCHAR,            -- pledge codes as published, ';' between them: 'PL2', 'PL7.3'
    source_file   VARCHAR NOT NULL,
    source_line   BIGINT  NOT NULL,
    load_id       INTEGER NOT NULL,
    PRIMARY KEY (plan, theme_no, ref)
);

-- targets.csv: a measure's target in its series' own units, from applies_from on. area '' is
-- every area of the measure; an area with rows of its own uses only those (dashboard/assurance.py).
CREATE TABLE IF NOT EXISTS targets (
    measure      VARCHAR NOT NULL,
    area         VARCHAR NOT NULL,   -- '' for every area
    applies_from DATE    NOT NULL,   -- first month the target applies
    target_text  VARCHAR NOT NULL,   -- as published: '45%', '1,200'
    target       DOUBLE  NOT NULL,   -- as a series value is read ('45%' is 45; money in £ thousands)
    source       VARCHAR,            -- where the target was published
    source_file  VARCHAR NOT NULL,
    source_line  BIGINT  NOT NULL,
    load_id      INTEGER NOT NULL,
    PRIMARY KEY (measure, area, applies_from)
);

-- changes.csv: a known change to what a measure counts; SPC limits are computed afresh from
-- month (NHSRplotthedots' rebase). area '' is every area of the measure.
CREATE TABLE IF NOT EXISTS changes (
    measure     VARCHAR NOT NULL,
    area        VARCHAR NOT NULL,   -- '' for every area
    month       DATE    NOT NULL,   -- first month of the new limits
    reason      VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    source_line BIGINT  NOT NULL,
    load_id     INTEGER NOT NULL,
    PRIMARY KEY (measure, area, month)
);

-- A report period published to the Panel: the figures as they stood after load
-- `as_of_load_id`, kept as a frozen copy of the database (`frozen_file`, beside the live one in
-- NAME.published/) and, when the pack was built for the meeting, the pack's own file.
CREATE TABLE IF NOT EXISTS published_reports (
    period          DATE      NOT NULL,
    as_of_load_id   INTEGER   NOT NULL,  -- the last load whose figures the Panel was shown
    published_at    TIMESTAMP NOT NULL,  -- UTC
    published_by    VARCHAR   NOT NULL,
    meeting_date    DATE,
    frozen_file     VARCHAR   NOT NULL,  -- file name in NAME.published/
    frozen_sha256   VARCHAR   NOT NULL,
    pack_file       VARCHAR,             -- file name in NAME.published/, when a pack was kept
    pack_sha256     VARCHAR,
    PRIMARY KEY (period, as_of_load_id)
);

CREATE TABLE IF NOT EXISTS rag_lookup (
    status VARCHAR PRIMARY KEY, label VARCHAR NOT NULL, sort_order INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS grade_lookup (grade VARCHAR PRIMARY KEY, score INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS change_unit_lookup (unit VARCHAR PRIMARY KEY, change_unit VARCHAR NOT NULL);
"""

VIEWS_SQL = """
-- Each measure's change computed from baseline and current, its direction by polarity,
-- and the flags a reader must see: published trend disagreeing, current before baseline.
CREATE OR REPLACE VIEW measure_changes AS
WITH computed AS (
    SELECT m.*,
           cu.change_unit,
           CASE
               WHEN m.baseline_value IS NULL OR m.current_value IS NULL THEN NULL
               WHEN cu.change_unit = 'percent' THEN
                   CASE WHEN m.baseline_value = 0 THEN NULL
                        ELSE (m.current_value - m.baseline_value) / abs(m.baseline_value) * 100 END
               ELSE m.current_value - m.baseline_value
           END AS change
    FROM measures m JOIN change_unit_lookup cu USING (unit)
),
-- A trend published as a count or a sum ('+497', '+£0.1m') is the difference in the measure's
-- own unit; any other is the change in its change unit (per cent, points, steps).
compared AS (
    SELECT *,
           CASE WHEN trend_unit IN ('number', 'money') THEN current_value - baseline_value
                ELSE change END AS trend_compared,
           CASE WHEN exception_trend_unit IN ('number', 'money') THEN current_value - baseline_value
                ELSE change END AS exception_trend_compared
    FROM computed
)
SELECT c.*,
       CASE
           WHEN c.change IS NULL THEN NULL
           WHEN c.change = 0 THEN 'no change'
           WHEN c.polarity = 'neutral' THEN CASE WHEN c.change > 0 THEN 'higher' ELSE 'lower' END
           WHEN (c.change > 0) = (c.polarity = 'higher_is_better') THEN 'better'
           ELSE 'worse'
       END AS direction,
       c.trend_compared,
       coalesce(
           c.trend_compared IS NOT NULL AND c.trend_value IS NOT NULL
           AND abs(c.trend_compared - c.trend_value) > 0.5 * pow(10, -coalesce(c.trend_decimals, 1)) + 1e-9,
           false) AS trend_disagrees,
       -- the exception table's own figure is checked the same way, against the same change
       coalesce(
           c.exception_trend_compared IS NOT NULL AND c.exception_trend_value IS NOT NULL
           AND abs(c.exception_trend_compared - c.exception_trend_value)
               > 0.5 * pow(10, -coalesce(c.exception_trend_decimals, 1)) + 1e-9,
           false) AS exception_trend_disagrees,
       coalesce(
           CASE
               WHEN c.baseline_period_is_year OR c.current_period_is_year
                   THEN year(c.current_period) < year(c.baseline_period)
               ELSE c.current_period < c.baseline_period
           END, false) AS current_before_baseline
FROM compared c;

-- RAG counts per plan, quarter and theme: every status present, zeros included, as the
-- report prints them ("0/14 (0%)").
CREATE OR REPLACE VIEW rag_counts AS
WITH groups AS (
    SELECT plan, quarter, quarter_start, theme, count(*) AS total
    FROM deliverables GROUP BY ALL
),
counted AS (
    SELECT plan, quarter, theme, status, count(*) AS n
    FROM deliverables GROUP BY ALL
)
SELECT g.plan, g.quarter, g.quarter_start, g.theme, r.status, r.label, r.sort_order,
       coalesce(c.n, 0) AS n, g.total,
       round(100.0 * coalesce(c.n, 0) / g.total, 1) AS pct
FROM groups g
CROSS JOIN rag_lookup r
LEFT JOIN counted c USING (plan, quarter, theme, status);

-- Budget against forecast with the variance computed, the published one kept, and a flag
-- where they disagree by more than the tolerance.
CREATE OR REPLACE VIEW budget_variance AS
SELECT b.*,
       b.forecast_outturn - b.budget AS variance_computed,
       coalesce(b.variance_published, b.forecast_outturn - b.budget) AS variance,
       coalesce(abs(b.variance_published - (b.forecast_outturn - b.budget)) > {tolerance}, false)
           AS variance_disagrees,
       CASE
           WHEN coalesce(b.variance_published, b.forecast_outturn - b.budget) > 0 THEN 'overspend'
           WHEN coalesce(b.variance_published, b.forecast_outturn - b.budget) < 0 THEN 'underspend'
           WHEN coalesce(b.variance_published, b.forecast_outturn - b.budget) = 0 THEN 'on budget'
       END AS variance_label
FROM budget b;
""".replace("{tolerance}", repr(float(domain.BUDGET_VARIANCE_TOLERANCE_K)))


#: The statements the functions below run. SQL text is kept in module constants, like TABLES_SQL
#: and VIEWS_SQL: mutmut mutates only code inside functions, so it does not plant letter-case
#: changes in SQL (DuckDB reads keywords and names in any case, so no test could tell); what
#: the statements do is tested by running them (tests/test_schema.py). See docs/TESTING.md.
_COUNT_VERSIONS_SQL = "SELECT count(*) FROM schema_info"
_INSERT_VERSION_SQL = "INSERT INTO schema_info VALUES (?)"
_OLDEST_VERSION_SQL = "SELECT min(version) FROM schema_info"
_RAISE_VERSION_SQL = "UPDATE schema_info SET version = ? WHERE version < ?"
_CLEAR_RAG_SQL = "DELETE FROM rag_lookup"
_FILL_RAG_SQL = "INSERT INTO rag_lookup VALUES (?, ?, ?)"
_CLEAR_GRADES_SQL = "DELETE FROM grade_lookup"
_FILL_GRADES_SQL = "INSERT INTO grade_lookup VALUES (?, ?)"
_CLEAR_CHANGE_UNITS_SQL = "DELETE FROM change_unit_lookup"
_FILL_CHANGE_UNITS_SQL = "INSERT INTO change_unit_lookup VALUES (?, ?)"


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create tables, lookups and views if missing; refresh lookups and views from `domain`."""
    con.execute(TABLES_SQL)
    if con.execute(_COUNT_VERSIONS_SQL).fetchone()[0] == 0:
        con.execute(_INSERT_VERSION_SQL, [SCHEMA_VERSION])
    if con.execute(_OLDEST_VERSION_SQL).fetchone()[0] < SCHEMA_VERSION:
        _drop_series_key(con)
        _add_audit_columns(con)
        _add_exception_columns(con)
        con.execute(_RAISE_VERSION_SQL, [SCHEMA_VERSION] * 2)
    create_history_tables(con)
    con.execute(_CLEAR_RAG_SQL)
    con.executemany(
        _FILL_RAG_SQL,
        [[s.code, s.label, s.order] for s in domain.RAG_STATUSES],
    )
    con.execute(_CLEAR_GRADES_SQL)
    con.executemany(
        _FILL_GRADES_SQL,
        [[g, domain.grade_score(g)] for g in domain.GRADES],
    )
    con.execute(_CLEAR_CHANGE_UNITS_SQL)
    con.executemany(_FILL_CHANGE_UNITS_SQL, list(domain.CHANGE_UNIT.items()))
    con.execute(VIEWS_SQL)


#: Columns added to `load_log` at schema 3; rows logged before then keep NULL (not recorded).
AUDIT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("loaded_by", "VARCHAR"), ("load_source", "VARCHAR"), ("restored_load_id", "INTEGER"))


def _add_audit_columns(con: duckdb.DuckDBPyConnection) -> None:
    for name, sql_type in AUDIT_COLUMNS:
        con.execute(f"ALTER TABLE load_log ADD COLUMN IF NOT EXISTS {name} {sql_type}")


#: Columns added to `measures` at schema 4; rows loaded before then keep NULL (the exception
#: tables then show the headline trend and comment, as before).
EXCEPTION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("exception_trend_text", "VARCHAR"), ("exception_trend_value", "DOUBLE"),
    ("exception_trend_unit", "VARCHAR"), ("exception_trend_decimals", "INTEGER"),
    ("exception_comment", "VARCHAR"))


def _add_exception_columns(con: duckdb.DuckDBPyConnection) -> None:
    for name, sql_type in EXCEPTION_COLUMNS:
        con.execute(f"ALTER TABLE measures ADD COLUMN IF NOT EXISTS {name} {sql_type}")


def _series_table_sql() -> str:
    start = TABLES_SQL.index("CREATE TABLE IF NOT EXISTS series (")
    return TABLES_SQL[start:TABLES_SQL.index(";", start)]


#: `_drop_series_key`'s statements, kept here for the same reason as those of `create_schema`.
_SERIES_KEY_SQL = ("SELECT count(*) FROM duckdb_constraints() WHERE schema_name = 'main' "
                   "AND table_name = 'series' AND constraint_type = 'PRIMARY KEY'")
_DROP_UNKEYED_SQL = "DROP TABLE IF EXISTS series_unkeyed"
_COPY_SERIES_SQL = "INSERT INTO series_unkeyed BY NAME SELECT * FROM series"
_DROP_SERIES_SQL = "DROP TABLE series"
_RENAME_UNKEYED_SQL = "ALTER TABLE series_unkeyed RENAME TO series"


def _drop_series_key(con: duckdb.DuckDBPyConnection) -> None:
    """A database made at schema version 1 has a PRIMARY KEY on `series`; DuckDB cannot drop
    one, so the table is rebuilt without it, rows and all. Loads write to a staged copy, so
    this happens there and the live file changes only when the load succeeds."""
    if not con.execute(_SERIES_KEY_SQL).fetchone()[0]:
        return
    con.execute(_DROP_UNKEYED_SQL)
    con.execute(_series_table_sql().replace("IF NOT EXISTS series", "series_unkeyed"))
    con.execute(_COPY_SERIES_SQL)
    con.execute(_DROP_SERIES_SQL)
    con.execute(_RENAME_UNKEYED_SQL)
