// Package migrations holds the versioned SQL schema of the platform, embedded in the binary and applied
// with goose. Files are named NNNNN_description.sql and are never edited once released.
package migrations

import "embed"

// FS is the set of goose migration files.
//
//go:embed *.sql
var FS embed.FS
