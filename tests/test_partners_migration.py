"""The data migration 0021: free-text partner names on rounds, events and series become partner records."""

from __future__ import annotations

import json
import sqlite3


def test_free_text_partner_names_become_records(tmp_path):
    from bot.migrate import upgrade

    url = f"sqlite+aiosqlite:///{tmp_path}/old.db"
    upgrade(url, "0020")
    with sqlite3.connect(tmp_path / "old.db") as connection:
        connection.execute(
            "INSERT INTO rounds (id, title, district, starts_at, ends_at, meeting_point, capacity, partner, status, version, created_at) "
            "VALUES (1, 'Lade', 'ostbyen', '2026-05-01 10:00:00', '2026-05-01 12:00:00', 'Lade', 10, ' Fagforbundet  Trondheim', "
            "'planned', 1, '2026-01-01 00:00:00')")
        connection.execute(
            "INSERT INTO rounds (id, title, district, starts_at, ends_at, meeting_point, capacity, status, version, created_at) "
            "VALUES (2, 'Byåsen', 'ostbyen', '2026-05-01 10:00:00', '2026-05-01 12:00:00', 'X', 10, 'planned', 1, '2026-01-01 00:00:00')")
        connection.execute(
            "INSERT INTO events (id, kind, title, description, starts_at, ends_at, place, partners, status, version, created_at) "
            "VALUES (1, 'open_meeting', 'Åpent møte', '', '2026-05-01 10:00:00', '2026-05-01 12:00:00', 'Folkets hus', ?, "
            "'planned', 1, '2026-01-01 00:00:00')", (json.dumps(["fagforbundet trondheim", "Natur og Ungdom"]),))
    upgrade(url)
    with sqlite3.connect(tmp_path / "old.db") as connection:
        partners = connection.execute("SELECT id, name, kind, length(token) FROM partners ORDER BY id").fetchall()
        assert [(p[1], p[2]) for p in partners] == [("Fagforbundet Trondheim", "other"), ("Natur og Ungdom", "other")]
        assert all(p[3] >= 16 for p in partners)
        assert connection.execute("SELECT id, partner_id, partner FROM rounds ORDER BY id").fetchall() == [
            (1, partners[0][0], "Fagforbundet Trondheim"), (2, None, None)]
        assert connection.execute("SELECT event_id, partner_id FROM event_partners ORDER BY partner_id").fetchall() == [
            (1, partners[0][0]), (1, partners[1][0])]
        assert json.loads(connection.execute("SELECT partners FROM events").fetchone()[0]) == [
            "Fagforbundet Trondheim", "Natur og Ungdom"]
    from alembic import command

    from bot.migrate import alembic_config

    command.downgrade(alembic_config(url), "0020")
    with sqlite3.connect(tmp_path / "old.db") as connection:
        assert connection.execute("SELECT id, partner FROM rounds ORDER BY id").fetchall() == [(1, "Fagforbundet Trondheim"), (2, None)]
    upgrade(url)
