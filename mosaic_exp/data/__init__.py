"""Corpora of books: sources (synthetic, folder of texts, Gutenberg) and the corpus stage."""
