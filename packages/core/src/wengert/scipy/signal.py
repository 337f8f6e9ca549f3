"""``wengert.scipy.signal``: autograd's ``scipy.signal`` namespace, re-exported unchanged."""

from autograd.scipy.signal import *  # noqa: F403

from wengert import _forward_rules_scipy  # noqa: F401,E402
