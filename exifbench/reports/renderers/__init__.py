"""Every renderer, by the document it draws; each writes its files into an output directory.

Console renderers (``table.render_table``, ``gate.render_console``, ``decision.render_console``)
and ``peers`` print instead; :func:`exifbench.reports.renderers.render.render_document` runs the file writers
(its ``RUN_SET``, ``GATE``, ``DECISION``, ``PEERS``, ``SWEEP``) and picks the console view. Nothing is imported
here: a console renderer does not pull in matplotlib.
"""
