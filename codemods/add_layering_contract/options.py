"""What the contract's configuration must say, whatever file format holds it.

import-linter reads the same options from TOML and INI; both are compared here in one canonical
form (lists as sorted tuples, booleans as `true`/`false`), so a hand-formatted configuration that
says the same thing is up to date. Merging never takes anything away from the team: root packages
it listed stay, and `ignore_imports` it added to a djrefactor contract are kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from djrefactor.discovery.layering import Contract, Layering

Value = str | bool | tuple[str, ...]
Options = dict[str, Value]

LIST_FIELDS = frozenset({"root_packages", "source_modules", "forbidden_modules", "ignore_imports"})
BOOL_FIELDS = frozenset({"include_external_packages", "allow_indirect_imports", "as_packages"})
SESSION_KEYS = ("root_packages", "include_external_packages")
REPLACED_SESSION_KEYS = frozenset({"root_package", "root_packages", "include_external_packages"})


@dataclass(frozen=True)
class Wanted:
    """The session options and djrefactor's contracts (in order) the file must hold."""

    session: Options
    contracts: tuple[Options, ...]

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(str(contract["id"]) for contract in self.contracts)


def canonical(key: str, value: object) -> Value:
    """One spelling per meaning: `["b", "a"]`, `"a\\nb"` (INI) and `("a", "b")` are equal."""
    if key in LIST_FIELDS:
        items = value if isinstance(value, list | tuple) else str(value).split("\n")
        return tuple(sorted(str(item).strip() for item in items if str(item).strip()))
    if key in BOOL_FIELDS:
        return str(value).strip().lower() == "true"
    return str(value).strip()


def canonical_options(options: Mapping[str, object]) -> Options:
    return {key: canonical(key, value) for key, value in options.items()}


def existing_roots(session: Mapping[str, object]) -> tuple[str, ...]:
    roots = canonical("root_packages", session.get("root_packages", ()))
    assert isinstance(roots, tuple)
    single = session.get("root_package")
    return (*roots, str(single).strip()) if single else roots


def wanted(
    layering: Layering, session: Mapping[str, object], contracts: Mapping[str, Options]
) -> Wanted:
    """What the file must say, given what it says now (`contracts` by id, canonical)."""
    roots = tuple(sorted({*existing_roots(session), *layering.root_packages}))
    return Wanted(
        session={"root_packages": roots, "include_external_packages": True},
        contracts=tuple(_contract(c, contracts.get(c.id, {})) for c in layering.contracts),
    )


def _contract(contract: Contract, existing: Options) -> Options:
    kept = existing.get("ignore_imports", ())
    assert isinstance(kept, tuple)
    ignores = tuple(sorted({*contract.ignore_imports, *kept}))
    options: Options = {
        "id": contract.id,
        "name": contract.name,
        "type": "forbidden",
        "source_modules": contract.source_modules,
        "forbidden_modules": contract.forbidden_modules,
    }
    if ignores:
        options["ignore_imports"] = ignores
        # The test wildcards match nothing in a project whose tests import no SDK.
        options["unmatched_ignore_imports_alerting"] = "none"
    options["allow_indirect_imports"] = True
    return options


def up_to_date(
    target: Wanted, session: Mapping[str, object], contracts: Mapping[str, Options]
) -> bool:
    current = canonical_options(session)
    if "root_package" in current:
        return False
    if any(current.get(key) != canonical(key, value) for key, value in target.session.items()):
        return False
    return all(
        contracts.get(str(contract["id"])) == canonical_options(contract)
        for contract in target.contracts
    )


def refuses_externals(session: Mapping[str, object]) -> bool:
    """The team turned external packages off; the vendor contract needs them on."""
    value = session.get("include_external_packages")
    return value is not None and canonical("include_external_packages", value) is False
