# Multi-stage build: compile in the Rust image, run in a small Debian image as a non-root user.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY migrations ./migrations
COPY config ./config
COPY tests ./tests
RUN cargo build --release --locked --bin rounds

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/rounds --create-home rounds
COPY --from=build /src/target/release/rounds /usr/local/bin/rounds
COPY config/rounds.example.toml /etc/rounds/rounds.example.toml
USER rounds
WORKDIR /var/lib/rounds
# Secrets come from the environment (.env); the config file is mounted at /etc/rounds/rounds.toml.
ENV DATABASE_URL=sqlite:///var/lib/rounds/rounds.db
VOLUME ["/var/lib/rounds"]
ENTRYPOINT ["rounds", "--log-format", "json"]
CMD ["--config", "/etc/rounds/rounds.toml", "run"]
