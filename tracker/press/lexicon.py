"""Existing organisations and regions, matched the way the ledger matches names.

An organisation matches on its name key (``tracker.text.normalize_name``:
full-width and half-width brackets, spaces and case folded), then on its short
name and its aliases folded the same way. A region matches on its name or slug
folded, and, because articles shorten them, on the name without a leading
"焦作市"/"焦作" or a bracketed part ("示范区" for 示范区（高新区））. A name matching
nothing is announced as new.
"""

import re
from dataclasses import dataclass, field

from tracker.text import normalize_name

_BRACKET = re.compile(r"[（(]([^（）()]+)[）)]")


@dataclass
class Lexicon:
    # key → (pk, name) for organisations; key → list of (pk, name, kind) for regions
    organizations: dict[str, tuple[int, str]] = field(default_factory=dict)
    regions: dict[str, list[tuple[int, str, str]]] = field(default_factory=dict)

    @classmethod
    def build(cls, *, organizations=(), regions=()) -> "Lexicon":
        """``organizations``: (pk, name, short_name, aliases); ``regions``: (pk, name, slug, kind)."""
        lex = cls()
        for pk, name, short, aliases in organizations:
            for form in [name, short, *(aliases or "").splitlines()]:
                key = normalize_name(form)
                if key and key not in lex.organizations:
                    lex.organizations[key] = (pk, name)
        for pk, name, slug, kind in regions:
            for form in region_forms(name) | {slug}:
                entries = lex.regions.setdefault(normalize_name(form), [])
                if all(pk != e[0] for e in entries):
                    entries.append((pk, name, kind))
        return lex

    @classmethod
    def from_db(cls) -> "Lexicon":
        """Every organisation and region in the database (reads only)."""
        from tracker.models import Organization, Region

        return cls.build(
            organizations=Organization.objects.values_list("pk", "name", "short_name", "aliases"),
            regions=Region.objects.values_list("pk", "name", "slug", "kind"),
        )

    def organization(self, name: str) -> tuple[int, str] | None:
        return self.organizations.get(normalize_name(name))

    def region(self, name: str) -> tuple[int, str, str] | None:
        found = self.regions.get(normalize_name(name), [])
        return found[0] if len(found) == 1 else None

    def regions_in(self, text: str) -> list[tuple[int, str, str, str]]:
        """(pk, name, kind, printed form) of every region whose form ``text`` prints, longest first."""
        key_text = normalize_name(text)
        hits = []
        for key, entries in self.regions.items():
            if len(key) >= 3 and len(entries) == 1 and key in key_text:
                pk, name, kind = entries[0]
                hits.append((pk, name, kind, key))
        hits.sort(key=lambda h: -len(h[3]))
        return hits


def region_forms(name: str) -> set[str]:
    """The forms an article prints a region under."""
    forms = {name}
    bare = _BRACKET.sub("", name)
    forms.add(bare)
    forms.update(m.group(1) for m in _BRACKET.finditer(name))
    for prefix in ("焦作市", "焦作"):
        for form in list(forms):
            if form.startswith(prefix) and len(form) - len(prefix) >= 4:
                forms.add(form[len(prefix) :])
    # 高新区 is printed 焦作高新区 too.
    for form in list(forms):
        if form.endswith("区") and not form.startswith("焦作") and len(form) <= 4:
            forms.add("焦作" + form)
    return {f for f in forms if f}
