import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "daraport.settings.dev")
application = get_wsgi_application()
# Everything loaded so far lives as long as the process: keep it out of the
# collector's way, so full collections stay short (p95 latency).
gc.freeze()
