"""Customers: who we serve, how to reach them, and what they consented to."""
