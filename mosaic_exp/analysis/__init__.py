"""Analysis of finished runs: AUC curves, the exact-duplicate equivalent ρ, tables."""
