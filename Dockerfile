# One image for web (WSGI), ws (ASGI), worker and beat.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=daraport.settings.prod
WORKDIR /app
COPY requirements.lock pyproject.toml ./
RUN pip install --no-cache-dir -r requirements.lock
COPY . .
RUN SECRET_KEY=build-only-$(python -c "print('x'*60)") DATABASE_URL=postgres://build/build REDIS_URL=redis://build \
    python manage.py collectstatic --no-input
RUN useradd --system --home /app daraport && mkdir -p /app/var /app/media /app/private \
    && chown -R daraport /app/var /app/media /app/private
USER daraport
EXPOSE 8000
CMD ["gunicorn", "daraport.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
