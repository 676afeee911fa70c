# Build: docker build -t newsletter .
# A patched Go: 1.26.8 (the machines' Go) has known vulnerabilities in
# net/http, crypto/tls, crypto/x509 and html/template, fixed in 1.26.10.
FROM golang:1.26.10-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /newsletter ./cmd/newsletter

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /newsletter /newsletter
ENV ADDR=:8080
EXPOSE 8080
USER nonroot
ENTRYPOINT ["/newsletter"]
CMD ["serve"]
