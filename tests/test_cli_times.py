"""The command line says what is wrong with a time, in words."""

from __future__ import annotations

from tests.test_register import run_cli


def test_rounds_add_explains_a_skipped_hour_and_a_missing_day(monkeypatch, capsys, database_url):
    base = ["rounds", "add", "--title", "Dørbank", "--district", "ostbyen", "--place", "Lade kirke", "--capacity", "5"]
    assert run_cli(monkeypatch, database_url, *base, "--start", "2027-03-28 02:30", "--end", "2027-03-28 05:00") == 1
    assert "does not exist in Oslo: the clocks skip from 02:00 to 03:00" in capsys.readouterr().err
    assert run_cli(monkeypatch, database_url, *base, "--start", "2027-02-29 12:00", "--end", "2027-02-29 15:00") == 1
    assert "there is no 29.02.2027 in the calendar" in capsys.readouterr().err
    assert run_cli(monkeypatch, database_url, "events", "add", "--kind", "social", "--title", "Pub", "--place", "Tapperiet",
                   "--start", "2027-03-28 02:15", "--end", "2027-03-28 04:00") == 1
    err = capsys.readouterr().err
    assert "SkippedHour" not in err and "does not exist in Oslo" in err
