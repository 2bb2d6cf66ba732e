// Package migrations holds platform-docking's goose migrations, embedded so
// the binary applies them at start.
package migrations

import "embed"

// FS holds the *.sql migrations at its root.
//
//go:embed *.sql
var FS embed.FS
