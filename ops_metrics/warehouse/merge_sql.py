"""The stage-and-merge SQL, shared by every backend (each supplies its dialect's type names).

The skeleton that runs it is `base.StageAndMergeWarehouse.merge`; backends supply hooks only.

Within one load, the stage is deduplicated to the newest version of each key (the same record on
two pages), and among equal versions to the one staged last (`STAGED_SEQ`, the order rows were
fetched in): the same rule that lets a later load's equal version replace an earlier load's, so a
load merged at once, in chunks (warehouse/chunks.py) or over several runs ends alike. The merge
then inserts new keys and updates a key only when the incoming version is newer or equal AND
something changed: a stale version never overwrites a newer one, and
re-running the same data leaves the table exactly as it was, load columns included.

`_loaded_at` is the WAREHOUSE's time of the merge (`now`, a SQL expression per backend), written on
inserted and changed rows only: dbt's incremental models read what was loaded since their own
newest `_loaded_at`, so the stamp must come from one clock (the warehouse's, not each loader's)
and be taken when the rows become visible, not when a long load started staging them.
"""

from __future__ import annotations

from ops_metrics.warehouse.table import TableSpec

LOADED_AT = "_loaded_at"
# The stage's own column (never the target's): a row's position in the load, 0, 1, 2, ...
STAGED_SEQ = "_staged_seq"


def on_keys(spec: TableSpec) -> str:
    """The join of target `t` to stage `s` on the primary key: the one ON clause of every merge."""
    return " and ".join(f"t.{k} = s.{k}" for k in spec.primary_key)


def changed(spec: TableSpec, json_cmp: str = "{0}") -> str:
    # The version column alone moving (a re-pull of identical data) is not a change worth a write.
    skip = {*spec.primary_key, spec.version_column}
    cols = [c for c in spec.columns if c.name not in skip]
    parts = []
    for c in cols:
        left = json_cmp.format(f"s.{c.name}") if c.type == "json" else f"s.{c.name}"
        right = json_cmp.format(f"t.{c.name}") if c.type == "json" else f"t.{c.name}"
        parts.append(f"{left} is distinct from {right}")
    return " or ".join(parts) or "false"


def dedup_stage(spec: TableSpec, stage: str, deduped: str, json_parse: str = "{0}") -> str:
    """`json_parse` turns a staged json column into the target's type (Snowflake stages JSON as
    text and needs `parse_json({0})`); by default the stage already holds the target's types."""
    keys = ", ".join(spec.primary_key)
    columns = ", ".join(
        f"{json_parse.format(c.name)} as {c.name}" if c.type == "json" else c.name
        for c in spec.all_columns
    )
    return (
        f"create or replace temporary table {deduped} as select {columns} from {stage} "
        f"qualify row_number() over (partition by {keys} "
        f"order by {spec.version_column} desc, {STAGED_SEQ} desc) = 1"
    )


def classify(spec: TableSpec, staged: str, json_cmp: str = "{0}", target: str | None = None) -> str:
    """Counts of what the merge is about to do: inserted, updated, unchanged, stale.

    `target` replaces the target table with a relation holding (at least) every target row whose
    key is staged, e.g. DuckDB's key-matched temp table: the counts are the same, and the join no
    longer scans the whole target."""
    v = spec.version_column
    first_key = spec.primary_key[0]
    return f"""
        select
            count_if(t.{first_key} is null),
            count_if(t.{first_key} is not null and s.{v} >= t.{v} and ({changed(spec, json_cmp)})),
            count_if(t.{first_key} is not null and s.{v} >= t.{v} and not ({changed(spec, json_cmp)})),
            count_if(t.{first_key} is not null and s.{v} < t.{v})
        from {staged} s left join {target or spec.qualified} t on {on_keys(spec)}
    """


def staged_value(name: str, now: str, alias: str = "s") -> str:
    """What the merge writes into column `name`: the staged row's (`alias`) value, or `now` for
    `_loaded_at`."""
    return now if name == LOADED_AT else f"{alias}.{name}"


def merge(spec: TableSpec, staged: str, now: str, json_cmp: str = "{0}") -> str:
    names = [c.name for c in spec.all_columns]
    updatable = [n for n in names if n not in spec.primary_key]
    v = spec.version_column
    return f"""
        merge into {spec.qualified} t using {staged} s on {on_keys(spec)}
        when matched and s.{v} >= t.{v} and ({changed(spec, json_cmp)}) then update set
            {", ".join(f"{n} = {staged_value(n, now)}" for n in updatable)}
        when not matched then insert ({", ".join(names)})
            values ({", ".join(staged_value(n, now) for n in names)})
    """
