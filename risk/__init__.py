"""Lynchpin."""
