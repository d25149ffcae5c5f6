"""Membership-inference metrics (``roc``: ROC AUC, TPR at FPR) and the exact-duplicate equivalent ρ (``rho``).

Import the module you need: ``roc`` loads torch and torchmetrics, which the analysis of finished runs never needs.
"""
