"""Time-to-event endpoints: PFS, OS and DOR derivations, and Kaplan-Meier summaries."""
