// Package layering holds the tests that keep the layers of the services
// apart: a service's internal/domain packages, and the kit packages they
// build on (pkg/apperr, pkg/money), stay pure Go, depending on no gRPC,
// protobuf, database driver or NATS client, directly or through another
// package. The rule is checked with `go list -deps`, so it holds for new
// services and new imports without anyone remembering it.
//
// The package has no code of its own; it lives in the root module so that
// `make test` runs it from the repository root, where go.work spans every
// module.
package layering
