"""``wengert.scipy.integrate``: autograd's ``scipy.integrate`` namespace, re-exported unchanged."""

from autograd.scipy.integrate import *  # noqa: F403

from wengert import _forward_rules_scipy  # noqa: F401,E402
