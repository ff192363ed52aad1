"""Design-level simulation: thousands of whole virtual trials, vectorised, without a database."""
