"""Figures: matplotlib drawings (PNG) and SVG geometry of what the domain packages compute.

One module per figure kind; each imports matplotlib itself (the ``[plots]`` extra), so
importing this package pulls in nothing. The domain packages return the data (typed rows,
series); these modules only draw it.
"""
