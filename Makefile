# Two entry points for a fresh machine: `make run` and `make test`.
VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed

.PHONY: run test catalogs extract update-catalogs bench clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

catalogs: $(STAMP)
	$(VENV)/bin/pybabel compile --domain lagbot --directory locales --statistics

extract: $(STAMP)
	$(VENV)/bin/pybabel extract --mapping babel.cfg --keywords N_ --no-location --sort-output \
		--width 100 --project lagbot --output-file locales/lagbot.pot bot handlers models

update-catalogs: extract
	$(VENV)/bin/pybabel update --domain lagbot --input-file locales/lagbot.pot --output-dir locales \
		--no-fuzzy-matching --ignore-obsolete --width 100

run: catalogs
	$(PY) -m bot run

test: catalogs
	$(PY) -m pytest

bench: catalogs
	$(PY) bench/updates.py

clean:
	rm -rf $(VENV) lagbot.db
