"""Demos that ship with the core (domain demos live in their packages)."""
