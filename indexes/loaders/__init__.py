"""Load one file into text plus its structure (headings, pages, records), or say why not.

Every format becomes a ``LoadedDocument`` (document.py) whose ``text`` is what chunk offsets
point into: Markdown and text are kept as written; PDF pages (read with LlamaIndex's PDFReader,
one document per page) are joined with blank lines and their spans recorded; HTML and DOCX are
rendered to Markdown so their headings drive chunking (LlamaIndex's own HTML and DOCX readers
flatten headings away, and the heading path is what a citation needs); CSV and JSON records
are rendered as ``key: value`` lines, one record per span. ``dispatch.load_file`` picks the
format by extension and checks size and emptiness.
"""
