"""Fault injection in front of every local test server (issue 16, item 9).

``proxy.FaultProxy`` sits between a backend and its server on loopback and
spoils one chosen request at a time; ``runner`` performs every write a
backend supports under each fault, retrying as a careful user would, and
counts from the server's own state; ``report`` prints the table.
"""
