"""The exact-duplicate equivalent of a fuzzy setting, and ρ.

φ_ν is the membership AUC with ν exact copies (ν = 1..ν_max). After smoothing
it with a moving average (endpoints kept), a fuzzy setting with AUC φ̃ is
worth ν_eq exact copies: linear interpolation between the bracketing ν; below
φ_1 the slope φ_2 − φ_1 is followed and ν_eq clipped at 1; above φ_ν_max the
mean absolute slope of the last ``n_extrapolate`` steps is followed.
ρ = (ν_eq − 1) / (ν_max − 1): 0 when the fuzzy copies add nothing to the
reference, 1 when they count as much as exact copies.

One deliberate difference from the authors' notebook: when the smoothed curve
falls from ν = 1 to ν = 2 (φ_2 < φ_1), their rule still extrapolates below φ_1
along that negative slope, so a fuzzy AUC *below* the one-copy AUC earns
ν_eq > 1. Here it gets ν_eq = 1 (ρ = 0): worse than one exact copy cannot be
worth more. Of all the published cells (4 models × 5 seeds × 8 R × 5 attacks)
only one is affected: Gemma-2B, lowercase attack, R = 75, seed 3 (AUC 0.615
below φ_1 = 0.627 > φ_2 = 0.625), where the notebook gives ρ = 0.59 and this
module 0.
"""

from __future__ import annotations

from collections.abc import Mapping


def smooth(values: list[float], window: int = 3) -> list[float]:
    """Centered moving average; the ``window // 2`` values at each end are kept."""
    if window < 1 or window % 2 == 0:
        raise ValueError(f"the smoothing window must be a positive odd number, got {window}")
    half = window // 2
    if len(values) < window:
        return list(values)
    out = list(values)
    for i in range(half, len(values) - half):
        out[i] = sum(values[i - half : i + half + 1]) / window
    return out


def _curve(phi_exact: Mapping[int, float], window: int) -> list[float]:
    keys = sorted(phi_exact)
    if len(keys) < 3:
        raise ValueError(f"phi_exact needs at least 3 points (nu = 1, 2, 3, ...), got {keys}")
    if keys != list(range(1, len(keys) + 1)):
        missing = sorted(set(range(1, max(keys) + 1)) - set(keys))
        raise ValueError(f"phi_exact must have every nu from 1 to {max(keys)}; missing {missing or keys}")
    return smooth([float(phi_exact[k]) for k in keys], window)


def exact_duplicate_equivalent(phi_fuzzy: float, phi_exact: Mapping[int, float], *, window: int = 3, n_extrapolate: int = 3) -> float:
    """ν_eq: how many exact copies give the same AUC as the fuzzy setting."""
    phi = _curve(phi_exact, window)
    nu_max = len(phi)
    if phi_fuzzy <= phi[0]:
        slope = phi[1] - phi[0]
        return max(1.0, 1.0 + (phi_fuzzy - phi[0]) / slope) if slope > 0 else 1.0
    if phi_fuzzy >= phi[-1]:
        steps = min(n_extrapolate, nu_max - 1)
        slope = sum(abs(phi[i + 1] - phi[i]) for i in range(nu_max - 1 - steps, nu_max - 1)) / steps
        return nu_max + (phi_fuzzy - phi[-1]) / slope if slope > 0 else float(nu_max)
    # The largest ν whose segment brackets φ̃ (the curve need not be monotone).
    for n in range(nu_max - 1, 0, -1):
        lo, hi = phi[n - 1], phi[n]
        if lo <= phi_fuzzy <= hi:
            return n + (phi_fuzzy - lo) / (hi - lo) if hi > lo else float(n)
    # φ̃ lies strictly inside [φ_1, φ_max] but only on descending segments.
    for n in range(nu_max - 1, 0, -1):
        lo, hi = sorted((phi[n - 1], phi[n]))
        if lo <= phi_fuzzy <= hi:
            return n + (phi_fuzzy - phi[n - 1]) / (phi[n] - phi[n - 1])
    raise AssertionError("unreachable: phi_fuzzy is between the curve's first and last value")


def rho(phi_fuzzy: float, phi_exact: Mapping[int, float], *, window: int = 3, n_extrapolate: int = 3) -> float:
    """ρ = (ν_eq − 1) / (ν_max − 1) for a fuzzy setting with membership AUC ``phi_fuzzy``."""
    nu_eq = exact_duplicate_equivalent(phi_fuzzy, phi_exact, window=window, n_extrapolate=n_extrapolate)
    return (nu_eq - 1.0) / (len(phi_exact) - 1.0)
