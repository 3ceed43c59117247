"""Shared pieces every ragtune package may use: the settings object and the error hierarchy."""

__version__ = "0.1.0"
