"""mosaic-exp: how much do fuzzy duplicates make a language model memorize a sequence?"""

__version__ = "0.1.0"
