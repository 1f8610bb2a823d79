"""Test and demo tooling (not part of the dynclient package)."""
