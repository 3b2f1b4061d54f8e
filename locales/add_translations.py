"""Add or replace translations in the nb, nn and en catalogs from a JSON file (a developer's tool).

    .venv/bin/python locales/add_translations.py new.json

new.json: {"msgid": {"nb": "…", "nn": "…", "en": "…"}} and, for a sentence with a count,
{"singular msgid": {"plural": "plural msgid", "nb": ["…", "…"], "nn": ["…", "…"], "en": ["…", "…"]}}.
Written at width 100, as `make update-catalogs` writes them, so diffs stay small.
"""
import json, sys
from babel.messages.pofile import read_po, write_po
data = json.load(open(sys.argv[1]))
for lang in ("nb", "nn", "en"):
    path = f"locales/{lang}/LC_MESSAGES/lagbot.po"
    with open(path, "rb") as f:
        cat = read_po(f, locale=lang)
    for msgid, tr in data.items():
        if "plural" in tr:
            key = (msgid, tr["plural"])
            if msgid in cat: del cat[msgid]
            cat.add(key, tuple(tr[lang]))
        else:
            if msgid in cat: del cat[msgid]
            cat.add(msgid, tr[lang])
    with open(path, "wb") as f:
        write_po(f, cat, width=100, sort_output=True, omit_header=False, no_location=True)
