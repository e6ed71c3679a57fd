# Lynchpin dashboard for a team: a slim Python image, the package built as a wheel (with its shipped data:
# outage history, examples, rules, migrations), run as a non-root user, with a health check on
# Streamlit's own endpoint. Sign-in is on (LYNCHPIN_AUTH=1): mount an [auth] secrets file at
# /run/secrets/lynchpin_auth (see docs/deployment.md). compose.yaml runs it with PostgreSQL.

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY risk ./risk
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim AS dashboard
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    LYNCHPIN_AUTH=1 STREAMLIT_BROWSER_GATHER_USAGE_STATS=false
RUN useradd --create-home --uid 10001 lynchpin
COPY --from=build /wheels /wheels
# Compile the simulation's kernels into numba's cache now (about 11 s), so that no one's first large assessment
# waits for it; the non-root user only reads the cache.
RUN pip install /wheels/*.whl && rm -rf /wheels \
    && python -c "from risk.engine import sweep; sweep.warm()"
WORKDIR /app
COPY app.py ./
COPY .streamlit/config.toml .streamlit/config.toml
USER lynchpin
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).read() != b'ok')"
# The preflight refuses to start (exit 2, with the fix) when sign-in is on and the secrets lack [auth];
# risk.dashboard.serve is `streamlit run` with the upload guard in place before the first request.
CMD ["sh", "-c", "python -m risk.dashboard.preflight --secrets.files=/run/secrets/lynchpin_auth && exec python -m risk.dashboard.serve app.py --server.address=0.0.0.0 --server.port=8501 --secrets.files=/run/secrets/lynchpin_auth"]

# A test OpenID Connect provider for trying the team set-up (compose.yaml); never for production: it lets
# anyone sign in as anyone.
FROM python:3.11-slim AS test-provider
RUN pip install --no-cache-dir "oidc-provider-mock>=0.3,<1" && useradd --create-home --uid 10001 oidc
USER oidc
EXPOSE 9400
CMD ["python", "-W", "ignore", "-m", "oidc_provider_mock", "--host", "0.0.0.0", "--port", "9400"]
