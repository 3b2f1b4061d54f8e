"""SQLite statements in one trip to aiosqlite's thread instead of three or four.

SQLAlchemy's aiosqlite adapter asks aiosqlite's worker thread for a cursor, then to execute, then to
fetch the rows, then to close the cursor: each a hand-off to the thread and back through the event
loop. Under a rush every hand-off waits behind all the other ready tasks, and on SQLite the
transaction holds the one writer's turn all the while (bot/db.py), so a four-statement transaction
held it for some 40 loop turns. This cursor does the four steps in one hand-off (the rows are read
into memory, as the adapter does anyway) and so holds the writer's turn about a third as long.

A transaction's BEGIN goes with its first statement, in the same hand-off (`begin_with_next_statement`).

Installed for every aiosqlite engine of the process by `install()` (bot/db.py calls it); server-side
cursors (`stream`) keep SQLAlchemy's own.
"""

from __future__ import annotations

import collections
from typing import Any

from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_connection, AsyncAdapt_aiosqlite_cursor
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """A DB-API cursor over aiosqlite whose `execute` is one call in aiosqlite's thread."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: Any) -> None:  # no trip to the thread for a cursor
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        return None

    async def _async_soft_close(self) -> None:
        """Nothing is open in the thread between calls."""

    def close(self) -> None:
        self._rows.clear()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        try:
            return await_(self._run(operation, parameters, many=False))
        except Exception as error:  # noqa: BLE001 - the adapter turns it into the DB-API error
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        try:
            return await_(self._run(operation, seq_of_parameters, many=True))
        except Exception as error:  # noqa: BLE001 - the adapter turns it into the DB-API error
            self._adapt_connection._handle_exception(error)

    def setinputsizes(self, *inputsizes: Any) -> None:
        return None

    def nextset(self) -> None:
        return None

    async def _run(self, operation: Any, parameters: Any, *, many: bool) -> Any:
        connection = self._connection  # aiosqlite.Connection
        begin = connection.__dict__.pop(PENDING_BEGIN, None)

        def work() -> tuple[Any, list[Any], int, int | None]:
            cursor = connection._conn.cursor()
            try:
                if begin is not None:
                    cursor.execute(begin)
                if many:
                    cursor.executemany(operation, parameters)
                elif parameters is None:
                    cursor.execute(operation)
                else:
                    cursor.execute(operation, parameters)
                description = cursor.description
                rows = cursor.fetchall() if description else []
                return description, rows, cursor.rowcount, cursor.lastrowid
            finally:
                cursor.close()

        async with self._adapt_connection._execute_mutex:
            self._description, rows, self._rowcount, self._lastrowid = await connection._execute(work)
        self._rows = collections.deque(rows)
        return self


PENDING_BEGIN = "_lagbot_pending_begin"


def begin_with_next_statement(dbapi_connection: Any, begin: str | None) -> bool:
    """Have `begin` ("BEGIN IMMEDIATE") run in the same hand-off as the connection's next statement,
    or (None) forget a pending one; False where this module's cursor is not in use."""
    if not isinstance(dbapi_connection, AsyncAdapt_aiosqlite_connection) or \
            AsyncAdapt_aiosqlite_connection._cursor_cls is not OneHopCursor:
        return False
    pending = dbapi_connection._connection.__dict__  # the aiosqlite.Connection: the adapter has no __dict__
    if begin is None:
        pending.pop(PENDING_BEGIN, None)
    else:
        pending[PENDING_BEGIN] = begin
    return True


def install() -> None:
    """Use the one-hop cursor, if the adapter and aiosqlite still have the parts it relies on (a newer
    release that lacks them keeps SQLAlchemy's own cursor: slower, never wrong)."""
    import aiosqlite

    if hasattr(AsyncAdapt_aiosqlite_connection, "_cursor_cls") and hasattr(aiosqlite.Connection, "_execute"):
        AsyncAdapt_aiosqlite_connection._cursor_cls = OneHopCursor
