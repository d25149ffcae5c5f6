"""Tasks: plain functions that take the composed config and return results."""
