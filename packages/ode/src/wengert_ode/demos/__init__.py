"""Demos of wengert-ode: neural-ode, least-action, optimal-control."""
