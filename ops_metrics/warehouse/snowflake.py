"""The Snowflake backend of stage-and-merge: the same contract as the DuckDB one.

Slow to import (dagster-snowflake pulls in Snowpark): only `definitions.warehouse_resource`
imports this module, and only when OPS_METRICS_TARGET=snowflake.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar

import pandas as pd
import pyarrow as pa
import snowflake.connector.pandas_tools as pandas_tools
from dagster_snowflake import SnowflakeResource
from pydantic import Field
from snowflake.connector import SnowflakeConnection
from snowflake.connector.cursor import SnowflakeCursor

from ops_metrics.warehouse import merge_sql, snowflake_config
from ops_metrics.warehouse.base import StageAndMergeWarehouse
from ops_metrics.warehouse.table import MergeResult, TableSpec

_TYPES = {
    "varchar": "varchar",
    # TIMESTAMP maps to whatever the account's TIMESTAMP_TYPE_MAPPING says; the contract is NTZ.
    "timestamp": "timestamp_ntz",
    "date": "date",
    "double": "double",
    "bigint": "bigint",
    "boolean": "boolean",
    "json": "variant",
}
# write_pandas loads Parquet; a VARIANT column would take the JSON text as a string, so the stage
# holds text and the dedup step parses it.
_STAGE_TYPES = {**_TYPES, "json": "varchar"}
# Nullable pandas dtypes: the default conversion would turn an int column with a NULL into floats.
_PANDAS = {pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}
# VARIANT equality depends on how a value was built; TO_JSON is canonical (sorted keys).
JSON_CMP = "to_json({0})"
JSON_PARSE = "parse_json({0})"
# The merge statement's time on Snowflake's clock, as UTC TIMESTAMP_NTZ (the project's convention):
# `_loaded_at` of the rows it inserts or changes (merge_sql).
NOW = "cast(convert_timezone('UTC', current_timestamp()) as timestamp_ntz)"


class SnowflakeWarehouse(StageAndMergeWarehouse):
    """Snowflake through dagster-snowflake's `SnowflakeResource`: one connection per call.

    `query` binds `params` in the resource's paramstyle; `snowflake_warehouse_from_env` sets
    qmark, so `?` placeholders work as they do with DuckDB.
    """

    snowflake: SnowflakeResource
    TYPES: ClassVar[dict[str, str]] = _TYPES
    NOW: ClassVar[str] = NOW
    JSON_CMP: ClassVar[str] = JSON_CMP
    JSON_PARSE: ClassVar[str] = JSON_PARSE
    BEGIN: ClassVar[str] = "begin"

    emulator: bool = Field(
        default=False,
        description=(
            "Target is the fakesnow emulator: switches on the shims `_emulated_stage` and "
            "`_emulated_merge`. The SQL sent to a real Snowflake never depends on it."
        ),
    )

    @contextmanager
    def connect(self) -> Iterator[SnowflakeConnection]:
        with self.snowflake.get_connection() as conn:
            try:
                yield conn
            except BaseException:
                # get_connection closes only on success; closing here ends the session, which
                # drops its temporary stage tables and rolls back anything still open.
                conn.close()
                raise

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        with self.connect() as conn, conn.cursor() as cur:
            cur.execute(sql, params)
            return [tuple(row) for row in cur.fetchall()]

    @contextmanager
    def _session(self) -> Iterator[_Session]:
        with self.connect() as conn, conn.cursor() as cur:
            yield _Session(conn, cur)

    def _stored_name(self, name: str) -> str:
        # Unquoted identifiers are stored upper-case.
        return name.upper()

    def _create_stage(self, cur: _Session, spec: TableSpec, stage: str) -> None:
        # Temporary tables live in the session's schema: naming them unqualified after USE
        # SCHEMA works on Snowflake and on fakesnow (which cannot create `raw.tmp` temps).
        cur.execute(f"use schema {spec.schema}")
        cols = ", ".join(f"{c.name} {_STAGE_TYPES[c.type]}" for c in spec.all_columns)
        cur.execute(
            f"create or replace temporary table {stage} ({cols}, {merge_sql.STAGED_SEQ} bigint)"
        )

    def _stage_rows(self, cur: _Session, spec: TableSpec, stage: str, batch: pa.Table) -> None:
        if self.emulator:
            # Arrow gives back the normalised values (UTC timestamps without zone, dates, None).
            _emulated_stage(cur.cursor, spec, stage, batch.to_pylist(), self.snowflake.paramstyle)
        else:
            # Looked up at call time so fakesnow.patch() can replace it.
            pandas_tools.write_pandas(
                cur.conn,
                _pandas(batch),
                stage,
                quote_identifiers=False,
                use_logical_type=True,
            )

    def _write_statements(
        self, spec: TableSpec, deduped: str, matched: str | None, result: MergeResult
    ) -> list[str]:
        if not (result.inserted or result.updated):
            return []
        return self._merge_statements(spec, deduped)

    def _merge_statements(self, spec: TableSpec, staged: str) -> list[str]:
        if self.emulator:
            return _emulated_merge(spec, staged)
        return [merge_sql.merge(spec, staged, NOW, json_cmp=JSON_CMP)]


@dataclass
class _Session:
    """A load's connection (write_pandas needs it) and the cursor the skeleton executes on."""

    conn: SnowflakeConnection
    cursor: SnowflakeCursor

    def execute(self, sql: str, params: Any = None) -> SnowflakeCursor | None:
        return self.cursor.execute(sql, params)


def _emulated_merge(spec: TableSpec, staged: str) -> list[str]:
    """EMULATOR SHIM (fakesnow 0.12), used only when `emulator=True`.

    fakesnow runs MERGE as a CREATE TEMPORARY TABLE ... AS plus DML and records the new table's
    metadata in its `_fs_global` DuckDB database; inside an explicit transaction DuckDB refuses a
    write to a second database ("a single transaction can only write to a single attached
    database"), so MERGE cannot run between BEGIN and COMMIT. This pair of statements has the same
    effect as `merge_sql.merge` (update changed rows at an equal or newer version, then insert new
    keys) and is plain DML, so the transaction and its rollback stay testable on the emulator.
    """
    names = [c.name for c in spec.all_columns]
    updatable = [n for n in names if n not in spec.primary_key]
    on = merge_sql.on_keys(spec)
    v = spec.version_column
    changed = merge_sql.changed(spec, JSON_CMP)
    return [
        f"update {spec.qualified} t "
        f"set {', '.join(f'{n} = {merge_sql.staged_value(n, NOW)}' for n in updatable)} "
        f"from {staged} s where {on} and s.{v} >= t.{v} and ({changed})",
        f"insert into {spec.qualified} ({', '.join(names)}) "
        f"select {', '.join(merge_sql.staged_value(n, NOW) for n in names)} from {staged} s "
        f"where not exists (select 1 from {spec.qualified} t where {on})",
    ]


def _emulated_stage(
    cur: SnowflakeCursor,
    spec: TableSpec,
    stage: str,
    records: list[dict[str, Any]],
    paramstyle: str | None,
) -> None:
    """EMULATOR SHIM (fakesnow server), used only when `emulator=True`.

    Against the fakesnow server the real `write_pandas` fails: connector 4.x loads with
    `COPY INTO ... FROM (SELECT $1:"col" ... FROM '@stage')`, and fakesnow 0.12 rejects a quoted
    stage location ("invalid URL prefix"). A bound multi-row INSERT stages the same values.
    Timestamps and dates are bound as ISO text: the connector types a column that mixes NULLs
    and datetimes as TEXT holding epoch nanoseconds, which Snowflake casts but fakesnow does not
    ("timestamp field value out of range"); ISO text casts on both.
    """
    names = [c.name for c in spec.all_columns]
    if records and merge_sql.STAGED_SEQ in records[0]:
        names.append(merge_sql.STAGED_SEQ)
    marker = "?" if paramstyle == "qmark" else "%s"  # the connector's default is pyformat
    cur.executemany(
        f"insert into {stage} ({', '.join(names)}) values ({', '.join(marker for _ in names)})",
        [tuple(_iso(record[n]) for n in names) for record in records],
    )


def _iso(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _pandas(batch: pa.Table) -> pd.DataFrame:
    return batch.to_pandas(types_mapper=_PANDAS.get)


def snowflake_warehouse_from_env() -> SnowflakeWarehouse:
    """SNOWFLAKE_ACCOUNT, SNOWFLAKE_USER, SNOWFLAKE_DATABASE and one of SNOWFLAKE_PASSWORD,
    SNOWFLAKE_PRIVATE_KEY, SNOWFLAKE_PRIVATE_KEY_PATH are required; see `snowflake_config`."""
    settings = snowflake_config.settings_from_env()
    resource = SnowflakeResource(
        **settings.resource_kwargs,
        paramstyle="qmark",
        additional_snowflake_connection_args=settings.connection_args or None,
    )
    return SnowflakeWarehouse(snowflake=resource, emulator=settings.emulator)
