"""Identification (精准识别)."""
