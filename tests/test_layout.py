"""The house rules that keep lagbot walkable: small modules, no import cycles, one way to read buttons
and to hold a conversation, no Telegram in the domain."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "models")
MAX_LINES = 400


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def imports_of(path: Path, name: str, known: set[str]) -> set[str]:
    """Modules of ours that `path` imports at module level or inside functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


@pytest.mark.parametrize("name", sorted(modules()))
def test_no_module_is_too_long(name):
    lines = len(modules()[name].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{name} has {lines} lines; split it by what a reader looks for"


def test_no_import_cycles():
    found = modules()
    graph = {name: imports_of(path, name, set(found)) for name, path in found.items()}
    # A package importing its own submodules (bot.cli -> bot.cli.members) is not a cycle of meaning.
    for name, targets in graph.items():
        graph[name] = {t for t in targets if not t.startswith(name + ".")}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*trail[trail.index(nxt):], nxt] if nxt in trail else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles, "import cycles: " + "; ".join(" → ".join(c) for c in cycles)


def test_the_domain_does_not_know_telegram():
    for name, path in modules().items():
        if name.startswith("models"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                         else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
                assert not any(n == "telegram" or n.startswith("telegram.") for n in names), name


def test_handlers_read_buttons_through_typed_callback_data():
    for name, path in modules().items():
        if name.startswith("handlers"):
            text = path.read_text(encoding="utf-8")
            assert ".data.split(" not in text and ".data.rsplit(" not in text and "data.partition(" not in text, name


def test_conversations_are_flows():
    for name, path in modules().items():
        if name.startswith("handlers") and name != "handlers.flows":
            assert "ConversationHandler(" not in path.read_text(encoding="utf-8"), f"{name}: use handlers.flows.Flow"


def test_every_message_is_visible_to_the_catalog_extraction():
    """`translator(lang)("text")` works at run time but pybabel never sees the msgid, and the next
    `make update-catalogs` drops its translation: write `_ = translator(lang)` and `_("text")`."""
    import re

    direct = re.compile(r"(translator|ngettext_for)\([^()]*\)\(\s*[\"']")
    for name, path in modules().items():
        assert not direct.search(path.read_text(encoding="utf-8")), name
