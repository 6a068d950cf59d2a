"""Assistance (帮扶): cadres, work teams, plans and measures, projects and funds."""
