module github.com/crossdock/crossdock/simulators

go 1.26.0

replace (
	github.com/crossdock/crossdock/gen => ../gen
	github.com/crossdock/crossdock/pkg => ../pkg
)

require github.com/crossdock/crossdock/pkg v0.0.0-00010101000000-000000000000

require (
	github.com/caarlos0/env/v11 v11.4.2 // indirect
	github.com/cenkalti/backoff/v5 v5.0.3 // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	go.opentelemetry.io/otel v1.47.0 // indirect
	go.opentelemetry.io/otel/trace v1.47.0 // indirect
	golang.org/x/text v0.43.0 // indirect
)
