"""The blind baseline: a classifier on the texts' word n-grams alone, no language model at all.

Das et al. 2024, "Blind Baselines Beat Membership Inference Attacks for
Foundation Models" (arXiv:2406.16201): on several published MIA benchmarks
members and non-members differ in distribution (dates, topics, formatting),
and a bag-of-words classifier that never sees the model beats every attack.
An attack's AUC means something only where this baseline sits near 0.5; on
our canaries, drawn from one generator for both groups, it must. Above
:data:`SUSPECT_AUC` (0.6) the groups are told apart by their text, and every
other AUC is suspect.

The classifier: word 1–2-gram counts and multinomial naive Bayes, trained and
scored with seeded, stratified K-fold cross-validation, so that every text's
score is the member probability of a classifier that did not see it. (The
SoK benchmark, computationalprivacy/mia_llms_benchmark, uses unigram counts
and a shallow random forest over 5 folds; naive Bayes needs no tuning and
is deterministic.)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.naive_bayes import MultinomialNB
from sklearn.pipeline import make_pipeline

# Above this AUC the blind baseline tells members from non-members by their text alone.
SUSPECT_AUC = 0.6


def bag_of_words(texts: Sequence[str], members: Sequence[bool | int], folds: int = 5, seed: int = 0) -> list[float]:
    """Out-of-fold member probability of every text (higher = member).

    ``folds`` is capped by the smaller group, which needs at least 2 texts.
    """
    labels = np.asarray(members, dtype=int)
    if len(labels) != len(texts):
        raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
    smallest = int(np.bincount(labels, minlength=2).min())
    if smallest < 2:
        raise ValueError("bag_of_words needs at least 2 members and 2 non-members to cross-validate")
    splits = StratifiedKFold(n_splits=min(folds, smallest), shuffle=True, random_state=seed)
    classifier = make_pipeline(CountVectorizer(ngram_range=(1, 2)), MultinomialNB())
    probabilities = cross_val_predict(classifier, list(texts), labels, cv=splits, method="predict_proba")
    return probabilities[:, 1].tolist()
