"""Authentication: passwords, access tokens, rotating refresh tokens, throttling."""
