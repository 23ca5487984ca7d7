# How the kernels of the reports and handouts (itclusters.reports.kernel_manager_class) show a
# matplotlib figure: a PNG of twice the pixels of its CSS size (sharp on high-density screens and
# in print; the notebook records the CSS size as the image's width and height), and an SVG
# beside it, which the HTML export offers as the figure's vector download.
c = get_config()  # noqa: F821 - defined by IPython when it loads this file
c.InlineBackend.figure_formats = {"retina", "svg"}
# 192 dpi = 2 x CSS's 96 px per inch: a figure drawn 9 inches wide for a notebook column is
# shown 864 CSS px wide (plus its padding), inside the report's 900 px column, and its 9 pt text
# reads 9 pt on the page
c.InlineBackend.print_figure_kwargs = {"bbox_inches": "tight", "pad_inches": 0.1, "dpi": 192}
# SVG element ids from a constant, not from a random salt: a report regenerated from the same
# inputs is byte-identical (set at start: the inline backend's own rc is not applied when the
# backend comes from MPLBACKEND; nothing is added to the notebook's namespace)
c.IPKernelApp.exec_lines = ["__import__('matplotlib').rcParams['svg.hashsalt'] = 'itclusters'"]
