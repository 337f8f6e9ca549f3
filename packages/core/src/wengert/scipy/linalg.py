"""``wengert.scipy.linalg``: autograd's ``scipy.linalg`` namespace, re-exported unchanged."""

from autograd.scipy.linalg import *  # noqa: F403

from wengert import _forward_rules_scipy  # noqa: F401,E402
