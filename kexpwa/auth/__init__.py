"""Passwords, sign-in throttling, sessions and CSRF tokens."""
