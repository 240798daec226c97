"""djrefactor: restructure a legacy Django repository as reviewable git commits."""

__version__ = "0.1.0"
