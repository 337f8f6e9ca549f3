"""``wengert.scipy.stats``: autograd's ``scipy.stats`` distributions, re-exported unchanged."""

from autograd.scipy.stats import beta, chi2, dirichlet, gamma, multivariate_normal, norm, poisson, t  # noqa: F401

from wengert import _forward_rules_scipy  # noqa: F401,E402
