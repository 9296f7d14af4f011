"""Guard rules, one module per group; ``retrieval.sql.guard.GUARD_RULES`` orders them."""
