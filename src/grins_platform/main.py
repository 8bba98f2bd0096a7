"""``create_app()``: lifespan resources, middleware, error handlers and routers."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager, nullcontext
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from grins_platform import __version__
from grins_platform.appointments.router import router as appointments_router
from grins_platform.audit.router import router as audit_router
from grins_platform.auth.router import router as auth_router
from grins_platform.auth.session_cache import SessionCache
from grins_platform.catalog.router import router as catalog_router
from grins_platform.core.admission import ConcurrencyLimitMiddleware
from grins_platform.core.cache import create_cache, timing_logger
from grins_platform.core.config import Environment, Settings, get_settings
from grins_platform.core.crypto import configure_encryption
from grins_platform.core.errors import register_error_handlers
from grins_platform.core.log_config import DomainLogger, configure_logging
from grins_platform.core.metrics import reporting
from grins_platform.core.middleware import (
    BodySizeLimitMiddleware,
    RequestContextMiddleware,
    SecurityHeadersMiddleware,
)
from grins_platform.core.redis import create_redis
from grins_platform.core.server import tune_gc_for_serving
from grins_platform.customers.router import router as customers_router
from grins_platform.db.counters import compacting
from grins_platform.db.embedded import ensure_services
from grins_platform.db.session import Database
from grins_platform.health.router import router as health_router
from grins_platform.imports.router import router as imports_router
from grins_platform.jobs.conversion import install_conversion_hook
from grins_platform.jobs.router import router as jobs_router
from grins_platform.properties.router import router as properties_router
from grins_platform.requests.router import router as requests_router
from grins_platform.scheduling.router import router as scheduling_router
from grins_platform.staff.router import router as staff_router
from grins_platform.users.router import router as users_router

API_PREFIX = "/api/v1"
app_log = DomainLogger("platform", "app")


def _include_routers(app: FastAPI) -> None:
    install_conversion_hook()  # converting a request also creates its job
    # Routes are matched router by router, in this order: the office's busiest
    # (jobs, customers) come first. No path of one router can match a route of
    # another (tests/test_platform_api.py checks), so the order changes no answer.
    app.include_router(health_router)
    app.include_router(jobs_router, prefix=API_PREFIX)
    app.include_router(customers_router, prefix=API_PREFIX)
    app.include_router(auth_router, prefix=API_PREFIX)
    app.include_router(properties_router, prefix=API_PREFIX)
    app.include_router(appointments_router, prefix=API_PREFIX)
    app.include_router(scheduling_router, prefix=API_PREFIX)
    app.include_router(requests_router, prefix=API_PREFIX)
    app.include_router(catalog_router, prefix=API_PREFIX)
    app.include_router(users_router, prefix=API_PREFIX)
    app.include_router(staff_router, prefix=API_PREFIX)
    app.include_router(audit_router, prefix=API_PREFIX)
    app.include_router(imports_router, prefix=API_PREFIX)


def create_app(
    settings: Settings | None = None, *, configure_logs: bool = True
) -> FastAPI:
    """Build the ASGI application.

    Nothing connects at import or build time: the engine, sessionmaker, Redis client and
    (when URLs are unset) the embedded servers are made in the lifespan.
    """
    base_settings = settings or get_settings()
    if configure_logs:
        configure_logging(
            base_settings.log_level.value, json_logs=base_settings.json_logs
        )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncGenerator[dict[str, Any]]:
        resolved = ensure_services(base_settings)
        configure_encryption(resolved)
        database = Database.from_settings(resolved)
        redis = create_redis(resolved)
        app.state.settings = resolved
        app.state.db = database
        app.state.redis = redis
        session_cache = (
            SessionCache(redis, ttl_seconds=resolved.auth_cache_seconds)
            if resolved.auth_cache_seconds > 0
            else None
        )
        app.state.session_cache = session_cache
        cache = create_cache(
            resolved, timer=timing_logger(enabled=resolved.log_queries)
        )
        app.state.cache = cache
        if resolved.environment is not Environment.TEST:
            tune_gc_for_serving()
        app_log.completed(
            "startup",
            environment=resolved.environment.value,
            version=__version__,
        )
        try:
            async with (
                reporting(),
                compacting(database.engine),
                session_cache.listening()
                if session_cache is not None
                else nullcontext(),
            ):
                yield {}
        finally:
            await cache.redis.aclose()
            await redis.aclose()
            await database.dispose()
            app_log.completed("shutdown")

    app = FastAPI(
        title="Grins Platform API",
        version=__version__,
        description="Field-service platform for irrigation and landscaping companies.",
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.settings = base_settings
    register_error_handlers(app)
    _include_routers(app)

    # Added innermost first: CORS sits inside the request-id middleware so even
    # preflight answers carry the id; the size limit runs before any body is read.
    if base_settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=base_settings.cors_origins,
            allow_credentials=True,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "X-Request-ID",
                "Idempotency-Key",
            ],
            expose_headers=["X-Request-ID", "Retry-After"],
        )
    # Inside the body size limit (a body is read in full before a request queues, so
    # what it buffers is bounded) and the request-id middleware (a queued request's
    # wait is part of its access line); outside routing and dependencies, so a
    # waiting request costs nothing yet.
    app.add_middleware(
        ConcurrencyLimitMiddleware,
        limit=base_settings.request_concurrency,
        queue_timeout=base_settings.request_queue_timeout,
        exempt_prefixes=(f"{API_PREFIX}/imports/", f"{API_PREFIX}/exports/"),
    )
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=base_settings.max_request_body_bytes,
        large_paths={f"{API_PREFIX}/imports/": base_settings.max_import_body_bytes},
    )
    app.add_middleware(
        SecurityHeadersMiddleware,
        hsts=base_settings.environment is Environment.PRODUCTION,
    )
    app.add_middleware(RequestContextMiddleware)
    return app
