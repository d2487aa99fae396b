// Package api holds the OpenAPI contract of /api/v1, embedded in the binary and served at
// /api/v1/openapi.yaml.
package api

import _ "embed"

// OpenAPI is api/openapi.yaml.
//
//go:embed openapi.yaml
var OpenAPI []byte
