"""Human names of perturbation families, for figure titles and legends.

Tables and file names keep the family ids (``replace,strategy=mlm,topk=10,...``,
or the authors' ``nearduplicates_diffindices_topk10``): they are what a reader
greps for and what ``rho.csv`` joins on. Figures are read by people, so they
say "Replacement with MLM (top-k 10)" instead.
"""

from __future__ import annotations

from mosaic_exp.analysis.records import EXACT, REPLACE, legacy_family_params

# The authors' fuzzy-duplicate files are named nearduplicates_<variant>_topk<k>.
_LEGACY_PREFIX = "nearduplicates"
_KINDS = {
    EXACT: "Exact duplicates",
    REPLACE: "Replacement",
    "insert": "Insertion",
    "scattered": "Scattered n-grams",
    "shuffle": "Shuffle",
    "paraphrase": "Paraphrases",
}
_STRATEGIES = {"mlm": "with MLM", "mlm_random": "with random MLM-vocabulary tokens", "random": "with random tokens"}
_LEGACY_VARIANTS = {"diffindices": "different positions per copy", "sameindices": "same positions in every copy"}


def family_settings(family: str) -> tuple[str, dict[str, str]]:
    """The perturbation and the settings a family id names (ours, ``kind,key=value,...``, or the authors')."""
    if "," not in family and family.startswith(_LEGACY_PREFIX):
        return REPLACE, {key: str(value) for key, value in legacy_family_params(family)}
    kind, *pairs = family.split(",")
    return kind, {key: value for key, _, value in (pair.partition("=") for pair in pairs)}


def family_title(family: str) -> str:
    """A family id as a title: ``replace,strategy=mlm,topk=10,same_indices=False,uniform_spread=False`` ->
    ``Replacement with MLM (top-k 10)``; ``insert,every=5`` -> ``Insertion (every 5 tokens)``.

    Settings at their defaults (``same_indices=False``, ...) are left out; a
    setting without a phrase here is shown as ``key=value`` so nothing is lost.
    """
    if not family:
        return ""
    kind, settings = family_settings(family)
    name = _KINDS.get(kind, kind)
    details: list[str] = []
    if kind == REPLACE:
        # The authors' files name no strategy, but a top-k only ever picks among MLM proposals.
        strategy = settings.pop("strategy", "mlm" if "topk" in settings else None)
        if strategy is not None:
            name += " " + _STRATEGIES.get(strategy, f"with {strategy}")
        topk = settings.pop("topk", None)
        # Other strategies ignore topk, though their family ids still carry it.
        if topk is not None and strategy == "mlm":
            details.append(f"top-k {topk}")
        if settings.pop("same_indices", "False") == "True":
            details.append("same positions in every copy")
        if settings.pop("uniform_spread", "False") == "True":
            details.append("evenly spread positions")
        variant = settings.pop("variant", None)
        if variant is not None:
            details.append(_LEGACY_VARIANTS.get(variant, variant))
    elif kind == "insert" and "every" in settings:
        details.append(f"every {settings.pop('every')} tokens")
    elif kind == "shuffle" and "block" in settings:
        details.append(f"blocks of {settings.pop('block')} tokens")
    details += [f"{key}={value}" for key, value in settings.items()]
    return f"{name} ({', '.join(details)})" if details else name
