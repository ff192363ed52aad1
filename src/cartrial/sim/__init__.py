"""Virtual patients and cohorts that produce the same records a site would enter."""
