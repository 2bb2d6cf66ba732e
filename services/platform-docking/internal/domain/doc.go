// Package domain is platform-docking's model of partner platforms: their
// registration, terms and credentials, and the rules of their status
// (unverified until a handshake proves them, suspendable by operators). It
// is pure Go: no database, no gRPC, no protobuf.
package domain
