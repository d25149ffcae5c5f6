"""Injecting canaries and their fuzzy duplicates into the fine-tuning books."""
