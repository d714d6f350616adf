"""Every renderer, by the document it draws; each writes its files into an output directory.

Console renderers (``table.render_table``, ``gate.render_console``, ``decision.render_console``)
and ``peers`` print instead; :func:`exifbench.renderers.render.render_document` runs the file writers and picks the console view.
"""

from exifbench.renderers.decision import write_decision
from exifbench.renderers.gate import write_gate
from exifbench.renderers.html import write_html
from exifbench.renderers.markdown import write_markdown
from exifbench.renderers.peers import write_peers
from exifbench.renderers.plots import write_plots
from exifbench.renderers.sweep import write_sweep

RUN_SET = (write_plots, write_html, write_markdown)
"""A run set's files (from its :class:`~exifbench.analysis.report.RunReport`): plots, ``report.html``, ``summary.md``."""
GATE = (write_gate,)
"""A gate verdict's files: ``verdict.md``, ``verdict.html``."""
DECISION = (write_decision,)
"""A decision's own file, ``decision.md``; each phase's runs are also drawn with :data:`RUN_SET`."""
PEERS = (write_peers,)
"""A peers report's file: ``peers.md``."""
SWEEP = (write_sweep,)
"""A sweep's files (from its :class:`~exifbench.analysis.sweep.SweepAnalysis`): ``sweep.md``, ``pareto.png``/``.svg``."""
