"""Reports: HTML pages rendered from the domain results (Jinja2)."""
