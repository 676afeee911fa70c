# Build: docker build -t newsletter .
FROM golang:1.26-bookworm AS build
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
