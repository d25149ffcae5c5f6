"""Membership-inference metrics (ROC AUC, TPR at FPR) and the exact-duplicate equivalent ρ."""

from mosaic_exp.metrics.rho import exact_duplicate_equivalent, rho, smooth
from mosaic_exp.metrics.roc import roc_auc, roc_summary, tpr_at_fpr

__all__ = ["exact_duplicate_equivalent", "rho", "smooth", "roc_auc", "roc_summary", "tpr_at_fpr"]
