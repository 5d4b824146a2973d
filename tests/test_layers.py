"""Which folder imports which: a lower folder never imports a higher one, except the
arrows explained in docs/development.md ("Layers"), and no new import circle.

Read from the source with `ast` (imports inside functions count too), so the test
needs no Django and sees what an import scan of the tree sees.
"""

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# lowest first: each folder may import the folders before it
LAYERS = [
    "portal.core",
    "portal.accounts",
    "recognition",
    "portal.web",
    "portal.people",
    "portal.attendance",
    "portal.reports",
    "portal.employees",
    "portal.cameras",
    "portal.access",
    "portal.kiosks",
    "portal.review",
    "portal.requests",
    "portal.clockin",
    "portal.recovery",
    "portal.api",
    "portal.org",
    "portal",  # settings, urls, the router
]

# the arrows that run back up, each explained in docs/development.md
UPWARD = {
    ("recognition", "portal.people"),  # a face belongs to a Person (foreign keys)
    ("portal.people", "portal.attendance"),  # merging two records recomputes their days
    ("portal.access", "portal.kiosks"),  # a door's readers are kiosks (and cameras)
    ("portal.reports", "portal.org"),  # the organization's name on every PDF
}


def folder(module):
    parts = module.split(".")
    if parts[0] == "recognition":
        return "recognition"
    if parts[0] != "portal":
        return None
    if len(parts) > 1 and (ROOT / "portal" / parts[1]).is_dir():
        return f"portal.{parts[1]}"
    return "portal"


def arrows():
    """{(from folder, to folder): [file:line, ...]} over portal/ and recognition/, migrations aside."""
    found = defaultdict(list)
    for path in [*ROOT.glob("portal/**/*.py"), *ROOT.glob("recognition/**/*.py")]:
        if "migrations" in path.parts:
            continue
        relative = path.relative_to(ROOT)
        source = folder(".".join(relative.with_suffix("").parts))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            else:
                continue
            for name in names:
                target = folder(name)
                if target and target != source:
                    found[(source, target)].append(f"{relative}:{node.lineno}")
    return found


def test_every_folder_has_a_layer():
    folders = {f for pair in arrows() for f in pair}
    assert folders <= set(LAYERS), sorted(folders - set(LAYERS))


def test_no_folder_imports_a_higher_one_except_the_explained_arrows():
    rank = {name: i for i, name in enumerate(LAYERS)}
    upward = {pair: where for pair, where in arrows().items() if rank[pair[0]] < rank[pair[1]]}
    assert set(upward) <= UPWARD, {pair: where for pair, where in upward.items() if pair not in UPWARD}


def circles():
    """The import circles: groups of folders that reach each other (strongly connected, two or more)."""
    reach = {name: {name} for name in LAYERS}
    for source, target in arrows():
        reach[source].add(target)
    changed = True
    while changed:  # the transitive closure; a handful of folders
        changed = False
        for name in LAYERS:
            more = set().union(*(reach[other] for other in reach[name])) - reach[name]
            if more:
                reach[name] |= more
                changed = True
    groups = {frozenset(other for other in reach[name] if name in reach[other]) for name in LAYERS}
    return [group for group in groups if len(group) > 1]


def test_at_most_the_two_explained_import_circles():
    # recognition <-> people (foreign keys, merging) and the apps around doors, kiosks and reports
    assert len(circles()) <= 2, [sorted(group) for group in circles()]
