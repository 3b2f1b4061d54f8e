"""Every CSV lagbot writes is safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io

from bot.csvfile import csv_text, safe_cell


def test_formula_cells_are_neutralised():
    hostile = ["=HYPERLINK(\"http://x\")", "+47 912 34 567", "-2+3", "@SUM(A1)", " =1+1", "\tcmd"]
    text = csv_text(["name"], [[cell] for cell in hostile])
    read = [row[0] for row in csv.reader(io.StringIO(text), delimiter=";")][1:]
    assert all(cell.startswith("'") for cell in read)
    assert [cell[1:] for cell in read] == hostile


def test_plain_text_and_numbers_stay_as_they_are():
    assert safe_cell("Kari Nordmann") == "Kari Nordmann"
    assert safe_cell(-3) == "-3"
    assert safe_cell(None) == ""
