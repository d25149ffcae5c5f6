"""Fuzzy duplicates of canaries: replace, insert, scattered, shuffle, paraphrase, exact."""
