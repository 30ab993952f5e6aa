"""Wiring: the CLI, Prefect flows, the review app and reports.

The only package that imports ``crawlers``, ``nlp`` and ``index`` together.
"""
