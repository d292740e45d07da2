"""Census tables by recipe: one YAML per census table says how to read it (no code).

* :mod:`.recipes` — load and validate recipes (``recipes/*.yaml``);
* :mod:`.apply` — :func:`apply_recipes`: every recipe whose file is present, each atomic;
* :mod:`.compose`, :mod:`.rows`, :mod:`.matching`, :mod:`.derive` — reading (long, wide,
  totals), name matching and the composition measures, shared with ``import --composition``.
"""

from __future__ import annotations

from indicators.sources.census.apply import RecipeResult, apply_recipe, apply_recipes, coverage
from indicators.sources.census.recipes import (
    RECIPES_DIR,
    Recipe,
    RecipeError,
    find_files,
    load_recipe,
    load_recipes,
)

__all__ = ["RECIPES_DIR", "Recipe", "RecipeError", "RecipeResult", "apply_recipe",
           "apply_recipes", "coverage", "find_files", "load_recipe", "load_recipes"]
