# Lamplighter: a static Go binary on a small Debian runtime.
#
#   docker build -t lamplighter .
#   docker run --env-file .env lamplighter            # lamplighter run
#   docker run --rm -it lamplighter demo              # the offline demo

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/lamplighter ./cmd/lamplighter

FROM debian:bookworm-slim
# ca-certificates for the Bot API over TLS, tzdata for community time zones,
# fonts-noto-cjk for charts with Chinese labels.
RUN apt-get update \
	&& apt-get install -y --no-install-recommends ca-certificates tzdata fonts-noto-cjk \
	&& rm -rf /var/lib/apt/lists/* \
	&& useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin lamplighter
COPY --from=build /out/lamplighter /usr/local/bin/lamplighter
USER lamplighter
# /healthz (and the webhook, when configured) on this port.
EXPOSE 8080
ENV LAMPLIGHTER_LISTEN=:8080
ENTRYPOINT ["/usr/local/bin/lamplighter"]
CMD ["run"]
