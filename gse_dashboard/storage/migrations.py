"""The schema, as sqlite-utils migrations: small functions named for what they do, applied in order.

Once landed a migration is never edited or renamed, only followed by a new one appended at the
end: a database records each applied migration by its set ("gse_dashboard") and function name
in `_sqlite_migrations`, so a renamed one would run again. `store.migrate` applies them.
"""

from __future__ import annotations

import sqlite3

import sqlite_utils
from sqlite_utils.migrations import Migrations

from ..strategy.vocabulary import ACTION_STATUSES, RATINGS, RISK_LEVELS, RISK_STATUSES, STATUSES
from .errors import StoreError

# The set's name is what every database has recorded its migrations under: never change it.
# Each migration runs in a transaction with the record of it having been applied.
MIGRATIONS = Migrations("gse_dashboard")


def migration_names() -> list[str]:
    """The names of every migration, in the order they apply (what a database records once applied)."""
    return [m.name for m in MIGRATIONS._migrations]

_RATING_LIST = ", ".join(f"'{r}'" for r in RATINGS)
_STATUS_LIST = ", ".join(f"'{s}'" for s in STATUSES)

# Columns every recorded fact carries: when it was known, who recorded it, which import
# brought it, what it corrected, and whether it belongs to the illustrative history.
_RECORDED = """
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    batch_id INTEGER REFERENCES import_batches(id),
    illustrative INTEGER NOT NULL DEFAULT 0 CHECK (illustrative IN (0, 1))
"""
# Append-only facts that a later correction replaces: the replaced row keeps its values and
# gets superseded_at; the correction points back at it with revision_of.
_VERSIONED = """
    superseded_at TEXT,
    revision_of INTEGER,
""" + _RECORDED


@MIGRATIONS()
def m001_create_strategy_and_history(db: sqlite_utils.Database) -> None:
    """Every table the product needs: strategy, history, indicators, meetings, audit."""
    db.executescript(f"""
    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    INSERT INTO meta (key, value) VALUES ('revision', '0');

    CREATE TABLE workstreams (
        number INTEGER PRIMARY KEY CHECK (number BETWEEN 1 AND 99),
        name TEXT NOT NULL UNIQUE,
        aspiration TEXT NOT NULL,
        challenges TEXT NOT NULL,
        strategy_ref TEXT NOT NULL
    );

    CREATE TABLE commitments (
        ref TEXT PRIMARY KEY,
        workstream INTEGER NOT NULL REFERENCES workstreams(number),
        horizon TEXT NOT NULL CHECK (horizon IN ('short', 'medium', 'long')),
        seq INTEGER NOT NULL CHECK (seq >= 1),
        title TEXT NOT NULL,
        description TEXT NOT NULL,
        due_date TEXT NOT NULL,
        owner TEXT NOT NULL,
        strategy_ref TEXT NOT NULL,
        UNIQUE (workstream, horizon, seq)
    );

    CREATE TABLE import_batches (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        filename TEXT NOT NULL,
        sha256 TEXT NOT NULL DEFAULT '',
        row_count INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        undone_at TEXT,
        undone_by TEXT
    );

    -- A changed due date or owner; the commitments row keeps what the strategy said.
    CREATE TABLE commitment_changes (
        id INTEGER PRIMARY KEY,
        ref TEXT NOT NULL REFERENCES commitments(ref),
        due_date TEXT NOT NULL,
        owner TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        {_RECORDED}
    );
    CREATE INDEX commitment_changes_ref ON commitment_changes (ref, recorded_at);

    CREATE TABLE progress_updates (
        id INTEGER PRIMARY KEY,
        ref TEXT NOT NULL REFERENCES commitments(ref),
        as_of TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ({_STATUS_LIST})),
        rating TEXT NOT NULL CHECK (rating IN ({_RATING_LIST})),
        board_rating TEXT CHECK (board_rating IS NULL OR board_rating IN ({_RATING_LIST})),
        percent_complete REAL NOT NULL CHECK (percent_complete BETWEEN 0 AND 100),
        commentary TEXT NOT NULL DEFAULT '',
        evidence_url TEXT,
        {_VERSIONED},
        FOREIGN KEY (revision_of) REFERENCES progress_updates(id)
    );
    CREATE INDEX progress_updates_ref ON progress_updates (ref, as_of, recorded_at);
    CREATE INDEX progress_updates_known ON progress_updates (recorded_at, superseded_at);
    CREATE UNIQUE INDEX progress_updates_current
        ON progress_updates (ref, as_of) WHERE superseded_at IS NULL;

    CREATE TABLE indicators (
        code TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        category TEXT NOT NULL CHECK (category IN ('membership', 'diversity', 'workstream')),
        unit TEXT NOT NULL CHECK (unit IN ('count', 'percent')),
        workstream INTEGER REFERENCES workstreams(number),
        characteristic TEXT,
        people_count INTEGER NOT NULL DEFAULT 1 CHECK (people_count IN (0, 1)),
        frequency TEXT NOT NULL,
        description TEXT NOT NULL
    );

    CREATE TABLE observations (
        id INTEGER PRIMARY KEY,
        indicator TEXT NOT NULL REFERENCES indicators(code),
        period TEXT NOT NULL,
        population TEXT NOT NULL CHECK (population IN ('GSE', 'Civil Service')),
        department TEXT NOT NULL DEFAULT 'All',
        grade TEXT NOT NULL DEFAULT 'All',
        role_type TEXT NOT NULL DEFAULT 'All',
        value REAL NOT NULL CHECK (value >= 0),
        numerator INTEGER CHECK (numerator IS NULL OR numerator >= 0),
        denominator INTEGER CHECK (denominator IS NULL OR denominator >= 0),
        declaration_rate REAL CHECK (declaration_rate IS NULL OR declaration_rate BETWEEN 0 AND 100),
        qualifier TEXT NOT NULL DEFAULT '',
        provisional INTEGER NOT NULL DEFAULT 0 CHECK (provisional IN (0, 1)),
        source TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        {_VERSIONED},
        FOREIGN KEY (revision_of) REFERENCES observations(id),
        CHECK (numerator IS NULL OR denominator IS NULL OR numerator <= denominator)
    );
    CREATE INDEX observations_series
        ON observations (indicator, population, period, department, grade, role_type);
    CREATE UNIQUE INDEX observations_current
        ON observations (indicator, population, period, department, grade, role_type)
        WHERE superseded_at IS NULL;

    CREATE TABLE targets (
        id INTEGER PRIMARY KEY,
        indicator TEXT NOT NULL REFERENCES indicators(code),
        period TEXT NOT NULL,
        population TEXT NOT NULL DEFAULT 'GSE' CHECK (population IN ('GSE', 'Civil Service')),
        value REAL NOT NULL,
        source TEXT NOT NULL,
        {_VERSIONED},
        FOREIGN KEY (revision_of) REFERENCES targets(id)
    );
    CREATE UNIQUE INDEX targets_current
        ON targets (indicator, population, period) WHERE superseded_at IS NULL;

    CREATE TABLE board_meetings (
        id INTEGER PRIMARY KEY,
        date TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        {_RECORDED}
    );

    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        table_name TEXT NOT NULL,
        row_key TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '{{}}',
        batch_id INTEGER REFERENCES import_batches(id)
    );
    CREATE INDEX audit_log_at ON audit_log (at);

    CREATE TABLE saved_views (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        state TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    """)


@MIGRATIONS()
def m002_mark_illustrative_commitments(db: sqlite_utils.Database) -> None:
    """Commitments can be illustrative too (the scale benchmark's extra ones); the strategy's are not."""
    db.execute("ALTER TABLE commitments ADD COLUMN illustrative INTEGER NOT NULL DEFAULT 0 "
               "CHECK (illustrative IN (0, 1))")


@MIGRATIONS()
def m003_indexes_for_as_at_queries(db: sqlite_utils.Database) -> None:
    """Covering indexes for the as-at queries, so a page's cost does not grow with the years of history.

    progress_updates_latest: a commitment's newest known update is a short walk down the index.
    observations_cells: one breakdown's series (or a department's cells) without reading the rest.
    observations_period, observations_recorded, progress_updates_as_of: the latest date in the data.
    """
    db.executescript("""
    CREATE INDEX progress_updates_latest
        ON progress_updates (ref, as_of, recorded_at, id, superseded_at);
    CREATE INDEX observations_cells
        ON observations (indicator, population, department, grade, role_type, period, recorded_at, superseded_at);
    CREATE INDEX observations_period ON observations (period);
    CREATE INDEX observations_recorded ON observations (recorded_at);
    CREATE INDEX progress_updates_as_of ON progress_updates (as_of);
    ANALYZE;
    """)


@MIGRATIONS()
def m004_saved_queries(db: sqlite_utils.Database) -> None:
    """Named read-only SQL queries that editors save in the SQL box, with how to chart their result."""
    db.executescript("""
    CREATE TABLE saved_queries (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        sql TEXT NOT NULL,
        chart TEXT NOT NULL DEFAULT '{}',
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    """)


# The commitments the strategy words as carrying on with no end ("continue to", "monitor",
# "manage and maintain"), as data/commitments.csv marks them; a database built before this
# migration learns them here, a new one from the file.
_CONTINUING_REFS = ("WS1-L1", "WS2-S2", "WS5-S3", "WS5-M1", "WS6-L1", "WS9-S3", "WS9-L1")


# Not in the migration runner's transaction: a parent table is rebuilt the way SQLite documents
# (foreign keys off, one transaction, foreign_key_check before commit), and it can be re-run.
@MIGRATIONS(transactional=False)
def m005_indicative_dates_continuing_commitments_assigned_owners(db: sqlite_utils.Database) -> None:
    """Timescales and owners as the strategy states them.

    commitments: `due_date` is the indicative date derived from the horizon, NULL for a
    continuing commitment (`continuing` = 1); the per-commitment `owner` goes, because the
    strategy names none (the Profession Board is responsible for delivery, the GCSA is SRO).
    commitment_changes: each row says what it sets (`sets_due_date`, `sets_owner`), so a date a
    user set and an owner the GSE team assigned each carry who recorded them and when. Earlier
    rows are read against the values they replaced: only a real change counts as set.
    """
    if "continuing" in db["commitments"].columns_dict:
        return
    conn = db.conn
    foreign_keys = conn.execute("PRAGMA foreign_keys").fetchone()[0]
    conn.execute("PRAGMA foreign_keys = OFF")
    try:
        conn.execute("BEGIN IMMEDIATE")
        _rebuild_commitments_for_timescales(conn)
        broken = conn.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise StoreError(f"rebuilding commitments would break {len(broken)} reference(s): {broken[:3]}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.execute(f"PRAGMA foreign_keys = {int(foreign_keys)}")


def _rebuild_commitments_for_timescales(conn: sqlite3.Connection) -> None:
    """The body of m005, inside its transaction: new commitments and commitment_changes tables."""
    old = {ref: (due, owner) for ref, due, owner in conn.execute("SELECT ref, due_date, owner FROM commitments")}
    marks = ", ".join("?" for _ in _CONTINUING_REFS)
    conn.execute("""
    CREATE TABLE commitments_new (
        ref TEXT PRIMARY KEY,
        workstream INTEGER NOT NULL REFERENCES workstreams(number),
        horizon TEXT NOT NULL CHECK (horizon IN ('short', 'medium', 'long')),
        seq INTEGER NOT NULL CHECK (seq >= 1),
        title TEXT NOT NULL,
        description TEXT NOT NULL,
        continuing INTEGER NOT NULL DEFAULT 0 CHECK (continuing IN (0, 1)),
        due_date TEXT,
        strategy_ref TEXT NOT NULL,
        illustrative INTEGER NOT NULL DEFAULT 0 CHECK (illustrative IN (0, 1)),
        UNIQUE (workstream, horizon, seq),
        CHECK ((continuing = 1) = (due_date IS NULL))
    )""")
    conn.execute(f"""
    INSERT INTO commitments_new (ref, workstream, horizon, seq, title, description, continuing, due_date,
                                 strategy_ref, illustrative)
    SELECT ref, workstream, horizon, seq, title, description,
           ref IN ({marks}) AND illustrative = 0,
           CASE WHEN ref IN ({marks}) AND illustrative = 0 THEN NULL ELSE due_date END,
           strategy_ref, illustrative
    FROM commitments""", [*_CONTINUING_REFS, *_CONTINUING_REFS])
    rows = conn.execute("SELECT id, ref, due_date, owner, reason, recorded_at, recorded_by, batch_id, illustrative "
                        "FROM commitment_changes ORDER BY ref, recorded_at, id").fetchall()
    conn.execute(f"""
    CREATE TABLE commitment_changes_new (
        id INTEGER PRIMARY KEY,
        ref TEXT NOT NULL REFERENCES commitments(ref),
        sets_due_date INTEGER NOT NULL DEFAULT 0 CHECK (sets_due_date IN (0, 1)),
        due_date TEXT,
        sets_owner INTEGER NOT NULL DEFAULT 0 CHECK (sets_owner IN (0, 1)),
        owner TEXT,
        reason TEXT NOT NULL DEFAULT '',
        {_RECORDED},
        CHECK (sets_due_date = 1 OR due_date IS NULL),
        CHECK (sets_owner = 1 OR owner IS NULL)
    )""")
    state: dict[str, tuple[str, str]] = {}
    for row_id, ref, due, owner, reason, recorded_at, recorded_by, batch_id, illustrative in rows:
        before_due, before_owner = state.get(ref, old[ref])
        sets_due, sets_owner = int(due != before_due), int(owner != before_owner)
        state[ref] = (due, owner)
        conn.execute(
            "INSERT INTO commitment_changes_new (id, ref, sets_due_date, due_date, sets_owner, owner, reason, "
            "recorded_at, recorded_by, batch_id, illustrative) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [row_id, ref, sets_due, due if sets_due else None, sets_owner, owner if sets_owner else None,
             reason, recorded_at, recorded_by, batch_id, illustrative])
    conn.execute("DROP TABLE commitment_changes")
    conn.execute("DROP TABLE commitments")
    conn.execute("ALTER TABLE commitments_new RENAME TO commitments")
    conn.execute("ALTER TABLE commitment_changes_new RENAME TO commitment_changes")
    conn.execute("CREATE INDEX commitment_changes_ref ON commitment_changes (ref, recorded_at)")


# The SQL that marks complete, at the moment its last cell arrived, every period whose cells are
# all in (one per indicator, population and period); used by the migration below for databases
# built before the mark existed, and by the illustrative history.
MARK_COMPLETE_FROM_CELLS = """
    INSERT INTO period_returns (indicator, population, period, recorded_at, recorded_by, illustrative)
    SELECT indicator, population, period, MAX(first_recorded), :recorded_by, MAX(illustrative)
    FROM (
        SELECT indicator, population, period, department, grade, role_type,
               MIN(recorded_at) AS first_recorded, MAX(illustrative) AS illustrative
        FROM observations
        WHERE department != 'All' AND grade != 'All' AND role_type != 'All'
        GROUP BY indicator, population, period, department, grade, role_type
    ) AS cells
    WHERE NOT EXISTS (SELECT 1 FROM period_returns r WHERE r.indicator = cells.indicator
                      AND r.population = cells.population AND r.period = cells.period)
    GROUP BY indicator, population, period
"""


@MIGRATIONS()
def m006_period_returns_complete(db: sqlite_utils.Database) -> None:
    """When each period's return of cells (department × grade × role type) was known to be complete.

    Until a period is complete its cells are not shown, nor any total summed from them: a total
    of whatever cells happen to be in on a day is wrong, and two such days differ by the cells
    that came in between. An import marks the periods of its cells complete, unless loaded in
    parts; then an explicit mark does. Existing periods are marked complete when their last
    cell was first recorded.
    """
    db.executescript("""
    CREATE TABLE period_returns (
        id INTEGER PRIMARY KEY,
        indicator TEXT NOT NULL REFERENCES indicators(code),
        population TEXT NOT NULL CHECK (population IN ('GSE', 'Civil Service')),
        period TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        recorded_by TEXT NOT NULL,
        batch_id INTEGER REFERENCES import_batches(id),
        illustrative INTEGER NOT NULL DEFAULT 0 CHECK (illustrative IN (0, 1))
    );
    CREATE INDEX period_returns_lookup ON period_returns (indicator, population, period, recorded_at);
    """)
    db.conn.execute(MARK_COMPLETE_FROM_CELLS, {"recorded_by": "Marked complete when the database was upgraded"})


@MIGRATIONS()
def m007_official_statistics(db: sqlite_utils.Database) -> None:
    """Every published cell of Civil Service Statistics for the profession and the Civil Service.

    `[c]` (suppressed by the publisher) is stored as suppressed = 1 with no value, never as 0.
    Versioned like observations: a later release revising a cell supersedes it (revision_of).
    """
    db.executescript(f"""
    CREATE TABLE official_cells (
        id INTEGER PRIMARY KEY,
        profession TEXT NOT NULL,
        shape TEXT NOT NULL,
        status TEXT NOT NULL,
        year INTEGER NOT NULL,
        dimensions TEXT NOT NULL,
        measure TEXT NOT NULL,
        value REAL,
        suppressed INTEGER NOT NULL CHECK (suppressed IN (0, 1)),
        population TEXT NOT NULL CHECK (population IN ('GSE', 'Civil Service')),
        source TEXT NOT NULL,
        filename TEXT NOT NULL DEFAULT '',
        {_VERSIONED},
        FOREIGN KEY (revision_of) REFERENCES official_cells(id),
        CHECK ((suppressed = 1 AND value IS NULL) OR (suppressed = 0 AND value IS NOT NULL))
    );
    CREATE UNIQUE INDEX official_cells_current
        ON official_cells (profession, shape, status, year, dimensions, measure) WHERE superseded_at IS NULL;
    CREATE INDEX official_cells_table ON official_cells (population, shape, measure, status, year);
    CREATE INDEX official_cells_batch ON official_cells (batch_id);
    """)


@MIGRATIONS()
def m008_board_ratings_actions_and_risks(db: sqlite_utils.Database) -> None:
    """The Board's own judgements, bitemporal like the progress updates.

    workstream_ratings: a workstream's delivery confidence as the Board judged it at a meeting,
    with the rationale. board_actions: what a Board asked for, its owner and due date, and its
    state as of a date. risks: a short register per workstream, each risk's state as of a date.
    A second row for the same key and date is a correction: the first is kept and superseded.
    """
    actions = ", ".join(f"'{s}'" for s in ACTION_STATUSES)
    levels = ", ".join(f"'{s}'" for s in RISK_LEVELS)
    risk_statuses = ", ".join(f"'{s}'" for s in RISK_STATUSES)
    db.executescript(f"""
    CREATE TABLE workstream_ratings (
        id INTEGER PRIMARY KEY,
        workstream INTEGER NOT NULL REFERENCES workstreams(number),
        board_date TEXT NOT NULL,
        rating TEXT NOT NULL CHECK (rating IN ({_RATING_LIST})),
        rationale TEXT NOT NULL CHECK (length(trim(rationale)) > 0),
        {_VERSIONED},
        FOREIGN KEY (revision_of) REFERENCES workstream_ratings(id)
    );
    CREATE INDEX workstream_ratings_known ON workstream_ratings (workstream, board_date, recorded_at);
    CREATE UNIQUE INDEX workstream_ratings_current
        ON workstream_ratings (workstream, board_date) WHERE superseded_at IS NULL;

    CREATE TABLE board_actions (
        id INTEGER PRIMARY KEY,
        ref TEXT NOT NULL,
        as_of TEXT NOT NULL,
        board_date TEXT NOT NULL,
        workstream INTEGER REFERENCES workstreams(number),
        action TEXT NOT NULL,
        owner TEXT NOT NULL,
        due_date TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ({actions})),
        note TEXT NOT NULL DEFAULT '',
        {_VERSIONED},
        FOREIGN KEY (revision_of) REFERENCES board_actions(id)
    );
    CREATE INDEX board_actions_known ON board_actions (ref, as_of, recorded_at);
    CREATE UNIQUE INDEX board_actions_current ON board_actions (ref, as_of) WHERE superseded_at IS NULL;

    CREATE TABLE risks (
        id INTEGER PRIMARY KEY,
        ref TEXT NOT NULL,
        as_of TEXT NOT NULL,
        workstream INTEGER NOT NULL REFERENCES workstreams(number),
        risk TEXT NOT NULL,
        owner TEXT NOT NULL,
        likelihood TEXT NOT NULL CHECK (likelihood IN ({levels})),
        impact TEXT NOT NULL CHECK (impact IN ({levels})),
        mitigation TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL CHECK (status IN ({risk_statuses})),
        {_VERSIONED},
        FOREIGN KEY (revision_of) REFERENCES risks(id)
    );
    CREATE INDEX risks_known ON risks (ref, as_of, recorded_at);
    CREATE UNIQUE INDEX risks_current ON risks (ref, as_of) WHERE superseded_at IS NULL;
    """)


@MIGRATIONS()
def m009_forecast_dates_on_progress_updates(db: sqlite_utils.Database) -> None:
    """An owner's forecast of when a commitment will be delivered, given with a progress update (optional)."""
    db.execute("ALTER TABLE progress_updates ADD COLUMN forecast_date TEXT")


@MIGRATIONS()
def m010_protected_tables(db: sqlite_utils.Database) -> None:
    """Each period's protected master table, kept so it is protected once per content (protection_store.py).

    Derived data, not a record: found by a hash of the period's cells, the threshold and the
    protection code, so a changed cell is simply another row; no figure is stored that the cells
    do not hold, and writing a row does not change the revision.
    """
    db.executescript("""
    CREATE TABLE protected_tables (
        fingerprint TEXT PRIMARY KEY,
        protected_at TEXT NOT NULL,
        contents BLOB NOT NULL
    );
    """)


# Versioned tables: a correction's revision_of points at the row it replaced, and undoing an import
# deletes that batch's rows from them one by one.
_VERSIONED_TABLES = ("progress_updates", "observations", "targets", "official_cells", "workstream_ratings",
                     "board_actions", "risks")


@MIGRATIONS()
def m011_indexes_for_undo(db: sqlite_utils.Database) -> None:
    """Indexes on the columns undoing an import searches, so an undo costs its rows, not its rows × the table.

    revision_of on every versioned table: with foreign keys on, deleting a row makes SQLite look for
    rows whose revision_of points at it, a whole-table scan for each deleted row without an index
    (a 150,000-row batch took over half an hour holding the write lock). batch_id on every table
    that records one (official_cells already has it): an undo reads a batch's rows by it, a board
    meetings undo reads the audit log by it.
    """
    indexes = {f"{table}_revision_of": (table, "revision_of") for table in _VERSIONED_TABLES}
    recording = _VERSIONED_TABLES + ("commitment_changes", "period_returns", "board_meetings", "audit_log")
    indexes.update({f"{table}_batch": (table, "batch_id") for table in recording if table != "official_cells"})
    for name, (table, column) in indexes.items():
        db.execute(f"CREATE INDEX {name} ON {table} ({column})")
        db.execute(f"ANALYZE {name}")


@MIGRATIONS()
def m012_continue_to_commitments_are_continuing(db: sqlite_utils.Database) -> None:
    """WS1-S3 and WS1-S5 begin "Continue to", like the seven already marked continuing: no date, never past it.

    Only where no one has set a date for them (a set date is the GSE team's decision and stays).
    """
    db.execute("""
        UPDATE commitments SET continuing = 1, due_date = NULL
        WHERE ref IN ('WS1-S3', 'WS1-S5') AND continuing = 0
          AND NOT EXISTS (SELECT 1 FROM commitment_changes c WHERE c.ref = commitments.ref AND c.sets_due_date = 1)
    """)
