"""The content format: parsing folders, rendering Markdown to safe HTML, validating, import and export.

No Qt here: the command line and the tests use it without a display.
"""
