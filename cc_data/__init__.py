"""cc-data: Constant Contact engagement and giving data for nonprofits."""

__version__ = "0.1.0"
