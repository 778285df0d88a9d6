"""Cobudget des communs."""
