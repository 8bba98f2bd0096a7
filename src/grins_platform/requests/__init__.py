"""Service requests (intake): the website form and staff-entered calls and texts."""
