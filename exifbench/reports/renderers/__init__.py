"""Every renderer, by the document it draws; each writes its files into an output directory.

Console renderers (``table.render_table``, ``gate.render_console``, ``decision.render_console``)
and ``peers`` print instead; :func:`exifbench.reports.renderers.render.render_document` runs the file writers and picks the console view.
"""

from exifbench.reports.renderers.decision import write_decision
from exifbench.reports.renderers.gate import write_gate
from exifbench.reports.renderers.html import write_html
from exifbench.reports.renderers.markdown import write_markdown
from exifbench.reports.renderers.peers import write_peers
from exifbench.reports.renderers.plots import write_plots
from exifbench.reports.renderers.sweep import write_sweep

RUN_SET = (write_plots, write_html, write_markdown)
"""A run set's files (from its :class:`~exifbench.reports.analysis.report.RunReport`): plots, ``report.html``, ``summary.md``."""
GATE = (write_gate,)
"""A gate verdict's files: ``verdict.md``, ``verdict.html``."""
DECISION = (write_decision,)
"""A decision's own file, ``decision.md``; each phase's runs are also drawn with :data:`RUN_SET`."""
PEERS = (write_peers,)
"""A peers report's file: ``peers.md``."""
SWEEP = (write_sweep,)
"""A sweep's files (from its :class:`~exifbench.reports.analysis.sweep.SweepAnalysis`): ``sweep.md``, ``pareto.png``/``.svg``."""
