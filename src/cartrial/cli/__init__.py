"""Command-line adapter: thin typer commands over the domain packages."""
