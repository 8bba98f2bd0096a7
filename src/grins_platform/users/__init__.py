"""Staff accounts: who can log in and with which role."""
