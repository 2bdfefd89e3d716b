# Hugging Face Spaces (Docker SDK) image for the Streamlit app, after HF's Streamlit template.
# Build and run locally:  docker build -t bae . && docker run -p 8501:8501 bae
FROM python:3.11-slim

# curl for the health check; libgl/libglib are not needed (no OpenCV).
RUN apt-get update && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*

# Spaces run the container as UID 1000: give that user a writable HOME and caches.
RUN useradd -m -u 1000 user
USER user
ENV HOME=/home/user \
    PATH=/home/user/.local/bin:$PATH \
    XDG_CACHE_HOME=/home/user/.cache \
    MPLCONFIGDIR=/home/user/.cache/matplotlib \
    TORCH_HOME=/home/user/.cache/torch \
    HF_HOME=/home/user/.cache/huggingface \
    PIP_NO_CACHE_DIR=1 \
    PYTHONUNBUFFERED=1
WORKDIR $HOME/app

COPY --chown=user requirements.txt ./
RUN pip install --user --upgrade pip && pip install --user -r requirements.txt

COPY --chown=user . .

EXPOSE 8501
HEALTHCHECK CMD curl --fail http://localhost:8501/_stcore/health || exit 1

# XSRF protection and CORS are off because Spaces serve the app inside an iframe on another
# origin, where Streamlit's XSRF cookie is not sent and every upload fails with 403. The cost:
# another site could make a visitor's browser post files to this app. Acceptable for a public
# demo holding no user data or credentials; keep both on when self-hosting without an iframe.
CMD ["streamlit", "run", "app.py", "--server.port=8501", "--server.address=0.0.0.0", "--server.enableXsrfProtection=false", "--server.enableCORS=false", "--server.headless=true"]
