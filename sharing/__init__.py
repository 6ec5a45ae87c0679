"""Browsing and sharing the store: Datasette (``serve``), exports (CSV, JSON, Atom), charts.

This layer only reads: it takes rows from ``storage.queries`` and renders them. Nothing
here writes to the store or holds SQL, so what a person sees in Datasette, in an export
or on a chart is exactly what ``deltawatch`` queries return.
"""
