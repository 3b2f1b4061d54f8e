"""The persistence flush writes only the user data that changed."""

from __future__ import annotations

from models import persistence_store as store
from tests.helpers import onboard


async def test_a_flush_writes_only_changed_user_data(app, make_user, monkeypatch):
    people = [make_user() for _ in range(3)]
    for n, person in enumerate(people):
        await onboard(person, phone=f"+479123456{n}")
    await app.update_persistence()

    writes: list[int] = []
    real = store.save_data

    async def counting(session, kind, key, data):
        writes.append(key)
        await real(session, kind, key, data)

    monkeypatch.setattr(store, "save_data", counting)
    for person in people:  # seen, their user_data handed to the persistence, nothing changed
        await person.send("/hjelp")
    await app.update_persistence()
    assert writes == []

    app.user_data[people[0].user_id]["note"] = "changed"
    for person in people:
        await person.send("/hjelp")
    await app.update_persistence()
    assert writes == [people[0].user_id]
