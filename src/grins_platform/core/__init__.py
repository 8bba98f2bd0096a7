"""Cross-cutting infrastructure: configuration, logging, errors, middleware, Redis."""
