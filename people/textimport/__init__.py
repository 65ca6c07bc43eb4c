"""Importing a credits page from its text: plain text, Markdown, HTML, CITATION.cff or BibTeX.

decode.py turns bytes into text and picks the format; plaintext.py, markdown.py and
html.py turn text into blocks (blocks.py); reader.py interprets blocks as a credits
page (a Document); authors.py reads author lists. apply.py turns a Document into the
spreadsheet import's rows, plans and writes them with what the spreadsheet cannot
carry (acknowledgments, intro, links, citation, ordering note).
"""
