"""The study report (issue 15): every endpoint of a trial as numbered tables, listings and
figures, from one snapshot of the database (:mod:`cartrial.services.study_report`).

``build.py`` assembles the sections (``sections/``, one module per report section) into a
:class:`~cartrial.report.study.model.StudyReport`; ``html.py`` renders it with the one
Jinja environment (:mod:`cartrial.report.environment`); ``pdf.py`` prints that HTML
with headless Chromium; ``figures/`` draws the report's own figures with matplotlib.
"""
