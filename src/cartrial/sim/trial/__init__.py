"""The whole trial through the services (issue 11 section 3): ``simulate_trial`` and its parts."""
