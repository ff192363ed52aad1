"""Use cases of a running trial, each in one transaction with its audit entries.

Services are the only code that both reads the store and calls the domain
engines (ARCHITECTURE.md); adapters (CLI, web) call one service and render.
Every service takes the session factory and the acting :class:`~cartrial.store.Actor`,
checks the actor's permission and site (:mod:`cartrial.services.access`), and
commits once. See docs/store.md for the interlocks.
"""
