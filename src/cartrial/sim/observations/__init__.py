"""Render one virtual patient's latent truth into the raw records a site would enter.

One module per kind of record (screening, visits, kinetics, syndromes, labs,
tumour, events). Every function is pure: it takes one patient's latent row
(:meth:`cartrial.sim.patients.VirtualPatients.row`), the protocol, the
relevant times and a :class:`numpy.random.Generator`, and returns small frozen
records shaped like the arguments of one service call each (never a grade: the
real engines grade what these produce).
"""
