"""Gaussian integrals: numpy McMurchie-Davidson engines (``one_electron``, ``two_electron``),
their primitives with derivative rules (``primitives``) and the optional libcint provider
(``pyscf_provider``)."""
