"""``wengert.scipy.special``: autograd's ``scipy.special`` namespace, re-exported unchanged."""

from autograd.scipy.special import *  # noqa: F403

from wengert import _forward_rules_scipy  # noqa: F401,E402
