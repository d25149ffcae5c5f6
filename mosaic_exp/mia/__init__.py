"""Membership inference: per-token scores from one forward pass, and the attacks built on them."""
